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
 * <p>Thread-safe: stateless besides the thread-safe table.
 */
final class ForgedRequestLimiter implements Limiter {
  private static final String PREFIX = "anonymous@forged/";

  private final CounterTable counters;

  ForgedRequestLimiter(CounterTable counters) {
    this.counters = counters;
  }

  /** Counts one forged request of this caller's address at {@code nowNanos}. */
  void record(Caller caller, long nowNanos) {
    counters.tryAcquire(PREFIX + caller.clientAddress(), Integer.MAX_VALUE, Integer.MAX_VALUE, true, nowNanos);
  }

  /** A denial when the address is over its forged-request budget, else null (nothing is charged). */
  @Override
  public Decision tryAcquire(RequestFacts request, Caller caller, PolicySnapshot policy, long nowNanos) {
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
