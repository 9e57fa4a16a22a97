package org.s3gate.cluster;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.s3gate.admit.Budget;
import org.s3gate.limit.Decision;
import org.s3gate.limit.LimitWindow;

/**
 * Counters Redis denied recently, denied here without a round trip until their retry time has
 * passed: a flood that is being denied costs Redis nothing.
 *
 * <h2>Why this never denies what Redis would admit</h2>
 * Redis denied counter C at its time T because the entry at the head of one of C's rings (the
 * L-th most recent request) still counts until T + r. Until then the ring only gains entries
 * newer than all it holds (an acquire records at the counter's guarded time, which never runs
 * backwards), so its L-th most recent request is at least as recent and still counts: every
 * decision that includes C is denied by Redis before T + r, on every instance. This instance
 * stops denying at {@code nowNanos + r}, where {@code nowNanos} was read before the call was sent,
 * so no later than Redis time T + r as long as Redis's clock does not run faster than ours (ppm
 * apart; a forward step of Redis's clock on a failover is the exception, and makes Redis admit
 * earlier, not us deny more than r). The shortcut is only taken with the same limits (a reload
 * that raises them bypasses it) and never with {@code count.denied} (every denied request must
 * then be counted in the shared log). What can free C's budget early on Redis: a refund (a forged
 * request or an in-flight denial on another instance) or {@code clearKey} on another instance;
 * then this instance keeps denying C for at most r (a second for per-second limits, a minute at
 * most), which is the documented bound.
 *
 * <p>Bound: at most {@link #MAX_ENTRIES} counters; when full, new denials are not remembered
 * (their requests go to Redis, as without the shortcut). Expired entries are removed when looked
 * up and by {@link #sweep}.
 *
 * <p>Thread-safe: a {@link ConcurrentHashMap} of immutable entries.
 */
final class DenyShortcuts {
  static final int MAX_ENTRIES = 100_000;

  private record Denied(int limitPerSecond, int limitPerMinute, LimitWindow window, int perSecond, int perMinute,
      long untilNanos) {}

  private final ConcurrentHashMap<String, Denied> denied = new ConcurrentHashMap<>();

  /** Remembers that Redis denied {@code budget}'s counter at {@code nowNanos} for {@code decision}'s retry time. */
  void remember(Budget budget, Decision decision, long nowNanos) {
    if (decision.retryAfterNanos() <= 0 || denied.size() >= MAX_ENTRIES) {
      return;
    }
    denied.put(budget.counter(), new Denied(budget.limitPerSecond(), budget.limitPerMinute(),
        decision.trippedWindow(), decision.currentPerSecond(), decision.currentPerMinute(),
        nowNanos + decision.retryAfterNanos()));
  }

  /** The denial of {@code budget} at {@code nowNanos} if Redis is known to deny it, else null. */
  Decision denial(Budget budget, long nowNanos) {
    Denied d = denied.get(budget.counter());
    if (d == null) {
      return null;
    }
    long left = d.untilNanos - nowNanos;
    if (left <= 0) {
      denied.remove(budget.counter(), d);
      return null;
    }
    if (d.limitPerSecond != budget.limitPerSecond() || d.limitPerMinute != budget.limitPerMinute()) {
      return null;
    }
    return Decision.denied(d.window, d.perSecond, d.perMinute, left);
  }

  boolean isEmpty() {
    return denied.isEmpty();
  }

  void forget(String counter) {
    denied.remove(counter);
  }

  void clear() {
    denied.clear();
  }

  /** Drops the entries that have expired at {@code nowNanos}. */
  void sweep(long nowNanos) {
    for (Iterator<Map.Entry<String, Denied>> it = denied.entrySet().iterator(); it.hasNext();) {
      if (it.next().getValue().untilNanos - nowNanos <= 0) {
        it.remove();
      }
    }
  }
}
