package org.s3gate.stats;

import java.util.List;

import org.s3gate.admit.Outcome;
import org.s3gate.admit.RequestFacts;

/**
 * What the stats page shows that no other part keeps: admitted and denied requests per second for
 * the last five minutes ({@link SecondCounts}) and the most recent denials ({@link RecentDenials}).
 * Everything else on the page (backends, groups, keys, reloads) is read from the gateway's parts
 * when {@code /_s3gate/stats.json} is asked for ({@link StatsReport}).
 *
 * <p>Request path: {@link #record} is called once per limited request, where the filter knows the
 * outcome. An admitted request costs one CAS on a shared long and allocates nothing; a denied one
 * also adds one small record to the denial ring. No lock either way.
 *
 * <p>Time: requests pass their {@code System.nanoTime()} reading; wall-clock times (when a denial
 * happened) are derived from it and the origin pair given at construction, so they drift from the
 * wall clock only as much as the two clocks drift apart since the gateway started.
 *
 * <p>Thread-safe: lock-free parts, final fields.
 */
public final class GatewayStats {
  /** Most denials a report lists. */
  static final int DENIALS_SHOWN = 25;

  private final long originNanos;
  private final long originEpochMillis;
  private final SecondCounts seconds;
  private final RecentDenials denials = new RecentDenials();

  /**
   * @param originNanos {@code System.nanoTime()} at start
   * @param originEpochMillis {@code System.currentTimeMillis()} at the same moment
   */
  public GatewayStats(long originNanos, long originEpochMillis) {
    this.originNanos = originNanos;
    this.originEpochMillis = originEpochMillis;
    this.seconds = new SecondCounts(originNanos);
  }

  /** Counts one request's outcome at {@code nowNanos}; exempt requests are not counted. */
  public void record(Outcome outcome, RequestFacts request, long nowNanos) {
    switch (outcome.verdict()) {
      case ADMITTED -> seconds.record(SecondCounts.Kind.ADMITTED, nowNanos);
      case DENIED_PER_SECOND -> denied(SecondCounts.Kind.DENIED_PER_SECOND, outcome, request, nowNanos);
      case DENIED_PER_MINUTE -> denied(SecondCounts.Kind.DENIED_PER_MINUTE, outcome, request, nowNanos);
      case DENIED_CONCURRENT -> denied(SecondCounts.Kind.DENIED_CONCURRENT, outcome, request, nowNanos);
      case DENIED_CLIENT_IP -> denied(SecondCounts.Kind.DENIED_CLIENT_IP, outcome, request, nowNanos);
      case REJECTED -> denied(SecondCounts.Kind.REJECTED, outcome, request, nowNanos);
      case EXEMPT -> { }
    }
  }

  private void denied(SecondCounts.Kind kind, Outcome outcome, RequestFacts request, long nowNanos) {
    seconds.record(kind, nowNanos);
    denials.add(epochMillis(nowNanos), outcome.caller().accessKey(), outcome.group().group(),
        outcome.verdict().label(), request.method(), request.rawPath());
  }

  /** The wall-clock time of {@code nanos} (a {@code System.nanoTime()} value). */
  long epochMillis(long nanos) {
    return originEpochMillis + Math.floorDiv(nanos - originNanos, 1_000_000L);
  }

  /** The wall-clock start of the second {@code nowNanos} falls in (the end of the last whole one). */
  long currentSecondStartEpochMillis(long nowNanos) {
    return originEpochMillis + Math.max(0, seconds.second(nowNanos)) * 1000;
  }

  /** Whole seconds since start at {@code nowNanos}. */
  long uptimeSeconds(long nowNanos) {
    return Math.max(0, seconds.second(nowNanos));
  }

  SecondCounts seconds() {
    return seconds;
  }

  List<Denial> recentDenials() {
    return denials.newest(DENIALS_SHOWN);
  }
}
