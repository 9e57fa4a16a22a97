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
 *   <li>MinIO's health endpoints are exempt: never identified, counted or limited.
 *   <li>The caller is identified from the request as received ({@link AccessKeyExtractor}) and
 *       its group policy looked up in the snapshot (one hash lookup).
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

  private static final String HEALTH_PREFIX = "/minio/health/";

  private final Limiter keyLimiter;

  /** @param keyLimiter the access key's budget, whose counts the response headers show */
  public Admission(Limiter keyLimiter) {
    this.keyLimiter = keyLimiter;
  }

  /** Decides one request; {@code policy} is the one snapshot read for it, {@code nowNanos} its time. */
  public Outcome decide(RequestFacts request, PolicySnapshot policy, long nowNanos) {
    if (isBackendHealthCheck(request.rawPath())) {
      return Outcome.EXEMPT;
    }
    CallerIdentity caller = AccessKeyExtractor.identify(request.header("Authorization"), request.rawQuery(),
        request.header("X-API-Key"), request.header("X-Access-Key-Id"));
    GroupPolicy group = policy.policyForKey(caller.accessKey());
    if (!policy.settings().isLimited(request.method())) {
      return Outcome.admitted(caller, group, keyLimiter.peek(caller, nowNanos));
    }
    Decision decision = keyLimiter.tryAcquire(request, caller, group, policy, nowNanos);
    return decision.admitted() ? Outcome.admitted(caller, group, decision)
        : Outcome.denied(caller, group, decision, keyLimiter);
  }

  /**
   * MinIO's health endpoints ({@code /minio/health/live}, {@code .../ready}, {@code .../cluster},
   * {@code .../cluster/read}) are never limited. Only plain lower-case paths qualify, so a path such
   * as {@code /minio/health/../../bucket/key}, which a backend might resolve to an object, is limited.
   */
  static boolean isBackendHealthCheck(String rawPath) {
    if (!rawPath.startsWith(HEALTH_PREFIX)) {
      return false;
    }
    for (int i = HEALTH_PREFIX.length(); i < rawPath.length(); i++) {
      char c = rawPath.charAt(i);
      boolean allowed = (c >= 'a' && c <= 'z') || (c == '/' && rawPath.charAt(i - 1) != '/');
      if (!allowed) {
        return false;
      }
    }
    return true;
  }
}
