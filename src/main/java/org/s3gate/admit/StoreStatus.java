package org.s3gate.admit;

/**
 * What the metrics and JMX show about the {@link CounterStore} in force: the mode deciding right
 * now, how often the shared store failed, and its latency (the store records it through a
 * recorder the metrics hand it).
 *
 * <p>Implementations must be thread-safe (read by scrapes and JMX calls at any time).
 */
public interface StoreStatus {

  /** Modes, as {@link #mode()} names them. */
  String LOCAL = "local";
  String SHARED = "shared";
  String FALLBACK_LOCAL = "fallback_local";
  String FALLBACK_OPEN = "fallback_open";
  String FALLBACK_CLOSED = "fallback_closed";

  /**
   * {@code local} ({@code counters.store=local}), {@code shared} (Redis deciding) or, while Redis
   * is unreachable, {@code fallback_local}, {@code fallback_open} or {@code fallback_closed}
   * ({@code redis.failure}).
   */
  String mode();

  /** Calls to the shared store that failed (timed out, were rejected or answered an error). */
  long failures();

  /** Times the shared store became unreachable (each is one ERROR log line). */
  long outages();

  /** Latency of the shared store's calls (empty for the local store). */
  default long[] latencyCounts() {
    return new long[LatencyHistogram.BOUNDS_MICROS.length + 1];
  }

  /** The status of {@code counters.store=local}: always local, never failing. */
  StoreStatus LOCAL_ONLY = new StoreStatus() {
    @Override
    public String mode() {
      return LOCAL;
    }

    @Override
    public long failures() {
      return 0;
    }

    @Override
    public long outages() {
      return 0;
    }
  };
}
