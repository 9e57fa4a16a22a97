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
 * Compares the byte-weighted windows of {@link ByteTable} against an exact sliding log of the
 * bytes charged, on random traffic (fixed seeds): uploads of random sizes (some larger than the
 * limit), partial refunds of earlier charges at later times (aborted transfers), live limit
 * changes, long pauses, clocks that overflow {@code Long.MAX_VALUE}, and (in the skewed runs)
 * charges stamped up to {@link #MAX_SKEW} earlier than the latest clock read, as threads that read
 * the clock before another one charged do, so their bytes land in a later slot than their stamp
 * and refunds may spill into later slots. Checks, at every
 * decision: never over (an admitted charge leaves at most the limit in the exact 60 s log);
 * under-admission as bounded (a refusal is justified by the bytes of the last 63 s); retry-after
 * exact to the nanosecond; and the reported use equal to the table's.
 */
class ByteWindowPropertyTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long WINDOW = 60 * SECOND;
  private static final long BOUND = 63 * SECOND;
  private static final int STEPS = 5_000;
  /** The most a skewed run's charge is stamped before the latest clock read. */
  private static final long MAX_SKEW = 3 * SECOND;

  /** One charge of the exact log: when, and the bytes it still stands for after refunds. */
  private static final class Charge {
    final long elapsed;
    long bytes;

    Charge(long elapsed, long bytes) {
      this.elapsed = elapsed;
      this.bytes = bytes;
    }
  }

  static Stream<Arguments> runs() {
    List<Arguments> runs = new ArrayList<>();
    long[] starts = {0L, Long.MAX_VALUE - 90 * SECOND, Long.MIN_VALUE + 7, -123_456_789L};
    for (long seed = 1; seed <= 5; seed++) {
      for (long start : starts) {
        runs.add(Arguments.of(seed, start, false));
        runs.add(Arguments.of(seed, start, true));
      }
    }
    return runs.stream();
  }

  @ParameterizedTest(name = "seed={0} start={1} skewed={2}")
  @MethodSource("runs")
  void tryChargeAndRefund_randomTraffic_matchExactSlidingLogWithinBound(long seed, long startNanos, boolean skewed) {
    Random random = new Random(seed);
    ByteTable table = new ByteTable(4);
    List<Charge> log = new ArrayList<>();
    long limit = 1 + random.nextInt(50_000_000);
    long elapsed = 0;
    int denials = 0;
    int refunds = 0;
    for (int step = 0; step < STEPS; step++) {
      elapsed += gap(random);
      if (random.nextInt(300) == 0) {
        limit = random.nextInt(20) == 0 ? 0 : 1 + random.nextInt(50_000_000);
      }
      if (!log.isEmpty() && random.nextInt(4) == 0) { // an aborted transfer gives part of its charge back
        Charge c = log.get(log.size() - 1 - random.nextInt(Math.min(log.size(), 20)));
        long back = c.bytes == 0 ? 0 : 1 + (long) (random.nextDouble() * (c.bytes - 1));
        table.refund("k", ByteDirection.IN, back, startNanos + c.elapsed, startNanos + elapsed);
        c.bytes -= back;
        refunds++;
        continue;
      }
      long bytes = random.nextInt(10) == 0 ? 0 : (long) (random.nextDouble() * limit * (random.nextInt(8) == 0 ? 1.5 : 0.4));
      long stamp = skewed && random.nextInt(3) == 0 ? Math.max(0, elapsed - (long) (random.nextDouble() * MAX_SKEW)) : elapsed;
      ByteDecision decision = table.tryCharge("k", ByteDirection.IN, limit, bytes, startNanos + stamp);
      if (decision.admitted()) {
        log.add(new Charge(stamp, bytes));
        assertThat(sum(log, elapsed, WINDOW)).as("step %d: bytes in the exact 60 s window", step).isLessThanOrEqualTo(limit);
        assertThat(decision.usedBytes()).isEqualTo(table.used("k", ByteDirection.IN, startNanos + stamp));
        continue;
      }
      denials++;
      long need = Math.max(bytes, 1);
      // a skewed charge's bytes sit in a slot up to MAX_SKEW after its stamp, and count that much longer
      assertThat(sum(log, elapsed, skewed ? BOUND + MAX_SKEW : BOUND) + need)
          .as("step %d: a refusal is owed to the last 63 s", step).isGreaterThan(limit);
      if (need <= limit && random.nextInt(3) == 0) {
        long retry = decision.retryAfterNanos(); // from the clock read it was decided at: the stamp
        assertThat(retry).isPositive();
        if (retry > 1) {
          assertThat(table.tryCharge("k", ByteDirection.IN, limit, bytes, startNanos + stamp + retry - 1).admitted())
              .as("step %d: 1 ns before retry-after", step).isFalse();
        }
        elapsed = Math.max(elapsed, stamp + retry);
        assertThat(table.tryCharge("k", ByteDirection.IN, limit, bytes, startNanos + stamp + retry).admitted())
            .as("step %d: at retry-after", step).isTrue();
        log.add(new Charge(stamp + retry, bytes));
        assertThat(sum(log, elapsed, WINDOW)).isLessThanOrEqualTo(limit);
      }
    }
    assertThat(denials).as("the run exercised refusals").isGreaterThan(STEPS / 20);
    assertThat(refunds).isGreaterThan(STEPS / 10);
  }

  /**
   * Bytes the log holds in {@code (now - span, now]}. The log is in charge order, and a skewed
   * stamp is at most {@link #MAX_SKEW} before an earlier charge's, so the scan stops that much
   * past the span.
   */
  private static long sum(List<Charge> log, long now, long span) {
    long sum = 0;
    for (int i = log.size() - 1; i >= 0 && now - log.get(i).elapsed < span + MAX_SKEW; i--) {
      if (now - log.get(i).elapsed < span) {
        sum += log.get(i).bytes;
      }
    }
    return sum;
  }

  private static long gap(Random random) {
    return switch (random.nextInt(10)) {
      case 0 -> 0;
      case 1 -> 70 * SECOND + random.nextInt(1000) * 1_000_000L; // a pause longer than the window
      case 2, 3 -> random.nextInt(3000) * 1_000_000L; // within a slot or two
      default -> random.nextInt(200) * 1_000_000L;
    };
  }
}
