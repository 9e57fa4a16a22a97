package org.s3gate.admit;

import org.s3gate.limit.Decision;
import org.s3gate.limit.LimitWindow;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.PolicySnapshot;

/**
 * The caller's own budget (SPEC §6): its group's requests per sliding second and minute, counted
 * per access key in the {@link CounterStore} ({@code counters.store}; locally the bounded
 * {@code CounterTable}, see there for exactness, eviction and what live limit changes do). An anonymous caller, which names no key, is counted per client address
 * ({@code anonymous@ADDRESS}) instead of under one key all unsigned requests would share.
 * The limits are read from the request's snapshot, so a reload applies to the next request.
 *
 * <p>Thread-safe: stateless.
 */
public final class KeyRateLimiter implements Limiter {

  public KeyRateLimiter() {}

  static String counterOf(Caller caller) {
    return caller.identity().anonymous() ? caller.addressCounter() : caller.identity().accessKey();
  }

  @Override
  public Budget budgetOf(RequestFacts request, Caller caller, PolicySnapshot policy) {
    GroupPolicy group = caller.group();
    return new Budget(counterOf(caller), group.limitPerSecond(), group.limitPerMinute());
  }

  @Override
  public String describeLimit(Caller caller, PolicySnapshot policy, Decision denied) {
    return describe(caller.group(), denied, caller.identity().anonymous() ? "client address" : "API key");
  }

  static String describe(GroupPolicy group, Decision denied, String perWhat) {
    LimitWindow window = denied.trippedWindow();
    int limit = window == LimitWindow.SECOND ? group.limitPerSecond() : group.limitPerMinute();
    return limit + " requests/" + window.unitLabel() + " per " + perWhat;
  }
}
