package org.s3gate.admit;

import org.s3gate.limit.Decision;
import org.s3gate.policy.PolicySnapshot;

/**
 * One kind of budget the admission core checks a request against: the access key's per-second and
 * per-minute request windows ({@link KeyRateLimiter}), its method class's ({@link ClassRateLimiter})
 * and the client address's ({@link AddressRateLimiter}); the per-bucket and bandwidth budgets of
 * later capabilities are further implementations.
 *
 * <p>Contract: a limiter only says which {@link Budget} (counter and limits) a request is charged
 * to, from the request and its snapshot; it counts nothing itself. The admission core hands every
 * budget of one request to the {@link CounterStore} ({@code counters.store}: this instance's table
 * or Redis), which decides them all in one atomic step, so no budget is charged for a request
 * another denied, and a shared store needs one round trip per request whatever the number of
 * budgets.
 *
 * <p>Implementations must be thread-safe: one instance serves every request.
 */
public interface Limiter {

  /**
   * The budget this request is charged to, or null when this limiter does not apply to it.
   *
   * @param request the request as it will be forwarded
   * @param policy the snapshot this request was read with; the only one used for it
   */
  Budget budgetOf(RequestFacts request, Caller caller, PolicySnapshot policy);

  /**
   * The limit that refused a request, for the SlowDown message, e.g.
   * {@code "10 requests/second per API key"}.
   */
  String describeLimit(Caller caller, PolicySnapshot policy, Decision denied);
}
