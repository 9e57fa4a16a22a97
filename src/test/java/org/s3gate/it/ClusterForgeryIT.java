package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.s3gate.cluster.RedisServer;

/**
 * Forged requests against a cluster (issue 17 with issue 15's spoof-proof accounting): two gateway
 * instances sharing one real {@code redis-server}. A forger on 127.0.0.2 holds a whole minute's budget
 * of the victim's key in flight on the second instance (the backend refuses each forged request only
 * when the test releases it); meanwhile the victim, on the first instance, is denied, as it would be
 * in local mode while the forged requests are in flight. Once they are refused and refunded, the
 * victim must get its budget back at once on the first instance too: that instance's remembered
 * denial (the deny shortcut) may not outlive the refunds by more than a second, where it once
 * held for the minute's whole retry time. The same for bytes: forged uploads in flight that reserve
 * a minute's upload budget get the victim's uploads refused elsewhere, and once they are refused,
 * the other instance's remembered byte refusal ({@code ByteDenials}) ends within about a second.
 */
class ClusterForgeryIT {
  private static final String VICTIM_KEY = "CLUSTERVICTIM0000001";
  private static final int PER_MINUTE = 10;
  /** A key whose group has a byte budget only: its uploads are refused for bytes, never for requests. */
  private static final String BYTES_VICTIM_KEY = "CLUSTERBYTEVICTIM001";
  private static final int IN_PER_MINUTE = 64 * 1024;
  private static final int FORGED_UPLOADS = 4;
  /** Bounded waits, far above what any step needs and far below the minute the old shortcut held. */
  private static final long WAIT_SECONDS = 15;

  private static RedisServer redis;
  private static RefusingBackend backend;
  private static Gateway first;
  private static Gateway second;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisServer.start();
    backend = new RefusingBackend();
    first = gateway("cluster-forgery-1");
    second = gateway("cluster-forgery-2");
  }

  private static Gateway gateway(String name) throws Exception {
    return Gateway.builder(name, backend.url())
        .setting("counters.store", "redis")
        .setting("redis.uri", redis.uri())
        .setting("redis.timeout", "200ms") // see ClusterModeIT: 20 ms is not guaranteed on a shared 2-core machine
        .setting("cluster.instances", "2")
        .appendConf("api_key_groups.map", VICTIM_KEY + " victim", BYTES_VICTIM_KEY + " bytevictim")
        .appendConf("rate_limits_per_second.map", "victim 1000", "bytevictim 1000")
        .appendConf("rate_limits_per_minute.map", "victim " + PER_MINUTE, "bytevictim 100000")
        .appendConf("bandwidth_per_minute.map", "bytevictim:in " + IN_PER_MINUTE)
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(first, second, backend, redis);
  }

  private static RawHttp.Response send(String from, Gateway gateway, String signature) throws Exception {
    return RawHttp.exchange(from, "127.0.0.1", gateway.httpPort, List.of("GET /bucket/object HTTP/1.1",
        "Host: 127.0.0.1:" + gateway.httpPort, "x-amz-date: 20260101T000000Z",
        "Authorization: AWS4-HMAC-SHA256 Credential=" + VICTIM_KEY + "/20260101/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=" + signature), new byte[0], false);
  }

  private static RawHttp.Response victim(Gateway gateway) throws Exception {
    return send("127.0.0.1", gateway, "0".repeat(64));
  }

  /** A PUT of {@code bytes} bytes under the bytes victim's key, its length declared. */
  private static RawHttp.Response upload(String from, Gateway gateway, String signature, int bytes) throws Exception {
    return RawHttp.exchange(from, "127.0.0.1", gateway.httpPort, List.of("PUT /bucket/upload HTTP/1.1",
        "Host: 127.0.0.1:" + gateway.httpPort, "x-amz-date: 20260101T000000Z", "Content-Length: " + bytes,
        "x-amz-content-sha256: UNSIGNED-PAYLOAD",
        "Authorization: AWS4-HMAC-SHA256 Credential=" + BYTES_VICTIM_KEY + "/20260101/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + signature), new byte[bytes], false);
  }

  /** Polls {@code attempt} every 50 ms until it is not refused (429), at most {@link #WAIT_SECONDS}; its last status. */
  private static int untilNotRefused(java.util.concurrent.Callable<RawHttp.Response> attempt, String what)
      throws Exception {
    long releasedNanos = System.nanoTime();
    long deadline = releasedNanos + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    int status;
    do {
      Thread.sleep(50);
      status = attempt.call().status();
    } while (status == 429 && System.nanoTime() - deadline < 0);
    System.out.printf("%s admitted again on the other instance %d ms after the forged requests were refused%n", what,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - releasedNanos));
    return status;
  }

  @Test
  void forgedRequestsHeldInFlightOnOneInstance_doNotLockTheVictimOutOfAnotherAfterTheirRefunds() throws Exception {
    backend.hold();
    ExecutorService forger = Executors.newFixedThreadPool(PER_MINUTE);
    try {
      List<Future<RawHttp.Response>> forged = new ArrayList<>();
      for (int i = 0; i < PER_MINUTE; i++) {
        forged.add(forger.submit(() -> send("127.0.0.2", second, RefusingBackend.FORGED_SIGNATURE)));
      }
      assertThat(backend.awaitHeld(PER_MINUTE, WAIT_SECONDS)).as("the forged requests reached the backend").isTrue();

      RawHttp.Response whileHeld = victim(first);
      assertThat(whileHeld.status()).as("the minute is full of forged requests in flight: %s", whileHeld)
          .isEqualTo(429);
      assertThat(Integer.parseInt(whileHeld.header("Retry-After"))).as("denied for the minute window").isGreaterThan(1);

      backend.release();
      for (Future<RawHttp.Response> f : forged) {
        RawHttp.Response refused = f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(refused.status()).as("forged: %s", refused).isEqualTo(403);
        assertThat(refused.bodyText()).contains("<Code>SignatureDoesNotMatch</Code>");
      }

      // the refunds travel unawaited; the first instance's remembered denial holds at most a second more
      assertThat(untilNotRefused(() -> victim(first), "victim")).as("admitted again on the first instance within %d s",
          WAIT_SECONDS).isEqualTo(200);

      // and the forged requests count nowhere: the victim gets its whole minute, on both instances together
      int admitted = 1;
      for (int i = 0; i < 2 * PER_MINUTE && admitted <= PER_MINUTE; i++) {
        RawHttp.Response r = victim(i % 2 == 0 ? second : first);
        assertThat(r.status()).as("victim request %d: %s", i, r).isIn(200, 429);
        if (r.status() == 200) {
          admitted++;
        }
      }
      assertThat(admitted).as("the victim's whole per-minute budget, no more").isEqualTo(PER_MINUTE);
    } finally {
      backend.release();
      forger.shutdownNow();
    }
  }

  @Test
  void forgedUploadsHeldInFlightOnOneInstance_doNotKeepTheVictimsUploadsRefusedForBytesOnAnother() throws Exception {
    backend.hold();
    ExecutorService forger = Executors.newFixedThreadPool(FORGED_UPLOADS);
    try {
      List<Future<RawHttp.Response>> forged = new ArrayList<>();
      for (int i = 0; i < FORGED_UPLOADS; i++) { // together they reserve the minute's whole upload budget
        forged.add(forger.submit(() -> upload("127.0.0.2", second, RefusingBackend.FORGED_SIGNATURE,
            IN_PER_MINUTE / FORGED_UPLOADS)));
      }
      assertThat(backend.awaitHeld(FORGED_UPLOADS, WAIT_SECONDS)).as("the forged uploads reached the backend").isTrue();

      RawHttp.Response whileHeld = upload("127.0.0.1", first, "0".repeat(64), 1024);
      assertThat(whileHeld.status()).as("the minute's bytes are reserved by forged uploads: %s", whileHeld)
          .isEqualTo(429);
      assertThat(whileHeld.header("X-RateLimit-Rule")).isEqualTo("bytes_in");
      assertThat(Integer.parseInt(whileHeld.header("Retry-After"))).as("refused for the minute").isGreaterThan(1);

      backend.release();
      for (Future<RawHttp.Response> f : forged) {
        assertThat(f.get(WAIT_SECONDS, TimeUnit.SECONDS).status()).isEqualTo(403);
      }
      // the refused uploads give their bytes back; the first instance's remembered refusal holds at most a second more
      assertThat(untilNotRefused(() -> upload("127.0.0.1", first, "0".repeat(64), 1024), "victim's upload"))
          .as("admitted again on the first instance within %d s", WAIT_SECONDS).isEqualTo(200);
    } finally {
      backend.release();
      forger.shutdownNow();
    }
  }
}
