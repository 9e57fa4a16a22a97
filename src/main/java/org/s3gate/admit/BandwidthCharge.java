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
 * @param stamp the shared store's time of the admission (the upload's charge), for its refunds;
 *     unused with a null ledger
 * @param stampNanos this instance's nanoTime at or after the store ran the admission: a download
 *     charged at nanoTime {@code n} was charged at store time at least
 *     {@code stamp + (n - stampNanos)} ({@link Charge#ledgerNanos})
 */
public record BandwidthCharge(String counter, boolean in, long inDeclaredBytes, long inUsedBytes, long inLimitBytes,
    boolean out, long outUsedBytes, long outLimitBytes, SharedBytes ledger, long stamp, long stampNanos) {

  /** A charge in the admission's own byte budgets. */
  public BandwidthCharge(String counter, boolean in, long inDeclaredBytes, long inUsedBytes, long inLimitBytes,
      boolean out, long outUsedBytes, long outLimitBytes) {
    this(counter, in, inDeclaredBytes, inUsedBytes, inLimitBytes, out, outUsedBytes, outLimitBytes, null, 0L, 0L);
  }

  /**
   * A lower bound of the shared store's time of a charge this instance sent at nanoTime
   * {@code sentNanos} (its reply is not awaited): the admission's stamp plus the time since the
   * admission's answer, in the store's microseconds, less 1 ms and 0.1 % of that time for the two
   * clocks' rates (a bound past the real time could take a refund from a later slot than the
   * charge's, the one direction that can over-admit).
   */
  long stampOfLaterCharge(long sentNanos) {
    long elapsedNanos = Math.max(0L, sentNanos - stampNanos);
    return stamp + Math.max(0L, elapsedNanos - elapsedNanos / 1_000L - 1_000_000L) / 1_000L;
  }
}
