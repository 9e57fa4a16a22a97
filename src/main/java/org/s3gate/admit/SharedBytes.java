package org.s3gate.admit;

import org.s3gate.limit.ByteDirection;

/**
 * The byte budgets of a shared {@link CounterStore} after admission: the charges and refunds of a
 * transfer it admitted ({@link CounterStore#tryAcquire(Budget[], int, ByteClaim[], int,
 * org.s3gate.policy.GatewaySettings, long)}) that are only known later: a download's {@code Content-Length} when its
 * response starts, the bytes of a body of unknown length at its end, the unsent part of a charge.
 *
 * <p>Contract: never blocks the calling request (a shared store sends them without waiting; a lost
 * one is counted as a failure, not fatal); the store's own clock applies, so no time is passed
 * except {@code chargedStamp}, the store's time of the admission (its {@link Charge#storeStamp}).
 *
 * <p>Implementations must be thread-safe.
 */
public interface SharedBytes {

  /** Charges nothing: transfers admitted with {@code redis.failure=open}, which counts nothing. */
  SharedBytes NONE = new SharedBytes() {
    @Override
    public void charge(String counter, ByteDirection direction, long bytes) {}

    @Override
    public void refund(String counter, ByteDirection direction, long bytes, long chargedStamp) {}
  };

  /** Adds {@code bytes > 0} to the counter now, whatever its limit. */
  void charge(String counter, ByteDirection direction, long bytes);

  /**
   * Takes back up to {@code bytes} charged at or after {@code chargedStamp} (a stamp at or before
   * the real charge is always safe: see {@code s3gate-counters.lua}, never over-admits).
   */
  void refund(String counter, ByteDirection direction, long bytes, long chargedStamp);
}
