package org.s3gate.stats;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How many limited requests were admitted and denied (per second, per minute) in each of the last
 * {@link #SECONDS} whole seconds: the figures of the stats page's rates and chart.
 *
 * <h2>Design</h2>
 * A ring of {@link #SECONDS} + 1 slots, one per second (the extra one is the second still
 * filling), three counters each (one per verdict), in one
 * {@link AtomicLongArray}. A counter packs the second it counts for and its count into one long:
 * {@code (second + 1) << 32 | count}, where {@code second} is whole seconds since the ring's
 * origin ({@code nowNanos} as the caller read it, minus {@code originNanos}), so 0 is "never
 * written". Recording is a CAS loop on that one long: same second, count + 1; an older second
 * (the slot was last used {@code SECONDS + 1} or more seconds ago), start again at 1. So a slot is
 * reset and counted in one atomic step: no count of the new second is lost to a reset, and none
 * of an old second is read as new. Time is the caller's {@code System.nanoTime()} value; nothing
 * here reads a clock.
 *
 * <p><b>Cost per request.</b> One CAS on a long shared by all threads in the same second (retried
 * under contention), no allocation, no lock. Denials are rare next to admissions, so in practice
 * one hot counter per second.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>{@link #count} for a second in {@code [now - SECONDS, now]} is exact once every
 *       {@link #record} of that second has returned; for an older second it is 0 (forgotten).
 *   <li>A count saturates at 2^32 - 1 per second (never spills into the second's stamp).
 *   <li>A record with {@code nowNanos} before the origin is ignored; seconds fit 32 bits for 136
 *       years after the origin.
 *   <li>A late record (a thread that read the clock, then stalled past {@code SECONDS}) for a
 *       second its slot has moved past is dropped, never counted in the newer second.
 * </ul>
 *
 * <p>Thread-safe: lock-free (CAS on {@link AtomicLongArray} elements).
 */
final class SecondCounts {
  /** Whole seconds remembered before the current one: the chart's five minutes. */
  static final int SECONDS = 300;
  private static final int SLOTS = SECONDS + 1;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  private static final long COUNT_MASK = 0xFFFF_FFFFL;
  private static final int KINDS = Kind.values().length;

  /** What is counted, one counter per slot each. */
  enum Kind {
    ADMITTED, DENIED_PER_SECOND, DENIED_PER_MINUTE, DENIED_CONCURRENT, DENIED_CLIENT_IP, REJECTED;

    /** Every kind but {@link #ADMITTED}: what the chart shows as not forwarded. */
    boolean refused() {
      return this != ADMITTED;
    }
  }

  private final long originNanos;
  private final AtomicLongArray counters = new AtomicLongArray(SLOTS * KINDS);

  /** @param originNanos the caller's clock at second 0 (e.g. {@code System.nanoTime()} at start) */
  SecondCounts(long originNanos) {
    this.originNanos = originNanos;
  }

  /** The whole second {@code nowNanos} falls in, counted from the origin; negative before it. */
  long second(long nowNanos) {
    long sinceOrigin = nowNanos - originNanos;
    return sinceOrigin >= 0 ? sinceOrigin / NANOS_PER_SECOND : -1;
  }

  /** Counts one request of {@code kind} at {@code nowNanos}. */
  void record(Kind kind, long nowNanos) {
    long second = second(nowNanos);
    if (second < 0) {
      return;
    }
    int index = (int) (second % SLOTS) * KINDS + kind.ordinal();
    long stamp = (second + 1) << 32;
    while (true) {
      long current = counters.get(index);
      long currentStamp = current & ~COUNT_MASK;
      long next;
      if (currentStamp == stamp) {
        if ((current & COUNT_MASK) == COUNT_MASK) {
          return; // saturated
        }
        next = current + 1;
      } else if (Long.compareUnsigned(currentStamp, stamp) < 0) {
        next = stamp | 1;
      } else {
        return; // the slot already counts a later second: this record is too late
      }
      if (counters.compareAndSet(index, current, next)) {
        return;
      }
    }
  }

  /** Requests of {@code kind} counted in {@code second} (0 for a second no longer remembered). */
  long count(Kind kind, long second) {
    if (second < 0) {
      return 0;
    }
    long value = counters.get((int) (second % SLOTS) * KINDS + kind.ordinal());
    return (value & ~COUNT_MASK) == (second + 1) << 32 ? value & COUNT_MASK : 0;
  }

  /**
   * Counts of {@code kind} for the {@code seconds} whole seconds before the one {@code nowNanos}
   * falls in (that one is still filling), oldest first; seconds before the origin count 0.
   */
  long[] lastSeconds(Kind kind, int seconds, long nowNanos) {
    if (seconds < 0 || seconds > SECONDS) {
      throw new IllegalArgumentException("seconds must be 0.." + SECONDS + ", was " + seconds);
    }
    long current = second(nowNanos);
    long[] counts = new long[seconds];
    for (int i = 0; i < seconds; i++) {
      counts[i] = count(kind, current - seconds + i);
    }
    return counts;
  }
}
