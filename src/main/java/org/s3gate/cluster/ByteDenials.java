package org.s3gate.cluster;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.s3gate.admit.ByteClaim;
import org.s3gate.limit.ByteDecision;
import org.s3gate.limit.ByteDirection;
import org.s3gate.limit.Decision;

/**
 * Byte budgets Redis denied recently ({@code bandwidth_per_minute.map}), denied here without a
 * round trip until their retry time (or a second) has passed: the byte sibling of {@link DenyShortcuts}.
 *
 * <h2>Why this never denies what Redis would admit</h2>
 * Redis denied a claim needing {@code need = max(bytes, 1)} bytes of counter C's budget L at its
 * time T: the bytes counted plus {@code need} exceed L, and the retry r is the exact time until
 * enough of C's oldest 3-second slots have left the minute. Until T + r, charges only add bytes to
 * slots at least as new (Redis's time for C never runs backwards), so the slots that must leave
 * leave no earlier and the minute holds at least as many bytes: a claim of the same budget L needing
 * at least {@code need} is denied by Redis before T + r, on every instance. So a denial is reused
 * only for the same limit and a claim at least as large (a download or an unknown-length upload
 * needs one byte, the least, so a denial of one covers every later one of that direction; a denied
 * 10 MiB upload does not cover a 1 KiB one). The instance stops denying at {@code nowNanos + r},
 * {@code nowNanos} read before the call was sent: no later than Redis time T + r while the clocks
 * run at the same rate (see {@link DenyShortcuts}). What frees C's bytes early on Redis: a refund (a
 * transfer that moved less than it was charged, a forged request, an in-flight denial) or
 * {@code clearKey}; a refund sent from this instance forgets C's entry at once ({@link RedisBytes});
 * one from another instance, which this instance does not hear of, is why a denial is trusted for
 * at most {@link DenyShortcuts#RECHECK_NANOS} (1 s) before Redis is asked again: else a forged
 * upload declaring a victim's whole minute of bytes, held in flight on one instance, would get the
 * victim's transfers denied on the others for up to 63 s after it was refunded. Not used with
 * {@code count.denied}, where Redis must see every request.
 *
 * <p>Bound: at most {@link DenyShortcuts#MAX_ENTRIES} entries; when full, new denials are not
 * remembered. Expired entries are removed when looked up and by {@link #sweep}.
 *
 * <p>Thread-safe: a {@link ConcurrentHashMap} of immutable entries.
 */
final class ByteDenials {

  /** @param own the first request budget's counts at the denial, for the headers of the shortcut denials */
  private record Denied(long limitBytes, long needBytes, long usedBytes, Decision own, long retryAtNanos,
      long recheckAtNanos) {}

  private final ConcurrentHashMap<String, Denied> denied = new ConcurrentHashMap<>();

  private static String nameOf(ByteClaim claim) {
    return nameOf(claim.counter(), claim.direction());
  }

  private static String nameOf(String counter, ByteDirection direction) {
    return counter + '\n' + direction.label(); // a counter never contains a control character
  }

  private static long need(ByteClaim claim) {
    return Math.max(1, claim.bytes());
  }

  /** Remembers that Redis denied {@code claim} at {@code nowNanos} with {@code decision}. */
  void remember(ByteClaim claim, ByteDecision decision, Decision own, long nowNanos) {
    if (decision.retryAfterNanos() <= 0 || denied.size() >= DenyShortcuts.MAX_ENTRIES) {
      return;
    }
    long retryNanos = decision.retryAfterNanos();
    denied.put(nameOf(claim), new Denied(claim.limitBytes(), need(claim), decision.usedBytes(), own,
        nowNanos + retryNanos, DenyShortcuts.recheckAt(nowNanos, retryNanos, false)));
  }

  /**
   * A shortcut denial: the claim's refusal, and the request's own counts as Redis last reported
   * them (for the headers).
   */
  record Hit(ByteDecision refusal, Decision own) {}

  /** The denial of {@code claim} at {@code nowNanos} if Redis is known to deny it, else null. */
  Hit denial(ByteClaim claim, long nowNanos) {
    String name = nameOf(claim);
    Denied d = denied.get(name);
    if (d == null) {
      return null;
    }
    if (d.recheckAtNanos - nowNanos <= 0) {
      denied.remove(name, d);
      return null;
    }
    if (d.limitBytes != claim.limitBytes() || need(claim) < d.needBytes) {
      return null;
    }
    return new Hit(new ByteDecision(false, d.usedBytes, d.limitBytes, d.retryAtNanos - nowNanos), d.own);
  }

  boolean isEmpty() {
    return denied.isEmpty();
  }

  /** Forgets {@code counter}'s denial in {@code direction} (bytes of it were given back). */
  void forget(String counter, ByteDirection direction) {
    if (!denied.isEmpty()) {
      denied.remove(nameOf(counter, direction));
    }
  }

  /** Forgets both directions of {@code counter}. */
  void forget(String counter) {
    for (ByteDirection direction : ByteDirection.values()) {
      denied.remove(nameOf(counter, direction));
    }
  }

  void clear() {
    denied.clear();
  }

  void sweep(long nowNanos) {
    for (Iterator<Map.Entry<String, Denied>> it = denied.entrySet().iterator(); it.hasNext();) {
      if (it.next().getValue().recheckAtNanos - nowNanos <= 0) {
        it.remove();
      }
    }
  }
}
