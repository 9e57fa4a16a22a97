package org.s3gate.admit;

import java.util.concurrent.atomic.LongAdder;

/**
 * A fixed-bucket latency histogram for the shared store's calls, shown on JMX (the Prometheus
 * histogram of the metrics package records the same calls). Buckets are cumulative-free counts:
 * {@code counts()[i]} is the number of calls that took at most {@link #BOUNDS_MICROS}{@code [i]}
 * and more than the bound before it; the last count is everything slower than the last bound.
 *
 * <p>Thread-safe: one {@link LongAdder} per bucket; a read is a moment's estimate under writes.
 */
public final class LatencyHistogram {
  /** Upper bounds of the buckets, in microseconds. */
  public static final long[] BOUNDS_MICROS = {100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000};

  private final LongAdder[] buckets = new LongAdder[BOUNDS_MICROS.length + 1];

  public LatencyHistogram() {
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  public void record(long nanos) {
    long micros = nanos / 1_000;
    int i = 0;
    while (i < BOUNDS_MICROS.length && micros > BOUNDS_MICROS[i]) {
      i++;
    }
    buckets[i].increment();
  }

  /** The count of each bucket, slowest (above the last bound) last. */
  public long[] counts() {
    long[] out = new long[buckets.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = buckets[i].sum();
    }
    return out;
  }
}
