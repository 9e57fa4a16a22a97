package org.s3gate.admit;

import org.s3gate.limit.CounterTable;
import org.s3gate.limit.Decision;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.PolicySnapshot;

/**
 * The client address's budget for forged requests. An access key ID is no secret (every presigned
 * URL shows it), so anyone can send requests under a tenant's key that the backend then refuses
 * (403 {@code InvalidAccessKeyId} or {@code SignatureDoesNotMatch}). Such a request is refunded to
 * the key ({@link Admission#refundForged}) and counted here instead, under
 * {@code anonymous@forged/ADDRESS} (a counter no request can name), so the forger runs out of
 * budget and the key's owner keeps all of its own.
 *
 * <p>Design: the count is charged after the fact, when the backend's answer is known, and only
 * checked at admission ({@link CounterTable#deniedAt}), before anything is charged to the key: an
 * address over the limits of {@code anonymous.group} in forged requests per sliding second or
 * minute is denied everything, under any key. Bound: an address reaches the backend with at most
 * that many forged requests per window, plus those in flight when it crossed the limit.
 *
 * <p>Thread-safe: the table is; the two volatile fields are only a skip hint (see lastForgedNanos).
 */
final class ForgedRequestLimiter implements Limiter {
  private static final String PREFIX = "anonymous@forged/";
  /**
   * How long after the last forged request any forged count may still deny: the minute window
   * plus its tick rounding, with room to spare. Past it every forged counter is empty.
   */
  private static final long QUIET_NANOS = 2 * 60_000_000_000L;

  private final CounterTable counters;
  /**
   * When a forged request was last recorded, valid once {@code anyForged}; lets admission skip the
   * lookup (and the counter name it builds) while nobody has forged anything for two minutes, the
   * common case. Racy by design: a stale read can only skip a check within nanoseconds of the first
   * forged request after a quiet spell, which the limits' bound already allows for (in flight).
   */
  private volatile long lastForgedNanos;
  private volatile boolean anyForged;

  ForgedRequestLimiter(CounterTable counters) {
    this.counters = counters;
  }

  /** Counts one forged request of this caller's address at {@code nowNanos}. */
  void record(Caller caller, long nowNanos) {
    lastForgedNanos = nowNanos;
    anyForged = true;
    counters.tryAcquire(PREFIX + caller.clientAddress(), Integer.MAX_VALUE, Integer.MAX_VALUE, true, nowNanos);
  }

  /** A denial when the address is over its forged-request budget, else null (nothing is charged). */
  @Override
  public Decision tryAcquire(RequestFacts request, Caller caller, PolicySnapshot policy, long nowNanos) {
    if (!anyForged || nowNanos - lastForgedNanos > QUIET_NANOS) {
      return null;
    }
    GroupPolicy budget = policy.anonymousPolicy();
    return counters.deniedAt(PREFIX + caller.clientAddress(), budget.limitPerSecond(), budget.limitPerMinute(),
        nowNanos);
  }

  @Override
  public void refund(Caller caller, long chargedNanos) {
    // tryAcquire charges nothing
  }

  @Override
  public String describeLimit(Caller caller, PolicySnapshot policy, Decision denied) {
    return KeyRateLimiter.describe(policy.anonymousPolicy(), denied, "client address in forged requests");
  }
}
