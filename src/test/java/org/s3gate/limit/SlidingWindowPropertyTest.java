package org.s3gate.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;

/**
 * Compares {@link CounterTable} against an exact sliding log on random traffic (fixed seeds):
 * bursts, pauses, live limit changes (per-second limits up to 60, so both exact one-request cells
 * and batches are exercised), limit 0, clocks that overflow {@code Long.MAX_VALUE}, and retry-after
 * probes. Checks strictness (no 1 s or 60 s window over the limit), that retry-after is exact to the
 * nanosecond, and the documented under-admission bound of the batched stamp rings
 * ({@link WindowRing}): a denial needs at least {@code limit - (g - 1)} counted requests in the last
 * {@code W + T} (T the ring's tick, 32 us or 2 ms; {@code g = ceil(limit / cells)} for the largest
 * limit in force so far), and every reported count lies between the exact count over {@code W} and
 * that over {@code W + T} plus {@code g - 1}.
 */
class SlidingWindowPropertyTest {

  private static final long SECOND_NANOS = 1_000_000_000L;
  private static final long MINUTE_NANOS = 60 * SECOND_NANOS;
  private static final long SECOND_TICK_NANOS = WindowRing.PER_SECOND.tickNanos();
  private static final long MINUTE_TICK_NANOS = WindowRing.PER_MINUTE.tickNanos();
  private static final int REQUESTS = 6_000;

  static Stream<Arguments> runs() {
    List<Arguments> runs = new ArrayList<>();
    long[] starts = {0L, Long.MAX_VALUE - 90 * SECOND_NANOS, Long.MIN_VALUE + 7, -123_456_789L};
    for (long seed = 1; seed <= 4; seed++) {
      for (long start : starts) {
        runs.add(Arguments.of(seed, start, false));
        runs.add(Arguments.of(seed, start, true));
      }
    }
    return runs.stream();
  }

  @ParameterizedTest(name = "seed={0} start={1} countDenied={2}")
  @MethodSource("runs")
  void tryAcquire_randomTraffic_matchesExactSlidingLogWithinBound(
      long seed, long startNanos, boolean countDenied) {
    Random random = new Random(seed);
    CounterTable table = new CounterTable(4);
    List<Long> admitted = new ArrayList<>(); // elapsed times, ascending
    List<Long> counted = new ArrayList<>();
    int limitPerSecond = 1 + random.nextInt(60);
    int limitPerMinute = limitPerSecond + random.nextInt(300);
    Slack slack = new Slack();
    slack.allow(limitPerSecond, limitPerMinute);
    long elapsed = 0;
    int denials = 0;
    int retryProbes = 0;
    for (int i = 0; i < REQUESTS; i++) {
      elapsed += nextGapNanos(random);
      if (random.nextInt(200) == 0) {
        limitPerSecond = random.nextInt(12) == 0 ? 0 : 1 + random.nextInt(60);
        limitPerMinute = random.nextInt(12) == 0 ? 0 : limitPerSecond + random.nextInt(300);
        slack.allow(limitPerSecond, limitPerMinute);
      }
      Decision decision = check(table, startNanos, elapsed, limitPerSecond, limitPerMinute,
          countDenied, admitted, counted, slack);
      if (decision.admitted()) {
        continue;
      }
      denials++;
      if (limitPerSecond > 0 && limitPerMinute > 0 && random.nextInt(4) == 0) {
        // retry-after is exact: one nanosecond early still denies, on time admits
        long retryNanos = decision.retryAfterNanos();
        if (!countDenied && retryNanos > 1) {
          Decision early = check(table, startNanos, elapsed + retryNanos - 1, limitPerSecond,
              limitPerMinute, false, admitted, counted, slack);
          assertThat(early.admitted()).as("1 ns before retry-after, request %d", i).isFalse();
        }
        elapsed += retryNanos;
        Decision onTime = check(table, startNanos, elapsed, limitPerSecond, limitPerMinute,
            countDenied, admitted, counted, slack);
        assertThat(onTime.admitted()).as("at retry-after, request %d", i).isTrue();
        retryProbes++;
      }
    }
    assertThat(admitted.size()).isGreaterThan(REQUESTS / 10);
    assertThat(denials).isGreaterThan(REQUESTS / 20);
    assertThat(retryProbes).isGreaterThan(10);
  }

  /** One request at {@code elapsed}, checked against the exact logs, which it then joins. */
  private static Decision check(CounterTable table, long startNanos, long elapsed,
      int limitPerSecond, int limitPerMinute, boolean countDenied, List<Long> admitted,
      List<Long> counted, Slack slack) {
    Decision decision =
        table.tryAcquire("key", limitPerSecond, limitPerMinute, countDenied, startNanos + elapsed);
    boolean isCounted = decision.admitted() || countDenied;
    if (decision.admitted()) {
      // strictness: with this one, no window ending now holds more than the limit
      assertThat(countSince(admitted, elapsed - SECOND_NANOS) + 1).isLessThanOrEqualTo(limitPerSecond);
      assertThat(countSince(admitted, elapsed - MINUTE_NANOS) + 1).isLessThanOrEqualTo(limitPerMinute);
      assertThat(decision.retryAfterNanos()).isZero();
      assertThat(decision.trippedWindow()).isNull();
    } else {
      // under-admission bound: a denial needs a window full, counting W + tick back, but for the
      // oldest cell's earlier requests: fewer than one batch
      boolean secondFull = countSince(counted, elapsed - SECOND_NANOS - SECOND_TICK_NANOS)
          + slack.perSecond >= limitPerSecond;
      boolean minuteFull = countSince(counted, elapsed - MINUTE_NANOS - MINUTE_TICK_NANOS)
          + slack.perMinute >= limitPerMinute;
      assertThat(secondFull || minuteFull)
          .as("denied at %d with room in the exact log (limits %d/s %d/min)", elapsed,
              limitPerSecond, limitPerMinute)
          .isTrue();
      assertThat(decision.retryAfterNanos()).isPositive();
      assertThat(decision.trippedWindow()).isNotNull();
    }
    if (isCounted) {
      counted.add(elapsed);
      if (decision.admitted()) {
        admitted.add(elapsed);
      }
    }
    // reported counts lie between the exact count over W and over W + tick plus the slack
    assertThat(decision.currentPerSecond())
        .isBetween(countSince(counted, elapsed - SECOND_NANOS),
            countSince(counted, elapsed - SECOND_NANOS - SECOND_TICK_NANOS) + slack.perSecond);
    assertThat(decision.currentPerMinute())
        .isBetween(countSince(counted, elapsed - MINUTE_NANOS),
            countSince(counted, elapsed - MINUTE_NANOS - MINUTE_TICK_NANOS) + slack.perMinute);
    return decision;
  }

  /**
   * How many of the oldest cell's requests may be older than W + tick: one batch minus one, for
   * the largest limit in force so far (a cell filled under an earlier, larger limit may still be
   * the oldest).
   */
  static final class Slack {
    int perSecond;
    int perMinute;

    void allow(int limitPerSecond, int limitPerMinute) {
      perSecond = Math.max(perSecond, WindowRing.PER_SECOND.batchSize(limitPerSecond) - 1);
      perMinute = Math.max(perMinute, WindowRing.PER_MINUTE.batchSize(limitPerMinute) - 1);
    }
  }

  /** Entries of the ascending log strictly after {@code afterElapsed}. */
  private static int countSince(List<Long> log, long afterElapsed) {
    int index = Collections.binarySearch(log, afterElapsed + 1);
    int firstAfter = index >= 0 ? index : -index - 1;
    while (firstAfter > 0 && log.get(firstAfter - 1) > afterElapsed) {
      firstAfter--;
    }
    return log.size() - firstAfter;
  }

  private static long nextGapNanos(Random random) {
    int mode = random.nextInt(100);
    if (mode < 40) {
      return random.nextInt(2) == 0 ? 0 : random.nextInt(1_000_000); // burst: same ns or < 1 ms
    }
    if (mode < 85) {
      return (long) (random.nextDouble() * 200_000_000L); // up to 200 ms
    }
    if (mode < 98) {
      return (long) (random.nextDouble() * 5 * SECOND_NANOS); // up to 5 s
    }
    return (long) (random.nextDouble() * 70 * SECOND_NANOS); // pause past both windows
  }
}
