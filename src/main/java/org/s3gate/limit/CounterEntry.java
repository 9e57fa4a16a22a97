package org.s3gate.limit;

/**
 * One key's per-second and per-minute windows and its totals.
 *
 * <h2>Design</h2>
 * Both windows are batched stamp rings ({@link WindowRing}: a ring of (stamp, count) cells per
 * window, an exact log of stamps for small limits and of batches of {@code ceil(limit / cells)}
 * requests for larger ones) sharing one {@code int[32]}: one meta int, two running sums, 13
 * per-second cells (32 us ticks), 16 per-minute cells (2 ms ticks). Stamps are ticks of elapsed
 * time since {@code originNanos}, the entry's creation, so the arithmetic never meets
 * {@code System.nanoTime()} overflow as long as an entry lives less than 292 years. The rings'
 * current time is not stored: it is {@code lastSeenNanos}, which only moves forward, so one long
 * serves as LRU stamp and as the clock of both rings.
 *
 * <p>Memory (64-bit HotSpot, compressed oops and class pointers, 8-byte alignment; measured by
 * {@code bench/run-heap.sh}, docs/BENCHMARKS.md section 2):
 * <pre>
 *   CounterEntry: 12 header + 4 (int[] ref) + 4 x 8 (origin, lastSeen, admitted, denied)
 *                 + 4 (inFlight), padded to 8                                             =  56
 *   int[32]:      16 header + 32 x 4 (meta, 2 sums, 13 + 16 cells)                          = 144
 *   total per key, both windows and the in-flight count, entry included                   = 200 bytes
 * </pre>
 * The same for every limit: the cells hold batches, not requests. (Without compressed oops:
 * 64 + 144 = 208.) The map node (32) and the key string (~24 + 16 + length) come on top and are
 * the same for any counter design.
 *
 * <h2>Concurrency</h2>
 * Every operation is {@code synchronized} on the entry. The critical section is a check and
 * increment over 32 ints with no allocation besides the {@link Decision}, a few tens of
 * nanoseconds, so an uncontended thin lock costs one CAS and contention exists only between
 * requests of the same key. A lock (rather than CAS on packed cells) keeps "check both windows,
 * then count in both" atomic, which the strictness proof needs. {@code lastSeenNanos} is
 * volatile so that eviction and expiry can rank entries without taking their locks; they
 * re-check under the lock before retiring.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>{@code lastSeenNanos} is the largest {@code nowNanos} seen (compared by subtraction). A
 *       stale {@code nowNanos} (earlier than that, from a thread that read the clock before
 *       another) is counted as if at {@code lastSeenNanos}: later, so conservative.
 *   <li>Live cell counts are {@code >= 0} and int 0 (the rings' meta) is {@code >= 0}. A retired
 *       entry (evicted, expired or cleared) has {@link #RETIRED} in int 0 and is never counted
 *       again; callers look the key up anew.
 *   <li>A limit {@code <= 0} admits nothing.
 * </ul>
 *
 * <p>Thread-safe: all state is guarded by the entry's monitor; {@code lastSeenNanos} may also be
 * read without it.
 */
final class CounterEntry {

  private static final int RETIRED = Integer.MIN_VALUE;
  /** Added to the eviction rank of an entry with empty windows: more than any idle time a live entry can have. */
  static final long IDLE_RANK_BONUS_NANOS = 1L << 40; // ~18 minutes, far above the 60 s + 2 ms a live entry can be idle
  private static final WindowRing SECOND = WindowRing.PER_SECOND;
  private static final WindowRing MINUTE = WindowRing.PER_MINUTE;

  private final long originNanos;
  private volatile long lastSeenNanos;
  private long admittedTotal;
  private long deniedTotal;
  private final int[] counts = new int[WindowRing.TOTAL_INTS];
  /** Requests of the key between admission and completion; written under the lock, read without it by eviction. */
  private volatile int inFlight;

  CounterEntry(long nowNanos) {
    this.originNanos = nowNanos;
    this.lastSeenNanos = nowNanos;
  }

  /** Latest {@code nowNanos} seen; may be read without the lock. */
  long lastSeenNanos() {
    return lastSeenNanos;
  }

  /**
   * Counts the request if both windows have room; see {@link CounterTable#tryAcquire}.
   *
   * @return the decision, or null if this entry is retired and the key must be looked up again
   */
  synchronized Decision tryAcquire(
      int limitPerSecond, int limitPerMinute, boolean countDenied, long nowNanos) {
    return decide(limitPerSecond, limitPerMinute, countDenied, true, nowNanos);
  }

  /**
   * The denial {@link #tryAcquire} would give now, counting nothing; null when it would admit (or
   * the entry is retired). See {@link CounterTable#deniedAt}.
   */
  synchronized Decision deniedAt(int limitPerSecond, int limitPerMinute, long nowNanos) {
    Decision decision = decide(limitPerSecond, limitPerMinute, false, false, nowNanos);
    return decision == null || decision.admitted() ? null : decision;
  }

  /** Caller holds the lock; {@code charge} false counts nothing (admitted or denied). */
  private Decision decide(
      int limitPerSecond, int limitPerMinute, boolean countDenied, boolean charge, long nowNanos) {
    if (isRetired()) {
      return null;
    }
    long lastElapsed = lastSeenNanos - originNanos;
    long elapsed = lastElapsed;
    if (nowNanos - lastSeenNanos > 0) {
      lastSeenNanos = nowNanos;
      elapsed = nowNanos - originNanos;
    }
    SECOND.advance(counts, lastElapsed, elapsed);
    MINUTE.advance(counts, lastElapsed, elapsed);
    int perSecond = SECOND.countAdvanced(counts);
    int perMinute = MINUTE.countAdvanced(counts);
    boolean secondFull = perSecond >= limitPerSecond;
    boolean minuteFull = perMinute >= limitPerMinute;
    if (!secondFull && !minuteFull) {
      if (!charge) {
        return Decision.admitted(perSecond, perMinute);
      }
      SECOND.increment(counts, elapsed, limitPerSecond);
      MINUTE.increment(counts, elapsed, limitPerMinute);
      admittedTotal++;
      return Decision.admitted(perSecond + 1, perMinute + 1);
    }
    if (charge) {
      deniedTotal++;
    }
    if (countDenied) {
      SECOND.increment(counts, elapsed, limitPerSecond);
      MINUTE.increment(counts, elapsed, limitPerMinute);
      perSecond = saturatedIncrement(perSecond);
      perMinute = saturatedIncrement(perMinute);
    }
    long callerElapsed = nowNanos - originNanos;
    long retrySecond =
        SECOND.retryAfterNanos(counts, elapsed, perSecond, limitPerSecond, callerElapsed);
    long retryMinute =
        MINUTE.retryAfterNanos(counts, elapsed, perMinute, limitPerMinute, callerElapsed);
    LimitWindow tripped =
        secondFull && (!minuteFull || retrySecond > retryMinute)
            ? LimitWindow.SECOND
            : LimitWindow.MINUTE;
    return Decision.denied(tripped, perSecond, perMinute, Math.max(retrySecond, retryMinute));
  }

  /**
   * Takes back one admitted request counted at {@code chargedNanos} (a later part of the same
   * decision refused it, or the backend refused it as forged). Returns false when there is nothing
   * to take back: the entry is retired, or the charge is a window or more old in both rings.
   *
   * <p>Which cell: a charge is counted at {@code max(chargedNanos, lastSeenNanos then)}, in the
   * then newest cell, whose stamp is at or after it and only moves later (a merge keeps the later
   * stamp); other requests may have appended cells since. So in each ring the oldest live cell
   * stamped at or after {@code chargedNanos}'s tick that holds any is decremented: the charge's own
   * cell or an earlier one. Never a later one, which would be unsafe: an earlier cell leaves the
   * window first, so taking the unit from it can only make the window count one too high for a
   * while (a key under-admitted by one), never too low. A ring whose charge is a window or more
   * old takes nothing back: that is always safe, and the charge has left or is about to. Nor does
   * a charge from before the entry's origin: it was counted in an entry cleared (JMX clearKey)
   * or evicted since, and taking it from this one would release one of this entry's own requests
   * early. (A request of this entry's first moment whose clock read was a little earlier than the
   * inserting thread's is not refunded either: it stays counted, one too many, for a window.)
   */
  synchronized boolean refund(long chargedNanos) {
    if (isRetired() || chargedNanos - originNanos < 0) {
      return false;
    }
    long lastElapsed = lastSeenNanos - originNanos;
    // a charge is counted at max(chargedNanos, lastSeenNanos then)
    long chargedElapsed = Math.min(chargedNanos - originNanos, lastElapsed);
    boolean second = SECOND.decrement(counts, chargedElapsed, lastElapsed);
    boolean minute = MINUTE.decrement(counts, chargedElapsed, lastElapsed);
    if (second || minute) {
      admittedTotal--;
    }
    return second || minute;
  }

  /** Entered: counted in flight. */
  static final int ENTERED = 1;
  /** Not entered: {@code limit} requests are in flight already. */
  static final int FULL = 0;
  /** Not entered: the entry is retired; look the key up again. */
  static final int GONE = -1;

  /** Counts one more request in flight if fewer than {@code limit} are ({@code limit <= 0}: no limit). */
  synchronized int tryEnter(int limit) {
    if (isRetired()) {
      return GONE;
    }
    if (limit > 0 && inFlight >= limit) {
      return FULL;
    }
    inFlight++; // lastSeenNanos is the rings' cursor too: only tryAcquire moves it
    return ENTERED;
  }

  /** One request left flight; false if none was counted here (the entry was retired meanwhile). */
  synchronized boolean exit() {
    if (isRetired() || inFlight == 0) {
      return false;
    }
    inFlight--;
    return true;
  }

  /** Requests in flight now; may be read without the lock. */
  int inFlight() {
    return inFlight;
  }

  /** The counts at {@code nowNanos}, changing nothing; null if retired. */
  synchronized Decision peek(long nowNanos) {
    if (isRetired()) {
      return null;
    }
    return Decision.admitted(countAt(SECOND, nowNanos), countAt(MINUTE, nowNanos));
  }

  /** This entry's usage at {@code nowNanos}; null if retired. */
  synchronized KeyUsage usage(String key, long nowNanos) {
    if (isRetired()) {
      return null;
    }
    return new KeyUsage(key, countAt(SECOND, nowNanos), countAt(MINUTE, nowNanos), admittedTotal,
        deniedTotal, lastSeenNanos);
  }

  /**
   * Retires the entry if it has not been seen for {@code idleNanos}, nothing it counted is still in
   * either window and none of its requests is in flight, so dropping it cannot let the key over a
   * limit.
   */
  synchronized boolean retireIfExpired(long idleNanos, long nowNanos) {
    if (isRetired()
        || inFlight > 0
        || nowNanos - lastSeenNanos < idleNanos
        || countAt(SECOND, nowNanos) != 0
        || countAt(MINUTE, nowNanos) != 0) {
      return false;
    }
    counts[0] = RETIRED;
    return true;
  }

  /**
   * How readily the table may evict this entry at {@code nowNanos}, higher first: its idle time, plus
   * {@link #IDLE_RANK_BONUS_NANOS} when nothing it counted is in either window any more and none of
   * its requests is in flight (dropping it then cannot let its key over a limit). An entry idle for
   * longer than the longer ring with nothing in flight has empty windows for sure and is ranked
   * without taking its lock.
   */
  long evictionRank(long nowNanos) {
    long idle = nowNanos - lastSeenNanos;
    if (idle >= MINUTE.ringNanos() && inFlight == 0) {
      return idle + IDLE_RANK_BONUS_NANOS;
    }
    synchronized (this) {
      idle = nowNanos - lastSeenNanos;
      boolean empty = inFlight == 0 && countAt(SECOND, nowNanos) == 0 && countAt(MINUTE, nowNanos) == 0;
      return empty ? idle + IDLE_RANK_BONUS_NANOS : idle;
    }
  }

  /** Retires the entry if its {@link #evictionRank} is still at least {@code rank}: not touched since ranked. */
  synchronized boolean retireIfRankAtLeast(long rank, long nowNanos) {
    if (isRetired() || evictionRank(nowNanos) < rank) {
      return false;
    }
    counts[0] = RETIRED;
    return true;
  }

  /** Retires the entry unconditionally; false if it already was. */
  synchronized boolean retire() {
    if (isRetired()) {
      return false;
    }
    counts[0] = RETIRED;
    return true;
  }

  private boolean isRetired() {
    return counts[0] == RETIRED;
  }

  private int countAt(WindowRing ring, long nowNanos) {
    long lastElapsed = lastSeenNanos - originNanos;
    long elapsed = nowNanos - lastSeenNanos > 0 ? nowNanos - originNanos : lastElapsed;
    return ring.count(counts, lastElapsed, elapsed);
  }

  private static int saturatedIncrement(int count) {
    return count == Integer.MAX_VALUE ? count : count + 1;
  }
}
