package org.s3gate.management;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.s3gate.admit.ConnectionLimiterBridge;
import org.s3gate.jetty.ConnectionRateLimiter;
import org.s3gate.jetty.ConnectionRateLimiterMXBean;
import org.s3gate.limit.ClientIpTable;

/**
 * {@code clear-table --table client_ips} reaches the Jetty connection counts (issue 15 review: an
 * operator who cleared an address still saw its connections refused). The real Jetty component,
 * behind its MBean in an MBean server of the test's own, fed real accepted sockets on 127.0.0.1.
 */
class ClientIpTableControlClearTest {
  private final MBeanServer mbeans = MBeanServerFactory.newMBeanServer();
  private final ConnectionRateLimiter limiter = new ConnectionRateLimiter(new Server(), 100);
  private ServerSocketChannel listener;
  private ClientIpTableControl control;

  @BeforeEach
  void setUp() throws Exception {
    mbeans.registerMBean(new StandardMBean(limiter, ConnectionRateLimiterMXBean.class, true),
        new ObjectName(ConnectionRateLimiter.OBJECT_NAME));
    limiter.configure(1, 60_000, false, new String[0], 64);
    listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    control = new ClientIpTableControl(new ClientIpTable(100, Duration.ofSeconds(10)), System::nanoTime,
        new ConnectionLimiterBridge(mbeans), () -> 64);
  }

  @AfterEach
  void tearDown() throws Exception {
    listener.close();
  }

  /** Connects once and hands the accepted socket to the limiter; returns whether it kept it open. */
  private boolean accept() throws Exception {
    return accept(listener);
  }

  private boolean accept(ServerSocketChannel on) throws Exception {
    try (SocketChannel client = SocketChannel.open(on.getLocalAddress());
        SocketChannel accepted = on.accept()) {
      limiter.onAccepting(accepted);
      return accepted.isOpen();
    }
  }

  @Test
  void clearKey_forgetsTheAddressesConnectionCounts() throws Exception {
    assertThat(accept()).isTrue();
    assertThat(accept()).as("over ip.limit.connections=1").isFalse();
    assertThat(control.clearKey(InetAddress.getLoopbackAddress().getHostAddress())).isTrue();
    assertThat(accept()).as("cleared: admitted again").isTrue();
    assertThat(accept()).as("and counted again").isFalse();
  }

  @Test
  void clear_forgetsEveryAddressesConnectionCounts() throws Exception {
    assertThat(accept()).isTrue();
    assertThat(accept()).isFalse();
    control.clear();
    assertThat(limiter.getTrackedIps()).isZero();
    assertThat(accept()).as("cleared: admitted again").isTrue();
  }

  @Test
  void clearKey_ipv6_clearsTheSlash64TheAddressIsCountedIn_givenAsAnAddressOrAsTheNetwork() throws Exception {
    ServerSocketChannel v6;
    try {
      v6 = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
    } catch (java.io.IOException noIpv6) {
      org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback on this machine: " + noIpv6);
      return;
    }
    try (v6) {
      assertThat(accept(v6)).isTrue();
      assertThat(accept(v6)).isFalse();
      assertThat(limiter.connectionRates()).as("named as the client_ips table names it")
          .containsEntry("0:0:0:0:0:0:0:0/64", 1);
      assertThat(control.clearKey("0:0:0:0:0:0:0:0/64")).isTrue();
      assertThat(accept(v6)).as("cleared by the network's name").isTrue();
      assertThat(accept(v6)).isFalse();
      assertThat(control.clearKey("::2")).as("another address of the /64 clears it too").isTrue();
      assertThat(accept(v6)).isTrue();
    }
  }
}
