package org.s3gate.admit;

import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.Decision;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.PolicySnapshot;

/**
 * One kind of budget the admission core checks a request against: today the access key's
 * per-second and per-minute request windows ({@link KeyRateLimiter}); the per-client-address,
 * per-bucket and bandwidth budgets of later capabilities are further implementations, and a shared
 * counter store (Redis) is another implementation of the same budget, chosen at startup.
 *
 * <p>Contract: {@link #tryAcquire} decides and, when it admits, charges the request to the budget
 * in the same atomic step, so concurrent requests can never both take the last unit. It reads
 * everything it needs from its arguments (time included) and never blocks on I/O longer than its
 * own documented bound.
 *
 * <p>Implementations must be thread-safe: one instance serves every request.
 */
public interface Limiter {

  /**
   * Charges the request if it fits; the decision says whether it did and what is left.
   *
   * @param request the request as it will be forwarded (a limiter keyed by something other than
   *     the access key, such as the bucket, reads it from here)
   * @param caller who the request claims to be
   * @param group the caller's group policy in {@code policy}
   * @param policy the snapshot this request was read with; the only one used for it
   */
  Decision tryAcquire(RequestFacts request, CallerIdentity caller, GroupPolicy group, PolicySnapshot policy,
      long nowNanos);

  /** The budget's state for this caller at {@code nowNanos}, charging nothing (an unlimited method). */
  Decision peek(CallerIdentity caller, long nowNanos);

  /**
   * The limit that refused a request, for the SlowDown message, e.g.
   * {@code "10 requests/second per API key"}.
   */
  String describeLimit(GroupPolicy group, Decision denied);
}
