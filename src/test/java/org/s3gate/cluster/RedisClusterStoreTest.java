package org.s3gate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import io.lettuce.core.cluster.SlotHash;

import org.s3gate.admit.Budget;
import org.s3gate.admit.Charge;
import org.s3gate.admit.LocalCounterStore;
import org.s3gate.admit.StoreStatus;
import org.s3gate.config.ConfigReloader;
import org.s3gate.limit.ByteTable;
import org.s3gate.limit.CounterTable;
import org.s3gate.policy.ClusterSettings;
import org.s3gate.policy.GatewaySettings;

/**
 * {@code redis.uri=redis-cluster://...} against a real three-master Redis Cluster
 * ({@link RedisClusterNodes}): the same decisions as a standalone Redis, keys spread over every
 * master, the counter functions on every master (and reloaded on one that lost them), a request
 * whose budgets have several owners (several slots), and one master killed and restarted. The
 * kill test runs last: it is the only one that changes the cluster.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterStoreTest {
  private static final long SECOND = 1_000_000_000L;
  private static final Duration TIMEOUT = Duration.ofMillis(200);
  /** redis.timeout plus generous room for a loaded 2-core machine: no decision may wait longer. */
  private static final long DECISION_BOUND_NANOS = TIMEOUT.toNanos() + 1_500_000_000L;

  private static RedisClusterNodes cluster;
  private static RedisServer standalone;
  private static GatewaySettings settings;
  private final List<RedisCounterStore> stores = new ArrayList<>();

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\n");
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      settings = config.store().current().settings();
    }
    cluster = RedisClusterNodes.start();
    standalone = RedisServer.start();
  }

  @AfterAll
  static void stopServers() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (standalone != null) {
      standalone.close();
    }
  }

  @AfterEach
  void closeStores() {
    stores.forEach(RedisCounterStore::close);
  }

  private RedisCounterStore store(String uri, ClusterSettings.Failure failure) {
    ClusterSettings cs = new ClusterSettings(ClusterSettings.Store.REDIS, uri, TIMEOUT, failure, 2);
    RedisCounterStore store = new RedisCounterStore(cs,
        new LocalCounterStore(new CounterTable(1_000), new CounterTable(1_000)), new ByteTable(1_000),
        nanos -> { });
    stores.add(store);
    return store;
  }

  private static Charge acquire(RedisCounterStore store, long nowNanos, Budget... budgets) {
    return store.tryAcquire(budgets, budgets.length, settings, nowNanos);
  }

  private static String stateKey(String counter) {
    return RedisKeys.of(counter)[0];
  }

  @Test
  @Order(1)
  void tryAcquire_onACluster_decidesExactlyAsOnAStandaloneRedis() {
    RedisCounterStore onCluster = store(cluster.uri(), ClusterSettings.Failure.CLOSED);
    RedisCounterStore alone = store(standalone.uri(), ClusterSettings.Failure.CLOSED);
    assertThat(onCluster.mode()).isEqualTo(StoreStatus.SHARED);
    for (String key : List.of("SAME1", "SAME2", "SAME3", "SAME4", "SAME5", "SAME6")) {
      Budget own = new Budget(key, 3, 100);
      Budget ofClass = new Budget(key + " write", 2, 100);
      for (int i = 0; i < 5; i++) {
        Charge c = acquire(onCluster, i, own, ofClass);
        Charge s = acquire(alone, i, own, ofClass);
        String what = key + " request " + (i + 1);
        assertThat(c.admitted()).as(what).isEqualTo(s.admitted()).isEqualTo(i < 2);
        assertThat(c.deniedIndex()).as(what).isEqualTo(s.deniedIndex());
        assertThat(c.decision().currentPerSecond()).as(what).isEqualTo(s.decision().currentPerSecond());
        assertThat(c.decision().currentPerMinute()).as(what).isEqualTo(s.decision().currentPerMinute());
        if (!c.admitted()) {
          assertThat(c.decision().trippedWindow()).as(what).isEqualTo(s.decision().trippedWindow());
          assertThat(c.decision().retryAfterNanos()).as(what).isPositive().isLessThanOrEqualTo(SECOND);
        }
      }
    }
    assertThat(onCluster.mode()).isEqualTo(StoreStatus.SHARED);
    assertThat(onCluster.failures()).isZero();
  }

  @Test
  @Order(2)
  void tryAcquire_manyKeys_spreadOverEveryMasterEachInTheSlotOfItsHashTag() {
    RedisCounterStore store = store(cluster.uri(), ClusterSettings.Failure.CLOSED);
    Set<Integer> holders = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      String key = "SPREAD" + i;
      assertThat(acquire(store, 0, new Budget(key, 5, 100), new Budget(key + " read", 5, 100)).admitted()).isTrue();
      RedisServer owner = cluster.ownerOf(stateKey(key));
      assertThat(cluster.slot(stateKey(key + " read"))).as("a key's class counter shares its slot")
          .isEqualTo(cluster.slot(stateKey(key))).isEqualTo(cluster.slot(key));
      for (String redisKey : RedisKeys.of(key)) {
        assertThat(owner.command("EXISTS \"" + redisKey + "\"")).as(redisKey + " on its slot's master").isEqualTo(":1");
      }
      holders.add(owner.port());
    }
    assertThat(holders).as("masters holding counters").hasSize(3);
    assertThat(store.failures()).isZero();
  }

  @Test
  @Order(3)
  void connect_loadsTheFunctionsOnEveryMaster() {
    store(cluster.uri(), ClusterSettings.Failure.CLOSED);
    for (RedisServer node : cluster.nodes()) {
      assertThat(node.command("FUNCTION LIST LIBRARYNAME s3gate")).as("master " + node.port()).isEqualTo("*1");
    }
  }

  @Test
  @Order(4)
  void tryAcquire_budgetsOfSeveralOwners_chargedAllOrNoneAcrossSlots() throws Exception {
    RedisCounterStore onCluster = store(cluster.uri(), ClusterSettings.Failure.CLOSED);
    RedisCounterStore alone = store(standalone.uri(), ClusterSettings.Failure.CLOSED);
    String key = "MULTIOWNER";
    String bucket = ownerElsewhere(key);
    Budget own = new Budget(key, 3, 100);
    Budget ofBucket = Budget.ofBucket(bucket, 2, 100);
    for (int i = 0; i < 4; i++) {
      Charge c = acquire(onCluster, i, own, ofBucket);
      Charge s = acquire(alone, i, own, ofBucket);
      assertThat(c.admitted()).as("request " + (i + 1)).isEqualTo(s.admitted()).isEqualTo(i < 2);
      assertThat(c.deniedIndex()).isEqualTo(s.deniedIndex()).isEqualTo(i < 2 ? -1 : 1);
    }
    // the bucket's denials took their key charges back (refunds are sent without waiting)
    awaitPerSecond(onCluster, key, 2);
    assertThat(alone.peek(key, 10).currentPerSecond()).isEqualTo(2);
    // and the other way round: the key's own limit denies, the bucket is not charged
    Budget tight = new Budget("MULTIOWNER2", 1, 100);
    Budget roomy = Budget.ofBucket(ownerElsewhere("MULTIOWNER2"), 5, 100);
    assertThat(acquire(onCluster, 20, tight, roomy).admitted()).isTrue();
    Charge denied = acquire(onCluster, 21, tight, roomy);
    assertThat(denied.admitted()).isFalse();
    assertThat(denied.deniedIndex()).isZero();
    assertThat(onCluster.failures()).isZero();
  }

  @Test
  @Order(8)
  void table_onACluster_showsAndClearsTheCountersOfEveryMaster() {
    RedisCounterStore store = store(cluster.uri(), ClusterSettings.Failure.CLOSED);
    store.table().clear(); // the earlier tests' counters
    Set<Integer> holders = new HashSet<>();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      String key = "TABLE" + i;
      acquire(store, 0, new Budget(key, 5, 100));
      holders.add(cluster.ownerOf(stateKey(key)).port());
      expected.add(key + "=1");
    }
    assertThat(holders).hasSize(3);
    SharedCounterTable table = store.table();
    assertThat(table.size()).as("SCAN over every master").isEqualTo(9);
    assertThat(table.snapshot(0)).extracting(u -> u.key() + "=" + u.currentPerSecond())
        .containsExactlyInAnyOrderElementsOf(expected);
    assertThat(table.clearKey("TABLE0")).isTrue();
    assertThat(table.size()).isEqualTo(8);
    table.clear();
    assertThat(table.size()).isZero();
    for (RedisServer node : cluster.nodes()) {
      // callers' counters only: bucket counters (s3gate:bc:...) are not the api_keys table's
      assertThat(node.command("KEYS s3gate:[csm]:*")).as("master " + node.port() + " emptied").isEqualTo("*0");
    }
    assertThat(store.failures()).isZero();
  }

  @Test
  @Order(5)
  void tryAcquire_aMasterLostItsFunctions_reloadsThemWithoutAnOutage() throws Exception {
    RedisCounterStore store = store(cluster.uri(), ClusterSettings.Failure.CLOSED);
    String key = "RELOADED";
    RedisServer owner = cluster.ownerOf(stateKey(key));
    // what a master restarted without persistence looks like when no request noticed it was away
    assertThat(owner.command("FUNCTION DELETE s3gate")).isEqualTo("+OK");
    Budget own = new Budget(key, 5, 100);
    acquire(store, 0, own); // "Function not found": decided by redis.failure, the reload is queued
    long deadline = System.nanoTime() + 10 * SECOND;
    while (!"*1".equals(owner.command("FUNCTION LIST LIBRARYNAME s3gate")) && System.nanoTime() - deadline < 0) {
      Thread.sleep(10);
    }
    assertThat(owner.command("FUNCTION LIST LIBRARYNAME s3gate")).isEqualTo("*1");
    assertThat(acquire(store, 1, own).admitted()).as("decided by Redis again").isTrue();
    assertThat(store.peek(key, 2).currentPerSecond()).isEqualTo(1);
    assertThat(store.mode()).isEqualTo(StoreStatus.SHARED);
    assertThat(store.outages()).as("a reload that worked is no outage").isZero();
  }

  @Test
  @Order(6)
  void start_beforeTheClusterIsFormed_failureModeUntilEverySlotIsServed_thenSharedOnEveryMaster() throws Exception {
    try (RedisClusterNodes forming = RedisClusterNodes.startUnjoined()) {
      RedisCounterStore store = store(forming.uri(), ClusterSettings.Failure.CLOSED);
      assertThat(store.mode()).as("nodes with no slots yet").isEqualTo(StoreStatus.FALLBACK_CLOSED);
      forming.join();
      long deadline = System.nanoTime() + 30 * SECOND;
      while (!StoreStatus.SHARED.equals(store.mode()) && System.nanoTime() - deadline < 0) {
        Thread.sleep(20);
      }
      assertThat(store.mode()).isEqualTo(StoreStatus.SHARED);
      for (RedisServer node : forming.nodes()) {
        assertThat(node.command("FUNCTION LIST LIBRARYNAME s3gate")).as("master " + node.port()).isEqualTo("*1");
      }
      Set<Integer> holders = new HashSet<>();
      for (int i = 0; i < 12; i++) {
        String key = "FORMED" + i;
        assertThat(acquire(store, 0, new Budget(key, 1, 100)).admitted()).as("a fresh key's first request").isTrue();
        holders.add(forming.ownerOf(stateKey(key)).port());
      }
      assertThat(holders).hasSize(3);
      assertThat(store.outages()).as("only the one at startup").isEqualTo(1);
    }
  }

  @Test
  @Order(7)
  void tryAcquire_slotsMovedToANewMaster_followsThemAndLoadsTheFunctionsThere() throws Exception {
    try (RedisClusterNodes growing = RedisClusterNodes.start()) {
      RedisCounterStore store = store(growing.uri(), ClusterSettings.Failure.CLOSED);
      String before = "RESHARDED";
      RedisServer from = growing.ownerOf(stateKey(before));
      assertThat(acquire(store, 0, new Budget(before, 5, 100)).admitted()).isTrue();

      RedisServer added = growing.addMaster();
      growing.moveSlots(from, added, 500);
      String moved = null;
      for (int i = 0; moved == null; i++) {
        if (growing.ownerOf(stateKey("MOVED" + i)).port() == added.port()) {
          moved = "MOVED" + i;
        }
      }
      // the store's topology still sends that slot to its old master: MOVED, then (the new master
      // has no functions yet) "Function not found", which is decided by redis.failure and reloads
      Budget own = new Budget(moved, 5, 100);
      acquire(store, SECOND, own);
      long deadline = System.nanoTime() + 30 * SECOND;
      while (!"*1".equals(added.command("FUNCTION LIST LIBRARYNAME s3gate")) && System.nanoTime() - deadline < 0) {
        Thread.sleep(20);
      }
      assertThat(added.command("FUNCTION LIST LIBRARYNAME s3gate")).as("loaded on the new master").isEqualTo("*1");
      long calls = added.calls("fcall");
      Charge decided = acquire(store, 2 * SECOND, own);
      long deadline2 = System.nanoTime() + 10 * SECOND;
      for (int i = 3; !decided.admitted() && System.nanoTime() - deadline2 < 0; i++) {
        Thread.sleep(100); // a request raced the reload: the next one finds the functions
        decided = acquire(store, i * SECOND, own);
      }
      assertThat(decided.admitted()).isTrue();
      assertThat(added.calls("fcall")).as("decided by the new master").isGreaterThan(calls);
      assertThat(store.mode()).isEqualTo(StoreStatus.SHARED);
      assertThat(store.outages()).as("slots moving is no outage").isZero();
    }
  }

  @Test
  @Order(9)
  void tryAcquire_slotMidMigration_keysNotMovedYetDecidedOnTheSource_othersByTheFailureMode_countsMoveWithTheKeys() {
    RedisCounterStore store = store(cluster.uri(), ClusterSettings.Failure.LOCAL);
    String key = "ASKMOVE";
    int slot = SlotHash.getSlot(stateKey(key));
    RedisServer source = cluster.ownerOf(stateKey(key));
    RedisServer target = cluster.nodes().stream().filter(n -> n.port() != source.port()).findFirst().orElseThrow();
    Budget own = new Budget(key, 100, 5);
    assertThat(acquire(store, 0, own).admitted()).isTrue();
    assertThat(acquire(store, 1, own).admitted()).isTrue();
    String fresh = null;
    for (int i = 0; fresh == null; i++) {
      if (SlotHash.getSlot(stateKey("ASKFRESH" + i)) == slot) {
        fresh = "ASKFRESH" + i;
      }
    }
    // the state redis-cli --cluster reshard leaves a slot in while it moves the slot's keys
    assertThat(target.command("CLUSTER SETSLOT " + slot + " IMPORTING " + RedisClusterNodes.nodeId(source)))
        .isEqualTo("+OK");
    assertThat(source.command("CLUSTER SETSLOT " + slot + " MIGRATING " + RedisClusterNodes.nodeId(target)))
        .isEqualTo("+OK");

    // a key whose counters are all still on the source is decided there
    long sourceCalls = source.calls("fcall");
    assertThat(acquire(store, 10, own).admitted()).isTrue();
    assertThat(source.calls("fcall")).isEqualTo(sourceCalls + 1);
    // a fresh key of that slot: ASK to the target, which refuses a call of several missing keys
    // during the migration (TRYAGAIN): decided by redis.failure (local, 4 / 2 instances), no outage
    Budget freshOwn = new Budget(fresh, 100, 4);
    List<Boolean> freshAdmitted = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      freshAdmitted.add(acquire(store, 20 + i, freshOwn).admitted());
    }
    assertThat(freshAdmitted).containsExactly(true, true, false, false);
    assertThat(store.mode()).isEqualTo(StoreStatus.SHARED);
    assertThat(store.outages()).as("a slot being moved is no outage").isZero();

    // the migration ends: the key's counters move with it, then the slot is the target's
    String[] keys = RedisKeys.of(key);
    assertThat(source.command("MIGRATE 127.0.0.1 " + target.port() + " \"\" 0 5000 KEYS " + String.join(" ", keys)))
        .isEqualTo("+OK");
    // moved but the slot still migrating: the source has none of its keys, ASK to the target
    long targetCalls = target.calls("fcall");
    assertThat(acquire(store, 25, own).admitted()).isTrue();
    assertThat(target.calls("fcall")).as("ASK: decided on the importing master").isEqualTo(targetCalls + 1);
    for (RedisServer node : cluster.nodes()) {
      assertThat(node.command("CLUSTER SETSLOT " + slot + " NODE " + RedisClusterNodes.nodeId(target)))
          .isEqualTo("+OK");
    }
    targetCalls = target.calls("fcall");
    List<Boolean> after = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      after.add(acquire(store, 30 + i, own).admitted());
    }
    assertThat(after).as("4 of 5 a minute were taken before the slot moved").containsExactly(true, false);
    assertThat(acquire(store, 40, freshOwn).admitted()).as("the fresh key, now decided by Redis").isTrue();
    assertThat(target.calls("fcall") - targetCalls).as("MOVED: decided on the new owner").isEqualTo(3);
    assertThat(store.mode()).isEqualTo(StoreStatus.SHARED);
    assertThat(store.outages()).isZero();
  }

  @Test
  @Order(10)
  void tryAcquire_oneMasterKilledWhileIdle_probeOpensTheCircuit_failureModeDecidesWithinTheTimeout_sharedReturnsAfterItsRestart()
      throws Exception {
    RedisCounterStore store = store(cluster.uri(), ClusterSettings.Failure.LOCAL);
    String key = "KILLED";
    Budget own = new Budget(key, 6, 100);
    RedisServer owner = cluster.ownerOf(stateKey(key));
    assertThat(acquire(store, 0, own).admitted()).isTrue();
    // a request of two owners: its key on a master that stays, its bucket on the one killed
    String survivor = keyElsewhere(owner.port());
    Budget survivorOwn = new Budget(survivor, 5, 100);
    Budget onKilled = Budget.ofBucket(bucketOn(owner.port()), 5, 100);

    cluster.kill(owner);
    long noticeBy = System.nanoTime() + 5 * SECOND;
    while (StoreStatus.SHARED.equals(store.mode()) && System.nanoTime() - noticeBy < 0) {
      Thread.sleep(20);
    }
    assertThat(store.mode()).as("the probe opened the circuit with no request routed to the lost master")
        .isEqualTo(StoreStatus.FALLBACK_LOCAL);
    long start0 = System.nanoTime();
    assertThat(acquire(store, SECOND, survivorOwn, onKilled).admitted()).as("decided locally").isTrue();
    long slowestNanos = System.nanoTime() - start0;
    int admitted = 0;
    for (int i = 0; i < 10; i++) {
      long start = System.nanoTime();
      admitted += acquire(store, SECOND + i, own).admitted() ? 1 : 0;
      slowestNanos = Math.max(slowestNanos, System.nanoTime() - start);
    }
    assertThat(slowestNanos).as("no decision waits much longer than redis.timeout").isLessThan(DECISION_BOUND_NANOS);
    assertThat(admitted).as("local counters, 6 / cluster.instances 2").isEqualTo(3);
    assertThat(store.mode()).isEqualTo(StoreStatus.FALLBACK_LOCAL);
    assertThat(store.outages()).isEqualTo(1);

    cluster.restart(owner);
    long deadline = System.nanoTime() + 30 * SECOND;
    while (!StoreStatus.SHARED.equals(store.mode()) && System.nanoTime() - deadline < 0) {
      Thread.sleep(20);
    }
    assertThat(store.mode()).as("shared again without anyone's help").isEqualTo(StoreStatus.SHARED);
    long calls = owner.calls("fcall");
    assertThat(acquire(store, 3 * SECOND, own).admitted()).isTrue();
    assertThat(owner.calls("fcall")).as("decided by the restarted master, its functions loaded again")
        .isEqualTo(calls + 1);
    assertThat(store.peek(key, 3 * SECOND).currentPerSecond()).as("its data is gone: a fresh count").isEqualTo(1);
    assertThat(store.peek(survivor, 3 * SECOND).currentPerMinute())
        .as("the surviving master's charge of the failed two-owner request was taken back").isZero();
  }

  @Test
  @Order(11)
  void tryAcquire_masterKilledWithAReplica_sharedAgainOnThePromotedReplicaWithoutTheMaster() throws Exception {
    try (RedisClusterNodes replicated = RedisClusterNodes.start(1)) {
      RedisCounterStore store = store(replicated.uri(), ClusterSettings.Failure.LOCAL);
      String key = "FAILOVER";
      Budget own = new Budget(key, 6, 100);
      RedisServer master = replicated.ownerOf(stateKey(key));
      // a client whose first view came from a node with stale gossip (a replica listed as
      // primary: READONLY) must correct it by a refresh, not wait for the periodic one
      long sharedBy = System.nanoTime() + ClusterTopology.PERIODIC.toNanos() / 2;
      while (!StoreStatus.SHARED.equals(store.mode()) && System.nanoTime() - sharedBy < 0) {
        Thread.sleep(20);
      }
      assertThat(store.mode()).as("shared before the kill").isEqualTo(StoreStatus.SHARED);
      assertThat(acquire(store, 0, own).admitted()).isTrue();

      replicated.kill(master);
      for (int i = 0; i < 5; i++) {
        acquire(store, SECOND + i, own); // the failures that open the circuit
      }
      assertThat(store.mode()).isEqualTo(StoreStatus.FALLBACK_LOCAL);
      // an instance started now sees the dead master as primary, and never reached it: no
      // redirect or reconnect attempt tells Lettuce of the failover, only a refresh does
      RedisCounterStore late = store(replicated.uri(), ClusterSettings.Failure.LOCAL);
      assertThat(late.mode()).isEqualTo(StoreStatus.FALLBACK_LOCAL);
      replicated.awaitReady(); // a replica took the slots over (cluster-node-timeout 2 s)
      RedisServer promoted = replicated.ownerOf(stateKey(key));
      assertThat(promoted.port()).isNotEqualTo(master.port());
      assertThat(replicated.isMaster(promoted)).isTrue();
      long deadline = System.nanoTime() + 30 * SECOND;
      while (!StoreStatus.SHARED.equals(store.mode()) && System.nanoTime() - deadline < 0) {
        Thread.sleep(20);
      }
      assertThat(store.mode()).as("shared again, the old master still down").isEqualTo(StoreStatus.SHARED);
      // well before Lettuce's periodic refresh (ClusterTopology.PERIODIC, 30 s) would have found it
      long lateDeadline = System.nanoTime() + ClusterTopology.PERIODIC.toNanos() / 2;
      while (!StoreStatus.SHARED.equals(late.mode()) && System.nanoTime() - lateDeadline < 0) {
        Thread.sleep(20);
      }
      assertThat(late.mode()).as("the late instance found the promoted replica by its own refresh")
          .isEqualTo(StoreStatus.SHARED);
      assertThat(master.alive()).isFalse();
      long calls = promoted.calls("fcall");
      assertThat(acquire(store, 3 * SECOND, own).admitted()).isTrue();
      assertThat(promoted.calls("fcall")).as("decided by the promoted replica").isEqualTo(calls + 1);
      assertThat(promoted.command("FUNCTION LIST LIBRARYNAME s3gate")).isEqualTo("*1");
    }
  }

  /** A key whose counters live on another master than the one on {@code port}. */
  private static String keyElsewhere(int port) {
    for (int i = 0; ; i++) {
      if (cluster.ownerOf(stateKey("SURVIVOR" + i)).port() != port) {
        return "SURVIVOR" + i;
      }
    }
  }

  /** A bucket name whose counters live on the master on {@code port}. */
  private static String bucketOn(int port) {
    for (int i = 0; ; i++) {
      if (cluster.ownerOf("s3gate:bc:{killed-" + i + "}").port() == port) {
        return "killed-" + i;
      }
    }
  }

  /** A bucket name whose counters live on another master than {@code key}'s. */
  private static String ownerElsewhere(String key) {
    int keyNode = cluster.ownerOf(stateKey(key)).port();
    for (int i = 0; ; i++) {
      String bucket = "bucket-" + i;
      if (cluster.ownerOf("s3gate:bc:{" + bucket + "}").port() != keyNode) {
        return bucket;
      }
    }
  }

  private static void awaitPerSecond(RedisCounterStore store, String counter, int expected) throws Exception {
    long deadline = System.nanoTime() + 5 * SECOND;
    while (store.peek(counter, 0).currentPerSecond() != expected && System.nanoTime() - deadline < 0) {
      Thread.sleep(5);
    }
    assertThat(store.peek(counter, 0).currentPerSecond()).as(counter).isEqualTo(expected);
  }
}
