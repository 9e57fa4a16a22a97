package org.s3gate.admit;

import org.s3gate.limit.CounterTable;
import org.s3gate.limit.Decision;
import org.s3gate.policy.GatewaySettings;

/**
 * {@code counters.store=local}: the callers' budgets in this instance's {@link CounterTable} (see
 * there for exactness, the bound and eviction), the buckets' in the {@code buckets} table. Also
 * what the Redis store falls back to with {@code redis.failure=local}, with its limits divided by
 * {@code cluster.instances}.
 *
 * <h2>Design</h2>
 * The budgets are charged in order, each in one short monitor of its own entry; when one denies,
 * the ones already charged are refunded ({@link CounterTable#refund}), so the decision is all or
 * nothing as far as any later request can tell: a concurrent request may, for the few nanoseconds
 * between a charge and its refund, see one more request in an earlier budget and be denied by it
 * (never admitted too many). With {@code count.denied} the denying budget keeps the denied request,
 * as it always has; budgets after it are not looked at.
 *
 * <p>Thread-safe: stateless besides the thread-safe tables.
 */
public final class LocalCounterStore implements CounterStore {

  private final CounterTable counters;
  private final CounterTable buckets;

  public LocalCounterStore(CounterTable counters, CounterTable buckets) {
    this.counters = counters;
    this.buckets = buckets;
  }

  /** The table the callers' budgets are counted in. */
  public CounterTable table() {
    return counters;
  }

  private CounterTable tableOf(Budget budget) {
    return budget.bucket() ? buckets : counters;
  }

  @Override
  public Charge tryAcquire(Budget[] budgets, int count, GatewaySettings settings, long nowNanos) {
    return tryAcquire(budgets, count, settings.countDenied(), 1, nowNanos);
  }

  /**
   * The decision with every limit divided by {@code divisor} (at least 1 where the limit is, so a
   * small limit on many instances still admits something): what {@code redis.failure=local} uses
   * while the shared store is unreachable.
   */
  public Charge tryAcquire(Budget[] budgets, int count, boolean countDenied, int divisor, long nowNanos) {
    Decision[] decisions = new Decision[count];
    for (int i = 0; i < count; i++) {
      Budget budget = budgets[i];
      Decision decision = tableOf(budget).tryAcquire(budget.counter(), share(budget.limitPerSecond(), divisor),
          share(budget.limitPerMinute(), divisor), countDenied, nowNanos);
      if (!decision.admitted()) {
        for (int j = 0; j < i; j++) {
          tableOf(budgets[j]).refund(budgets[j].counter(), nowNanos); // none charged when another denies
        }
        return new Charge(budgets, count, i, decision, nowNanos);
      }
      decisions[i] = decision;
    }
    return new Charge(budgets, count, -1, decisions[0], nowNanos, decisions);
  }

  static int share(int limit, int divisor) {
    if (divisor <= 1 || limit <= 0) {
      return limit;
    }
    return Math.max(1, limit / divisor);
  }

  @Override
  public void refund(Charge charge, long chargedNanos) {
    for (int i = 0; i < charge.count(); i++) {
      Budget budget = charge.budget(i);
      tableOf(budget).refund(budget.counter(), chargedNanos);
    }
  }

  @Override
  public Decision peek(String counter, long nowNanos) {
    return counters.peek(counter, nowNanos);
  }
}
