package org.s3gate.limit;

/**
 * One caller's bytes in one direction over a sliding minute, kept as a ring of 3-second slots of
 * {@code long} byte counts: the byte-weighted sibling of {@link WindowRing}'s request windows,
 * kept apart so the request counters' layout stays theirs.
 *
 * <h2>Design</h2>
 * The minute {@code W = 20 x 3 s} is kept in 21 slots. Time is elapsed nanoseconds since the
 * window's creation ({@code nowNanos - originNanos}, so {@code System.nanoTime()} overflow never
 * shows); slot {@code s} covers elapsed {@code [s * 3 s, (s + 1) * 3 s)}. At slot {@code now} the
 * window holds the sum of slots {@code now - 20 .. now}: the partially expired oldest one counts
 * in full. Bytes are added to the slot of the time they are charged ({@link #add}) and taken back
 * from the slot they were charged in, or a later one ({@link #takeBack}).
 *
 * <h2>Invariants and error bounds</h2>
 * <ul>
 *   <li><b>Never over.</b> Bytes charged at elapsed {@code a > t - W} are still counted at
 *       {@code t} (their slot is at least {@code slot(t) - 20}), so {@link #used} is at least the
 *       exact sliding-log sum over {@code (t - W, t]}. A caller admitted only while
 *       {@code used + bytes <= limit} therefore never has more than {@code limit} bytes charged in
 *       any sliding minute.
 *   <li><b>Under-admission bound.</b> Bytes charged at {@code a} stop counting when their slot
 *       leaves the ring, in {@code (a + 60 s, a + 63 s]}; so {@link #used} never exceeds the exact
 *       sum over {@code (t - 63 s, t]}: a caller is refused only for bytes of the last 63 s.
 *   <li>Slot sums saturate at {@link Long#MAX_VALUE}; a take-back never makes a slot negative.
 * </ul>
 *
 * <p>Not thread-safe: confined to its owner's lock ({@link ByteTable}'s entry monitor).
 */
final class ByteWindow {

  static final long SLOT_NANOS = 3_000_000_000L;
  static final int WINDOW_SLOTS = 20;
  static final int RING_SLOTS = WINDOW_SLOTS + 1;
  static final long WINDOW_NANOS = WINDOW_SLOTS * SLOT_NANOS;

  private final long originNanos;
  private final long[] bytes = new long[RING_SLOTS];
  /** The slot the ring was last advanced to; slots after it are not yet in use. */
  private long lastSlot;

  ByteWindow(long originNanos) {
    this.originNanos = originNanos;
  }

  private static long slotOf(long elapsedNanos) {
    return Math.floorDiv(elapsedNanos, SLOT_NANOS);
  }

  private static int position(long slot) {
    return (int) Math.floorMod(slot, (long) RING_SLOTS);
  }

  /** Moves the ring to the slot of {@code nowNanos}, zeroing the slots that expired; never backwards. */
  private long advance(long nowNanos) {
    long now = slotOf(nowNanos - originNanos);
    if (now <= lastSlot) {
      return lastSlot; // a clock read a little earlier by another thread: counted in the current slot
    }
    if (now - lastSlot >= RING_SLOTS) {
      java.util.Arrays.fill(bytes, 0L);
    } else {
      for (long s = lastSlot + 1; s <= now; s++) {
        bytes[position(s)] = 0L;
      }
    }
    lastSlot = now;
    return now;
  }

  /** Bytes counted in the window at {@code nowNanos}. */
  long used(long nowNanos) {
    advance(nowNanos);
    long sum = 0;
    for (long b : bytes) {
      sum += b;
      if (sum < 0) {
        return Long.MAX_VALUE;
      }
    }
    return sum;
  }

  /** Whether nothing is counted at {@code nowNanos} (the window can be dropped without letting anyone over). */
  boolean isEmpty(long nowNanos) {
    return used(nowNanos) == 0;
  }

  /** Counts {@code count >= 0} bytes at {@code nowNanos}; saturates. */
  void add(long count, long nowNanos) {
    int i = position(advance(nowNanos));
    long sum = bytes[i] + count;
    bytes[i] = sum < 0 ? Long.MAX_VALUE : sum;
  }

  /**
   * Takes back up to {@code count} bytes charged at {@code chargedNanos}: from that slot first,
   * then from later ones, never from earlier ones (they hold other charges that may still be
   * owed). Bytes whose slot has left the ring are not counted any more, so there is nothing to take
   * back for them; nor for a charge older than this window (its entry was cleared or evicted and
   * made anew since: those bytes were never in this ring, and taking them would release the new
   * entry's charges early).
   *
   * <p>Why "Never over" holds through take-backs, which may spill into later slots. Caller's
   * contract: a charge's bytes sit in the slot of {@code chargedNanos} or a later one ({@link #add}
   * never goes backwards), and no charge is taken back more than it was charged. Invariant: for
   * every slot {@code t}, the ring's bytes in slots {@code >= t} are at least the exact log's
   * bytes charged there and still owed. A take-back of {@code r} from slot {@code from} leaves
   * that true: for {@code t} up to the charge's own slot the exact side loses {@code r} and the
   * ring at most {@code r}; for a later
   * {@code t} the ring loses bytes at or after {@code t} only once every slot in
   * {@code [from, t)} is empty, and then its suffix from {@code t} equals its suffix from
   * {@code from}, which was at least the exact suffix from {@code t} plus the charge's {@code r}.
   *
   * @return the bytes taken back
   */
  long takeBack(long count, long chargedNanos, long nowNanos) {
    long now = advance(nowNanos);
    if (chargedNanos - originNanos < 0) {
      return 0; // charged before this window existed: not in this ring
    }
    long from = slotOf(chargedNanos - originNanos);
    if (from < now - WINDOW_SLOTS) {
      return 0; // the charge's slot left the ring: its bytes no longer count
    }
    long left = count;
    for (long s = from; s <= now && left > 0; s++) {
      int i = position(s);
      long take = Math.min(left, bytes[i]);
      bytes[i] -= take;
      left -= take;
    }
    return count - left;
  }

  /**
   * Time from {@code nowNanos} until {@code needBytes} more fit under {@code limitBytes}, if
   * nothing more is charged meanwhile: the exact moment enough of the oldest slots have left the
   * ring. 0 when they fit now; the window's length when they never can ({@code needBytes > limitBytes}).
   */
  long retryAfterNanos(long needBytes, long limitBytes, long nowNanos) {
    long used = used(nowNanos);
    if (needBytes > limitBytes) {
      return WINDOW_NANOS;
    }
    if (used <= limitBytes - needBytes) {
      return 0L;
    }
    long mustLeave = used - (limitBytes - needBytes);
    long left = 0;
    long elapsed = nowNanos - originNanos;
    for (long s = lastSlot - WINDOW_SLOTS; s <= lastSlot; s++) {
      left += bytes[position(s)];
      if (left >= mustLeave) {
        // slot s leaves the ring when the current slot becomes s + RING_SLOTS
        return Math.max(1L, (s + RING_SLOTS) * SLOT_NANOS - elapsed);
      }
    }
    return (lastSlot + RING_SLOTS) * SLOT_NANOS - elapsed; // unreachable: mustLeave <= used
  }
}
