package org.s3gate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.admit.Budget;
import org.s3gate.admit.ByteClaim;
import org.s3gate.admit.Charge;
import org.s3gate.admit.LocalCounterStore;
import org.s3gate.admit.StoreStatus;
import org.s3gate.config.ConfigReloader;
import org.s3gate.limit.ByteDirection;
import org.s3gate.limit.ByteTable;
import org.s3gate.limit.CounterTable;
import org.s3gate.policy.ClusterSettings;
import org.s3gate.policy.GatewaySettings;

/**
 * The Redis store's decisions, deny shortcuts, fallback and refunds, against a real
 * {@code redis-server} this test starts (and kills) itself.
 */
class RedisCounterStoreTest {
  private static final long SECOND = 1_000_000_000L;

  private RedisServer redis;
  private RedisCounterStore store;
  private CounterTable table;
  private final ByteTable bytes = new ByteTable(1_000);
  private final LongAdder latencies = new LongAdder();
  private static GatewaySettings settings;

  @BeforeAll
  static void loadSettings(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\n");
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      settings = config.store().current().settings();
    }
  }

  @BeforeEach
  void start() throws Exception {
    redis = RedisServer.start();
    table = new CounterTable(1_000);
    ClusterSettings cluster = new ClusterSettings(ClusterSettings.Store.REDIS, redis.uri(), Duration.ofMillis(200),
        ClusterSettings.Failure.LOCAL, 2);
    store = new RedisCounterStore(cluster, new LocalCounterStore(table, new CounterTable(1_000)), bytes,
        nanos -> latencies.increment());
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

  private Charge acquire(long nowNanos, Budget... budgets) {
    return store.tryAcquire(budgets, budgets.length, settings, nowNanos);
  }

  @Test
  void tryAcquire_allBudgetsInOneCall_noneChargedWhenOneDenies() {
    Budget own = new Budget("KEY1", 5, 100);
    Budget ofClass = new Budget("KEY1 write", 1, 100);
    long calls = redis.calls("fcall");
    assertThat(acquire(0, own, ofClass).admitted()).isTrue();
    Charge denied = acquire(1, own, ofClass);
    assertThat(denied.admitted()).isFalse();
    assertThat(denied.deniedIndex()).isEqualTo(1);
    assertThat(redis.calls("fcall") - calls).as("one round trip per decision").isEqualTo(2);
    assertThat(acquire(2, own).decision().currentPerSecond()).as("the denied request charged nothing").isEqualTo(2);
    assertThat(store.mode()).isEqualTo(StoreStatus.SHARED);
    assertThat(latencies.sum()).isEqualTo(3);
  }

  @Test
  void tryAcquire_afterADenial_deniesLocallyUntilTheRetryTime_withoutCallingRedis() {
    Budget own = new Budget("FLOOD", 1, 100);
    assertThat(acquire(0, own).admitted()).isTrue();
    Charge first = acquire(10, own);
    assertThat(first.admitted()).isFalse();
    long calls = redis.calls("fcall");
    for (int i = 0; i < 50; i++) {
      Charge again = acquire(20 + i, own);
      assertThat(again.admitted()).isFalse();
      assertThat(again.decision().retryAfterNanos()).isPositive().isLessThanOrEqualTo(first.decision().retryAfterNanos());
    }
    assertThat(redis.calls("fcall")).as("a denied flood costs Redis nothing").isEqualTo(calls);
    // another limit (a reload raised it) is not covered by the shortcut: Redis decides
    assertThat(acquire(100, new Budget("FLOOD", 2, 100)).admitted()).isTrue();
    assertThat(redis.calls("fcall")).isEqualTo(calls + 1);
  }

  /**
   * A refund on another instance frees the budget in Redis, which this instance does not hear of: its
   * remembered denial holds for at most {@link DenyShortcuts#RECHECK_NANOS}, not the minute's retry time
   * (else a forger holding requests in flight on one instance locks the key's owner out of the others).
   */
  @Test
  void tryAcquire_afterADenial_followsARefundOnAnotherInstanceWithinTheRecheckTime() throws Exception {
    Budget own = new Budget("VICTIM", 100, 2);
    try (RedisCounterStore other = new RedisCounterStore(new ClusterSettings(ClusterSettings.Store.REDIS, redis.uri(),
        Duration.ofMillis(200), ClusterSettings.Failure.LOCAL, 2), new LocalCounterStore(new CounterTable(1_000),
        new CounterTable(1_000)), new ByteTable(1_000), nanos -> { })) {
      Charge forged = other.tryAcquire(new Budget[] {own}, 1, settings, 0);
      assertThat(forged.admitted()).isTrue();
      assertThat(other.tryAcquire(new Budget[] {own}, 1, settings, 1).admitted()).isTrue();
      Charge denied = acquire(10, own);
      assertThat(denied.admitted()).isFalse();
      assertThat(denied.decision().retryAfterNanos()).as("the minute is full").isGreaterThan(50 * SECOND);
      other.refund(forged, 0); // the other instance learns the request was forged
      long deadline = System.nanoTime() + 5 * SECOND; // the refund is sent without waiting for it
      while (store.peek("VICTIM", 0).currentPerMinute() != 1 && System.nanoTime() - deadline < 0) {
        Thread.sleep(5);
      }
      long calls = redis.calls("fcall");
      Charge remembered = acquire(10 + DenyShortcuts.RECHECK_NANOS - 1, own);
      assertThat(remembered.admitted()).as("still trusted: not asked").isFalse();
      assertThat(remembered.decision().retryAfterNanos()).as("Redis's whole retry time, not the recheck's")
          .isGreaterThan(49 * SECOND);
      assertThat(redis.calls("fcall")).isEqualTo(calls);
      assertThat(acquire(10 + DenyShortcuts.RECHECK_NANOS, own).admitted()).as("asked again: the refund freed one")
          .isTrue();
      assertThat(redis.calls("fcall")).isEqualTo(calls + 1);
    }
  }

  @Test
  void tryAcquire_aLimitOfZero_deniesWhateverTheLogHolds_soItsDenialIsTrustedForItsWholeRetryTime() {
    Budget closed = new Budget("CLOSED", 0, 0);
    Charge denied = acquire(0, closed);
    assertThat(denied.admitted()).isFalse();
    long calls = redis.calls("fcall");
    assertThat(acquire(5 * DenyShortcuts.RECHECK_NANOS, closed).admitted()).isFalse();
    assertThat(redis.calls("fcall")).as("no refund can undo it: not asked again").isEqualTo(calls);
  }

  @Test
  void tryAcquire_redisKilled_decidesOnLocalCountersWithTheLimitDividedByTheInstances() throws Exception {
    redis.kill();
    Budget own = new Budget("OUTAGE", 6, 100);
    int admitted = 0;
    for (int i = 0; i < 10; i++) {
      admitted += acquire(i, own).admitted() ? 1 : 0; // the first failures decide locally too
    }
    assertThat(admitted).as("6 / cluster.instances 2").isEqualTo(3);
    assertThat(store.mode()).isEqualTo(StoreStatus.FALLBACK_LOCAL);
    assertThat(store.outages()).isEqualTo(1);
    assertThat(store.failures()).isPositive(); // the probe may notice the closed connection first
    Charge local = acquire(2 * SECOND, own); // past the local ring's slot rounding
    assertThat(local.admitted()).isTrue();
    store.refund(local, 2 * SECOND);
    assertThat(table.peek("OUTAGE", 2 * SECOND + 1).currentPerSecond()).as("refunded to the local table").isEqualTo(0);

    redis.restart();
    long deadline = System.nanoTime() + 10 * SECOND;
    while (!StoreStatus.SHARED.equals(store.mode()) && System.nanoTime() - deadline < 0) {
      Thread.sleep(10);
    }
    assertThat(store.mode()).isEqualTo(StoreStatus.SHARED);
    assertThat(acquire(3 * SECOND, own).admitted()).isTrue();
    assertThat(redis.calls("fcall")).as("shared again: the function was loaded into the new server").isEqualTo(1);
  }

  @Test
  void nodeTurnedReplica_failureModeDecides_eachProbeUsesANewConnection_sharedReturnsWhenMasterAgain() throws Exception {
    Budget own = new Budget("DEMOTED", 100, 1_000);
    assertThat(acquire(0, own).admitted()).isTrue();
    // a master nothing listens on: the node turns read-only (what Sentinel does to a former master)
    assertThat(redis.command("REPLICAOF 127.0.0.1 " + org.s3gate.testsupport.FreePorts.next())).isEqualTo("+OK");
    for (int i = 1; i <= 3; i++) {
      acquire(i, own); // READONLY: decided by redis.failure; the third opens the circuit
    }
    assertThat(store.mode()).isEqualTo(StoreStatus.FALLBACK_LOCAL);
    // The probe's FUNCTION LOAD is refused (READONLY) on an open connection: each attempt starts
    // from a new one (for Sentinel, that asks Sentinel for the master again), not the same again.
    java.util.Set<String> storeConnections = new java.util.HashSet<>();
    long deadline = System.nanoTime() + 10 * SECOND;
    while (storeConnections.size() < 3 && System.nanoTime() - deadline < 0) {
      for (String client : redis.bulk("CLIENT LIST").split("\n")) { // all but this query's own connection
        if (client.startsWith("id=") && !client.contains("cmd=client|list")) {
          storeConnections.add(client.substring(0, client.indexOf(' ')));
        }
      }
      Thread.sleep(10);
    }
    assertThat(storeConnections).as("the store's connections, by id").hasSizeGreaterThanOrEqualTo(3);
    assertThat(store.mode()).isEqualTo(StoreStatus.FALLBACK_LOCAL);

    assertThat(redis.command("REPLICAOF NO ONE")).isEqualTo("+OK");
    deadline = System.nanoTime() + 10 * SECOND;
    while (!StoreStatus.SHARED.equals(store.mode()) && System.nanoTime() - deadline < 0) {
      Thread.sleep(10);
    }
    assertThat(store.mode()).isEqualTo(StoreStatus.SHARED);
    assertThat(acquire(10, own).decision().currentPerMinute()).as("the node kept its data").isEqualTo(2);
  }

  @Test
  void refund_ofAnAdmittedCharge_freesItsUnitInEveryBudget() throws Exception {
    Budget own = new Budget("REFUND", 1, 100);
    Budget address = new Budget("anonymous@10.1.1.1", 1, 100);
    Charge charge = acquire(0, own, address);
    assertThat(charge.admitted()).isTrue();
    store.refund(charge, 0);
    long deadline = System.nanoTime() + 5 * SECOND; // the refund is sent without waiting for it
    while (store.peek("anonymous@10.1.1.1", 0).currentPerSecond() != 0 && System.nanoTime() - deadline < 0) {
      Thread.sleep(5);
    }
    assertThat(store.peek("REFUND", 0).currentPerSecond()).isZero();
    assertThat(store.peek("anonymous@10.1.1.1", 0).currentPerSecond()).isZero();
    assertThat(acquire(1, own, address).admitted()).isTrue();
  }

  @Test
  void table_showsClearsAndCountsTheSharedCounters() {
    acquire(0, new Budget("SHOWN", 5, 100));
    acquire(1, new Budget("SHOWN write", 5, 100));
    SharedCounterTable shared = store.table();
    assertThat(shared.size()).isEqualTo(2);
    assertThat(shared.snapshot(0)).extracting(u -> u.key() + "=" + u.currentPerSecond() + "/" + u.admittedTotal())
        .containsExactly("SHOWN=1/1", "SHOWN write=1/1");
    assertThat(shared.clearKey("SHOWN write")).isTrue();
    assertThat(shared.snapshot(0)).extracting(u -> u.key()).containsExactly("SHOWN");
    shared.clear();
    assertThat(shared.size()).isZero();
  }

  private Charge admit(long nowNanos, Budget own, ByteClaim... claims) {
    return store.tryAcquire(new Budget[] {own}, 1, claims, claims.length, settings, nowNanos);
  }

  /** The counter's bytes in Redis, waiting (bounded) until {@code expected}: later charges are not awaited. */
  private long bytesInRedis(String counter, ByteDirection direction, long expected) throws InterruptedException {
    long deadline = System.nanoTime() + 5 * SECOND;
    long seen;
    do {
      long[] used = store.sharedBytesUsed(counter);
      seen = used == null ? -1 : used[direction.ordinal()];
      if (seen == expected) {
        return seen;
      }
      Thread.sleep(5);
    } while (System.nanoTime() - deadline < 0);
    return seen;
  }

  @Test
  void tryAcquire_withByteClaims_oneCallForCountersAndBytes_noneChargedWhenTheBytesDoNotFit() throws Exception {
    Budget own = new Budget("UPLOADER", 2, 100);
    ByteClaim upload = new ByteClaim("UPLOADER", ByteDirection.IN, 1_000, 700);
    long calls = redis.calls("fcall");
    Charge first = admit(0, own, upload);
    assertThat(first.admitted()).isTrue();
    assertThat(first.byteDecision(0).usedBytes()).isEqualTo(700);
    assertThat(first.byteLedger()).as("later charges go to Redis").isNotNull();
    Charge refused = admit(1, own, upload);
    assertThat(refused.admitted()).isFalse();
    assertThat(refused.deniedByBytes()).isTrue();
    assertThat(refused.byteDecision(0).retryAfterNanos()).isPositive();
    assertThat(redis.calls("fcall") - calls).as("one round trip per decision, bytes included").isEqualTo(2);
    // the byte denial charged no request: the per-second budget of 2 still has room for one
    Charge small = admit(2, own, new ByteClaim("UPLOADER", ByteDirection.IN, 1_000, 300));
    assertThat(small.admitted()).isTrue();
    assertThat(small.decision().currentPerSecond()).isEqualTo(2);
    assertThat(small.byteDecision(0).usedBytes()).isEqualTo(1_000);
    assertThat(bytes.used("UPLOADER", ByteDirection.IN, 2)).as("nothing in the local table").isZero();
  }

  @Test
  void tryAcquire_afterAByteDenial_deniesLocallyClaimsAtLeastAsLarge_untilTheRetryTime() {
    Budget own = new Budget("DOWNLOADER", 100, 1_000);
    ByteClaim download = new ByteClaim("DOWNLOADER", ByteDirection.OUT, 1_000, 0);
    assertThat(admit(0, own, download).admitted()).isTrue();
    store.sharedBytes().charge("DOWNLOADER", ByteDirection.OUT, 1_000); // its Content-Length
    Charge denied = null;
    long deniedAt = 0;
    long deadline = System.nanoTime() + 5 * SECOND; // the charge is not awaited
    while (System.nanoTime() - deadline < 0) {
      denied = admit(++deniedAt, own, download);
      if (!denied.admitted()) {
        break;
      }
      store.refund(denied, deniedAt); // keep the request counters small; bytes were not charged (0)
    }
    assertThat(denied.admitted()).isFalse();
    long calls = redis.calls("fcall");
    for (int i = 0; i < 20; i++) {
      Charge again = admit(deniedAt + 1 + i, own, download);
      assertThat(again.deniedByBytes()).isTrue();
      assertThat(again.byteDecision(0).retryAfterNanos()).isPositive()
          .isLessThanOrEqualTo(denied.byteDecision(0).retryAfterNanos());
    }
    assertThat(redis.calls("fcall")).as("a denied download flood costs Redis nothing").isEqualTo(calls);
    // trusted for at most a second (a refund on another instance is not heard of): then Redis is asked again
    assertThat(admit(deniedAt + DenyShortcuts.RECHECK_NANOS, own, download).deniedByBytes()).isTrue();
    assertThat(redis.calls("fcall")).isEqualTo(calls + 1);
    calls++;
    // an upload is another budget: Redis decides it
    assertThat(admit(SECOND, own, new ByteClaim("DOWNLOADER", ByteDirection.IN, 1_000, 10)).admitted()).isTrue();
    assertThat(redis.calls("fcall")).isEqualTo(calls + 1);
    // this instance gives bytes back (an aborted download): its remembered refusal goes, Redis decides again
    // (the refund and the next call travel on one connection, so Redis sees them in that order)
    store.sharedBytes().refund("DOWNLOADER", ByteDirection.OUT, 600, Long.MIN_VALUE + 2);
    assertThat(admit(2 * SECOND, own, download).admitted()).as("refund stamped before every slot: nothing freed")
        .isFalse();
    Charge any = admit(2 * SECOND, own, new ByteClaim("DOWNLOADER", ByteDirection.IN, 1_000, 1));
    store.sharedBytes().refund("DOWNLOADER", ByteDirection.OUT, 600, any.storeStamp());
    assertThat(admit(2 * SECOND + 1, own, download).admitted()).as("600 bytes free again").isTrue();
  }

  @Test
  void sharedBytes_chargeAndRefund_reachRedis_withoutWaiting() throws Exception {
    Budget own = new Budget("LEDGER", 100, 1_000);
    Charge upload = admit(0, own, new ByteClaim("LEDGER", ByteDirection.IN, 10_000, 4_000));
    assertThat(upload.admitted()).isTrue();
    upload.byteLedger().refund("LEDGER", ByteDirection.IN, 1_500, upload.storeStamp()); // read only 2,500
    upload.byteLedger().charge("LEDGER", ByteDirection.OUT, 700);
    assertThat(bytesInRedis("LEDGER", ByteDirection.IN, 2_500)).isEqualTo(2_500);
    assertThat(bytesInRedis("LEDGER", ByteDirection.OUT, 700)).isEqualTo(700);
  }

  @Test
  void tryAcquire_withByteClaims_redisKilled_decidesBytesLocallyWithTheLimitDividedByTheInstances()
      throws Exception {
    redis.kill();
    Budget own = new Budget("OFFLINE", 100, 1_000);
    int admitted = 0;
    for (int i = 0; i < 10; i++) {
      Charge c = admit(i, own, new ByteClaim("OFFLINE", ByteDirection.IN, 1_000, 200));
      admitted += c.admitted() ? 1 : 0;
      if (c.admitted()) {
        assertThat(c.byteLedger()).as("later charges go to the local table").isNull();
      }
    }
    assertThat(admitted).as("1,000 bytes / cluster.instances 2 = 500: two uploads of 200").isEqualTo(2);
    assertThat(bytes.used("OFFLINE", ByteDirection.IN, 10)).isEqualTo(400);
    assertThat(table.peek("OFFLINE", 10).currentPerSecond()).as("the refused uploads were refunded").isEqualTo(2);
  }

  @Test
  void bandwidthView_showsTheSharedBytes_andClearKeyAndClearDeleteThem() {
    Budget own = new Budget("VIEWED", 100, 1_000);
    assertThat(admit(0, own, new ByteClaim("VIEWED", ByteDirection.IN, 10_000, 1_234)).admitted()).isTrue();
    assertThat(admit(1, new Budget("OTHER", 100, 1_000), new ByteClaim("OTHER", ByteDirection.IN, 10_000, 99))
        .admitted()).isTrue();
    org.s3gate.limit.ByteBudgets view = store.bandwidthView();
    assertThat(view.used("VIEWED", ByteDirection.IN, 0)).isEqualTo(1_234);
    assertThat(view.used("VIEWED", ByteDirection.OUT, 0)).isZero();
    assertThat(bytes.used("VIEWED", ByteDirection.IN, 0)).as("the local table holds none of it").isZero();
    assertThat(view.clearKey("VIEWED")).isTrue();
    assertThat(view.used("VIEWED", ByteDirection.IN, 0)).isZero();
    assertThat(admit(2, own, new ByteClaim("VIEWED", ByteDirection.IN, 10_000, 10_000)).admitted())
        .as("cleared: the whole budget is free again").isTrue();
    view.clear();
    assertThat(view.used("OTHER", ByteDirection.IN, 0)).isZero();
  }
}
