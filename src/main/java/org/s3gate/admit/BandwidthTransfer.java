package org.s3gate.admit;

import org.s3gate.limit.ByteDecision;
import org.s3gate.limit.ByteDirection;

/**
 * A request's byte claims for a {@link CounterStore} that {@linkplain CounterStore#decidesBytes
 * decides bytes} ({@link BandwidthLimiter#transferOf}): the {@code in} claim first (when the request
 * has a body), then the {@code out} claim (a GET); and how the store's decision becomes the
 * request's {@link BandwidthCharge} or its refusal.
 *
 * <p>Immutable (the claims array is never modified after construction).
 */
record BandwidthTransfer(String counter, boolean in, long declared, long inLimitBytes, boolean out,
    long outLimitBytes, ByteClaim[] claims, int count) {

  /** The direction of claim {@code index}. */
  ByteDirection direction(int index) {
    return claims[index].direction();
  }

  /** What the store's admission charged, for the reconciliation and the headers. */
  BandwidthCharge charged(Charge charge) {
    long inUsed = in ? charge.byteDecision(0).usedBytes() : 0;
    long outUsed = out ? charge.byteDecision(in ? 1 : 0).usedBytes() : 0;
    return new BandwidthCharge(counter, in, declared, inUsed, inLimitBytes, out, outUsed, outLimitBytes,
        charge.byteLedger(), charge.storeStamp(), charge.ledgerNanos());
  }

  /** The refusal of claim {@code index}, as {@link BandwidthLimiter#tryAcquire} reports one. */
  BandwidthLimiter.Result refusal(int index, ByteDecision decision) {
    return new BandwidthLimiter.Result(null, direction(index), decision);
  }
}
