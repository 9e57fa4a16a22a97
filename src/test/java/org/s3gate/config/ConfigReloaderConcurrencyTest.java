package org.s3gate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.config.ReloadOutcome.Result;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.PolicySnapshot;

class ConfigReloaderConcurrencyTest {

  private static final int RELOADS = 300;

  @TempDir
  Path dir;

  /** Every file of generation g encodes g, so a snapshot mixing two generations is detectable. */
  private void writeGeneration(int g) throws IOException {
    Files.writeString(dir.resolve("gateway.properties"),
        "reload.interval 1h\ndefault.limit.per_minute " + (g * 100) + "\n");
    Files.writeString(dir.resolve("api_key_groups.map"), "K1 g" + g + "\nK2 g" + g + "\n");
    Files.writeString(dir.resolve("rate_limits_per_minute.map"), "g" + g + " " + (g * 1000) + "\n");
    Files.writeString(dir.resolve("rate_limits_per_second.map"), "g" + g + " " + (g * 10) + "\n");
    Files.writeString(dir.resolve("error_messages.map"), "g" + g + " message of generation " + g + "\n");
  }

  private static String checkConsistent(PolicySnapshot s) {
    GroupPolicy p = s.policyForKey("K2");
    int g = Integer.parseInt(p.group().substring(1));
    if (p.limitPerMinute() != g * 1000 || p.limitPerSecond() != g * 10
        || !p.errorMessage().equals("message of generation " + g)
        || s.settings().defaultLimitPerMinute() != g * 100
        || !s.keyGroups().get("K1").equals("g" + g)) {
      return "mixed snapshot version " + s.version() + ": " + p + ", " + s.settings().defaultLimitPerMinute();
    }
    return null;
  }

  @Test
  void reloadNow_hundredsOfReloadsUnderConcurrentReaders_readersNeverSeeAMixAndVersionsOnlyGrow() throws Exception {
    writeGeneration(1);
    try (ConfigReloader r = ConfigReloader.start(dir, Map.of(), new Tuning(Clock.systemUTC(), () -> {}))) {
      AtomicBoolean done = new AtomicBoolean();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      AtomicLong reads = new AtomicLong();
      List<Thread> readers = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Thread t = new Thread(() -> {
          long lastVersion = 0;
          while (!done.get()) {
            PolicySnapshot s = r.store().current();
            if (s.version() < lastVersion) {
              failures.add("version went back from " + lastVersion + " to " + s.version());
            }
            lastVersion = s.version();
            String problem = checkConsistent(s);
            if (problem != null) {
              failures.add(problem);
            }
            reads.incrementAndGet();
            Thread.yield();
          }
        }, "reader-" + i);
        readers.add(t);
        t.start();
      }

      for (int i = 0; i < RELOADS; i++) {
        writeGeneration(i % 2 == 0 ? 2 : 1);
        assertThat(r.reloadNow().result()).isEqualTo(Result.PUBLISHED);
      }
      done.set(true);
      for (Thread t : readers) {
        t.join(5000);
      }

      assertThat(failures).isEmpty();
      assertThat(reads.get()).isPositive();
      assertThat(r.store().current().version()).isEqualTo(1 + RELOADS);
      assertThat(r.status().totalReloads()).isEqualTo(1 + RELOADS);
    }
  }
}
