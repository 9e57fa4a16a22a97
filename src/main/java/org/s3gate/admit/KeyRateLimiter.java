package org.s3gate.admit;

import org.s3gate.limit.CounterTable;
import org.s3gate.limit.Decision;
import org.s3gate.limit.LimitWindow;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.PolicySnapshot;

/**
 * The caller's own budget (SPEC §6): its group's requests per sliding second and minute, counted
 * per access key in the bounded {@link CounterTable} (see there for exactness, eviction and what
 * live limit changes do). An anonymous caller, which names no key, is counted per client address
 * ({@code anonymous@ADDRESS}) instead of under one key all unsigned requests would share.
 * {@code count.denied} is read from the request's snapshot, so a reload applies to the next request.
 *
 * <p>Thread-safe: stateless besides the thread-safe table.
 */
public final class KeyRateLimiter implements Limiter {

  private final CounterTable counters;

  public KeyRateLimiter(CounterTable counters) {
    this.counters = counters;
  }

  static String counterOf(Caller caller) {
    return caller.identity().anonymous() ? caller.addressCounter() : caller.identity().accessKey();
  }

  @Override
  public Decision tryAcquire(RequestFacts request, Caller caller, PolicySnapshot policy, long nowNanos) {
    GroupPolicy group = caller.group();
    return counters.tryAcquire(counterOf(caller), group.limitPerSecond(), group.limitPerMinute(),
        policy.settings().countDenied(), nowNanos);
  }

  /** The caller's counts at {@code nowNanos}, charging nothing (a method {@code limit.methods} leaves out). */
  Decision peek(Caller caller, long nowNanos) {
    return counters.peek(counterOf(caller), nowNanos);
  }

  @Override
  public void refund(Caller caller, long chargedNanos) {
    counters.refund(counterOf(caller), chargedNanos);
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
