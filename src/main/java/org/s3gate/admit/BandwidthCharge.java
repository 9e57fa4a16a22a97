package org.s3gate.admit;

/**
 * What one admitted request's transfer was checked and charged against in its group's
 * {@code bandwidth_per_minute.map} budget, for the reconciliation at its end and the
 * {@code X-RateLimit-Bytes-*} headers. Null in an {@link Outcome} whose group has no bandwidth
 * limit, so requests of other groups allocate nothing for it.
 *
 * <p>Immutable.
 *
 * @param counter the caller's counter (access key, or {@code anonymous@ADDRESS})
 * @param in whether the request body is counted ({@code GROUP:in} set and the request has a body)
 * @param inDeclaredBytes the body length the request declared and was charged at admission, -1
 *     when unknown (chunked without {@code x-amz-decoded-content-length}: charged at the end)
 * @param inUsedBytes bytes counted in the caller's {@code in} minute after admission
 * @param inLimitBytes {@code GROUP:in}
 * @param out whether the response body is counted ({@code GROUP:out} set and the method is GET)
 * @param outUsedBytes bytes counted in the caller's {@code out} minute at admission
 * @param outLimitBytes {@code GROUP:out}
 * @param ledger where the later charges and refunds go: null for the admission's own
 *     {@code ByteBudgets} (local mode, and the Redis store's local fallback), else the shared store
 *     that admitted the transfer ({@link SharedBytes#NONE} when it charged nothing)
 * @param stamp the shared store's time of the admission (the upload's charge; a lower bound for a
 *     download's later charge), for its refunds; unused with a null ledger
 */
public record BandwidthCharge(String counter, boolean in, long inDeclaredBytes, long inUsedBytes, long inLimitBytes,
    boolean out, long outUsedBytes, long outLimitBytes, SharedBytes ledger, long stamp) {

  /** A charge in the admission's own byte budgets. */
  public BandwidthCharge(String counter, boolean in, long inDeclaredBytes, long inUsedBytes, long inLimitBytes,
      boolean out, long outUsedBytes, long outLimitBytes) {
    this(counter, in, inDeclaredBytes, inUsedBytes, inLimitBytes, out, outUsedBytes, outLimitBytes, null, 0L);
  }
}
