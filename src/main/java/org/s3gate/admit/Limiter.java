package org.s3gate.admit;

import org.s3gate.limit.Decision;
import org.s3gate.policy.PolicySnapshot;

/**
 * One kind of budget the admission core checks a request against: the access key's per-second and
 * per-minute request windows ({@link KeyRateLimiter}) and the client address's
 * ({@link AddressRateLimiter}); the per-bucket and bandwidth budgets of later capabilities are
 * further implementations, and a shared counter store (Redis) is another implementation of the
 * same budgets, chosen at startup.
 *
 * <p>Contract: {@link #tryAcquire} decides and, when it admits, charges the request to the budget
 * in the same atomic step, so concurrent requests can never both take the last unit; a charge can
 * be taken back with {@link #refund} when a later limiter of the same decision refuses the request,
 * so that no budget is charged for a request another denied. Everything a limiter needs comes in
 * its arguments (time included); it never blocks on I/O longer than its own documented bound.
 *
 * <p>Implementations must be thread-safe: one instance serves every request.
 */
public interface Limiter {

  /**
   * Charges the request if it fits; the decision says whether it did and what is left. Null when
   * this budget does not apply to the request (nothing was charged).
   *
   * @param request the request as it will be forwarded
   * @param policy the snapshot this request was read with; the only one used for it
   */
  Decision tryAcquire(RequestFacts request, Caller caller, PolicySnapshot policy, long nowNanos);

  /** Takes back the charge {@link #tryAcquire} made for this caller at {@code chargedNanos}. */
  void refund(Caller caller, long chargedNanos);

  /**
   * The limit that refused a request, for the SlowDown message, e.g.
   * {@code "10 requests/second per API key"}.
   */
  String describeLimit(Caller caller, PolicySnapshot policy, Decision denied);
}
