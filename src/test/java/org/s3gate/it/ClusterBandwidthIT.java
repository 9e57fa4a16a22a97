package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.s3gate.cluster.RedisServer;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Shared byte budgets in cluster mode ({@code bandwidth_per_minute.map} with
 * {@code counters.store=redis}): two gateway instances sharing one real {@code redis-server}, in
 * front of one s3proxy (signatures checked), the AWS SDK v2 as the client. Uploads and downloads of
 * one key go through both instances; the bytes admitted across both stay within the key's
 * per-minute budget (downloads: plus the documented overshoot, one response per concurrent download
 * admitted while the budget had room), where per-instance budgets would admit about twice as much;
 * and a refusal is S3's SlowDown with a Retry-After.
 *
 * <p>No timing is asserted: a transfer is placed inside a sliding minute only when its whole
 * send-to-answer interval lies in it (the client's clock), so a slow machine can only make the
 * check weaker, never fail it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterBandwidthIT {
  private static final int KIB = 1 << 10;
  private static final int MIB = 1 << 20;
  private static final long IN_BUDGET = 4L * MIB;
  private static final long OUT_BUDGET = 4L * MIB;
  private static final int SMALL = 256 * KIB;
  private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

  private static RedisServer redis;
  private static S3Backend backend;
  private static Gateway first;
  private static Gateway second;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisServer.start();
    backend = S3Backend.start("cluster-bandwidth-backend");
    first = gateway("cluster-bw-1");
    second = gateway("cluster-bw-2");
    try (S3Client one = S3Clients.noRetries(first.url())) {
      one.createBucket(b -> b.bucket("shared"));
    }
  }

  private static Gateway gateway(String name) throws Exception {
    return Gateway.builder(name, backend.url())
        .setting("counters.store", "redis")
        .setting("redis.uri", redis.uri())
        .setting("redis.failure", "local")
        .setting("redis.timeout", "200ms") // a shared 2-core machine: see ClusterModeIT
        .setting("cluster.instances", "2")
        .appendConf("bandwidth_per_minute.map", "premium:in 4M", "premium:out 4M")
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(first, second, backend, redis);
  }

  /** One transfer as the client saw it (nanoTime), its status, bytes, and a refusal's headers. */
  record Sent(long sentNanos, long answeredNanos, int status, long bytes, String rule, String retryAfter,
      String code) {
    boolean admitted() {
      return status == 200;
    }
  }

  private static Sent put(S3Client s3, String key, byte[] body) {
    long sent = System.nanoTime();
    try {
      s3.putObject(b -> b.bucket("shared").key(key), RequestBody.fromBytes(body));
      return new Sent(sent, System.nanoTime(), 200, body.length, null, null, null);
    } catch (S3Exception e) {
      return refused(sent, e, body.length);
    }
  }

  private static Sent get(S3Client s3, String key) {
    long sent = System.nanoTime();
    try {
      int length = s3.getObjectAsBytes(b -> b.bucket("shared").key(key)).asByteArray().length;
      return new Sent(sent, System.nanoTime(), 200, length, null, null, null);
    } catch (S3Exception e) {
      return refused(sent, e, 0);
    }
  }

  private static Sent refused(long sent, S3Exception e, long bytes) {
    var response = e.awsErrorDetails().sdkHttpResponse();
    return new Sent(sent, System.nanoTime(), e.statusCode(), bytes,
        response.firstMatchingHeader("X-RateLimit-Rule").orElse(null),
        response.firstMatchingHeader("Retry-After").orElse(null), e.awsErrorDetails().errorCode());
  }

  /**
   * The most bytes admitted in one sliding minute: over windows starting at each admitted
   * transfer's send, counting the transfers whose whole interval lies in the window.
   */
  private static long mostBytesInAMinute(List<Sent> sent) {
    long most = 0;
    for (Sent start : sent) {
      if (!start.admitted()) {
        continue;
      }
      long from = start.sentNanos();
      long sum = sent.stream().filter(Sent::admitted)
          .filter(s -> s.sentNanos() - from >= 0 && s.answeredNanos() - from < MINUTE)
          .mapToLong(Sent::bytes).sum();
      most = Math.max(most, sum);
    }
    return most;
  }

  private static void assertSlowDown(Sent refusal, String rule) {
    assertThat(refusal.status()).isEqualTo(429);
    assertThat(refusal.code()).isEqualTo("SlowDown");
    assertThat(refusal.rule()).isEqualTo(rule);
    assertThat(Long.parseLong(refusal.retryAfter())).isBetween(1L, 63L);
  }

  /** FCALLs Redis has run, once they reach {@code atLeast} (the later charges are not awaited; bounded wait). */
  private static long fcallsOnceAtLeast(long atLeast) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    long calls = redis.calls("fcall");
    while (calls < atLeast && System.nanoTime() - deadline < 0) {
      Thread.sleep(10);
      calls = redis.calls("fcall");
    }
    return calls;
  }

  @Test
  @Order(1)
  void callsPerRequest_aPutOfKnownLengthCostsOne_aGetWithALengthTwo() throws Exception {
    byte[] tiny = new byte[KIB];
    try (S3Client one = S3Clients.noRetries(first.url())) {
      long before = redis.calls("fcall");
      assertThat(put(one, "tiny-0", tiny).admitted()).isTrue();
      assertThat(redis.calls("fcall") - before).as("PUT: s3gate_admit, nothing after").isEqualTo(1);
      assertThat(get(one, "tiny-0").admitted()).isTrue();
      assertThat(fcallsOnceAtLeast(before + 3) - before).as("GET: s3gate_admit + its length (s3gate_bytes)")
          .isEqualTo(3);
      assertThat(put(one, "tiny-1", tiny).admitted()).isTrue();
      // a late reconcile of the GET (there should be none: it was sent in full) would show here
      assertThat(fcallsOnceAtLeast(before + 4) - before).isEqualTo(4);
    }
  }

  @Test
  @Order(2)
  void uploads_throughBothInstances_shareOneInBudget_theOtherInstanceRefusesWithSlowDown() throws Exception {
    byte[] small = new byte[SMALL];
    byte[] mib = new byte[MIB];
    Arrays.fill(small, (byte) 's');
    Arrays.fill(mib, (byte) 'm');
    List<Sent> sent = new ArrayList<>();
    try (S3Client one = S3Clients.noRetries(first.url()); S3Client two = S3Clients.noRetries(second.url())) {
      // the download phase's objects, 2 x 256 KiB, through each instance; then 1 MiB ones through the first
      sent.add(put(one, "small-0", small));
      sent.add(put(two, "small-1", small));
      for (int i = 0; i < 3; i++) {
        sent.add(put(one, "mib-" + i, mib));
      }
      // 3.5 MiB are counted, all on the first instance: the second has no room for 1 MiB more
      Sent overBudget = put(two, "mib-3", mib);
      sent.add(overBudget);
      // and neither has: the first refuses it too
      Sent again = put(one, "mib-3", mib);
      sent.add(again);
      Sent firstSent = sent.get(0);
      System.out.printf("uploads: %s%n", sent.stream().map(s -> s.status() + "/" + s.bytes()).toList());
      assertThat(sent.subList(0, 5)).allMatch(Sent::admitted);
      if (again.answeredNanos() - firstSent.sentNanos() < MINUTE) { // else the minute legitimately has room
        assertSlowDown(overBudget, "bytes_in");
        assertSlowDown(again, "bytes_in");
      }
    }
    assertThat(mostBytesInAMinute(sent)).as("bytes uploaded in any minute, both instances").isLessThanOrEqualTo(
        IN_BUDGET);
    // JMX of the second instance shows the shared bytes (uploaded mostly through the first)
    long uploaded = sent.stream().filter(Sent::admitted).mapToLong(Sent::bytes).sum();
    if (sent.get(sent.size() - 1).answeredNanos() - sent.get(0).sentNanos() < MINUTE) {
      // (plus the two 1 KiB uploads of the calls-per-request test)
      assertThat(show(second)).contains("bytes_in_per_minute=" + (uploaded + 2 * KIB) + " ");
    }
  }

  private static String show(Gateway gateway) throws Exception {
    try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl()),
        gateway.jmxEnvironment())) {
      return (String) connector.getMBeanServerConnection().invoke(new ObjectName("s3gate:type=Table,name=api_keys"),
          "show", new Object[0], new String[0]);
    }
  }

  @Test
  @Order(3)
  void downloads_throughBothInstances_stayWithinTheOutBudgetPlusOneResponsePerConcurrentDownload()
      throws Exception {
    int threadsPerInstance = 2;
    ExecutorService pool = Executors.newFixedThreadPool(2 * threadsPerInstance);
    List<Future<List<Sent>>> futures = new ArrayList<>();
    Gateway[] gateways = {first, second};
    try {
      for (int t = 0; t < 2 * threadsPerInstance; t++) {
        Gateway gateway = gateways[t % 2];
        String key = "small-" + (t % 2);
        futures.add(pool.submit(() -> {
          List<Sent> mine = new ArrayList<>();
          try (S3Client s3 = S3Clients.noRetries(gateway.url())) {
            // until this thread is refused for bytes twice (bounded: at most 80 attempts)
            int bytesRefusals = 0;
            for (int i = 0; i < 80 && bytesRefusals < 2; i++) {
              Sent s = get(s3, key);
              mine.add(s);
              if ("bytes_out".equals(s.rule())) {
                bytesRefusals++;
              } else if (!s.admitted()) {
                Thread.sleep(100); // another budget (the per-second one): try again
              }
            }
          }
          return mine;
        }));
      }
      List<Sent> all = Collections.synchronizedList(new ArrayList<>());
      List<Sent> refusedByFirst = new ArrayList<>();
      List<Sent> refusedBySecond = new ArrayList<>();
      for (int t = 0; t < futures.size(); t++) {
        List<Sent> mine = futures.get(t).get(5, TimeUnit.MINUTES);
        all.addAll(mine);
        for (Sent s : mine) {
          if ("bytes_out".equals(s.rule())) {
            (t % 2 == 0 ? refusedByFirst : refusedBySecond).add(s);
          }
        }
      }
      long admittedBytes = all.stream().filter(Sent::admitted).mapToLong(Sent::bytes).sum();
      System.out.printf("downloads: %d admitted (%d bytes), %d refused for bytes (first %d, second %d)%n",
          all.stream().filter(Sent::admitted).count(), admittedBytes, refusedByFirst.size() + refusedBySecond.size(),
          refusedByFirst.size(), refusedBySecond.size());
      // per-instance budgets would admit about 2 x 4 MiB here; shared: 4 MiB plus one response per download in flight
      assertThat(mostBytesInAMinute(all)).as("bytes downloaded in any minute, both instances")
          .isLessThanOrEqualTo(OUT_BUDGET + 2L * threadsPerInstance * SMALL);
      assertThat(refusedByFirst).isNotEmpty();
      assertThat(refusedBySecond).isNotEmpty();
      assertSlowDown(refusedByFirst.get(0), "bytes_out");
      assertSlowDown(refusedBySecond.get(0), "bytes_out");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @Order(4)
  void redisKilled_theInstanceDecidesBytesOnItsOwn_withTheBudgetDividedByTheInstances() throws Exception {
    redis.kill();
    byte[] half = new byte[MIB / 2];
    Arrays.fill(half, (byte) 'h');
    List<Sent> sent = new ArrayList<>();
    try (S3Client one = S3Clients.noRetries(first.url())) {
      // 512 KiB: smaller than the 1 MiB upload refused in phase 1, so that remembered refusal does not apply
      for (int i = 0; i < 8 && (sent.isEmpty() || sent.get(sent.size() - 1).admitted()); i++) {
        sent.add(put(one, "half-" + i, half));
      }
    }
    System.out.printf("uploads with Redis away: %s%n", sent.stream().map(s -> s.status() + "/" + s.bytes()).toList());
    // redis.failure=local, cluster.instances=2: this instance alone admits 4 MiB / 2 = 2 MiB, its local table
    // empty at the outage; the first refusal is for bytes
    assertThat(mostBytesInAMinute(sent)).isLessThanOrEqualTo(IN_BUDGET / 2);
    Sent last = sent.get(sent.size() - 1);
    if (last.answeredNanos() - sent.get(0).sentNanos() < MINUTE) {
      assertThat(sent.stream().filter(Sent::admitted).count()).isEqualTo(4);
      assertSlowDown(last, "bytes_in");
    }
  }
}
