package org.s3gate.admit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.admit.AdmissionTest.Request;
import org.s3gate.cluster.RedisCounterStore;
import org.s3gate.cluster.RedisServer;
import org.s3gate.config.ConfigReloader;
import org.s3gate.limit.ByteBudgets;
import org.s3gate.limit.ByteDirection;
import org.s3gate.limit.ByteTable;
import org.s3gate.limit.CounterTable;
import org.s3gate.policy.ClusterSettings;
import org.s3gate.policy.PolicySnapshot;

/**
 * The admission core with the Redis store deciding the bandwidth budgets ({@code counters.store=redis}),
 * against a real {@code redis-server}: the same rules as {@link BandwidthAdmissionTest}, with the
 * bytes in Redis. The later charges are not awaited by the admission, so the test reads Redis until
 * they have arrived (bounded).
 */
class RedisBandwidthAdmissionTest {
  private static final String KEY = "FQ4IU19ZFZ3470XJ7GBF";
  private static final long MIB = 1L << 20;
  private static final long SECOND = 1_000_000_000L;

  private RedisServer redis;
  private RedisCounterStore store;
  private final ByteTable local = new ByteTable(10);
  private Admission admission;
  private ByteBudgets shared;

  @BeforeEach
  void start() throws Exception {
    redis = RedisServer.start();
    CounterTable table = new CounterTable(10);
    ClusterSettings cluster = new ClusterSettings(ClusterSettings.Store.REDIS, redis.uri(), Duration.ofMillis(500),
        ClusterSettings.Failure.LOCAL, 2);
    store = new RedisCounterStore(cluster, new LocalCounterStore(table, new CounterTable(10)), local, nanos -> {});
    admission = new Admission(table, null, store, System::currentTimeMillis, local);
    shared = store.bandwidthView();
  }

  @AfterEach
  void stop() throws Exception {
    if (store != null) {
      store.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private static PolicySnapshot load(Path dir, String bandwidth, String concurrent) throws IOException {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\ncount.denied false\n");
    Files.writeString(dir.resolve("api_key_groups.map"), KEY + " basic\n");
    Files.writeString(dir.resolve("rate_limits_per_minute.map"), "basic 1000\n");
    Files.writeString(dir.resolve("rate_limits_per_second.map"), "basic 100\n");
    Files.writeString(dir.resolve("bandwidth_per_minute.map"), bandwidth);
    Files.writeString(dir.resolve("concurrent_requests.map"), concurrent);
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      return config.store().current();
    }
  }

  private static Request put(long length) {
    return Request.of("PUT", "/b/k", null, "X-API-Key", KEY, "Content-Length", Long.toString(length));
  }

  private static Request get() {
    return Request.of("GET", "/b/k", null, "X-API-Key", KEY);
  }

  /** The key's bytes in Redis once they equal {@code expected}, or what they are after 5 s. */
  private long sharedBytes(ByteDirection direction, long expected) throws InterruptedException {
    long deadline = System.nanoTime() + 5 * SECOND;
    long seen = shared.used(KEY, direction, 0);
    while (seen != expected && System.nanoTime() - deadline < 0) {
      Thread.sleep(5);
      seen = shared.used(KEY, direction, 0);
    }
    return seen;
  }

  @Test
  void upload_reservedInRedisAtAdmission_refusalNamesBytesIn_andTheEndTakesBackWhatWasNotRead(@TempDir Path dir)
      throws Exception {
    PolicySnapshot policy = load(dir, "basic:in 10M\n", "");
    Outcome first = admission.decide(put(6 * MIB), policy, 0L);
    assertThat(first.verdict()).isEqualTo(Verdict.ADMITTED);
    assertThat(first.bandwidth().inUsedBytes()).isEqualTo(6 * MIB);
    assertThat(shared.used(KEY, ByteDirection.IN, 0)).as("reserved in the admission's own call").isEqualTo(6 * MIB);

    Outcome second = admission.decide(put(6 * MIB), policy, SECOND);
    assertThat(second.verdict()).isEqualTo(Verdict.DENIED_PER_MINUTE);
    assertThat(second.rule()).isEqualTo(DenialRule.BYTES_IN);
    assertThat(second.denialMessage()).endsWith("(10 MiB/minute of request bodies per API key)");
    assertThat(second.bandwidth().inUsedBytes()).isEqualTo(6 * MIB);
    assertThat(second.retryAfterNanos()).isBetween(57 * SECOND, 63 * SECOND);

    admission.transferEnded(first, 0L, 2 * MIB, 0, 0, 0, false, SECOND); // aborted after 2 MiB
    admission.complete(first);
    assertThat(sharedBytes(ByteDirection.IN, 2 * MIB)).isEqualTo(2 * MIB);
    assertThat(local.size()).as("nothing in the local table").isZero();
  }

  @Test
  void download_chargedItsLengthAtTheStart_reconciledToTheBytesSent(@TempDir Path dir) throws Exception {
    PolicySnapshot policy = load(dir, "basic:out 10M\n", "");
    Outcome download = admission.decide(get(), policy, 0L);
    assertThat(download.verdict()).isEqualTo(Verdict.ADMITTED);
    long charged = admission.responseStarted(download, 8 * MIB, 0L);
    assertThat(charged).isEqualTo(8 * MIB);
    assertThat(sharedBytes(ByteDirection.OUT, 8 * MIB)).isEqualTo(8 * MIB);
    admission.transferEnded(download, 0L, 0, charged, 0L, 3 * MIB, false, SECOND); // the client went away
    admission.complete(download);
    assertThat(sharedBytes(ByteDirection.OUT, 3 * MIB)).isEqualTo(3 * MIB);

    Outcome unknown = admission.decide(get(), policy, 2 * SECOND);
    long none = admission.responseStarted(unknown, -1, 2 * SECOND);
    admission.transferEnded(unknown, 2 * SECOND, 0, none, 2 * SECOND, MIB, false, 3 * SECOND);
    admission.complete(unknown);
    assertThat(sharedBytes(ByteDirection.OUT, 4 * MIB)).as("no length: charged the bytes sent").isEqualTo(4 * MIB);
  }

  @Test
  void credentialsRefused_andInFlightDenial_leaveNoBytesCharged(@TempDir Path dir) throws Exception {
    PolicySnapshot policy = load(dir, "basic:in 10M\nbasic:out 10M\n", "basic 1\n");
    Outcome holding = admission.decide(put(MIB), policy, 0L);
    assertThat(holding.verdict()).isEqualTo(Verdict.ADMITTED);
    Outcome full = admission.decide(put(6 * MIB), policy, 0L);
    assertThat(full.rule()).isEqualTo(DenialRule.CONCURRENT);
    assertThat(sharedBytes(ByteDirection.IN, MIB)).as("the in-flight denial's reservation taken back").isEqualTo(MIB);
    admission.transferEnded(holding, 0L, MIB, 0, 0, 0, true, SECOND); // the backend refused its signature
    admission.complete(holding);
    assertThat(sharedBytes(ByteDirection.IN, 0)).isZero();
    assertThat(admission.decide(put(10 * MIB), policy, 2 * SECOND).verdict()).as("the whole budget is free")
        .isEqualTo(Verdict.ADMITTED);
  }

  @Test
  void stampOfLaterCharge_isTheAdmissionsStampPlusTheTimeSinceItsAnswer_lessTheClockMargin() {
    BandwidthCharge charge = new BandwidthCharge(KEY, false, 0, 0, 0, true, 0, MIB, SharedBytes.NONE, 1_000_000L,
        5 * SECOND);
    // 2 s later: 2,000,000 us less 0.1 % (2,000 us) and 1 ms
    assertThat(charge.stampOfLaterCharge(7 * SECOND)).isEqualTo(1_000_000L + 1_997_000L);
    assertThat(charge.stampOfLaterCharge(5 * SECOND + 500_000L)).as("within the margin: the admission's").isEqualTo(
        1_000_000L);
    assertThat(charge.stampOfLaterCharge(4 * SECOND)).as("never before the admission").isEqualTo(1_000_000L);
  }
}
