package org.s3gate.limit;

/**
 * The two sliding windows every key is limited in.
 *
 * <p>Immutable.
 */
public enum LimitWindow {
  SECOND("second", 1_000_000_000L),
  MINUTE("minute", 60_000_000_000L);

  private final String unitLabel;
  private final long windowNanos;

  LimitWindow(String unitLabel, long windowNanos) {
    this.unitLabel = unitLabel;
    this.windowNanos = windowNanos;
  }

  /** The unit in messages such as {@code "50 requests/second"}: {@code "second"} or {@code "minute"}. */
  public String unitLabel() {
    return unitLabel;
  }

  /** The window's length: 1 s or 60 s, in nanoseconds. */
  public long windowNanos() {
    return windowNanos;
  }
}
