package org.s3gate.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Periodic-burst senders (a cron-style batch job sending exactly its limit once per window, bursts
 * instantaneous or spread, on time or a little late) and steady senders, at the demo groups' limits
 * (premium 50/s + 2000/min, standard 25/s + 500/min, basic 10/s + 100/min), run against
 * {@link CounterTable} and, side by side, against an exact sliding log deciding the same requests
 * on its own. Checks strictness (no 1 s or 60 s window over the limit) for every sender, and that
 * the table gives every one of them at least 0.9 of the exact log's admissions (issue 17).
 *
 * <p>Why they pass (see {@link WindowRing}): a burst made within one tick (32 us / 2 ms) shares one
 * cell and leaves the window exactly one window later, so instantaneous bursts get 1.0; a spread
 * burst loses at most about one batch ({@code ceil(limit / cells)}: 4 of 50/s, 2 of 25/s, none of
 * 10/s, 125 of 2000/min, 32 of 500/min, 7 of 100/min) each window: 50/s over 1 ms measures 0.92.
 * Limits up to the cell count are an exact log but for the tick stamps are rounded up to, which
 * costs a sender that repeats its requests exactly one window later, to the nanosecond, about one
 * request a burst: 10/s over 1 ms measures 0.91, and the default 5/s has its own, weaker bound
 * below. docs/OPERATIONS.md ("How exact are the limits") has the measured table.
 */
class FairnessPropertyTest {

  private static final long MS = 1_000_000L;
  private static final long SECOND_NANOS = 1_000 * MS;
  private static final long MINUTE_NANOS = 60 * SECOND_NANOS;
  private static final int UNLIMITED = Integer.MAX_VALUE;

  /**
   * A sender: limits, period between bursts, requests per burst, spacing inside a burst, number of
   * periods, and the most by which a burst may start late (uniform, fixed seed; 0 = on time).
   */
  record Sender(String name, int perSecond, int perMinute, long periodNanos, int burst,
      long spacingNanos, int periods, long maxLateNanos) {
    Sender(String name, int perSecond, int perMinute, long periodNanos, int burst,
        long spacingNanos, int periods) {
      this(name, perSecond, perMinute, periodNanos, burst, spacingNanos, periods, 0);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> burstSenders() {
    List<Sender> senders = new ArrayList<>();
    for (int perSecond : new int[] {10, 25, 50}) {
      senders.add(new Sender(perSecond + "/s, instantaneous bursts", perSecond, UNLIMITED,
          SECOND_NANOS, perSecond, 0, 120));
      for (long spreadNanos : new long[] {MS, 50 * MS, 200 * MS, 700 * MS}) {
        senders.add(new Sender(perSecond + "/s, bursts over " + spreadNanos / MS + " ms", perSecond,
            UNLIMITED, SECOND_NANOS, perSecond, spreadNanos / perSecond, 120));
      }
      senders.add(new Sender(perSecond + "/s, bursts over 10 ms, up to 5 ms late", perSecond,
          UNLIMITED, SECOND_NANOS, perSecond, 10 * MS / perSecond, 120, 5 * MS));
    }
    for (int perMinute : new int[] {100, 500, 2000}) {
      senders.add(new Sender(perMinute + "/min, instantaneous bursts", UNLIMITED, perMinute,
          MINUTE_NANOS, perMinute, 0, 30));
      for (long spreadNanos : new long[] {2 * SECOND_NANOS, 20 * SECOND_NANOS}) {
        senders.add(new Sender(perMinute + "/min, bursts over " + spreadNanos / SECOND_NANOS + " s",
            UNLIMITED, perMinute, MINUTE_NANOS, perMinute, spreadNanos / perMinute, 30));
      }
      senders.add(new Sender(perMinute + "/min, bursts over 2 s, up to 1 s late", UNLIMITED,
          perMinute, MINUTE_NANOS, perMinute, 2 * SECOND_NANOS / perMinute, 30, SECOND_NANOS));
    }
    // both windows of a demo group: bursts of the per-second limit every second, which the minute
    // limit cuts off after 40 (premium), 20 (standard) or 10 (basic) seconds of each minute
    senders.add(new Sender("premium 50/s + 2000/min, 1 ms bursts of 50 every second", 50, 2000,
        SECOND_NANOS, 50, 20_000, 240));
    senders.add(new Sender("standard 25/s + 500/min, 50 ms bursts of 25 every second", 25, 500,
        SECOND_NANOS, 25, 2 * MS, 240));
    senders.add(new Sender("basic 10/s + 100/min, instantaneous bursts of 10 every second", 10, 100,
        SECOND_NANOS, 10, 0, 240));
    return senders.stream().map(Arguments::of);
  }

  /**
   * The default group's 5/s, bursts spread so that no request falls on a 32 us tick boundary, each
   * burst a copy of the last shifted by exactly one second, to the nanosecond. A cell's stamp is
   * rounded up to the tick, so a request repeating its predecessor exactly one window later finds
   * it still counted and is denied: about one request of each burst, 1 in 5 at worst. Measured
   * 0.850 (1 ms bursts) and 0.867 (50 ms); bursts whose spacing is a multiple of the tick, or that
   * come late by any amount (the "up to 5 ms late" senders), get 1.0. Nanosecond stamps would need
   * another cell format for limits below the cell count (28-bit stamps, 4-bit counts in the same 4
   * bytes), switched when the limit crosses it: not done.
   */
  static Stream<Arguments> nanosecondPeriodicSmallLimitSenders() {
    return Stream.of(
        new Sender("5/s, bursts over 1 ms", 5, UNLIMITED, SECOND_NANOS, 5, MS / 5, 120),
        new Sender("5/s, bursts over 50 ms", 5, UNLIMITED, SECOND_NANOS, 5, 50 * MS / 5, 120))
        .map(Arguments::of);
  }

  static Stream<Arguments> steadySenders() {
    return Stream.of(
        new Sender("10/s steady", 10, UNLIMITED, SECOND_NANOS / 10, 1, 0, 1200),
        new Sender("50/s steady", 50, UNLIMITED, SECOND_NANOS / 50, 1, 0, 6000),
        new Sender("50/s + 2000/min steady", 50, 2000, SECOND_NANOS / 50, 1, 0, 6000),
        new Sender("2000/min steady", UNLIMITED, 2000, MINUTE_NANOS / 2000, 1, 0, 6000))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"burstSenders", "nanosecondPeriodicSmallLimitSenders", "steadySenders"})
  void tryAcquire_periodicSender_neverOverTheLimitInAnySlidingWindow(Sender sender) {
    run(sender); // run() asserts strictness on every admission
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("burstSenders")
  void tryAcquire_periodicBurstSender_admitsAtLeastNineTenthsOfExactLog(Sender sender) {
    assertThat(run(sender)).as(sender.name()).isGreaterThanOrEqualTo(0.9);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nanosecondPeriodicSmallLimitSenders")
  void tryAcquire_nanosecondPeriodicOffTickBursts_loseAtMostOneRequestABurst(Sender sender) {
    double ratio = run(sender);
    assertThat(ratio).as(sender.name()).isGreaterThanOrEqualTo(1.0 - 1.0 / sender.burst());
    assertThat(ratio).as("%s: the tick's cost shows (else move it to burstSenders)", sender.name())
        .isLessThan(1.0);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("steadySenders")
  void tryAcquire_steadySender_admitsAtLeastNineTenthsOfExactLog(Sender sender) {
    assertThat(run(sender)).as(sender.name()).isGreaterThanOrEqualTo(0.9);
  }

  /** Runs the sender against the table and an exact log; returns the ratio of their admissions. */
  private static double run(Sender sender) {
    CounterTable table = new CounterTable(4);
    List<Long> tableAdmitted = new ArrayList<>();
    List<Long> exactAdmitted = new ArrayList<>();
    Random lateness = new Random(17);
    for (int period = 0; period < sender.periods(); period++) {
      long late = sender.maxLateNanos() == 0 ? 0 : (long) (lateness.nextDouble() * sender.maxLateNanos());
      for (int i = 0; i < sender.burst(); i++) {
        long now = period * sender.periodNanos() + late + i * sender.spacingNanos();
        Decision decision =
            table.tryAcquire("key", sender.perSecond(), sender.perMinute(), false, now);
        if (decision.admitted()) {
          assertThat(countAfter(tableAdmitted, now - SECOND_NANOS) + 1)
              .as("%s: per-second window at %d", sender.name(), now)
              .isLessThanOrEqualTo(sender.perSecond());
          assertThat(countAfter(tableAdmitted, now - MINUTE_NANOS) + 1)
              .as("%s: per-minute window at %d", sender.name(), now)
              .isLessThanOrEqualTo(sender.perMinute());
          tableAdmitted.add(now);
        }
        if (countAfter(exactAdmitted, now - SECOND_NANOS) < sender.perSecond()
            && countAfter(exactAdmitted, now - MINUTE_NANOS) < sender.perMinute()) {
          exactAdmitted.add(now);
        }
      }
    }
    if (Boolean.getBoolean("fairness.print")) { // the table in docs/OPERATIONS.md: -Dfairness.print=true
      System.out.printf("FAIRNESS | %s | %d | %d | %.3f |%n", sender.name(), exactAdmitted.size(),
          tableAdmitted.size(), (double) tableAdmitted.size() / exactAdmitted.size());
    }
    return (double) tableAdmitted.size() / exactAdmitted.size();
  }

  /** Entries of the ascending log strictly after {@code afterNanos}. */
  private static int countAfter(List<Long> log, long afterNanos) {
    int count = 0;
    for (int i = log.size() - 1; i >= 0 && log.get(i) > afterNanos; i--) {
      count++;
    }
    return count;
  }
}
