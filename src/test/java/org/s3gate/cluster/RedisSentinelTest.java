package org.s3gate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.admit.Budget;
import org.s3gate.admit.Charge;
import org.s3gate.admit.StoreStatus;
import org.s3gate.config.ConfigReloader;
import org.s3gate.policy.ClusterSettings;
import org.s3gate.policy.GatewaySettings;

/**
 * {@code redis-sentinel://127.0.0.1:S#mymaster} (and a list of two Sentinels, the first down)
 * against a real master, replica and Sentinel ({@link SentinelGroup}): the store follows the master through {@code SENTINEL FAILOVER} and
 * through a killed master by itself, the counters carry over (the replica had them), and the
 * decisions after the failover stay within the limit. {@code redis.failure=closed}, so every
 * admission counted here was Redis's.
 */
@Timeout(60)
class RedisSentinelTest {
  private static final int LIMIT_PER_MINUTE = 10;
  private static final int BEFORE = 4;
  private static GatewaySettings settings;

  private SentinelGroup group;
  private RedisCounterStore store;
  private long nowNanos;

  @BeforeAll
  static void loadSettings(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\n");
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      settings = config.store().current().settings();
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (store != null) {
      store.close();
    }
    if (group != null) {
      group.close();
    }
  }

  private Charge acquire(String key) {
    return store.tryAcquire(new Budget[] {new Budget(key, 1_000, LIMIT_PER_MINUTE)}, 1, settings, nowNanos++);
  }

  @Test
  void sentinelFailover_storeMovesToTheNewMasterByItself_countersCarryOver_andTheLimitHolds() throws Exception {
    group = SentinelGroup.start();
    store = RedisAuthTest.store(group.uriWithADownSentinelFirst(), ClusterSettings.Failure.CLOSED);
    try (LogCapture log = LogCapture.of(RedisCounterStore.class)) {
      assertCountersFollowTheMaster("FAILOVER", () -> {
        RedisServer next = group.failover();
        // The former master still takes writes until Sentinel demotes it (seconds later): the store
        // must not wait for that, it moves when Sentinel names the new master.
        SentinelGroup.await("the store follows Sentinel", () -> log.all().stream()
            .anyMatch(line -> line.contains("follows Sentinel") && line.contains(":" + next.port())));
        return next;
      });
      assertThat(store.outages()).as("handed over without a failure-mode decision").isZero();
    }
  }

  @Test
  void masterKilled_sentinelPromotesTheReplica_storeReturnsToSharedThere_andTheLimitHolds() throws Exception {
    group = SentinelGroup.start();
    store = RedisAuthTest.store(group.uri(), ClusterSettings.Failure.CLOSED);
    assertCountersFollowTheMaster("KILLED", () -> group.killMaster());
    assertThat(store.outages()).as("one brief outage").isEqualTo(1);
  }

  @Test
  void passwordInTheSentinelUri_isTheDataNodesPassword_andTheFailoverIsFollowed() throws Exception {
    group = SentinelGroup.start("sentinel-Data-Pw-77");
    store = RedisAuthTest.store(group.uri().replace("redis-sentinel://", "redis-sentinel://:sentinel-Data-Pw-77@"),
        ClusterSettings.Failure.CLOSED);
    try (LogCapture log = LogCapture.of(RedisCounterStore.class)) {
      assertCountersFollowTheMaster("PASSWORDED", () -> {
        RedisServer next = group.failover();
        SentinelGroup.await("the store follows Sentinel", () -> log.all().stream()
            .anyMatch(line -> line.contains("follows Sentinel") && line.contains(":" + next.port())));
        return next;
      });
      assertThat(String.join("\n", log.all())).doesNotContain("sentinel-Data-Pw-77");
    }
  }

  private interface Move {
    RedisServer run() throws Exception;
  }

  private void assertCountersFollowTheMaster(String key, Move move) throws Exception {
    assertThat(store.mode()).isEqualTo(StoreStatus.SHARED);
    RedisServer oldMaster = group.master();
    for (int i = 0; i < BEFORE; i++) {
      assertThat(acquire(key).admitted()).isTrue();
    }
    assertThat(oldMaster.calls("fcall")).as("decided on the master Sentinel named").isEqualTo(BEFORE);
    group.awaitReplicated();

    RedisServer newMaster = move.run();

    // Until the store decides on the new master, each decision is redis.failure=closed's (a denial).
    int admitted = 0;
    Charge first = null;
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (first == null && System.nanoTime() - deadline < 0) {
      long calls = newMaster.calls("fcall");
      Charge c = acquire(key);
      if (newMaster.calls("fcall") > calls) {
        first = c;
      } else {
        assertThat(c.admitted()).as("not decided by Redis: redis.failure=closed").isFalse();
        Thread.sleep(20);
      }
    }
    assertThat(first).as("a decision on the new master within 20 s").isNotNull();
    assertThat(store.mode()).isEqualTo(StoreStatus.SHARED);
    assertThat(first.admitted()).isTrue();
    assertThat(first.decision().currentPerMinute()).as("the %d before the failover still count", BEFORE)
        .isEqualTo(BEFORE + 1);
    admitted++;
    for (int i = 0; i < 2 * LIMIT_PER_MINUTE; i++) {
      admitted += acquire(key).admitted() ? 1 : 0;
    }
    assertThat(BEFORE + admitted).as("the minute's limit across the failover").isEqualTo(LIMIT_PER_MINUTE);
  }
}
