package org.s3gate.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.s3gate.stats.SecondCounts.Kind;

class SecondCountsTest {
  private static final long SECOND = 1_000_000_000L;
  /** Near overflow, so every comparison must be by subtraction. */
  private static final long ORIGIN = Long.MAX_VALUE - 10 * SECOND;

  private final SecondCounts counts = new SecondCounts(ORIGIN);

  private static long at(long seconds, long extraNanos) {
    return ORIGIN + seconds * SECOND + extraNanos;
  }

  @Test
  void record_withinOneSecond_countsEachKindApart_acrossTheClockOverflow() {
    counts.record(Kind.ADMITTED, at(20, 0)); // past Long.MAX_VALUE: nanoTime wrapped
    counts.record(Kind.ADMITTED, at(20, SECOND - 1));
    counts.record(Kind.DENIED_PER_MINUTE, at(20, 5));

    assertThat(counts.count(Kind.ADMITTED, 20)).isEqualTo(2);
    assertThat(counts.count(Kind.DENIED_PER_MINUTE, 20)).isEqualTo(1);
    assertThat(counts.count(Kind.DENIED_PER_SECOND, 20)).isZero();
    assertThat(counts.count(Kind.ADMITTED, 21)).isZero();
  }

  @Test
  void lastSeconds_leaveOutTheSecondStillFilling_oldestFirst() {
    counts.record(Kind.ADMITTED, at(3, 0));
    counts.record(Kind.ADMITTED, at(4, 0));
    counts.record(Kind.ADMITTED, at(4, 1));
    counts.record(Kind.ADMITTED, at(1, 0)); // outside the three seconds asked for
    counts.record(Kind.ADMITTED, at(5, 0)); // the current second

    assertThat(counts.lastSeconds(Kind.ADMITTED, 3, at(5, 10))).containsExactly(0, 1, 2);
    assertThat(counts.lastSeconds(Kind.ADMITTED, 4, at(0, 0))).containsExactly(0, 0, 0, 0); // before the origin
  }

  @Test
  void record_aSlotLastUsedAWholeRingAgo_startsAgainAtOne() {
    counts.record(Kind.ADMITTED, at(7, 0));
    counts.record(Kind.ADMITTED, at(7, 0));
    long later = 7 + SecondCounts.SECONDS + 1; // the same slot

    counts.record(Kind.ADMITTED, at(later, 0));

    assertThat(counts.count(Kind.ADMITTED, later)).isEqualTo(1);
    assertThat(counts.count(Kind.ADMITTED, 7)).isZero(); // forgotten, not read as the later second's
  }

  @Test
  void record_lateForASlotAlreadyReused_isDropped() {
    long later = 7 + SecondCounts.SECONDS + 1;
    counts.record(Kind.ADMITTED, at(later, 0));

    counts.record(Kind.ADMITTED, at(7, 0)); // a thread that read the clock five minutes ago

    assertThat(counts.count(Kind.ADMITTED, later)).isEqualTo(1);
    assertThat(counts.count(Kind.ADMITTED, 7)).isZero();
  }

  @Test
  void lastSeconds_wholeRing_coversFiveMinutesExactly() {
    for (long s = 0; s <= SecondCounts.SECONDS; s++) {
      counts.record(Kind.DENIED_PER_SECOND, at(s, 0));
    }
    long[] series = counts.lastSeconds(Kind.DENIED_PER_SECOND, SecondCounts.SECONDS, at(SecondCounts.SECONDS, 0));
    assertThat(series).hasSize(SecondCounts.SECONDS).containsOnly(1);
    assertThatThrownBy(() -> counts.lastSeconds(Kind.ADMITTED, SecondCounts.SECONDS + 1, at(0, 0)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void record_beforeTheOrigin_isIgnored() {
    counts.record(Kind.ADMITTED, ORIGIN - 1);
    assertThat(counts.second(ORIGIN - 1)).isNegative();
    assertThat(counts.count(Kind.ADMITTED, -1)).isZero();
    assertThat(counts.count(Kind.ADMITTED, 0)).isZero();
  }

  @Test
  void record_fromManyThreadsInOneSecond_losesNoCount() throws InterruptedException {
    int threads = 4;
    int perThread = 50_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perThread; i++) {
          counts.record(Kind.ADMITTED, at(42, i));
        }
      });
      worker.start();
      workers.add(worker);
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join();
    }
    assertThat(counts.count(Kind.ADMITTED, 42)).isEqualTo((long) threads * perThread);
  }
}
