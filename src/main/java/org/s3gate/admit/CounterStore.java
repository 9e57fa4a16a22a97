package org.s3gate.admit;

import org.s3gate.limit.Decision;
import org.s3gate.policy.GatewaySettings;

/**
 * Where the request budgets of the admission core are counted ({@code counters.store}): this
 * instance's own {@code CounterTable} ({@link LocalCounterStore}), or a store shared by several
 * gateway instances (Redis, {@code org.s3gate.cluster}), chosen at startup. Every {@link Limiter}
 * of a request names its {@link Budget}; the store decides them all in one step.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>All or nothing.</b> {@link #tryAcquire} charges every budget when each has room for
 *       the request in both of its windows, and none when one of them has not: no budget is ever
 *       charged for a request another denied (with {@code count.denied} the denying budget also
 *       counts the denied request, as in local mode).
 *   <li><b>Strictness.</b> In no sliding 1 s or 60 s window does a budget's counter admit more
 *       requests than the limit each request was decided with, across every instance that shares
 *       the store.
 *   <li><b>Bounded wait.</b> A call never blocks longer than the store's documented bound (Redis:
 *       {@code redis.timeout}); a store that cannot decide in time decides by its failure mode.
 *   <li>{@link #refund} takes back exactly the charges of one admitted {@link Charge} (a later check
 *       of the same request refused it, or the backend refused its credentials), never more.
 * </ul>
 * The time is the caller's {@code System.nanoTime()} value; a shared store may keep its own clock
 * (Redis {@code TIME}) and must then say how the two relate.
 *
 * <p>Implementations must be thread-safe: one instance serves every request.
 */
public interface CounterStore {

  /**
   * Decides the first {@code count} budgets of one request together.
   *
   * @param budgets the request's budgets, the caller's own first; the store may keep the array
   * @param settings the request's snapshot's settings ({@code count.denied})
   */
  Charge tryAcquire(Budget[] budgets, int count, GatewaySettings settings, long nowNanos);

  /**
   * Whether this store decides a request's byte budgets ({@code bandwidth_per_minute.map}) in the
   * same step as its request budgets ({@link #tryAcquire(Budget[], int, ByteClaim[], int,
   * GatewaySettings, long)}): a shared store, where two calls would cost two round trips and could
   * not be all or nothing. False (the local store): the admission checks them in its own
   * {@code ByteBudgets} after the request budgets, refunding those when the bytes do not fit.
   */
  default boolean decidesBytes() {
    return false;
  }

  /**
   * Decides the first {@code count} budgets and the first {@code claimCount} byte claims of one
   * request together: every budget and claim is charged, or none is (a claim is charged its
   * {@link ByteClaim#bytes()}). Only for a store that {@link #decidesBytes()}.
   */
  default Charge tryAcquire(Budget[] budgets, int count, ByteClaim[] claims, int claimCount,
      GatewaySettings settings, long nowNanos) {
    throw new UnsupportedOperationException("this store does not decide bytes");
  }

  /**
   * Takes back every charge of {@code charge}, an admitted one, made at {@code chargedNanos}: its
   * request budgets only (the byte claims it charged are reconciled by their own refunds).
   */
  void refund(Charge charge, long chargedNanos);

  /** A counter's counts at {@code nowNanos}, charging nothing (zero counts for an unknown counter). */
  Decision peek(String counter, long nowNanos);
}
