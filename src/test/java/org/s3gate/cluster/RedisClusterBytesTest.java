package org.s3gate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

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
 * The Redis store's byte claims on Redis Cluster ({@code redis-cluster://}), against a one-node
 * cluster that refuses cross-slot commands as a real one does: a request whose budgets have two
 * owners (an unlisted key's and its address's) is decided in one call per owner, the byte claims
 * with the key's own; a byte denial is reported at the claim's index after all the budgets, and a
 * later owner's denial takes the first owner's bytes back.
 */
class RedisClusterBytesTest {
  private static final long SECOND = 1_000_000_000L;
  private static GatewaySettings settings;

  private RedisServer redis;
  private RedisCounterStore store;

  @BeforeAll
  static void loadSettings(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\n");
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      settings = config.store().current().settings();
    }
  }

  @BeforeEach
  void start() throws Exception {
    redis = RedisServer.startSingleNodeCluster();
    ClusterSettings cluster = new ClusterSettings(ClusterSettings.Store.REDIS, redis.clusterUri(),
        Duration.ofMillis(500), ClusterSettings.Failure.LOCAL, 2);
    store = new RedisCounterStore(cluster, new LocalCounterStore(new CounterTable(100), new CounterTable(100)),
        new ByteTable(100), nanos -> {});
    // Lettuce connects to a slot's node lazily: the first call(s) on a fresh cluster link can be rejected
    // ("not connected") and decided by redis.failure; wait (bounded) until Redis has run one
    long deadline = System.nanoTime() + 10 * SECOND;
    int attempts = 0;
    while (redis.calls("fcall") == 0 && System.nanoTime() - deadline < 0) {
      attempts++;
      store.tryAcquire(new Budget[] {new Budget("WARMUP", 1_000, 1_000)}, 1, settings, 0);
      Thread.sleep(20);
    }
    System.out.println("calls until Redis Cluster ran the first: " + attempts);
    while (!StoreStatus.SHARED.equals(store.mode()) && System.nanoTime() - deadline < 0) {
      Thread.sleep(20);
    }
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

  private Charge admit(long nowNanos, Budget[] budgets, ByteClaim... claims) {
    return store.tryAcquire(budgets, budgets.length, claims, claims.length, settings, nowNanos);
  }

  @Test
  void twoOwners_bytesGoWithTheKeysCall_aByteDenialIsIndexedAfterAllBudgets_aLaterOwnersDenialRefundsTheBytes()
      throws Exception {
    assertThat(store.mode()).isEqualTo(StoreStatus.SHARED);
    Budget key = new Budget("UNLISTED", 100, 1_000);
    Budget address = new Budget("anonymous@10.9.9.9", 1, 100);
    ByteClaim upload = new ByteClaim("UNLISTED", ByteDirection.IN, 1_000, 600);
    long calls = redis.calls("fcall");
    Charge first = admit(0, new Budget[] {key, address}, upload);
    assertThat(first.admitted()).isTrue();
    assertThat(first.byteDecision(0).usedBytes()).isEqualTo(600);
    assertThat(first.byteLedger()).isNotNull();
    assertThat(redis.calls("fcall") - calls).as("one call per owner").isEqualTo(2);
    assertThat(store.mode()).as("no CROSSSLOT failure").isEqualTo(StoreStatus.SHARED);

    // the address's per-second budget of 1 denies the next one: the key's call had reserved the bytes, taken back
    Charge byAddress = admit(1, new Budget[] {key, address}, new ByteClaim("UNLISTED", ByteDirection.IN, 1_000, 300));
    assertThat(byAddress.admitted()).isFalse();
    assertThat(byAddress.deniedIndex()).isEqualTo(1);
    assertThat(byAddress.deniedByBytes()).isFalse();
    long deadline = System.nanoTime() + 5 * SECOND; // the refund is not awaited
    long[] used = store.sharedBytesUsed("UNLISTED");
    while ((used == null || used[0] != 600) && System.nanoTime() - deadline < 0) {
      Thread.sleep(5);
      used = store.sharedBytesUsed("UNLISTED");
    }
    assertThat(used[0]).as("the denied request's 300 bytes taken back").isEqualTo(600);

    // a byte denial in the key's call: reported at index count + 0, and the address is not charged
    Charge byBytes = admit(2, new Budget[] {key, new Budget("anonymous@10.8.8.8", 1, 100)},
        new ByteClaim("UNLISTED", ByteDirection.IN, 1_000, 500));
    assertThat(byBytes.admitted()).isFalse();
    assertThat(byBytes.deniedByBytes()).isTrue();
    assertThat(byBytes.deniedIndex()).isEqualTo(2);
    assertThat(byBytes.byteDecision(0).retryAfterNanos()).isPositive();
    assertThat(admit(3, new Budget[] {new Budget("anonymous@10.8.8.8", 1, 100)}).admitted())
        .as("the other owner was never asked").isTrue();
    assertThat(store.mode()).isEqualTo(StoreStatus.SHARED);
  }
}
