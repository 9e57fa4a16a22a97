package org.s3gate.admit;

import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.CounterTable;
import org.s3gate.limit.Decision;
import org.s3gate.limit.LimitWindow;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.PolicySnapshot;

/**
 * The access key's budget (SPEC §6): its group's requests per sliding second and minute, counted
 * per key in the bounded {@link CounterTable} (see there for exactness, eviction and what live
 * limit changes do). {@code count.denied} is read from the request's snapshot, so a reload applies
 * to the next request.
 *
 * <p>Thread-safe: stateless besides the thread-safe table.
 */
public final class KeyRateLimiter implements Limiter {

  private final CounterTable keys;

  public KeyRateLimiter(CounterTable keys) {
    this.keys = keys;
  }

  @Override
  public Decision tryAcquire(RequestFacts request, CallerIdentity caller, GroupPolicy group, PolicySnapshot policy,
      long nowNanos) {
    return keys.tryAcquire(caller.accessKey(), group.limitPerSecond(), group.limitPerMinute(),
        policy.settings().countDenied(), nowNanos);
  }

  @Override
  public Decision peek(CallerIdentity caller, long nowNanos) {
    return keys.peek(caller.accessKey(), nowNanos);
  }

  @Override
  public String describeLimit(GroupPolicy group, Decision denied) {
    LimitWindow window = denied.trippedWindow();
    int limit = window == LimitWindow.SECOND ? group.limitPerSecond() : group.limitPerMinute();
    return limit + " requests/" + window.unitLabel() + " per API key";
  }
}
