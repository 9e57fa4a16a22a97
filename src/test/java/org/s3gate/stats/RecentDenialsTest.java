package org.s3gate.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class RecentDenialsTest {
  private final RecentDenials denials = new RecentDenials();

  @Test
  void newest_afterMoreThanCapacity_keepsTheNewestNewestFirst() {
    for (int i = 0; i < RecentDenials.CAPACITY + 10; i++) {
      denials.add(1000L + i, "K" + i, "basic", "denied_per_second", "GET", "/b/o" + i);
    }

    List<Denial> newest = denials.newest(RecentDenials.CAPACITY);

    assertThat(newest).hasSize(RecentDenials.CAPACITY);
    assertThat(newest.get(0).key()).isEqualTo("K" + (RecentDenials.CAPACITY + 9));
    assertThat(newest.get(newest.size() - 1).key()).isEqualTo("K10");
    assertThat(denials.newest(3)).extracting(Denial::path).containsExactly("/b/o73", "/b/o72", "/b/o71");
    assertThat(denials.total()).isEqualTo(RecentDenials.CAPACITY + 10);
  }

  @Test
  void add_longPath_isCutToTheBound() {
    denials.add(0, "K", "g", "denied_per_minute", "PUT", "/b/" + "x".repeat(10_000));
    assertThat(denials.newest(1).get(0).path()).hasSize(RecentDenials.MAX_PATH_CHARS);
  }

  @Test
  void add_fromManyThreads_keepsDistinctRecordsOfTheLatest() throws InterruptedException {
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      String key = "T" + t;
      Thread worker = new Thread(() -> {
        for (int i = 0; i < 10_000; i++) {
          denials.add(i, key, "g", "denied_per_second", "GET", "/p");
        }
      });
      worker.start();
      workers.add(worker);
    }
    for (Thread worker : workers) {
      worker.join();
    }

    List<Denial> newest = denials.newest(RecentDenials.CAPACITY);
    assertThat(denials.total()).isEqualTo(40_000);
    assertThat(newest).hasSize(RecentDenials.CAPACITY);
    assertThat(newest).extracting(Denial::sequence).doesNotHaveDuplicates()
        .allMatch(sequence -> sequence >= 40_000 - RecentDenials.CAPACITY);
  }
}
