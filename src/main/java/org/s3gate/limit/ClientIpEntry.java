package org.s3gate.limit;

/**
 * One client IP's sliding-window counts: its requests and its backend errors over
 * {@code ip.window}, and its totals.
 *
 * <h2>Design</h2>
 * Both rings share one {@code int[]}: the requests ring first, the errors ring after it, each of
 * {@link ClientIpTable#WINDOW_SLOTS} + 1 slots whose geometry ({@link SlotRing#sliding}) the table
 * owns and passes to every call, so an entry stores no geometry. Slot indexes are computed from the
 * time elapsed since {@code originNanos}, as in {@link SlotCounters}; {@code lastSeenNanos} is the
 * LRU stamp and the cursor of both rings and only moves forward (a stale {@code nowNanos} is
 * counted as if at {@code lastSeenNanos}: later, so conservative).
 *
 * <p>Memory (64-bit HotSpot, compressed oops, 8-byte alignment):
 * <pre>
 *   ClientIpEntry: 12 header + 4 (int[] ref) + 4 x 8 (origin, lastSeen, admitted, denied) =  48
 *   int[22]:       16 header + 22 x 4                                                      = 104
 *   total per IP, both windows and the totals                                              = 152 bytes
 * </pre>
 * The map node (32) and the address string (~24 + 16 + length) come on top (measured per tracked
 * IP, everything included: docs/BENCHMARKS.md).
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Time-slot rings ({@link SlotRing}, what the key windows used before issue 17): a request
 *       or error counted at {@code a} is in the window's count at every {@code t < a + W}, and leaves it by {@code a + W + slot}; so a
 *       rule never sees fewer than the IP's true count over the last {@code W}, and
 *       {@code ip.limit.requests} never admits more than its limit in any sliding {@code W}.
 *   <li>Live slot counts are {@code >= 0}; a retired entry has {@link #RETIRED} in slot 0 and is
 *       never counted again (the table looks the address up anew).
 * </ul>
 *
 * <p>Thread-safe: all state is guarded by the entry's monitor; {@code lastSeenNanos} may also be
 * read without it (eviction and expiry rank entries lock-free and re-check under the lock).
 */
final class ClientIpEntry {

  private static final int RETIRED = Integer.MIN_VALUE;

  private final long originNanos;
  private volatile long lastSeenNanos;
  private long admittedTotal;
  private long deniedTotal;
  private final int[] counts;

  ClientIpEntry(int slots, long nowNanos) {
    this.counts = new int[slots];
    this.originNanos = nowNanos;
    this.lastSeenNanos = nowNanos;
  }

  long lastSeenNanos() {
    return lastSeenNanos;
  }

  /**
   * Decides one request by the IP rules (each off when its threshold is {@code <= 0}) and counts it
   * when admitted (or always when {@code countDenied}): tarpit when the request would take the
   * request count over {@code tarpitRequests} while the error count is over {@code tarpitErrors};
   * else limited when it would take the request count over {@code limitRequests}. Null if retired.
   */
  synchronized IpDecision tryAcquire(SlotRing requestsRing, SlotRing errorsRing, int limitRequests,
      int tarpitRequests, int tarpitErrors, boolean countDenied, long nowNanos) {
    if (isRetired()) {
      return null;
    }
    long elapsed = advance(requestsRing, errorsRing, nowNanos);
    long requestSlot = requestsRing.slotIndex(elapsed);
    int requests = requestsRing.countAdvanced(counts);
    int errors = errorsRing.countAdvanced(counts);
    boolean tarpit = tarpitRequests > 0 && tarpitErrors > 0 && requests >= tarpitRequests && errors > tarpitErrors;
    boolean limited = !tarpit && limitRequests > 0 && requests >= limitRequests;
    if (!tarpit && !limited) {
      requestsRing.increment(counts, requestSlot);
      admittedTotal++;
      return new IpDecision(IpVerdict.ADMITTED, requests + 1, errors, 0L);
    }
    deniedTotal++;
    if (countDenied) {
      requestsRing.increment(counts, requestSlot);
      requests = requests == Integer.MAX_VALUE ? requests : requests + 1;
    }
    long callerElapsed = nowNanos - originNanos;
    long retryNanos;
    if (tarpit) { // over once either count drops back to its threshold
      long requestsRetry = requestsRing.retryAfterNanos(counts, requestSlot, requests, tarpitRequests, callerElapsed);
      long errorsRetry = errorsRing.retryAfterNanos(counts, errorsRing.slotIndex(elapsed), errors, tarpitErrors + 1,
          callerElapsed);
      retryNanos = Math.min(requestsRetry, errorsRetry);
    } else {
      retryNanos = requestsRing.retryAfterNanos(counts, requestSlot, requests, limitRequests, callerElapsed);
    }
    return new IpDecision(tarpit ? IpVerdict.TARPIT : IpVerdict.LIMITED, requests, errors, Math.max(1L, retryNanos));
  }

  /** Counts one backend error at {@code nowNanos}; false if retired. */
  synchronized boolean recordError(SlotRing requestsRing, SlotRing errorsRing, long nowNanos) {
    if (isRetired()) {
      return false;
    }
    long elapsed = advance(requestsRing, errorsRing, nowNanos);
    errorsRing.increment(counts, errorsRing.slotIndex(elapsed));
    return true;
  }

  /**
   * Takes back one admitted request counted at {@code chargedNanos}, from its own slot or an earlier
   * one (see {@link SlotCounters#refund} for why that can only leave the count high, never low).
   */
  synchronized boolean refund(SlotRing requestsRing, long chargedNanos) {
    if (isRetired() || chargedNanos - originNanos < 0) {
      return false; // retired, or charged to an entry this one replaced (see SlotCounters#refund)
    }
    long lastElapsed = lastSeenNanos - originNanos;
    long chargedElapsed = Math.min(chargedNanos - originNanos, lastElapsed);
    boolean taken = requestsRing.decrementFirstFrom(counts, requestsRing.slotIndex(chargedElapsed),
        requestsRing.slotIndex(lastElapsed));
    if (taken) {
      admittedTotal--;
    }
    return taken;
  }

  /** Moves both rings to {@code nowNanos} (or keeps them where a later call left them); the elapsed time used. */
  private long advance(SlotRing requestsRing, SlotRing errorsRing, long nowNanos) {
    long lastElapsed = lastSeenNanos - originNanos;
    long elapsed = lastElapsed;
    if (nowNanos - lastSeenNanos > 0) {
      lastSeenNanos = nowNanos;
      elapsed = nowNanos - originNanos;
    }
    requestsRing.advance(counts, requestsRing.slotIndex(lastElapsed), requestsRing.slotIndex(elapsed));
    errorsRing.advance(counts, errorsRing.slotIndex(lastElapsed), errorsRing.slotIndex(elapsed));
    return elapsed;
  }

  /** The IP's usage at {@code nowNanos}, changing nothing; null if retired. */
  synchronized ClientIpUsage usage(SlotRing requestsRing, SlotRing errorsRing, String address, long nowNanos) {
    if (isRetired()) {
      return null;
    }
    return new ClientIpUsage(address, countAt(requestsRing, nowNanos), countAt(errorsRing, nowNanos), admittedTotal,
        deniedTotal, lastSeenNanos);
  }

  /** Whether nothing this entry counted is in either window at {@code nowNanos}; caller holds the lock. */
  private boolean empty(SlotRing requestsRing, SlotRing errorsRing, long nowNanos) {
    return countAt(requestsRing, nowNanos) == 0 && countAt(errorsRing, nowNanos) == 0;
  }

  /** Retires the entry if idle for {@code idleNanos} with empty windows (dropping it changes no rule's view). */
  synchronized boolean retireIfExpired(SlotRing requestsRing, SlotRing errorsRing, long idleNanos, long nowNanos) {
    if (isRetired() || nowNanos - lastSeenNanos < idleNanos || !empty(requestsRing, errorsRing, nowNanos)) {
      return false;
    }
    counts[0] = RETIRED;
    return true;
  }

  /**
   * Eviction rank at {@code nowNanos}, higher evicted first: idle time, plus
   * {@link CounterTable#IDLE_RANK_BONUS_NANOS} when both windows are empty (forgetting it then
   * changes nothing a rule sees). Idle longer than a whole ring means empty, ranked without the lock.
   */
  long evictionRank(SlotRing requestsRing, SlotRing errorsRing, long nowNanos) {
    long idle = nowNanos - lastSeenNanos;
    if (idle >= requestsRing.ringNanos()) {
      return idle + CounterTable.IDLE_RANK_BONUS_NANOS;
    }
    synchronized (this) {
      idle = nowNanos - lastSeenNanos;
      return empty(requestsRing, errorsRing, nowNanos) ? idle + CounterTable.IDLE_RANK_BONUS_NANOS : idle;
    }
  }

  /** Retires the entry if its rank is still at least {@code rank}: not touched since it was ranked. */
  synchronized boolean retireIfRankAtLeast(SlotRing requestsRing, SlotRing errorsRing, long rank, long nowNanos) {
    if (isRetired() || evictionRank(requestsRing, errorsRing, nowNanos) < rank) {
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

  private int countAt(SlotRing ring, long nowNanos) {
    long lastElapsed = lastSeenNanos - originNanos;
    long elapsed = nowNanos - lastSeenNanos > 0 ? nowNanos - originNanos : lastElapsed;
    return ring.count(counts, ring.slotIndex(lastElapsed), ring.slotIndex(elapsed));
  }
}
