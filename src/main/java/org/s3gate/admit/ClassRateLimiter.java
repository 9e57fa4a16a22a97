package org.s3gate.admit;

import org.s3gate.limit.Decision;
import org.s3gate.limit.LimitWindow;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.MethodClass;
import org.s3gate.policy.PolicySnapshot;

/**
 * One method class's budget ({@code GROUP:read} or {@code GROUP:write} in the per-second and
 * per-minute maps): the caller's requests of that class per sliding second and minute, on top of
 * the group's limits ({@link KeyRateLimiter}). One instance per class.
 *
 * <p>Counted in the same {@link CounterStore} as the caller's own budget, under
 * {@code "COUNTER CLASS"} (e.g. {@code "AKIA... write"}): a space never occurs in a key a request
 * can name, so no request can reach a class counter under its own name, and the table's
 * exactness, bound and expiry apply unchanged. A caller whose group has no entry for the class is
 * never looked up here: no entry, no allocation, no extra memory. A caller with class limits costs
 * one more table entry per class it uses (so up to three entries of {@code table.size}) and one
 * string per request of that class.
 *
 * <p>Thread-safe: stateless.
 */
final class ClassRateLimiter implements Limiter {

  private final MethodClass methodClass;

  ClassRateLimiter(MethodClass methodClass) {
    this.methodClass = methodClass;
  }

  private String counterOf(Caller caller) {
    return methodClass.counterOf(KeyRateLimiter.counterOf(caller));
  }

  @Override
  public Budget budgetOf(RequestFacts request, Caller caller, PolicySnapshot policy) {
    GroupPolicy.ClassLimits limits = caller.group().limitsOf(methodClass);
    if (limits == null) {
      return null;
    }
    return new Budget(counterOf(caller), limits.limitPerSecond(), limits.limitPerMinute());
  }

  @Override
  public String describeLimit(Caller caller, PolicySnapshot policy, Decision denied) {
    GroupPolicy.ClassLimits limits = caller.group().limitsOf(methodClass);
    int limit = denied.trippedWindow() == LimitWindow.SECOND ? limits.limitPerSecond() : limits.limitPerMinute();
    return limit + " " + methodClass.label() + " requests/" + denied.trippedWindow().unitLabel() + " per "
        + (caller.identity().anonymous() ? "client address" : "API key");
  }
}
