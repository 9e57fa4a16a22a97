package org.s3gate.limit;

/**
 * The outcome of checking one request against its key's windows: admitted or not, which window
 * refused it, the counts to report in {@code X-RateLimit-Current-*}, and how long until the key
 * would be admitted (for {@code Retry-After} and {@code x-amz-retry-after}).
 *
 * <p>Immutable.
 */
public final class Decision {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  private static final long NANOS_PER_MILLI = 1_000_000L;

  private final boolean admitted;
  private final LimitWindow trippedWindow;
  private final int currentPerSecond;
  private final int currentPerMinute;
  private final long retryAfterNanos;

  private Decision(boolean admitted, LimitWindow trippedWindow, int currentPerSecond,
      int currentPerMinute, long retryAfterNanos) {
    this.admitted = admitted;
    this.trippedWindow = trippedWindow;
    this.currentPerSecond = currentPerSecond;
    this.currentPerMinute = currentPerMinute;
    this.retryAfterNanos = retryAfterNanos;
  }

  public static Decision admitted(int currentPerSecond, int currentPerMinute) {
    return new Decision(true, null, currentPerSecond, currentPerMinute, 0L);
  }

  public static Decision denied(LimitWindow trippedWindow, int currentPerSecond, int currentPerMinute,
      long retryAfterNanos) {
    return new Decision(false, trippedWindow, currentPerSecond, currentPerMinute, retryAfterNanos);
  }

  /** Whether the request may proceed. */
  public boolean admitted() {
    return admitted;
  }

  /**
   * The window that refused the request, null when admitted. When both windows are full it is
   * the one the key must wait longer for (the minute on a tie).
   */
  public LimitWindow trippedWindow() {
    return trippedWindow;
  }

  /** Requests counted in the key's per-second window, this one included if it was counted. */
  public int currentPerSecond() {
    return currentPerSecond;
  }

  /** Requests counted in the key's per-minute window, this one included if it was counted. */
  public int currentPerMinute() {
    return currentPerMinute;
  }

  /**
   * 0 when admitted; otherwise the exact time, from this request's {@code nowNanos}, until a
   * request of this key would be admitted if the key sends nothing meanwhile and its limits stay.
   * A limit of 0 never admits; the window's length is returned as a hint.
   */
  public long retryAfterNanos() {
    return retryAfterNanos;
  }

  /** {@link #retryAfterNanos()} rounded up to whole milliseconds ({@code x-amz-retry-after}). */
  public long retryAfterMillis() {
    return ceilDiv(retryAfterNanos, NANOS_PER_MILLI);
  }

  /** {@link #retryAfterNanos()} rounded up to whole seconds ({@code Retry-After}). */
  public long retryAfterSeconds() {
    return ceilDiv(retryAfterNanos, NANOS_PER_SECOND);
  }

  private static long ceilDiv(long value, long divisor) {
    return value / divisor + (value % divisor > 0 ? 1 : 0);
  }

  @Override
  public String toString() {
    return admitted
        ? "Decision[admitted, perSecond=" + currentPerSecond + ", perMinute=" + currentPerMinute
            + "]"
        : "Decision[denied by " + trippedWindow + ", perSecond=" + currentPerSecond
            + ", perMinute=" + currentPerMinute + ", retryAfterNanos=" + retryAfterNanos + "]";
  }
}
