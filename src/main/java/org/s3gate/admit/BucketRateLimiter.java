package org.s3gate.admit;

import org.s3gate.identify.BucketName;
import org.s3gate.limit.CounterTable;
import org.s3gate.limit.Decision;
import org.s3gate.limit.LimitWindow;
import org.s3gate.policy.BucketLimits;
import org.s3gate.policy.PolicySnapshot;

/**
 * A bucket's budget across all callers ({@code bucket_limits_per_second.map},
 * {@code bucket_limits_per_minute.map}): the requests to one bucket per sliding second and minute,
 * whoever sends them, so one hot bucket cannot take the backend from every other (AWS S3 throttles
 * per prefix the same way). Charged all-or-nothing with the caller's own budgets: it decides after
 * them, so a request its own key's limit refuses never takes a unit of the shared budget, and a
 * refusal here refunds theirs ({@link Admission}).
 *
 * <p>Counters: a {@link CounterTable} of its own (the {@code buckets} table), keyed by bucket name
 * ({@link BucketName}: lower case, never a name no bucket can have), with the same exactness,
 * bound ({@code table.size}) and expiry ({@code table.expire}) as the key table. Bound on its live
 * entries: a bucket gets an entry only when a limit applies to it and a request to it passed every
 * caller budget, so with a {@code *} entry a client inventing bucket names creates at most as many
 * entries a minute as its own limits admit requests. Only requests whose bucket has a limit are
 * charged ({@link Caller#bucket()} is null otherwise): with both maps empty the request's bucket is
 * never even read.
 *
 * <p>Thread-safe: stateless besides the thread-safe table.
 */
final class BucketRateLimiter implements Limiter {

  private final CounterTable buckets;

  BucketRateLimiter(CounterTable buckets) {
    this.buckets = buckets;
  }

  /**
   * The bucket of {@code request} whose limit applies to it, or null when none does (no bucket
   * limits, no bucket named, or no entry and no {@code *}).
   */
  static String limitedBucket(RequestFacts request, PolicySnapshot policy) {
    BucketLimits limits = policy.bucketLimits();
    if (limits.isEmpty()) {
      return null;
    }
    String bucket = BucketName.of(request.rawPath(), request.header("Host"), policy.dimensions().s3Domain());
    return limits.limitsOf(bucket) == null ? null : bucket;
  }

  @Override
  public Decision tryAcquire(RequestFacts request, Caller caller, PolicySnapshot policy, long nowNanos) {
    BucketLimits.Limits limits = caller.bucket() == null ? null : policy.bucketLimits().limitsOf(caller.bucket());
    if (limits == null) {
      return null;
    }
    return buckets.tryAcquire(caller.bucket(), limits.limitPerSecond(), limits.limitPerMinute(),
        policy.settings().countDenied(), nowNanos);
  }

  @Override
  public void refund(Caller caller, long chargedNanos) {
    if (caller.bucket() != null) {
      buckets.refund(caller.bucket(), chargedNanos);
    }
  }

  /** e.g. {@code 100 requests/second for bucket hot}. */
  @Override
  public String describeLimit(Caller caller, PolicySnapshot policy, Decision denied) {
    BucketLimits.Limits limits = policy.bucketLimits().limitsOf(caller.bucket());
    LimitWindow window = denied.trippedWindow();
    int limit = window == LimitWindow.SECOND ? limits.limitPerSecond() : limits.limitPerMinute();
    return limit + " requests/" + window.unitLabel() + " for bucket " + caller.bucket();
  }
}
