package org.s3gate.limit;

/**
 * Geometry and arithmetic of one sliding window kept as a ring of time slots inside an
 * {@code int[]}: the per-client-IP windows of {@link ClientIpTable} ({@code ip.window}, whose length
 * is a setting), in a slot of its {@link CounterSlab} at a base offset every method takes. The key windows used this ring until issue 17 and now use the batched stamp rings
 * of {@link WindowRing}, which release a burst exactly one window later; the IP rules (a request
 * count and an error count that tarpit or deny an address) keep the slot ring, whose cost is a
 * partly expired slot counted in full. This class holds no counts.
 *
 * <h2>Design</h2>
 * A window of {@code W = n * slotNanos} is kept in {@code n + 1} slots. Time is the entry's
 * elapsed nanoseconds since its creation (so {@code System.nanoTime()} overflow never shows);
 * slot {@code s} covers elapsed {@code [s * slotNanos, (s + 1) * slotNanos)} and lives at
 * {@code base + offset + floorMod(s, n + 1)}. At slot {@code now} the window's count is the sum of
 * slots {@code now - n .. now}: the current slot, the n before it, and the partially expired
 * oldest one, counted in full.
 *
 * <h2>Invariants and error bounds</h2>
 * <ul>
 *   <li><b>Never under-counts.</b> A request at elapsed {@code a} with {@code a > t - W} has
 *       {@code slot(a) >= slot(t - W) = slot(t) - n}, so it is counted at {@code t}. The count
 *       is therefore at least the exact sliding-log count over {@code (t - W, t]}.
 *   <li><b>Over-count bound.</b> A request at {@code a} is counted until its slot leaves the
 *       ring at {@code (slot(a) + n + 1) * slotNanos}, which is in {@code (a + W, a + W + slotNanos]}:
 *       it stops counting between {@code W} and {@code W + slotNanos} after it was counted. So
 *       the count never exceeds the exact count over {@code (t - W - slotNanos, t]}.
 *   <li>Slot counts are in {@code [0, Integer.MAX_VALUE]} and saturate; sums saturate at
 *       {@code Integer.MAX_VALUE}.
 * </ul>
 *
 * <p>Immutable; the arrays it is given must be confined to the caller (in practice guarded by
 * the lock of the slot's owner segment).
 */
record SlotRing(int offset, int ringSlots, long slotNanos) {

  /**
   * A ring of {@code windowSlots} slots tiling {@code windowNanos} exactly, at {@code offset} of
   * the slot's ints: {@code windowSlots + 1} ints. Its geometry is fixed for the table's life.
   */
  static SlotRing sliding(int offset, int windowSlots, long windowNanos) {
    if (windowSlots < 1 || windowNanos % windowSlots != 0 || windowNanos <= 0) {
      throw new IllegalArgumentException(windowSlots + " slots do not tile " + windowNanos + " ns");
    }
    return new SlotRing(offset, windowSlots + 1, windowNanos / windowSlots);
  }

  /** How long a request can keep counting: {@code (n + 1) * slotNanos}. */
  long ringNanos() {
    return ringSlots * slotNanos;
  }

  /** The slot holding elapsed time {@code elapsedNanos} (which may be negative). */
  long slotIndex(long elapsedNanos) {
    return elapsedNanos >= 0 ? elapsedNanos / slotNanos : Math.floorDiv(elapsedNanos, slotNanos);
  }

  private int position(int base, long slot) {
    return base + offset + (int) (slot >= 0 ? slot % ringSlots : Math.floorMod(slot, ringSlots));
  }

  /** Moves the ring from {@code fromSlot} to {@code toSlot >= fromSlot}, zeroing what expired. */
  void advance(int[] counts, int base, long fromSlot, long toSlot) {
    if (toSlot - fromSlot >= ringSlots) {
      for (int i = base + offset; i < base + offset + ringSlots; i++) {
        counts[i] = 0;
      }
      return;
    }
    for (long slot = fromSlot + 1; slot <= toSlot; slot++) {
      counts[position(base, slot)] = 0;
    }
  }

  /** Adds one request to {@code slot}, the ring's current slot; saturates. */
  void increment(int[] counts, int base, long slot) {
    int i = position(base, slot);
    if (counts[i] != Integer.MAX_VALUE) {
      counts[i]++;
    }
  }

  /**
   * Decrements the first non-empty slot from {@code fromSlot} to {@code currentSlot} (the ring's
   * current slot). Returns false, changing nothing, if {@code fromSlot} has left the ring or all
   * those slots are empty.
   */
  boolean decrementFirstFrom(int[] counts, int base, long fromSlot, long currentSlot) {
    if (currentSlot - fromSlot >= ringSlots) {
      return false;
    }
    for (long slot = fromSlot; slot <= currentSlot; slot++) {
      int i = position(base, slot);
      if (counts[i] > 0 && counts[i] != Integer.MAX_VALUE) {
        counts[i]--;
        return true;
      }
    }
    return false;
  }

  /** The window's count of a ring just advanced to the current slot: every slot in it counts. */
  int countAdvanced(int[] counts, int base) {
    long sum = 0;
    for (int i = base + offset; i < base + offset + ringSlots; i++) {
      sum += counts[i];
    }
    return (int) Math.min(sum, Integer.MAX_VALUE);
  }

  /**
   * The window's count at {@code nowSlot} of a ring last advanced to {@code lastSlot}, without
   * changing it; {@code nowSlot >= lastSlot}.
   */
  int count(int[] counts, int base, long lastSlot, long nowSlot) {
    long sum = 0;
    for (long slot = nowSlot - ringSlots + 1; slot <= lastSlot; slot++) {
      sum += counts[position(base, slot)];
    }
    return (int) Math.min(sum, Integer.MAX_VALUE);
  }

  /**
   * Time until this window has room for one more request, for a ring advanced to {@code nowSlot}
   * holding {@code count} requests: the exact moment enough of the oldest counted slots have left
   * the ring, measured from {@code callerElapsedNanos}. 0 when there is room already; the
   * window's length when {@code limit <= 0} (it never has room).
   */
  long retryAfterNanos(int[] counts, int base, long nowSlot, int count, int limit, long callerElapsedNanos) {
    if (limit <= 0) {
      return (ringSlots - 1) * slotNanos; // the window's length
    }
    if (count < limit) {
      return 0L;
    }
    long mustLeave = (long) count - limit + 1;
    long left = 0;
    for (long slot = nowSlot - ringSlots + 1; slot <= nowSlot; slot++) {
      left += counts[position(base, slot)];
      if (left >= mustLeave) {
        // slot leaves the ring when the current slot becomes slot + ringSlots
        return Math.max(1L, (slot + ringSlots) * slotNanos - callerElapsedNanos);
      }
    }
    return (nowSlot + ringSlots) * slotNanos - callerElapsedNanos; // unreachable: count < sum
  }
}
