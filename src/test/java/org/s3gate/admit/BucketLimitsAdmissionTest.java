package org.s3gate.admit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.config.ConfigReloader;
import org.s3gate.limit.CounterTable;
import org.s3gate.policy.PolicySnapshot;

/** Per-bucket limits ({@code bucket_limits_per_*.map}) in the admission core, charged all-or-nothing with the others. */
class BucketLimitsAdmissionTest {
  private static final String TENANT_A = "TENANTAKEY0000000001";
  private static final String TENANT_B = "TENANTBKEY0000000002";
  private static final String UNLISTED = "NOBODYKEY00000000003";
  private static final long SECOND = 1_000_000_000L;

  private static PolicySnapshot load(Path dir, String bucketsPerSecond, String extraSettings) throws IOException {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\ns3.domain s3.example.com\n" + extraSettings);
    Files.writeString(dir.resolve("api_key_groups.map"), TENANT_A + " alpha\n" + TENANT_B + " beta\n");
    Files.writeString(dir.resolve("rate_limits_per_minute.map"), "alpha 1000\nbeta 1000\nunknown 1000\n");
    Files.writeString(dir.resolve("rate_limits_per_second.map"), "alpha 3\nbeta 100\nunknown 100\n");
    Files.writeString(dir.resolve("bucket_limits_per_second.map"), bucketsPerSecond);
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      return config.store().current();
    }
  }

  private static RequestFacts put(String key, String path) {
    return DimensionRequest.of("PUT", path, "192.0.2.1", "X-API-Key", key, "Host", "127.0.0.1:8080");
  }

  private static RequestFacts virtualHosted(String key, String host, String path) {
    return DimensionRequest.of("GET", path, "192.0.2.1", "X-API-Key", key, "Host", host);
  }

  @Test
  void twoTenantsShareABucketsLimit_anotherBucketIsUnaffected(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "hot 4\n", "");
    CounterTable buckets = new CounterTable(10);
    Admission admission = new Admission(new CounterTable(10), buckets, () -> 0L);

    assertThat(admission.decide(put(TENANT_A, "/hot/1"), policy, 0L).verdict()).isEqualTo(Verdict.ADMITTED);
    assertThat(admission.decide(put(TENANT_B, "/hot/2"), policy, 0L).verdict()).isEqualTo(Verdict.ADMITTED);
    assertThat(admission.decide(put(TENANT_A, "/hot/3"), policy, 0L).verdict()).isEqualTo(Verdict.ADMITTED);
    Outcome fourth = admission.decide(put(TENANT_B, "/hot/4"), policy, 0L);
    assertThat(fourth.bucket()).isEqualTo("hot");
    assertThat(fourth.bucketDecision().currentPerSecond()).isEqualTo(4);
    Outcome fifth = admission.decide(put(TENANT_B, "/hot/5"), policy, 0L);
    assertThat(fifth.verdict()).isEqualTo(Verdict.DENIED_PER_SECOND);
    assertThat(fifth.denialMessage()).endsWith("(4 requests/second for bucket hot)");
    assertThat(fifth.retryAfterNanos()).isPositive();

    for (int i = 0; i < 5; i++) { // no entry and no '*': no bucket limit, no bucket counter
      Outcome cold = admission.decide(put(TENANT_B, "/cold/" + i), policy, 0L);
      assertThat(cold.verdict()).isEqualTo(Verdict.ADMITTED);
      assertThat(cold.bucketDecision()).isNull();
    }
    assertThat(admission.decide(DimensionRequest.of("GET", "/", "192.0.2.1", "X-API-Key", TENANT_B), policy, 0L)
        .bucket()).isNull(); // ListBuckets
    assertThat(buckets.size()).isEqualTo(1);
    assertThat(buckets.peek("hot", 0L).currentPerSecond()).isEqualTo(4);
    assertThat(admission.decide(put(TENANT_A, "/hot/6"), policy, 2 * SECOND).verdict()).isEqualTo(Verdict.ADMITTED);
  }

  @Test
  void virtualHostedAndPathStyleRequests_countTowardTheSameBucket(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "hot 3\n", "");
    CounterTable buckets = new CounterTable(10);
    Admission admission = new Admission(new CounterTable(10), buckets, () -> 0L);

    assertThat(admission.decide(virtualHosted(TENANT_B, "hot.s3.example.com:8080", "/k"), policy, 0L).verdict())
        .isEqualTo(Verdict.ADMITTED);
    assertThat(admission.decide(virtualHosted(TENANT_B, "HOT.s3.example.com", "/"), policy, 0L).verdict())
        .isEqualTo(Verdict.ADMITTED);
    assertThat(admission.decide(virtualHosted(TENANT_B, "s3.example.com", "/hot/k"), policy, 0L).verdict())
        .isEqualTo(Verdict.ADMITTED);
    assertThat(admission.decide(put(TENANT_B, "//h%6Ft/k"), policy, 0L).verdict()).isEqualTo(Verdict.DENIED_PER_SECOND);
    assertThat(buckets.peek("hot", 0L).currentPerSecond()).isEqualTo(3);
  }

  @Test
  void bucketDenial_refundsTheCallersCharges_andCallerDenial_neverChargesTheBucket(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "* 2\n", "");
    CounterTable keys = new CounterTable(10);
    CounterTable buckets = new CounterTable(10);
    Admission admission = new Admission(keys, buckets, () -> 0L);

    admission.decide(put(TENANT_B, "/b1/k"), policy, 0L);
    admission.decide(put(TENANT_B, "/b1/k"), policy, 0L);
    assertThat(admission.decide(put(UNLISTED, "/b1/k"), policy, 0L).verdict()).isEqualTo(Verdict.DENIED_PER_SECOND);
    assertThat(keys.peek(UNLISTED, 0L).currentPerSecond()).isZero(); // refunded, its address's budget too
    assertThat(keys.peek("anonymous@192.0.2.1", 0L).currentPerSecond()).isZero();

    for (int i = 0; i < 3; i++) {
      assertThat(admission.decide(put(TENANT_A, "/b" + (2 + i) + "/k"), policy, 0L).verdict())
          .isEqualTo(Verdict.ADMITTED); // alpha allows 3 a second
    }
    Outcome overOwnLimit = admission.decide(put(TENANT_A, "/b9/k"), policy, 0L);
    assertThat(overOwnLimit.denialMessage()).endsWith("(3 requests/second per API key)");
    assertThat(buckets.peek("b9", 0L).currentPerSecond()).isZero(); // the shared budget was never touched
    assertThat(keys.peek(TENANT_A, 0L).currentPerSecond()).isEqualTo(3);
  }

  @Test
  void inFlightDenial_andForgedRefund_giveTheBucketItsUnitBack(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("concurrent_requests.map"), "beta 1\n");
    PolicySnapshot policy = load(dir, "hot 10\n", "");
    CounterTable buckets = new CounterTable(10);
    Admission admission = new Admission(new CounterTable(10), buckets, () -> 0L);

    Outcome first = admission.decide(put(TENANT_B, "/hot/k"), policy, 0L);
    Outcome second = admission.decide(put(TENANT_B, "/hot/k"), policy, 0L);
    assertThat(second.verdict()).isEqualTo(Verdict.DENIED_CONCURRENT);
    assertThat(buckets.peek("hot", 0L).currentPerSecond()).isEqualTo(1);
    admission.refundForged(first, policy, 0L, 0L); // the backend refused the first as forged
    assertThat(buckets.peek("hot", 0L).currentPerSecond()).isZero();
    admission.complete(first);
  }

  @Test
  void shadowMode_admitsABucketDenialNamingItsRule_andChargesTheBucketAsEnforcementWould(@TempDir Path dir)
      throws IOException {
    PolicySnapshot policy = load(dir, "hot 2\n", "mode shadow\n");
    CounterTable buckets = new CounterTable(10);
    Admission admission = new Admission(new CounterTable(10), buckets, () -> 0L);
    admission.decide(put(TENANT_B, "/hot/1"), policy, 0L);
    admission.decide(put(TENANT_B, "/hot/2"), policy, 0L);
    Outcome third = admission.decide(put(TENANT_B, "/hot/3"), policy, 0L);
    assertThat(third.verdict()).isEqualTo(Verdict.ADMITTED);
    assertThat(third.shadowRule()).isEqualTo(DenialRule.BUCKET_SECOND);
    assertThat(third.bucketDecision().currentPerSecond()).isEqualTo(2); // shown in the headers
    admission.refundForged(third, policy, 0L, 0L); // nothing was charged for it: nothing to give back
    assertThat(buckets.peek("hot", 0L).currentPerSecond()).isEqualTo(2);
  }

  @Test
  void noBucketMaps_noBucketIsRead_andNothingIsCounted(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "# none\n", "");
    CounterTable buckets = new CounterTable(10);
    Admission admission = new Admission(new CounterTable(10), buckets, () -> 0L);
    Outcome outcome = admission.decide(put(TENANT_B, "/hot/k"), policy, 0L);
    assertThat(outcome.bucket()).isNull();
    assertThat(outcome.bucketDecision()).isNull();
    assertThat(buckets.size()).isZero();
  }

  /**
   * Property: many tenants sending random traffic to a few buckets (fixed seeds, including clocks
   * near overflow) against an exact sliding log of each bucket's admitted requests. Never over: in
   * no sliding second or minute does a bucket get more admitted requests than its limit. Under-
   * admission bounded as for any counter ({@code CounterTable}): a denial needs at least
   * {@code limit - (batch - 1)} admitted requests in the window widened by one tick (32 us, 2 ms),
   * where the batch is {@code ceil(limit / cells)}: 1 for 7/s (13 cells), 6 for 90/min (16 cells).
   */
  @Test
  void bucketCounters_randomTrafficOfManyTenants_neverOverTheLimitOfAnExactSlidingLog(@TempDir Path dir)
      throws IOException {
    int perSecond = 7;
    int perMinute = 90;
    Files.writeString(dir.resolve("bucket_limits_per_minute.map"), "* " + perMinute + "\n");
    PolicySnapshot policy = load(dir, "* " + perSecond + "\n", "");
    String[] buckets = {"b0", "b1", "b2"};
    for (long start : new long[] {0L, Long.MAX_VALUE - 200 * SECOND, -5 * SECOND}) {
      for (long seed = 1; seed <= 3; seed++) {
        Random random = new Random(seed);
        Admission admission = new Admission(new CounterTable(1000), new CounterTable(10), () -> 0L);
        Map<String, Deque<Long>> logs = Map.of("b0", new ArrayDeque<>(), "b1", new ArrayDeque<>(), "b2", new ArrayDeque<>());
        long elapsed = 0;
        int denials = 0;
        for (int i = 0; i < 4000; i++) {
          elapsed += random.nextInt(10) == 0 ? random.nextInt(3000) * 1_000_000L : random.nextInt(40) * 1_000_000L;
          String bucket = buckets[random.nextInt(buckets.length)];
          String key = "TENANT" + random.nextInt(30); // unlisted keys: 100/s each per address, never the limit here
          Outcome outcome = admission.decide(DimensionRequest.of("GET", "/" + bucket + "/k", "192.0.2." + random.nextInt(30),
              "X-API-Key", key), policy, start + elapsed);
          Deque<Long> log = logs.get(bucket);
          if (outcome.verdict() == Verdict.ADMITTED) {
            log.addLast(elapsed);
            assertThat(countSince(log, elapsed - SECOND)).as("bucket %s second at %d", bucket, elapsed).isLessThanOrEqualTo(perSecond);
            assertThat(countSince(log, elapsed - 60 * SECOND)).as("bucket %s minute at %d", bucket, elapsed)
                .isLessThanOrEqualTo(perMinute);
            admission.complete(outcome);
          } else {
            denials++;
            assertThat(outcome.denialMessage()).contains("for bucket " + bucket);
            boolean secondFull = countSince(log, elapsed - SECOND - 32_000L) >= perSecond;
            boolean minuteFull = countSince(log, elapsed - 60 * SECOND - 2_000_000L) >= perMinute - 5;
            assertThat(secondFull || minuteFull).as("denied at %d with room in the widened windows", elapsed).isTrue();
          }
        }
        assertThat(denials).as("the traffic reaches the limits").isGreaterThan(500);
      }
    }
  }

  /** Admitted requests of the log strictly after {@code fromExclusive}. */
  private static int countSince(Deque<Long> log, long fromExclusive) {
    int n = 0;
    for (long t : log) {
      if (t > fromExclusive) {
        n++;
      }
    }
    return n;
  }
}
