package org.s3gate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.Set;
import java.util.HashSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.config.ReloadOutcome.Result;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.PolicySnapshot;

class ConfigReloaderTest {

  private static final Tuning NO_SETTLE = new Tuning(Clock.systemUTC(), () -> {});

  @TempDir
  Path dir;

  private void write(String name, String text) {
    try {
      Files.writeString(dir.resolve(name), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writeDemo() {
    write("gateway.properties", "reload.interval 1h\n");
    write("api_key_groups.map", "K1 premium\nK2 standard\nK3 basic\n");
    write("rate_limits_per_minute.map", "premium 2000\nstandard 500\nbasic 100\n");
    write("rate_limits_per_second.map", "premium 50\nstandard 25\nbasic 10\n");
    write("error_messages.map", "premium Premium rate limit exceeded\nstandard Standard\nbasic Basic\n");
  }

  private ConfigReloader start(Map<String, String> env) {
    return ConfigReloader.start(dir, env, NO_SETTLE);
  }

  @Test
  void start_shippedDemoConf_loadsDemoGroupsAndSettings() throws IOException {
    for (String name : new String[] {"gateway.properties", "api_key_groups.map", "rate_limits_per_minute.map",
        "rate_limits_per_second.map", "error_messages.map"}) {
      Files.copy(Path.of("conf", name), dir.resolve(name));
    }
    try (ConfigReloader r = start(Map.of())) {
      PolicySnapshot s = r.store().current();
      assertThat(s.version()).isEqualTo(1);
      assertThat(s.policyForKey("5HQZO7EDOM4XBNO642GQ"))
          .isEqualTo(new GroupPolicy("premium", 50, 2000, 32, "Premium rate limit exceeded"));
      assertThat(s.policyForKey("VSLP8GUZ6SPYILLLGHJ0").limitPerMinute()).isEqualTo(500);
      assertThat(s.policyForKey("FQ4IU19ZFZ3470XJ7GBF").limitPerSecond()).isEqualTo(10);
      assertThat(s.policyForKey("nope")).isEqualTo(new GroupPolicy("unknown", 5, 50, 32, "Rate_limit_exceeded"));
      assertThat(s.settings().backendHealthPath()).isEqualTo("/healthz");
      assertThat(r.status().lastErrors()).isEmpty();
      assertThat(r.status().file("api_key_groups.map").entries()).isEqualTo(3);
      long settingLines = java.nio.file.Files.readAllLines(r.status().file("gateway.properties").path()).stream()
          .filter(line -> !line.isBlank() && !line.startsWith("#")).count();
      assertThat(r.status().file("gateway.properties").entries()).isEqualTo(settingLines).isGreaterThanOrEqualTo(20);
    }
  }

  @Test
  void start_missingFiles_emptyMapsAndBuiltInDefaults() {
    try (ConfigReloader r = start(Map.of())) {
      PolicySnapshot s = r.store().current();
      assertThat(s.keyGroups()).isEmpty();
      assertThat(s.settings().backendHealthPath()).isEqualTo("/minio/health/live");
      assertThat(s.settings().reloadInterval()).isEqualTo(Duration.ofSeconds(1));
      assertThat(s.policyForKey("K1")).isEqualTo(new GroupPolicy("unknown", 5, 50, 32, "Rate_limit_exceeded"));
    }
  }

  @Test
  void start_missingDirectory_throws() {
    assertThatThrownBy(() -> ConfigReloader.start(dir.resolve("nope"), Map.of(), NO_SETTLE))
        .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
  }

  @Test
  void start_invalidFiles_throwsListingEveryError() {
    writeDemo();
    write("rate_limits_per_second.map", "premium 50\n# c\n\nbasic abc\n");
    write("gateway.properties", "deny.status 700\n");

    assertThatThrownBy(() -> start(Map.of()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).errors()).containsExactly(
            "rate_limits_per_second.map:4: group 'basic' has limit 'abc': must be a whole number >= 0",
            "gateway.properties:1: deny.status has value '700': must be an HTTP status 400..599 (429 or 503)"))
        .hasMessageContaining("rate_limits_per_second.map:4:");
  }

  @Test
  void reloadNow_badEdit_keepsOldSnapshotAndRecordsError_thenGoodEditRecovers() {
    writeDemo();
    try (ConfigReloader r = start(Map.of())) {
      PolicySnapshot before = r.store().current();
      write("rate_limits_per_minute.map", "premium 2000\nstandard lots\nbasic 100\n");

      ReloadOutcome bad = r.reloadNow();

      assertThat(bad.result()).isEqualTo(Result.REJECTED);
      assertThat(bad.errors()).containsExactly(
          "rate_limits_per_minute.map:2: group 'standard' has limit 'lots': must be a whole number >= 0");
      assertThat(r.store().current()).isSameAs(before);
      ReloadStatus status = r.status();
      assertThat(status.configVersion()).isEqualTo(1);
      assertThat(status.failedReloads()).isEqualTo(1);
      assertThat(status.file("rate_limits_per_minute.map").lastError()).contains("'lots'");
      assertThat(status.file("api_key_groups.map").lastError()).isNull();

      write("rate_limits_per_minute.map", "premium 2000\nstandard 600\nbasic 100\n");
      ReloadOutcome good = r.reloadNow();

      assertThat(good.result()).isEqualTo(Result.PUBLISHED);
      assertThat(good.changedFiles()).containsExactly("rate_limits_per_minute.map");
      assertThat(r.store().current().version()).isEqualTo(2);
      assertThat(r.store().current().policyForKey("K2").limitPerMinute()).isEqualTo(600);
      assertThat(r.status().file("rate_limits_per_minute.map").lastError()).isNull();
      assertThat(r.status().lastErrors()).isEmpty();
      assertThat(r.status().totalReloads()).isEqualTo(3);
    }
  }

  @Test
  void reloadNow_sameBytes_unchangedAndVersionKept() {
    writeDemo();
    try (ConfigReloader r = start(Map.of())) {
      assertThat(r.reloadNow().result()).isEqualTo(Result.UNCHANGED);
      assertThat(r.store().current().version()).isEqualTo(1);
    }
  }

  @Test
  void reloadNow_fileChangingWhileRead_isUnsettledAndNothingPublished() {
    writeDemo();
    AtomicInteger writes = new AtomicInteger();
    boolean[] writing = {false};
    Tuning racingWriter = new Tuning(Clock.systemUTC(), () -> {
      if (writing[0]) { // a writer appends a line between our two reads, every time
        write("api_key_groups.map", "K1 premium\nK2 standard\nK3 basic\nK" + writes.incrementAndGet() + "0 bas");
      }
    });
    try (ConfigReloader r = ConfigReloader.start(dir, Map.of(), racingWriter)) {
      writing[0] = true;

      ReloadOutcome outcome = r.reloadNow();

      assertThat(outcome.result()).isEqualTo(Result.UNSETTLED);
      assertThat(outcome.changedFiles()).containsExactly("api_key_groups.map");
      assertThat(writes.get()).isEqualTo(3);
      assertThat(r.store().current().version()).isEqualTo(1);
      assertThat(r.store().current().keyGroups()).hasSize(3);

      writing[0] = false; // the writer finished
      assertThat(r.reloadNow().result()).isEqualTo(Result.PUBLISHED);
      assertThat(r.store().current().keyGroups()).containsEntry("K30", "bas");
    }
  }

  @Test
  void reloadNow_fileTruncatedToZeroBytes_isRejectedAsHalfWritten() {
    writeDemo();
    try (ConfigReloader r = start(Map.of())) {
      write("api_key_groups.map", "");

      ReloadOutcome outcome = r.reloadNow();

      assertThat(outcome.result()).isEqualTo(Result.REJECTED);
      assertThat(outcome.errors()).singleElement().asString().startsWith("api_key_groups.map: file is empty (0 bytes)");
      assertThat(r.store().current().keyGroups()).hasSize(3);

      write("api_key_groups.map", "# no keys for now\n");
      assertThat(r.reloadNow().result()).isEqualTo(Result.PUBLISHED);
      assertThat(r.store().current().keyGroups()).isEmpty();
    }
  }

  @Test
  void reloadNow_fileDeleted_isRejected() throws IOException {
    writeDemo();
    try (ConfigReloader r = start(Map.of())) {
      Files.delete(dir.resolve("error_messages.map"));

      ReloadOutcome outcome = r.reloadNow();

      assertThat(outcome.result()).isEqualTo(Result.REJECTED);
      assertThat(outcome.errors()).singleElement().asString().startsWith("error_messages.map: file was deleted");
      assertThat(r.store().current().errorMessages()).hasSize(3);
    }
  }

  @Test
  void reloadNow_restartOnlyKeysChanged_keepStartupValues() {
    writeDemo();
    write("gateway.properties", "reload.interval 1h\ntable.size 1000\nbackend.urls http://a:9000\n");
    try (ConfigReloader r = start(Map.of())) {
      write("gateway.properties", "reload.interval 2h\ntable.size 2000\nbackend.urls http://b:9000\ndeny.status 503\n");

      ReloadOutcome outcome = r.reloadNow();

      var settings = r.store().current().settings();
      assertThat(outcome.result()).isEqualTo(Result.PUBLISHED);
      assertThat(settings.denyStatus()).isEqualTo(503);
      assertThat(settings.tableSize()).isEqualTo(1000);
      assertThat(settings.reloadInterval()).isEqualTo(Duration.ofHours(1));
      assertThat(settings.backendUrls()).containsExactly(URI.create("http://a:9000"));
      assertThat(outcome.warnings()).hasSize(3).allSatisfy(w -> assertThat(w).contains("needs a restart"));
    }
  }

  @Test
  void start_s3gateBackendSet_overridesBackendUrls() {
    writeDemo();
    write("gateway.properties", "reload.interval 1h\nbackend.urls http://file:9000\n");
    try (ConfigReloader r = start(Map.of("S3GATE_BACKEND", "http://m1:9000,http://m2:9000"))) {
      assertThat(r.store().current().settings().backendUrls())
          .containsExactly(URI.create("http://m1:9000"), URI.create("http://m2:9000"));
    }
  }

  @Test
  void trigger_editOnDisk_pickedUpWithinTwoSeconds_andCloseStopsThread() throws Exception {
    writeDemo();
    write("gateway.properties", "reload.interval 100ms\n");
    Files.delete(dir.resolve("error_messages.map"));
    Tuning shortSettle = new Tuning(Clock.systemUTC(), Tuning.Settle.sleep(Duration.ofMillis(20)));
    Set<Thread> before = reloadThreads();
    ConfigReloader r = ConfigReloader.start(dir, Map.of(), shortSettle);
    Set<Thread> started = reloadThreads();
    started.removeAll(before);
    try {
      write("rate_limits_per_minute.map", "premium 2500\nstandard 500\nbasic 100\n");
      assertThat(pollUpTo2s(() -> r.store().current().policyForKey("K1").limitPerMinute() == 2500)).isTrue();

      write("error_messages.map", "premium Created later\n"); // a file that did not exist at start
      assertThat(pollUpTo2s(() -> r.store().current().policyForKey("K1").errorMessage().equals("Created later")))
          .isTrue();
      assertThat(r.store().current().version()).isEqualTo(3);
    } finally {
      r.close();
    }
    assertThat(started).hasSize(1);
    Thread thread = started.iterator().next();
    thread.join(2000);
    assertThat(thread.isAlive()).isFalse();
  }

  /** The reload trigger threads alive now (every reloader names its thread s3gate-config-reload-N). */
  private static Set<Thread> reloadThreads() {
    Set<Thread> threads = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("s3gate-config-reload-")) {
        threads.add(t);
      }
    }
    return threads;
  }

  private static boolean pollUpTo2s(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }
}
