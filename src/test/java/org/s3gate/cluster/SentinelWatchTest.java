package org.s3gate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.s3gate.testsupport.FreePorts;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;

/**
 * While no Sentinel answers, the watch asks again only every 10 s (by the caller's clock), so the
 * probe neither floods the log with Lettuce's connect warnings nor waits on a connect every 500 ms.
 * The "Sentinel" is a socket that accepts and hangs up, so every attempt is counted.
 */
@Timeout(30)
class SentinelWatchTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void movedTo_noSentinelAnswers_asksAgainOnlyAfterTenSeconds() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    try (ServerSocket hangUp = new ServerSocket(FreePorts.next(), 10, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        while (!hangUp.isClosed()) {
          try (Socket s = hangUp.accept()) {
            attempts.incrementAndGet();
          } catch (IOException closed) {
            return;
          }
        }
      }, "hang-up-sentinel");
      acceptor.setDaemon(true);
      acceptor.start();
      RedisURI uri = RedisURI.create("redis-sentinel://127.0.0.1:" + hangUp.getLocalPort() + "#mymaster");
      uri.setTimeout(Duration.ofSeconds(2));
      RedisClient client = RedisClient.create();
      try (SentinelWatch watch = new SentinelWatch(client, uri)) {
        long t0 = 1_000 * SECOND; // any origin: only differences count
        assertThat(watch.movedTo(t0)).isNull();
        int first = attempts.get();
        assertThat(first).as("asked once").isPositive();
        assertThat(watch.movedTo(t0 + 5 * SECOND)).isNull();
        assertThat(watch.movedTo(t0 + 9 * SECOND)).isNull();
        assertThat(attempts.get()).as("not asked again within 10 s").isEqualTo(first);
        assertThat(watch.movedTo(t0 + 10 * SECOND)).isNull();
        assertThat(attempts.get()).as("asked again after 10 s").isGreaterThan(first);
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }
}
