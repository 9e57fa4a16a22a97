package org.s3gate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.config.ReloadOutcome.Result;
import org.s3gate.policy.MapFile;

/**
 * Issue 13 item 9, on the reloader alone: files that are not regular (FIFO, a link to
 * {@code /dev/zero}, a directory) or too big are refused without blocking or reading them whole;
 * the reload trigger survives any {@link Throwable}; a stuck reload shows in the trigger's health,
 * and an edit behind it fails saying so instead of hanging. Waits are bounded (a future's timeout,
 * a poll with a deadline); nothing asserts how long anything took.
 *
 * <p>Not thread-safe; JUnit runs each test on its own instance.
 */
class ReloadHardeningTest {

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

  private void writeDemo(String gatewayProperties) {
    write("gateway.properties", gatewayProperties);
    write("api_key_groups.map", "K1 premium\nK3 basic\n");
    write("rate_limits_per_minute.map", "premium 2000\nbasic 100\n");
    write("rate_limits_per_second.map", "premium 50\nbasic 10\n");
    write("error_messages.map", "premium Premium rate limit exceeded\n");
  }

  /** {@code reloadNow} in another thread, failing the test (not hanging it) if it does not return within 20 s. */
  private static ReloadOutcome reloadWithin20s(ConfigReloader r) throws Exception {
    return CompletableFuture.supplyAsync(r::reloadNow).get(20, TimeUnit.SECONDS);
  }

  private void replaceWithFifo(String name) throws Exception {
    Path file = dir.resolve(name);
    Files.delete(file);
    Process mkfifo = new ProcessBuilder("mkfifo", file.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0).as("mkfifo").isTrue();
  }

  @Test
  void reloadAndEdit_mapIsAFifo_refusedNamingIt_withoutBlocking() throws Exception {
    writeDemo("reload.interval 1h\n");
    try (ConfigReloader r = ConfigReloader.start(dir, Map.of(), NO_SETTLE)) {
      replaceWithFifo("error_messages.map");

      ReloadOutcome outcome = reloadWithin20s(r);

      assertThat(outcome.result()).isEqualTo(Result.REJECTED);
      assertThat(outcome.errors()).singleElement().asString().startsWith("error_messages.map: cannot read ")
          .endsWith(": not a regular file (a FIFO); only regular files are read");
      CompletableFuture<Object> edit = CompletableFuture.supplyAsync(
          () -> r.editMap(MapFile.LIMITS_PER_MINUTE, MapEdit.set("basic", "5"), "local"));
      assertThatThrownBy(() -> edit.get(20, TimeUnit.SECONDS)).cause().isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("not a regular file (a FIFO)");
      assertThat(r.store().current().version()).isEqualTo(1);
    }
  }

  @Test
  void reload_mapLinkedToDevZeroOrADirectory_refusedNamingWhatItIs() throws Exception {
    writeDemo("reload.interval 1h\n");
    try (ConfigReloader r = ConfigReloader.start(dir, Map.of(), NO_SETTLE)) {
      Files.delete(dir.resolve("error_messages.map"));
      Files.createSymbolicLink(dir.resolve("error_messages.map"), Path.of("/dev/zero"));
      Files.delete(dir.resolve("rate_limits_per_second.map"));
      Files.createDirectory(dir.resolve("rate_limits_per_second.map"));

      ReloadOutcome outcome = reloadWithin20s(r);

      assertThat(outcome.result()).isEqualTo(Result.REJECTED);
      assertThat(outcome.errors()).anySatisfy(e -> assertThat(e).startsWith("error_messages.map: cannot read ")
          .contains("not a regular file (a character device, a link to /dev/zero)"));
      assertThat(outcome.errors()).anySatisfy(e -> assertThat(e).startsWith("rate_limits_per_second.map: cannot read ")
          .contains("not a regular file (a directory)"));
      assertThat(r.store().current().policyForKey("K3").limitPerSecond()).isEqualTo(10);
    }
  }

  @Test
  void reload_fileOverMaxFileBytes_refused_raisingTheCapInTheSameReloadLoadsIt() throws Exception {
    writeDemo("reload.interval 1h\nreload.max_file_bytes 1KiB\n");
    try (ConfigReloader r = ConfigReloader.start(dir, Map.of(), NO_SETTLE)) {
      StringBuilder big = new StringBuilder("K1 premium\nK3 basic\n");
      for (int i = 0; big.length() <= 1024; i++) {
        big.append("KEY").append(i).append(" basic\n");
      }
      write("api_key_groups.map", big.toString());

      ReloadOutcome refused = r.reloadNow();

      assertThat(refused.result()).isEqualTo(Result.REJECTED);
      assertThat(refused.errors()).singleElement().asString().startsWith("api_key_groups.map: cannot read ")
          .contains("over reload.max_file_bytes (1024 bytes)");
      assertThatThrownBy(() -> r.editMap(MapFile.KEY_GROUPS, MapEdit.set("K9", "basic"), "local"))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("over reload.max_file_bytes");

      write("gateway.properties", "reload.interval 1h\nreload.max_file_bytes 64KiB\n");
      assertThat(r.reloadNow().result()).isEqualTo(Result.PUBLISHED);
      assertThat(r.store().current().keyGroups()).containsKey("KEY0");
    }
  }

  @Test
  void edit_newTextOverMaxFileBytes_refusedBeforeWriting() throws Exception {
    writeDemo("reload.interval 1h\nreload.max_file_bytes 1KiB\n");
    try (ConfigReloader r = ConfigReloader.start(dir, Map.of(), NO_SETTLE)) {
      assertThatThrownBy(() -> r.editMap(MapFile.ERROR_MESSAGES, MapEdit.set("basic", "x".repeat(1100)), "local"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("refused, nothing changed: error_messages.map would be ")
          .hasMessageContaining("over reload.max_file_bytes (1024 bytes)");
      assertThat(Files.readString(dir.resolve("error_messages.map"))).isEqualTo("premium Premium rate limit exceeded\n");
    }
  }

  @Test
  void trigger_reloadThrowsOutOfMemoryError_keepsRunning_reportsFailing_thenRecovers() throws Exception {
    writeDemo("reload.interval 100ms\n");
    AtomicInteger settles = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    Tuning failOnce = new Tuning(Clock.systemUTC(), () -> {
      if (started.getCount() == 0 && settles.incrementAndGet() == 1) {
        throw new OutOfMemoryError("Java heap space (thrown by the test)");
      }
    });
    try (ConfigReloader r = ConfigReloader.start(dir, Map.of(), failOnce)) {
      started.countDown();
      write("rate_limits_per_minute.map", "premium 2500\nbasic 100\n");

      assertThat(pollUpTo10s(() -> r.triggerHealth(Instant.now()).failures() == 1)).isTrue();
      ReloadTriggerHealth failed = r.triggerHealth(Instant.now());
      assertThat(failed.lastFailure()).isEqualTo("java.lang.OutOfMemoryError: Java heap space (thrown by the test)");
      assertThat(pollUpTo10s(() -> r.store().current().policyForKey("K1").limitPerMinute() == 2500))
          .as("the next tick reloads the file").isTrue();
      assertThat(pollUpTo10s(() -> r.triggerHealth(Instant.now()).state() == ReloadTriggerHealth.State.OK)).isTrue();
      assertThat(r.triggerHealth(Instant.now()).lastFailure()).as("the last failure stays visible").isNotNull();
    }
  }

  @Test
  void trigger_reloadBlocked_isStuck_andEditsFailSayingWhoHoldsTheLock() throws Exception {
    writeDemo("reload.interval 100ms\n");
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Tuning blocking = new Tuning(Clock.systemUTC(), () -> {
      if (started.getCount() == 0 && blocked.getCount() == 1) {
        blocked.countDown();
        release.await(); // a read that never returns, like a FIFO nobody writes to
      }
    }, Duration.ofMillis(200), Duration.ZERO);
    try (ConfigReloader r = ConfigReloader.start(dir, Map.of(), blocking)) {
      started.countDown();
      write("rate_limits_per_minute.map", "premium 2500\nbasic 100\n");
      assertThat(blocked.await(10, TimeUnit.SECONDS)).as("the trigger's reload started").isTrue();

      ReloadTriggerHealth later = r.triggerHealth(Instant.now().plusSeconds(60));
      assertThat(later.state()).isEqualTo(ReloadTriggerHealth.State.STUCK);
      assertThat(later.checkingSince()).isNotNull();
      assertThat(later.stuckAfter()).isEqualTo(Duration.ofMillis(300));
      CompletableFuture<EditResult> edit = CompletableFuture.supplyAsync(
          () -> r.editMap(MapFile.LIMITS_PER_SECOND, MapEdit.set("basic", "5"), "local"));
      assertThatThrownBy(() -> edit.get(20, TimeUnit.SECONDS)).cause().isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("refused, nothing changed: the configuration is busy: the reload trigger has held"
              + " the reload lock since ")
          .hasMessageContaining("(waited 200 ms); try again");
      assertThat(reloadWithin20s(r).result()).isEqualTo(Result.BUSY);

      release.countDown();
      assertThat(pollUpTo10s(() -> r.store().current().policyForKey("K1").limitPerMinute() == 2500)).isTrue();
      assertThat(pollUpTo10s(() -> r.triggerHealth(Instant.now()).state() == ReloadTriggerHealth.State.OK)).isTrue();
      assertThat(r.editMap(MapFile.LIMITS_PER_SECOND, MapEdit.set("basic", "5"), "local").newValue()).isEqualTo("5");
    } finally {
      release.countDown();
    }
  }

  private static boolean pollUpTo10s(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }
}
