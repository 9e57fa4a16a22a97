package org.s3gate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.admit.Budget;
import org.s3gate.admit.LocalCounterStore;
import org.s3gate.admit.StoreStatus;
import org.s3gate.config.ConfigReloader;
import org.s3gate.limit.ByteTable;
import org.s3gate.limit.CounterTable;
import org.s3gate.policy.ClusterSettings;
import org.s3gate.policy.GatewaySettings;

/**
 * {@code redis.uri} with credentials against a real {@code redis-server --requirepass}: the default
 * user's password ({@code redis://:PASS@host:port}) and an ACL user ({@code redis://USER:PASS@...})
 * give exact shared decisions; a wrong or missing password is one ERROR line that names the problem
 * (never the password) and {@code redis.failure} decides, without a hang.
 */
@Timeout(60)
class RedisAuthTest {
  private static final String PASSWORD = "s3cret-Pw-4711";
  private static RedisServer redis;
  private static GatewaySettings settings;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\n");
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      settings = config.store().current().settings();
    }
    redis = RedisServer.builder().password(PASSWORD).start();
    assertThat(redis.call("ACL", "SETUSER", "gateway", "on", ">gw-Pass-0815", "~s3gate:*", "+@all")).isEqualTo("OK");
  }

  @AfterAll
  static void stop() throws Exception {
    if (redis != null) {
      redis.close();
    }
  }

  static RedisCounterStore store(String uri, ClusterSettings.Failure failure) {
    ClusterSettings cluster = new ClusterSettings(ClusterSettings.Store.REDIS, uri, Duration.ofMillis(500), failure, 1);
    return new RedisCounterStore(cluster, new LocalCounterStore(new CounterTable(100), new CounterTable(100)),
        new ByteTable(100), n -> {});
  }

  /** {@code limit} admitted, then denied: the exact shared decisions (each key new to Redis). */
  static void assertExactlyLimitAdmitted(RedisCounterStore store, GatewaySettings settings, String key) {
    Budget budget = new Budget(key, 1_000, 3);
    for (int i = 0; i < 3; i++) {
      assertThat(store.tryAcquire(new Budget[] {budget}, 1, settings, i).admitted()).as("request %d", i + 1).isTrue();
    }
    assertThat(store.tryAcquire(new Budget[] {budget}, 1, settings, 3).admitted()).as("the 4th of 3 per minute").isFalse();
    assertThat(store.mode()).isEqualTo(StoreStatus.SHARED);
    assertThat(store.failures()).isZero();
  }

  @Test
  void defaultUserPassword_inTheUri_sharesExactDecisions() {
    long fcalls = redis.calls("fcall");
    try (RedisCounterStore store = store("redis://:" + PASSWORD + "@127.0.0.1:" + redis.port(), ClusterSettings.Failure.CLOSED)) {
      assertExactlyLimitAdmitted(store, settings, "AUTHDEFAULT");
    }
    assertThat(redis.calls("fcall") - fcalls).as("decided by Redis").isEqualTo(4);
  }

  @Test
  void aclUserAndPassword_inTheUri_sharesExactDecisions() {
    try (RedisCounterStore store = store("redis://gateway:gw-Pass-0815@127.0.0.1:" + redis.port(), ClusterSettings.Failure.CLOSED)) {
      assertExactlyLimitAdmitted(store, settings, "AUTHACLUSER");
    }
  }

  /**
   * The least an ACL user needs: the function calls and their load, the commands the functions run
   * (Redis checks those against the user too, so {@code ~s3gate:*} keeps them on s3gate's keys),
   * and what the handshake and the JMX table use (Redis 7.0: no {@code CLIENT SETINFO} yet).
   */
  static final String LEAST_PRIVILEGE = "~s3gate:* -@all +hello +ping +function|load +fcall +fcall_ro"
      + " +time +exists +get +set +getrange +setrange +hmget +hset +pexpire +del +scan +unlink";

  @Test
  void aclUserWithTheLeastPrivilege_sharesExactDecisions_andItsTableWorks() {
    List<String> rules = new ArrayList<>(List.of("ACL", "SETUSER", "least", "on", ">least-Pw-31"));
    rules.addAll(List.of(LEAST_PRIVILEGE.split(" ")));
    assertThat(redis.call(rules.toArray(String[]::new))).isEqualTo("OK");
    try (RedisCounterStore store = store("redis://least:least-Pw-31@127.0.0.1:" + redis.port(), ClusterSettings.Failure.CLOSED)) {
      assertExactlyLimitAdmitted(store, settings, "AUTHLEAST");
      SharedCounterTable table = store.table();
      assertThat(table.snapshot(0)).extracting(u -> u.key()).contains("AUTHLEAST");
      assertThat(table.clearKey("AUTHLEAST")).isTrue();
      assertThat(table.snapshot(0)).extracting(u -> u.key()).doesNotContain("AUTHLEAST");
    }
  }

  @Test
  void aclUserWithoutFunctionLoad_isOneErrorLineSayingSo() {
    assertThat(redis.call("ACL", "SETUSER", "noload", "on", ">noload-Pw-5", "~s3gate:*", "+@all", "-function"))
        .isEqualTo("OK");
    try (LogCapture log = LogCapture.of(RedisCounterStore.class);
        RedisCounterStore store = store("redis://noload:noload-Pw-5@127.0.0.1:" + redis.port(), ClusterSettings.Failure.CLOSED)) {
      assertThat(store.mode()).isEqualTo(StoreStatus.FALLBACK_CLOSED);
      assertThat(log.errors()).singleElement().asString().contains("NOPERM").contains("lacks a permission")
          .doesNotContain("noload-Pw-5");
    }
  }

  @Test
  void wrongPassword_isOneErrorLineNamingTheProblemNotThePassword_andTheFailureModeDecides() throws Exception {
    try (LogCapture log = LogCapture.of(RedisCounterStore.class);
        RedisCounterStore store = store("redis://:wrong-Pw-1234@127.0.0.1:" + redis.port(), ClusterSettings.Failure.CLOSED)) {
      assertThat(store.mode()).isEqualTo(StoreStatus.FALLBACK_CLOSED);
      Budget budget = new Budget("AUTHWRONG", 1_000, 1_000);
      assertThat(store.tryAcquire(new Budget[] {budget}, 1, settings, 0).admitted()).as("redis.failure=closed").isFalse();
      awaitProbeFailures(log, 3); // the probe has retried, and been refused, a few more times
      assertThat(log.errors()).as(String.join("\n", log.all())).hasSize(1);
      assertThat(log.errors().get(0)).contains("redis://***@127.0.0.1:" + redis.port())
          .contains("WRONGPASS").contains("password").doesNotContain("wrong-Pw-1234");
      assertThat(String.join("\n", log.all())).doesNotContain("wrong-Pw-1234");
    }
  }

  @Test
  void refusedUser_returnsToSharedByItself_onceRedisAcceptsIt() throws Exception {
    try (RedisCounterStore store = store("redis://latecomer:late-Pw-9999@127.0.0.1:" + redis.port(),
        ClusterSettings.Failure.CLOSED)) {
      assertThat(store.mode()).as("no such user yet").isEqualTo(StoreStatus.FALLBACK_CLOSED);
      assertThat(redis.call("ACL", "SETUSER", "latecomer", "on", ">late-Pw-9999", "~s3gate:*", "+@all")).isEqualTo("OK");
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!StoreStatus.SHARED.equals(store.mode()) && System.nanoTime() - deadline < 0) {
        Thread.sleep(20);
      }
      assertThat(store.mode()).as("the probe connected with the now valid user").isEqualTo(StoreStatus.SHARED);
      assertExactlyLimitAdmitted(store, settings, "AUTHLATECOMER");
    }
  }

  @Test
  void noPassword_forAServerThatRequiresOne_isOneErrorLineSayingSo_andTheFailureModeDecides() {
    try (LogCapture log = LogCapture.of(RedisCounterStore.class);
        RedisCounterStore store = store("redis://127.0.0.1:" + redis.port(), ClusterSettings.Failure.OPEN)) {
      assertThat(store.mode()).isEqualTo(StoreStatus.FALLBACK_OPEN);
      Budget budget = new Budget("AUTHNONE", 1, 1);
      for (int i = 0; i < 3; i++) {
        assertThat(store.tryAcquire(new Budget[] {budget}, 1, settings, i).admitted()).as("redis.failure=open").isTrue();
      }
      assertThat(log.errors()).as(String.join("\n", log.all())).hasSize(1);
      assertThat(log.errors().get(0)).contains("NOAUTH");
    }
  }

  /** Waits (bounded) until the probe has logged {@code n} failed attempts at DEBUG. */
  static void awaitProbeFailures(LogCapture log, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (probeFailures(log) < n && System.nanoTime() - deadline < 0) {
      Thread.sleep(20);
    }
    assertThat(probeFailures(log)).isGreaterThanOrEqualTo(n);
  }

  private static long probeFailures(LogCapture log) {
    return log.all().stream().filter(line -> line.contains("Redis probe failed")).count();
  }
}
