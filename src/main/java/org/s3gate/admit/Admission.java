package org.s3gate.admit;

import org.s3gate.identify.AccessKeyExtractor;
import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.Decision;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.PolicySnapshot;

/**
 * The admission core: given one request's facts, the policy snapshot it was read with and the
 * time, decides whether the request goes on to a backend. {@code RateLimitFilter} calls it for
 * every S3 request, and the benchmarks call it too, so what they measure is what ships.
 *
 * <h2>Design</h2>
 * One decision, in this order:
 * <ol>
 *   <li>GET and HEAD of {@code exempt.paths} (MinIO's health endpoints) are exempt: never
 *       identified, counted or limited.
 *   <li>Requests whose limiting could differ from what the backend sees are rejected before
 *       anything is counted ({@link RequestScreen}: non-S3 or lower-case methods, a
 *       {@code Connection} header naming a signed header, repeated {@code Authorization}).
 *   <li>The caller is identified from the request as it is forwarded ({@link AccessKeyExtractor});
 *       a malformed Authorization header or a request naming two keys is rejected (400). Its group
 *       policy is looked up in the snapshot (one hash lookup).
 *   <li>A method that {@code limit.methods} does not limit is admitted without being charged; its
 *       counts are read from the first limiter (the access key's) for the response headers.
 *   <li>Otherwise the {@link Limiter} decides: a denial carries its retry time and the
 *       limiter's description of the limit that tripped.
 * </ol>
 * Extension: a new budget (per client address, per bucket, bytes) is another {@link Limiter}, asked
 * after the access key's; a shared counter store (Redis) is another implementation of the access
 * key's limiter. Nothing in the HTTP layer changes for either. With more than one limiter, a
 * limiter that refuses must have the earlier ones' charges refunded, so that none is charged when
 * another denies; that refund comes with the second limiter.
 *
 * <p>The time is a parameter, read once per request by the caller; nothing here reads a clock.
 *
 * <p>Thread-safe: immutable; the limiters are thread-safe.
 */
public final class Admission {

  private final Limiter keyLimiter;

  /** @param keyLimiter the access key's budget, whose counts the response headers show */
  public Admission(Limiter keyLimiter) {
    this.keyLimiter = keyLimiter;
  }

  /** Decides one request; {@code policy} is the one snapshot read for it, {@code nowNanos} its time. */
  public Outcome decide(RequestFacts request, PolicySnapshot policy, long nowNanos) {
    if (policy.settings().isExempt(request.method(), request.rawPath())) {
      return Outcome.EXEMPT;
    }
    RequestScreen.Rejection rejection = RequestScreen.check(request);
    if (rejection != null) {
      return Outcome.rejected(CallerIdentity.UNKNOWN, policy.policyForKey(null), rejection);
    }
    CallerIdentity caller = AccessKeyExtractor.identify(request.header("Authorization"), request.rawQuery(),
        request.header("X-API-Key"), request.header("X-Access-Key-Id"));
    if (caller.refused()) {
      return Outcome.rejected(caller, policy.policyForKey(null), new RequestScreen.Rejection(400,
          caller.refusal().errorCode(), caller.refusal().message()));
    }
    GroupPolicy group = policy.policyForKey(caller.accessKey());
    if (!policy.settings().isLimited(request.method())) {
      return Outcome.admitted(caller, group, keyLimiter.peek(caller, nowNanos));
    }
    Decision decision = keyLimiter.tryAcquire(request, caller, group, policy, nowNanos);
    return decision.admitted() ? Outcome.admitted(caller, group, decision)
        : Outcome.denied(caller, group, decision, keyLimiter);
  }
}
