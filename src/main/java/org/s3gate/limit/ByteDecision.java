package org.s3gate.limit;

/**
 * The outcome of checking a transfer against a caller's byte budget in one direction: admitted or
 * not, the bytes counted in its sliding minute after the decision (this transfer's charge
 * included when admitted), and how long until it would fit.
 *
 * <p>Immutable.
 *
 * @param admitted whether the transfer may start
 * @param usedBytes bytes counted in the caller's sliding minute after the decision
 * @param limitBytes the limit it was checked against, bytes per sliding minute
 * @param retryAfterNanos 0 when admitted; otherwise the exact time, from the decision, until it
 *     would fit if nothing more is charged and the limit stays
 */
public record ByteDecision(boolean admitted, long usedBytes, long limitBytes, long retryAfterNanos) {}
