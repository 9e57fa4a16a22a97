package org.s3gate.cluster;

import org.s3gate.admit.Budget;
import org.s3gate.admit.ByteClaim;
import org.s3gate.admit.Charge;
import org.s3gate.admit.LocalCounterStore;
import org.s3gate.admit.SharedBytes;
import org.s3gate.limit.ByteBudgets;
import org.s3gate.limit.ByteDecision;
import org.s3gate.limit.Decision;
import org.s3gate.limit.LimitWindow;
import org.s3gate.policy.ClusterSettings;

/**
 * How {@link RedisCounterStore} decides while Redis cannot ({@code redis.failure}): {@code local}
 * on this instance's own tables with each limit divided by {@code cluster.instances}, the byte
 * budgets included; {@code open} admits with nothing counted; {@code closed} denies as over the
 * per-second limit (retry in 1 s), before bytes are looked at. The Charge's store stamp says which
 * ({@link #FALLBACK_STAMP}: refunded to the local tables; {@link #OPEN_STAMP}: nothing to refund).
 *
 * <p>Thread-safe: stateless besides the thread-safe tables.
 */
final class FailureMode {
  /** Charges made by the local fallback, refunded there. */
  static final long FALLBACK_STAMP = Long.MIN_VALUE;
  /** Admissions of {@code redis.failure=open} and shortcut denials: nothing was charged. */
  static final long OPEN_STAMP = Long.MIN_VALUE + 1;
  private static final long CLOSED_RETRY_NANOS = 1_000_000_000L;

  private final ClusterSettings settings;
  private final LocalCounterStore requests;
  private final ByteBudgets localBytes;

  FailureMode(ClusterSettings settings, LocalCounterStore requests, ByteBudgets localBytes) {
    this.settings = settings;
    this.requests = requests;
    this.localBytes = localBytes;
  }

  /** The decision of one request's budgets and byte claims (none: {@code claimCount} 0) without Redis. */
  Charge decide(Budget[] budgets, int count, ByteClaim[] claims, int claimCount, boolean countDenied,
      long nowNanos) {
    return switch (settings.redisFailure()) {
      case LOCAL -> local(budgets, count, claims, claimCount, countDenied, nowNanos);
      case OPEN -> new Charge(budgets, count, -1, Decision.admitted(0, 0), OPEN_STAMP, null,
          claimCount == 0 ? null : uncounted(claims, claimCount), claimCount == 0 ? null : SharedBytes.NONE);
      case CLOSED -> new Charge(budgets, count, 0, Decision.denied(LimitWindow.SECOND, 0, 0, CLOSED_RETRY_NANOS),
          OPEN_STAMP);
    };
  }

  /** {@code redis.failure=open}: every claim admitted, nothing counted. */
  private static ByteDecision[] uncounted(ByteClaim[] claims, int claimCount) {
    ByteDecision[] decisions = new ByteDecision[claimCount];
    for (int j = 0; j < claimCount; j++) {
      decisions[j] = new ByteDecision(true, 0, claims[j].limitBytes(), 0);
    }
    return decisions;
  }

  /**
   * {@code redis.failure=local}: the request budgets in this instance's tables, then the claims in
   * its byte budgets, each limit divided by {@code cluster.instances}; all or nothing, as in local
   * mode (a refused claim refunds the request budgets and the claims before it). The transfer's
   * later charges then go to the same local byte budgets (a null ledger).
   */
  private Charge local(Budget[] budgets, int count, ByteClaim[] claims, int claimCount, boolean countDenied,
      long nowNanos) {
    int instances = settings.clusterInstances();
    Charge c = requests.tryAcquire(budgets, count, countDenied, instances, nowNanos);
    if (!c.admitted() || claimCount == 0) {
      return new Charge(budgets, count, c.deniedIndex(), c.decision(), FALLBACK_STAMP);
    }
    ByteDecision[] decisions = new ByteDecision[claimCount];
    for (int j = 0; j < claimCount; j++) {
      ByteClaim claim = claims[j];
      decisions[j] = localBytes.tryCharge(claim.counter(), claim.direction(),
          Math.max(1, claim.limitBytes() / Math.max(1, instances)), claim.bytes(), nowNanos);
      if (!decisions[j].admitted()) {
        requests.refund(c, nowNanos);
        for (int k = 0; k < j; k++) {
          if (claims[k].bytes() > 0) {
            localBytes.refund(claims[k].counter(), claims[k].direction(), claims[k].bytes(), nowNanos, nowNanos);
          }
        }
        return new Charge(budgets, count, count + j, c.decision(), FALLBACK_STAMP, null, decisions, null);
      }
    }
    return new Charge(budgets, count, -1, c.decision(), FALLBACK_STAMP, null, decisions, null);
  }
}
