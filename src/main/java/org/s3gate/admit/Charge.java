package org.s3gate.admit;

import org.s3gate.limit.ByteDecision;
import org.s3gate.limit.Decision;

/**
 * What a {@link CounterStore} decided for the budgets of one request: admitted (every budget
 * charged) or denied by one of them (none charged), the decision to report (the first budget's
 * counts when admitted, the denying budget's counts and retry time when denied), and what the
 * store needs to take the charges back ({@link CounterStore#refund}).
 *
 * <p>A store that {@linkplain CounterStore#decidesBytes decides bytes} also reports each
 * {@link ByteClaim}'s decision: a denial by claim {@code j} has {@link #deniedIndex()}
 * {@code count + j} and {@link #decision()} the first budget's counts (none charged), the claim's
 * {@link ByteDecision} carrying the retry time; and it names where the transfer's later byte
 * charges go ({@link #byteLedger()}).
 *
 * <p>Immutable (the budgets array is never modified after the store returns it).
 */
public final class Charge {

  private final Budget[] budgets;
  private final int count;
  private final int deniedIndex;
  private final Decision decision;
  private final long storeStamp;
  private final Decision[] decisions;
  private final ByteDecision[] byteDecisions;
  private final SharedBytes byteLedger;
  private final long ledgerNanos;

  /**
   * @param budgets the budgets decided, {@code count} of them from index 0
   * @param deniedIndex the index of the budget that denied, or -1 when all were charged
   * @param decision the first budget's decision when admitted, the denying budget's when denied
   * @param storeStamp what the store needs to find its charges again (its own time of the charge)
   */
  public Charge(Budget[] budgets, int count, int deniedIndex, Decision decision, long storeStamp) {
    this(budgets, count, deniedIndex, decision, storeStamp, null);
  }

  /**
   * @param decisions each budget's decision when admitted (for headers of budgets after the first,
   *     e.g. the bucket's), or null when the store reports only the first
   */
  public Charge(Budget[] budgets, int count, int deniedIndex, Decision decision, long storeStamp,
      Decision[] decisions) {
    this(budgets, count, deniedIndex, decision, storeStamp, decisions, null, null);
  }

  /**
   * @param byteDecisions each claim's decision (the denying one's for a byte denial), or null when
   *     the store did not decide bytes
   * @param byteLedger where the admitted transfer's later byte charges go: null for this
   *     instance's own byte budgets (the admission's), {@link SharedBytes#NONE} when nothing was
   *     charged
   */
  public Charge(Budget[] budgets, int count, int deniedIndex, Decision decision, long storeStamp,
      Decision[] decisions, ByteDecision[] byteDecisions, SharedBytes byteLedger) {
    this(budgets, count, deniedIndex, decision, storeStamp, decisions, byteDecisions, byteLedger, 0L);
  }

  /**
   * @param ledgerNanos with a shared ledger: the caller's {@code System.nanoTime()} at or after the
   *     store's answer, so a later charge sent at nanoTime {@code n} runs at store time at least
   *     {@code storeStamp + (n - ledgerNanos)} (same-rate clocks): a lower bound for its refund
   */
  public Charge(Budget[] budgets, int count, int deniedIndex, Decision decision, long storeStamp,
      Decision[] decisions, ByteDecision[] byteDecisions, SharedBytes byteLedger, long ledgerNanos) {
    this.ledgerNanos = ledgerNanos;
    this.byteDecisions = byteDecisions;
    this.byteLedger = byteLedger;
    this.decisions = decisions;
    this.budgets = budgets;
    this.count = count;
    this.deniedIndex = deniedIndex;
    this.decision = decision;
    this.storeStamp = storeStamp;
  }

  public boolean admitted() {
    return deniedIndex < 0;
  }

  /** The index of the budget that denied the request; -1 when it was admitted. */
  public int deniedIndex() {
    return deniedIndex;
  }

  public Decision decision() {
    return decision;
  }

  /**
   * The counts of budget {@code index} of an admitted request: its own decision where the store
   * reports it, else the first budget's (a store reporting one decision per call).
   */
  public Decision decisionOf(int index) {
    return decisions != null && decisions[index] != null ? decisions[index] : decision;
  }

  /** Whether a byte claim denied the request (its index {@link #deniedIndex()} minus {@link #count()}). */
  public boolean deniedByBytes() {
    return deniedIndex >= count;
  }

  /** Claim {@code index}'s decision, or null when the store decided no bytes (or not that claim). */
  public ByteDecision byteDecision(int index) {
    return byteDecisions == null ? null : byteDecisions[index];
  }

  /** Where the admitted transfer's later byte charges go: null for the admission's own byte budgets. */
  public SharedBytes byteLedger() {
    return byteLedger;
  }

  /** The caller's nanoTime at or after the shared store's answer (see the constructor); 0 without a ledger. */
  public long ledgerNanos() {
    return ledgerNanos;
  }

  public int count() {
    return count;
  }

  public Budget budget(int index) {
    if (index < 0 || index >= count) {
      throw new IndexOutOfBoundsException(index);
    }
    return budgets[index];
  }

  /** The store's own note of when it charged (e.g. the Redis time); meaningful only to that store. */
  public long storeStamp() {
    return storeStamp;
  }
}
