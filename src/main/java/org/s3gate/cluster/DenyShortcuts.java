package org.s3gate.cluster;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.s3gate.admit.Budget;
import org.s3gate.limit.Decision;
import org.s3gate.limit.LimitWindow;

/**
 * Counters Redis denied recently, denied here without a round trip until their retry time has
 * passed or a second has, whichever comes first: a flood that is being denied costs Redis nearly
 * nothing.
 *
 * <h2>Why this never denies what Redis would admit</h2>
 * Redis denied counter C at its time T because the entry at the head of one of C's rings (the
 * L-th most recent request) still counts until T + r. Until then the ring only gains entries
 * newer than all it holds (an acquire records at the counter's guarded time, which never runs
 * backwards), so its L-th most recent request is at least as recent and still counts: every
 * decision that includes C is denied by Redis before T + r, on every instance. This instance
 * stops denying at {@code nowNanos + r} at the latest, where {@code nowNanos} was read before the call was sent,
 * so no later than Redis time T + r as long as Redis's clock does not run faster than ours (ppm
 * apart; a forward step of Redis's clock on a failover is the exception, and makes Redis admit
 * earlier, not us deny more than r). The shortcut is only taken with the same limits (a reload
 * that raises them bypasses it) and never with {@code count.denied} (every denied request must
 * then be counted in the shared log).
 *
 * <h2>Refunds elsewhere: trusted for at most {@link #RECHECK_NANOS}</h2>
 * What can free C's budget early on Redis is a refund (a forged request, an in-flight denial) or
 * {@code clearKey} on another instance, which this instance does not hear of. Were the denial
 * trusted for all of r, that would be a weapon: a forger holding a minute's limit of requests under
 * a victim's key in flight on one instance (the backend refuses them only as it answers) gets every
 * request of the victim that meets the full budget on another instance denied there for up to a
 * minute, long after the forged requests were refunded. So a denial is trusted for at most
 * {@link #RECHECK_NANOS} (1 s), then the next request asks Redis again; the denial it reports keeps
 * Redis's whole retry time. A refund elsewhere is thus followed at most 1 s late, as it was already
 * for per-second limits; the price is at most one call a second per denied counter and instance
 * (a flood of thousands of requests a second stays near 0 calls per request). A limit of 0 or
 * less denies whatever the log holds, so no refund can change it: that denial is trusted for its
 * whole r.
 *
 * <p>Bound: at most {@link #MAX_ENTRIES} counters; when full, new denials are not remembered
 * (their requests go to Redis, as without the shortcut). Expired entries are removed when looked
 * up and by {@link #sweep}.
 *
 * <p>Thread-safe: a {@link ConcurrentHashMap} of immutable entries.
 */
final class DenyShortcuts {
  static final int MAX_ENTRIES = 100_000;
  /** The longest a remembered denial is trusted without asking Redis (see the class comment). */
  static final long RECHECK_NANOS = 1_000_000_000L;

  /** @param retryAtNanos when Redis's retry time ends; @param recheckAtNanos when Redis is asked again */
  private record Denied(int limitPerSecond, int limitPerMinute, LimitWindow window, int perSecond, int perMinute,
      long retryAtNanos, long recheckAtNanos) {}

  /** {@code nowNanos} plus how long a denial with retry time {@code retryNanos} is trusted. */
  static long recheckAt(long nowNanos, long retryNanos, boolean refundsCannotUndo) {
    return nowNanos + (refundsCannotUndo ? retryNanos : Math.min(retryNanos, RECHECK_NANOS));
  }

  private final ConcurrentHashMap<String, Denied> denied = new ConcurrentHashMap<>();

  /** Remembers that Redis denied {@code budget}'s counter at {@code nowNanos} for {@code decision}'s retry time. */
  void remember(Budget budget, Decision decision, long nowNanos) {
    if (decision.retryAfterNanos() <= 0 || denied.size() >= MAX_ENTRIES) {
      return;
    }
    long retryNanos = decision.retryAfterNanos();
    boolean unconditional = budget.limitPerSecond() <= 0 || budget.limitPerMinute() <= 0;
    denied.put(budget.counter(), new Denied(budget.limitPerSecond(), budget.limitPerMinute(),
        decision.trippedWindow(), decision.currentPerSecond(), decision.currentPerMinute(),
        nowNanos + retryNanos, recheckAt(nowNanos, retryNanos, unconditional)));
  }

  /** The denial of {@code budget} at {@code nowNanos} if Redis is known to deny it, else null. */
  Decision denial(Budget budget, long nowNanos) {
    Denied d = denied.get(budget.counter());
    if (d == null) {
      return null;
    }
    if (d.recheckAtNanos - nowNanos <= 0) {
      denied.remove(budget.counter(), d);
      return null;
    }
    if (d.limitPerSecond != budget.limitPerSecond() || d.limitPerMinute != budget.limitPerMinute()) {
      return null;
    }
    return Decision.denied(d.window, d.perSecond, d.perMinute, d.retryAtNanos - nowNanos);
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
      if (it.next().getValue().recheckAtNanos - nowNanos <= 0) {
        it.remove();
      }
    }
  }
}
