package org.s3gate.limit;

/**
 * One key's per-second and per-minute windows, totals and in-flight count, kept in its slot of a
 * {@link CounterSlab}: the decisions {@link CounterTable} makes for a key it has found.
 *
 * <h2>Design</h2>
 * Both windows are batched stamp rings ({@link WindowRing}) in the slot's 32 ring ints. Stamps are
 * ticks of elapsed time since {@code originNanos}, the slot's claim by this key, so the
 * arithmetic never meets {@code System.nanoTime()} overflow as long as a key stays in the table
 * less than 292 years. The rings' current time is not stored: it is {@code lastSeenNanos}, which
 * only moves forward, so one long serves as LRU stamp and as the clock of both rings.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>{@code lastSeenNanos} is the largest {@code nowNanos} seen (compared by subtraction). A
 *       stale {@code nowNanos} (earlier than that, from a thread that read the clock before
 *       another) is counted as if at {@code lastSeenNanos}: later, so conservative.
 *   <li>Live cell counts are {@code >= 0}; a limit {@code <= 0} admits nothing.
 *   <li>Every method is called with the slot in its owner segment's index and that segment's lock
 *       held, so "check both windows, then count in both" is atomic, which the strictness proof
 *       needs, and a slot is never counted after it left the index (removal and freeing happen
 *       under the same lock).
 * </ul>
 *
 * <p>Thread-safe only under the owner segment's lock (stateless itself).
 */
final class SlotCounters {

  private static final WindowRing SECOND = WindowRing.PER_SECOND;
  private static final WindowRing MINUTE = WindowRing.PER_MINUTE;

  /** In-flight outcomes of {@link #tryEnter}. */
  static final int ENTERED = 1;
  static final int FULL = 0;

  private SlotCounters() {}

  /**
   * Counts the request if both windows have room; see {@link CounterTable#tryAcquire}.
   * {@code charge} false counts nothing (admitted or denied): {@link CounterTable#deniedAt}.
   */
  static Decision decide(CounterSlab slab, int slot, int limitPerSecond, int limitPerMinute,
      boolean countDenied, boolean charge, long nowNanos) {
    int[] a = slab.rings(slot);
    int base = slab.ringBase(slot);
    long[] c = slab.clocks(slot);
    int cb = slab.clockBase(slot);
    long originNanos = c[cb + CounterSlab.ORIGIN];
    long lastSeenNanos = c[cb + CounterSlab.LAST_SEEN];
    long lastElapsed = lastSeenNanos - originNanos;
    long elapsed = lastElapsed;
    if (nowNanos - lastSeenNanos > 0) {
      CounterSlab.setLastSeen(c, cb, nowNanos);
      elapsed = nowNanos - originNanos;
    }
    SECOND.advance(a, base, lastElapsed, elapsed);
    MINUTE.advance(a, base, lastElapsed, elapsed);
    int perSecond = SECOND.countAdvanced(a, base);
    int perMinute = MINUTE.countAdvanced(a, base);
    boolean secondFull = perSecond >= limitPerSecond;
    boolean minuteFull = perMinute >= limitPerMinute;
    if (!secondFull && !minuteFull) {
      if (!charge) {
        return Decision.admitted(perSecond, perMinute);
      }
      SECOND.increment(a, base, elapsed, limitPerSecond);
      MINUTE.increment(a, base, elapsed, limitPerMinute);
      c[cb + CounterSlab.ADMITTED]++;
      return Decision.admitted(perSecond + 1, perMinute + 1);
    }
    if (charge) {
      c[cb + CounterSlab.DENIED]++;
    }
    if (countDenied) {
      SECOND.increment(a, base, elapsed, limitPerSecond);
      MINUTE.increment(a, base, elapsed, limitPerMinute);
      perSecond = saturatedIncrement(perSecond);
      perMinute = saturatedIncrement(perMinute);
    }
    long callerElapsed = nowNanos - originNanos;
    long retrySecond =
        SECOND.retryAfterNanos(a, base, elapsed, perSecond, limitPerSecond, callerElapsed);
    long retryMinute =
        MINUTE.retryAfterNanos(a, base, elapsed, perMinute, limitPerMinute, callerElapsed);
    LimitWindow tripped =
        secondFull && (!minuteFull || retrySecond > retryMinute)
            ? LimitWindow.SECOND
            : LimitWindow.MINUTE;
    return Decision.denied(tripped, perSecond, perMinute, Math.max(retrySecond, retryMinute));
  }

  /**
   * Takes back one admitted request counted at {@code chargedNanos}; false when there is nothing
   * to take back (the charge is a window or more old in both rings, or was made before this key
   * claimed the slot).
   *
   * <p>Which cell: a charge is counted at {@code max(chargedNanos, lastSeenNanos then)}, in the
   * then newest cell, whose stamp is at or after it and only moves later (a merge keeps the later
   * stamp); other requests may have appended cells since. So in each ring the oldest live cell
   * stamped at or after {@code chargedNanos}'s tick that holds any is decremented: the charge's own
   * cell or an earlier one. Never a later one, which would be unsafe: an earlier cell leaves the
   * window first, so taking the unit from it can only make the window count one too high for a
   * while (a key under-admitted by one), never too low. A ring whose charge is a window or more
   * old takes nothing back: that is always safe, and the charge has left or is about to. Nor does
   * a charge from before the slot's origin: it was counted for this key before it was cleared (JMX
   * clearKey) or evicted, and taking it from the new counts would release one of their own
   * requests early. (A request of the key's first moment whose clock read was a little earlier
   * than the inserting thread's is not refunded either: it stays counted, one too many, for a
   * window.)
   */
  static boolean refund(CounterSlab slab, int slot, long chargedNanos) {
    long[] c = slab.clocks(slot);
    int cb = slab.clockBase(slot);
    long originNanos = c[cb + CounterSlab.ORIGIN];
    if (chargedNanos - originNanos < 0) {
      return false;
    }
    int[] a = slab.rings(slot);
    int base = slab.ringBase(slot);
    long lastElapsed = c[cb + CounterSlab.LAST_SEEN] - originNanos;
    long chargedElapsed = Math.min(chargedNanos - originNanos, lastElapsed);
    boolean second = SECOND.decrement(a, base, chargedElapsed, lastElapsed);
    boolean minute = MINUTE.decrement(a, base, chargedElapsed, lastElapsed);
    if (second || minute) {
      c[cb + CounterSlab.ADMITTED]--;
    }
    return second || minute;
  }

  /**
   * Counts one more request in flight if fewer than {@code limit} are ({@code limit <= 0}: no
   * limit, up to {@code Integer.MAX_VALUE}, where the count saturates instead of wrapping).
   * {@code lastSeenNanos} is the rings' cursor too: only a decision moves it.
   */
  static int tryEnter(CounterSlab slab, int slot, int limit) {
    int inFlight = slab.inFlight(slot);
    if ((limit > 0 && inFlight >= limit) || inFlight == Integer.MAX_VALUE) {
      return FULL;
    }
    slab.setInFlight(slot, inFlight + 1);
    return ENTERED;
  }

  /** One request left flight; false if none was counted. */
  static boolean exit(CounterSlab slab, int slot) {
    int inFlight = slab.inFlight(slot);
    if (inFlight == 0) {
      return false;
    }
    slab.setInFlight(slot, inFlight - 1);
    return true;
  }

  /** The counts at {@code nowNanos}, changing nothing. */
  static Decision peek(CounterSlab slab, int slot, long nowNanos) {
    return Decision.admitted(countAt(slab, slot, SECOND, nowNanos), countAt(slab, slot, MINUTE, nowNanos));
  }

  /** The key's usage at {@code nowNanos}. */
  static KeyUsage usage(CounterSlab slab, int slot, String key, long nowNanos) {
    long[] c = slab.clocks(slot);
    int cb = slab.clockBase(slot);
    return new KeyUsage(key, countAt(slab, slot, SECOND, nowNanos), countAt(slab, slot, MINUTE, nowNanos),
        c[cb + CounterSlab.ADMITTED], c[cb + CounterSlab.DENIED], c[cb + CounterSlab.LAST_SEEN]);
  }

  /**
   * Whether the key may be dropped by expiry: not seen for {@code idleNanos}, nothing it counted
   * still in either window and none of its requests in flight, so dropping it cannot let the key
   * over a limit.
   */
  static boolean expired(CounterSlab slab, int slot, long idleNanos, long nowNanos) {
    long[] c = slab.clocks(slot);
    return nowNanos - c[slab.clockBase(slot) + CounterSlab.LAST_SEEN] >= idleNanos && droppable(slab, slot, nowNanos);
  }

  /** Nothing the key counted is in either window at {@code nowNanos} and none of its requests is in flight. */
  private static boolean droppable(CounterSlab slab, int slot, long nowNanos) {
    return slab.inFlight(slot) == 0
        && countAt(slab, slot, SECOND, nowNanos) == 0
        && countAt(slab, slot, MINUTE, nowNanos) == 0;
  }

  /**
   * How readily the table may evict the key at {@code nowNanos}, higher first: its idle time, plus
   * {@link SlabTable#IDLE_RANK_BONUS_NANOS} when nothing it counted is in either window any
   * more and none of its requests is in flight (dropping it then cannot let its key over a limit).
   */
  static long evictionRank(CounterSlab slab, int slot, long nowNanos) {
    long idle = nowNanos - slab.clocks(slot)[slab.clockBase(slot) + CounterSlab.LAST_SEEN];
    return droppable(slab, slot, nowNanos) ? idle + SlabTable.IDLE_RANK_BONUS_NANOS : idle;
  }

  /**
   * Longest idle time a key with counts in a window can have ({@code W + T} of the minute ring):
   * one idle longer with nothing in flight is empty for sure.
   */
  static long longestLiveIdleNanos() {
    return MINUTE.ringNanos();
  }

  private static int countAt(CounterSlab slab, int slot, WindowRing ring, long nowNanos) {
    return ring.count(slab.rings(slot), slab.ringBase(slot), slab.lastElapsed(slot), slab.elapsedAt(slot, nowNanos));
  }

  private static int saturatedIncrement(int count) {
    return count == Integer.MAX_VALUE ? count : count + 1;
  }
}
