package org.s3gate.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Periodic-burst senders (a cron-style batch job sending exactly its limit once per window, bursts
 * instantaneous or spread) and steady senders, run against {@link CounterTable} and, side by side,
 * against an exact sliding log deciding the same requests on its own. Checks strictness (no 1 s or
 * 60 s window over the limit) for every sender, and measures what fraction of the exact log's
 * admissions the table gives.
 *
 * <p>Steady senders get at least 0.9 of the exact log today. Periodic-burst senders do not yet:
 * issue 17 asks for 0.9, but the ring of 100 ms / 3 s slots counts a partly expired slot in full,
 * so a burst sent exactly one window after the previous one is denied and every burst sender
 * below measures 0.5. When the counters change, move the burst senders into the ratio test.
 */
class FairnessPropertyTest {

  private static final long SECOND_NANOS = 1_000_000_000L;
  private static final long MINUTE_NANOS = 60 * SECOND_NANOS;
  private static final int UNLIMITED = Integer.MAX_VALUE;

  /** A sender: limits, window period between bursts, requests per burst, spacing inside a burst. */
  record Sender(String name, int perSecond, int perMinute, long periodNanos, int burst,
      long spacingNanos, int periods) {}

  static Stream<Arguments> burstSenders() {
    return Stream.of(
        new Sender("10/s, instantaneous bursts", 10, UNLIMITED, SECOND_NANOS, 10, 0, 120),
        new Sender("50/s, instantaneous bursts", 50, UNLIMITED, SECOND_NANOS, 50, 0, 120),
        new Sender("50/s, bursts over 1 ms", 50, UNLIMITED, SECOND_NANOS, 50, 20_000, 120),
        new Sender("25/s, bursts over 50 ms", 25, UNLIMITED, SECOND_NANOS, 25, 2_000_000, 120),
        new Sender("100/min, instantaneous bursts", UNLIMITED, 100, MINUTE_NANOS, 100, 0, 30),
        new Sender("2000/min, bursts over 2 s", UNLIMITED, 2000, MINUTE_NANOS, 2000, 1_000_000, 30))
        .map(Arguments::of);
  }

  static Stream<Arguments> steadySenders() {
    return Stream.of(
        new Sender("10/s steady", 10, UNLIMITED, SECOND_NANOS / 10, 1, 0, 1200),
        new Sender("50/s steady", 50, 2000, SECOND_NANOS / 50, 1, 0, 6000))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"burstSenders", "steadySenders"})
  void tryAcquire_periodicSender_neverOverTheLimitInAnySlidingWindow(Sender sender) {
    run(sender); // run() asserts strictness on every admission
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
    for (int period = 0; period < sender.periods(); period++) {
      for (int i = 0; i < sender.burst(); i++) {
        long now = period * sender.periodNanos() + i * sender.spacingNanos();
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
    System.out.printf("RATIO %s %.4f%n", sender.name(), (double) tableAdmitted.size() / exactAdmitted.size());
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
