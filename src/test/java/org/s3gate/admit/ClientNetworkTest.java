package org.s3gate.admit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientNetworkTest {

  @Test
  void of_ipv4_isTheAddressItself_atAnyPrefix() {
    assertThat(ClientNetwork.of("192.0.2.7", 64)).isEqualTo("192.0.2.7");
    assertThat(ClientNetwork.of("192.0.2.7", 1)).isEqualTo("192.0.2.7");
  }

  @Test
  void of_ipv6_isItsSlash64_soAnotherAddressOfTheSubnetIsTheSameClient() {
    String one = ClientNetwork.of("2001:db8:1:2::1", 64);
    assertThat(one).isEqualTo("2001:db8:1:2:0:0:0:0/64");
    assertThat(ClientNetwork.of("2001:db8:1:2:dead:beef:0:7", 64)).isEqualTo(one);
    assertThat(ClientNetwork.of("2001:db8:1:3::1", 64)).as("the next /64 is another client")
        .isEqualTo("2001:db8:1:3:0:0:0:0/64");
  }

  @Test
  void of_everySpellingOfAnAddress_isOneText() {
    assertThat(ClientNetwork.of("::1", 128)).isEqualTo("0:0:0:0:0:0:0:1");
    assertThat(ClientNetwork.of("[::1]", 128)).isEqualTo("0:0:0:0:0:0:0:1");
    assertThat(ClientNetwork.of("0:0:0:0:0:0:0:1", 128)).isEqualTo("0:0:0:0:0:0:0:1");
    assertThat(ClientNetwork.of("2001:0DB8:0001:0002:0000:0000:0000:0001", 64))
        .isEqualTo(ClientNetwork.of("[2001:db8:1:2::1%eth0]", 64));
  }

  @Test
  void of_prefixesOffAByteBoundary_clearExactlyTheHostBits() {
    assertThat(ClientNetwork.of("2001:db8:abcd:12ff::1", 60)).isEqualTo("2001:db8:abcd:12f0:0:0:0:0/60");
    assertThat(ClientNetwork.of("2001:db8:abcd:12ff::1", 48)).isEqualTo("2001:db8:abcd:0:0:0:0:0/48");
    assertThat(ClientNetwork.of("ffff::", 1)).isEqualTo("8000:0:0:0:0:0:0:0/1");
    assertThat(ClientNetwork.of("2001:db8::ffff:1", 127)).isEqualTo("2001:db8:0:0:0:0:ffff:0/127");
  }

  @Test
  void of_ipv4MappedIpv6_isTheIpv4Client() {
    assertThat(ClientNetwork.of("::ffff:192.0.2.7", 64)).isEqualTo("192.0.2.7");
    assertThat(ClientNetwork.of("[::ffff:c000:207]", 64)).isEqualTo("192.0.2.7");
  }

  @Test
  void of_textThatIsNoLiteral_isKeptAsItIs() {
    assertThat(ClientNetwork.of("not:an:address", 64)).isEqualTo("not:an:address");
    assertThat(ClientNetwork.of("unix:/run/s3gate.sock", 64)).isEqualTo("unix:/run/s3gate.sock");
  }
}
