package org.s3gate.limit;

/**
 * One client IP's counts in its slot of a {@link CounterSlab} ({@link SlotLayout#CLIENT_IPS}):
 * its requests and its backend errors over {@code ip.window}, and its totals; the decisions
 * {@link ClientIpTable} makes for an address it has found. What {@code ClientIpEntry} was, with the
 * same arithmetic, in a slot instead of an object and an {@code int[22]}.
 *
 * <h2>Design</h2>
 * The slot's 22 ring ints are the requests ring, then the errors ring, each of
 * {@link ClientIpTable#WINDOW_SLOTS} + 1 slots of the table's geometry ({@link SlotRing#sliding},
 * held here, one per table). Slot indexes come from the time elapsed since {@code originNanos},
 * the slot's claim by this address, as in {@link SlotCounters}; {@code lastSeenNanos} is the LRU
 * stamp and the cursor of both rings and only moves forward (a stale {@code nowNanos} is counted as
 * if at {@code lastSeenNanos}: later, so conservative).
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Time-slot rings ({@link SlotRing}): a request or error counted at {@code a} is in the
 *       window's count at every {@code t < a + W}, and leaves it by {@code a + W + slot}; so a rule
 *       never sees fewer than the IP's true count over the last {@code W}, and
 *       {@code ip.limit.requests} never admits more than its limit in any sliding {@code W}.
 *   <li>Live slot counts are {@code >= 0}.
 *   <li>Every method is called with the slot in its owner segment's index and that segment's lock
 *       held, so "check, then count" is atomic per address, and a slot is never counted after it
 *       left the index (removal and freeing happen under the same lock).
 * </ul>
 *
 * <p>Immutable (the two rings' geometry); thread-safe only under the owner segment's lock.
 */
final class IpSlotCounters {

  private final SlotRing requestsRing;
  private final SlotRing errorsRing;

  /** @param windowNanos {@code ip.window}, a multiple of {@link ClientIpTable#WINDOW_SLOTS} ns */
  IpSlotCounters(long windowNanos) {
    this.requestsRing = SlotRing.sliding(0, ClientIpTable.WINDOW_SLOTS, windowNanos);
    this.errorsRing = SlotRing.sliding(ClientIpTable.WINDOW_SLOTS + 1, ClientIpTable.WINDOW_SLOTS, windowNanos);
  }

  /**
   * Decides one request by the IP rules (each off when its threshold is {@code <= 0}) and counts it
   * when admitted (or always when {@code countDenied}): tarpit when the request would take the
   * request count over {@code tarpitRequests} while the error count is over {@code tarpitErrors};
   * else limited when it would take the request count over {@code limitRequests}.
   */
  IpDecision tryAcquire(CounterSlab slab, int slot, int limitRequests, int tarpitRequests, int tarpitErrors,
      boolean countDenied, long nowNanos) {
    int[] a = slab.rings(slot);
    int base = slab.ringBase(slot);
    long[] c = slab.clocks(slot);
    int cb = slab.clockBase(slot);
    long elapsed = advance(a, base, c, cb, nowNanos);
    long requestSlot = requestsRing.slotIndex(elapsed);
    int requests = requestsRing.countAdvanced(a, base);
    int errors = errorsRing.countAdvanced(a, base);
    boolean tarpit = tarpitRequests > 0 && tarpitErrors > 0 && requests >= tarpitRequests && errors > tarpitErrors;
    boolean limited = !tarpit && limitRequests > 0 && requests >= limitRequests;
    if (!tarpit && !limited) {
      requestsRing.increment(a, base, requestSlot);
      c[cb + CounterSlab.ADMITTED]++;
      return new IpDecision(IpVerdict.ADMITTED, requests + 1, errors, 0L);
    }
    c[cb + CounterSlab.DENIED]++;
    if (countDenied) {
      requestsRing.increment(a, base, requestSlot);
      requests = requests == Integer.MAX_VALUE ? requests : requests + 1;
    }
    long callerElapsed = nowNanos - c[cb + CounterSlab.ORIGIN];
    long retryNanos;
    if (tarpit) { // over once either count drops back to its threshold
      long requestsRetry =
          requestsRing.retryAfterNanos(a, base, requestSlot, requests, tarpitRequests, callerElapsed);
      long errorsRetry = errorsRing.retryAfterNanos(a, base, errorsRing.slotIndex(elapsed), errors, tarpitErrors + 1,
          callerElapsed);
      retryNanos = Math.min(requestsRetry, errorsRetry);
    } else {
      retryNanos = requestsRing.retryAfterNanos(a, base, requestSlot, requests, limitRequests, callerElapsed);
    }
    return new IpDecision(tarpit ? IpVerdict.TARPIT : IpVerdict.LIMITED, requests, errors, Math.max(1L, retryNanos));
  }

  /** Counts one backend error at {@code nowNanos}. */
  void recordError(CounterSlab slab, int slot, long nowNanos) {
    int[] a = slab.rings(slot);
    int base = slab.ringBase(slot);
    long elapsed = advance(a, base, slab.clocks(slot), slab.clockBase(slot), nowNanos);
    errorsRing.increment(a, base, errorsRing.slotIndex(elapsed));
  }

  /**
   * Takes back one admitted request counted at {@code chargedNanos}, from its own slot or an earlier
   * one (see {@link SlotCounters#refund} for why that can only leave the count high, never low);
   * nothing for a charge made before this address claimed the slot (it was counted for an entry
   * this one replaced).
   */
  boolean refund(CounterSlab slab, int slot, long chargedNanos) {
    long[] c = slab.clocks(slot);
    int cb = slab.clockBase(slot);
    long originNanos = c[cb + CounterSlab.ORIGIN];
    if (chargedNanos - originNanos < 0) {
      return false;
    }
    long lastElapsed = c[cb + CounterSlab.LAST_SEEN] - originNanos;
    long chargedElapsed = Math.min(chargedNanos - originNanos, lastElapsed);
    boolean taken = requestsRing.decrementFirstFrom(slab.rings(slot), slab.ringBase(slot),
        requestsRing.slotIndex(chargedElapsed), requestsRing.slotIndex(lastElapsed));
    if (taken) {
      c[cb + CounterSlab.ADMITTED]--;
    }
    return taken;
  }

  /** Moves both rings to {@code nowNanos} (or keeps them where a later call left them); the elapsed time used. */
  private long advance(int[] a, int base, long[] c, int cb, long nowNanos) {
    long originNanos = c[cb + CounterSlab.ORIGIN];
    long lastSeenNanos = c[cb + CounterSlab.LAST_SEEN];
    long lastElapsed = lastSeenNanos - originNanos;
    long elapsed = lastElapsed;
    if (nowNanos - lastSeenNanos > 0) {
      CounterSlab.setLastSeen(c, cb, nowNanos);
      elapsed = nowNanos - originNanos;
    }
    requestsRing.advance(a, base, requestsRing.slotIndex(lastElapsed), requestsRing.slotIndex(elapsed));
    errorsRing.advance(a, base, errorsRing.slotIndex(lastElapsed), errorsRing.slotIndex(elapsed));
    return elapsed;
  }

  /** The IP's usage at {@code nowNanos}, changing nothing. */
  ClientIpUsage usage(CounterSlab slab, int slot, String address, long nowNanos) {
    long[] c = slab.clocks(slot);
    int cb = slab.clockBase(slot);
    return new ClientIpUsage(address, countAt(slab, slot, requestsRing, nowNanos),
        countAt(slab, slot, errorsRing, nowNanos), c[cb + CounterSlab.ADMITTED], c[cb + CounterSlab.DENIED],
        c[cb + CounterSlab.LAST_SEEN]);
  }

  /** Whether nothing this address counted is in either window at {@code nowNanos}. */
  private boolean empty(CounterSlab slab, int slot, long nowNanos) {
    return countAt(slab, slot, requestsRing, nowNanos) == 0 && countAt(slab, slot, errorsRing, nowNanos) == 0;
  }

  /** Whether the address was idle for {@code idleNanos} with empty windows (dropping it changes no rule's view). */
  boolean expired(CounterSlab slab, int slot, long idleNanos, long nowNanos) {
    long lastSeenNanos = slab.clocks(slot)[slab.clockBase(slot) + CounterSlab.LAST_SEEN];
    return nowNanos - lastSeenNanos >= idleNanos && empty(slab, slot, nowNanos);
  }

  /**
   * Eviction rank at {@code nowNanos}, higher evicted first: idle time, plus
   * {@link SlabTable#IDLE_RANK_BONUS_NANOS} when both windows are empty (forgetting it then
   * changes nothing a rule sees).
   */
  long evictionRank(CounterSlab slab, int slot, long nowNanos) {
    long idle = nowNanos - slab.clocks(slot)[slab.clockBase(slot) + CounterSlab.LAST_SEEN];
    return empty(slab, slot, nowNanos) ? idle + SlabTable.IDLE_RANK_BONUS_NANOS : idle;
  }

  /** How long a request or error can keep counting ({@code ip.window} + one slot): an address idle longer is empty. */
  long ringNanos() {
    return requestsRing.ringNanos();
  }

  private static int countAt(CounterSlab slab, int slot, SlotRing ring, long nowNanos) {
    return ring.count(slab.rings(slot), slab.ringBase(slot), ring.slotIndex(slab.lastElapsed(slot)),
        ring.slotIndex(slab.elapsedAt(slot, nowNanos)));
  }
}
