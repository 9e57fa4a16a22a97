package org.s3gate.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;

import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;

/** How the connection-rate rule counts a client: an IPv6 address as its ip.ipv6.prefix network. */
class ConnectionRateLimiterTest {

  private static InetAddress ip(String text) throws Exception {
    return InetAddress.getByName(text);
  }

  @Test
  void countedAs_ipv6_isItsNetwork_ipv4AndPrefix128_areTheAddress() throws Exception {
    assertThat(ConnectionRateLimiter.countedAs(ip("2001:db8:1:2:dead:beef::7"), 64)).isEqualTo(ip("2001:db8:1:2::"));
    assertThat(ConnectionRateLimiter.countedAs(ip("2001:db8:1:2::1"), 64))
        .isEqualTo(ConnectionRateLimiter.countedAs(ip("2001:db8:1:2:ffff::1"), 64));
    assertThat(ConnectionRateLimiter.countedAs(ip("2001:db8:abcd:12ff::1"), 60)).isEqualTo(ip("2001:db8:abcd:12f0::"));
    assertThat(ConnectionRateLimiter.countedAs(ip("2001:db8::1"), 128)).isEqualTo(ip("2001:db8::1"));
    assertThat(ConnectionRateLimiter.countedAs(ip("192.0.2.7"), 1)).isEqualTo(ip("192.0.2.7"));
  }

  @Test
  void configure_prefixOutside1To128_isRefused() {
    ConnectionRateLimiter limiter = new ConnectionRateLimiter(new Server(), 10);
    for (int bad : new int[] {0, 129, -1}) {
      assertThatThrownBy(() -> limiter.configure(1, 1000, false, new String[0], bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ipv6PrefixBits 1..128");
    }
  }
}
