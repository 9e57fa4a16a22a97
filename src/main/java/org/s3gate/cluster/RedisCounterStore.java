package org.s3gate.cluster;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

import org.s3gate.admit.Budget;
import org.s3gate.admit.ByteClaim;
import org.s3gate.admit.Charge;
import org.s3gate.admit.CounterStore;
import org.s3gate.admit.LocalCounterStore;
import org.s3gate.admit.StoreStatus;
import org.s3gate.admit.SharedBytes;
import org.s3gate.limit.ByteBudgets;
import org.s3gate.limit.ByteDecision;
import org.s3gate.limit.Decision;
import org.s3gate.limit.LimitWindow;
import org.s3gate.policy.ClusterSettings;
import org.s3gate.policy.GatewaySettings;

/**
 * {@code counters.store=redis}: every budget in one Redis shared by all gateway instances, so the
 * limits hold across all of them together (see {@code s3gate-counters.lua} for the algorithm: an
 * exact sliding log per window, decided and recorded in one atomic function call).
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>One round trip per decision.</b> All budgets of a request (its own, its method class's,
 *       its address's) go in one {@code FCALL s3gate_acquire}: all charged or none. On Redis
 *       Cluster, budgets of different owners live in different slots; they are then decided one
 *       owner after the other (one call each, earlier ones refunded when a later one denies), so an
 *       unlisted key's or a limited bucket's request costs two calls there, all within one
 *       {@code redis.timeout}.
 *   <li><b>Almost none for a flood being denied.</b> A counter Redis denied is denied here until its
 *       retry time has passed, without a call, for at most a second before Redis is asked again
 *       ({@link DenyShortcuts}, which says why this cannot deny what Redis would admit, and why a
 *       refund elsewhere bounds it to a second).
 *   <li><b>Bounded wait, failure modes.</b> A call waits at most {@code redis.timeout}; a failed
 *       one is decided by {@code redis.failure}, and {@link RedisCircuit} (the circuit breaker, its
 *       log lines and the probe thread that restores shared mode, reloads lost functions and
 *       follows Sentinel) says when the shared counters are in force. While they are not, every
 *       decision is taken by {@code redis.failure} without touching Redis ({@link FailureMode}:
 *       {@code local}, this instance's table with each limit divided by {@code cluster.instances};
 *       {@code open}: admitted; {@code closed}: denied as over the per-second limit, retry in 1 s).
 *   <li>A call that times out may still have been executed by Redis: it then holds a charge for a
 *       request decided locally. That only ever counts one request too many (never admits too
 *       many).
 *   <li><b>Bytes in the same step.</b> A request its group's {@code bandwidth_per_minute.map}
 *       counts names its {@link ByteClaim}s too, and the one call is {@code FCALL s3gate_admit}:
 *       the request budgets and the byte budgets ({@code s3gate:b:{OWNER} in|out}, under the key's
 *       own hash tag) are charged together or not at all, a known-length upload's declared length
 *       reserved there. The later charges ({@link RedisBytes}) are single calls not waited for. A
 *       byte denial is remembered like a request denial ({@link ByteDenials}). With the circuit
 *       open, {@code redis.failure=local} decides the bytes in this instance's {@link ByteBudgets}
 *       with each byte limit divided by {@code cluster.instances}; {@code open} charges none;
 *       {@code closed} denies the request before bytes are looked at.
 * </ul>
 *
 * <p>Time: Redis's clock ({@code TIME}) decides, guarded per counter so it never runs backwards;
 * the caller's {@code nowNanos} is used for the local fallback and the deny shortcuts only.
 *
 * <p>Thread-safe: the link, the circuit and the remembered denials are; nothing else is mutable.
 */
public final class RedisCounterStore implements CounterStore, StoreStatus, AutoCloseable {
  private static final long FALLBACK_STAMP = FailureMode.FALLBACK_STAMP;
  private static final long OPEN_STAMP = FailureMode.OPEN_STAMP;
  private static final String NO_TIME = "";
  private static final ByteClaim[] NO_CLAIMS = new ByteClaim[0];

  private final RedisLink link;
  private final LocalCounterStore local;
  /** The byte budgets of the local fallback: the admission's own (the same instance). */
  private final ByteBudgets localBytes;
  private final RedisBytes bytes;
  private final ByteDenials byteDenials = new ByteDenials();
  private final DenyShortcuts shortcuts = new DenyShortcuts();
  private final FailureMode failureMode;
  private final long timeoutNanos;
  private final RedisCircuit circuit;

  /**
   * Connects (bounded; a Redis that is down at startup only starts the gateway in its failure
   * mode) and starts the probe thread.
   *
   * @param local the fallback of {@code redis.failure=local}, this instance's own table
   * @param localBytes the byte budgets of that fallback: the ones given to the admission
   * @param latencyRecorder receives every call's round trip in nanoseconds (the metrics' histogram)
   */
  public RedisCounterStore(ClusterSettings settings, LocalCounterStore local, ByteBudgets localBytes,
      LongConsumer latencyRecorder) {
    this(new RedisLink(settings.redisUri(), settings.redisTimeout()), settings, local, localBytes, latencyRecorder);
  }

  RedisCounterStore(RedisLink link, ClusterSettings settings, LocalCounterStore local, ByteBudgets localBytes,
      LongConsumer latencyRecorder) {
    this.link = link;
    this.local = local;
    this.localBytes = localBytes;
    this.failureMode = new FailureMode(settings, local, localBytes);
    this.timeoutNanos = settings.redisTimeout().toNanos();
    this.circuit = new RedisCircuit(link, settings, latencyRecorder, this::forgetDenials, this::sweepDenials);
    this.bytes = new RedisBytes(link, circuit.failureCounter(), byteDenials);
    circuit.start();
  }

  private void forgetDenials() {
    shortcuts.clear();
    byteDenials.clear();
  }

  private void sweepDenials(long nowNanos) {
    shortcuts.sweep(nowNanos);
    byteDenials.sweep(nowNanos);
  }

  /** The counters the Redis store keeps, for the JMX table (SCAN over the shared keys). */
  public SharedCounterTable table() {
    return new SharedCounterTable(link, local.table(), shortcuts, timeoutNanos);
  }

  @Override
  public Charge tryAcquire(Budget[] budgets, int count, GatewaySettings policySettings, long nowNanos) {
    return tryAcquire(budgets, count, NO_CLAIMS, 0, policySettings, nowNanos);
  }

  /** The bandwidth budgets as JMX shows and clears them: the shared byte counts (management only). */
  public ByteBudgets bandwidthView() {
    return new SharedByteView(link, bytes, localBytes, byteDenials, timeoutNanos);
  }

  /** Where the later byte charges of transfers admitted through Redis go. */
  SharedBytes sharedBytes() {
    return bytes;
  }

  /** A counter's bytes {in, out} in its minute read from Redis (management; bounded), or null when it did not answer. */
  long[] sharedBytesUsed(String counter) {
    return bytes.used(counter, timeoutNanos);
  }

  @Override
  public boolean decidesBytes() {
    return true;
  }

  @Override
  public Charge tryAcquire(Budget[] budgets, int count, ByteClaim[] claims, int claimCount,
      GatewaySettings policySettings, long nowNanos) {
    boolean countDenied = policySettings.countDenied();
    if (!countDenied && !shortcuts.isEmpty()) {
      for (int i = 0; i < count; i++) {
        Decision known = shortcuts.denial(budgets[i], nowNanos);
        if (known != null) {
          return new Charge(budgets, count, i, known, OPEN_STAMP);
        }
      }
    }
    if (!countDenied && claimCount > 0 && !byteDenials.isEmpty()) {
      for (int j = 0; j < claimCount; j++) {
        ByteDenials.Hit known = byteDenials.denial(claims[j], nowNanos);
        if (known != null) {
          ByteDecision[] decisions = new ByteDecision[claimCount];
          decisions[j] = known.refusal();
          return new Charge(budgets, count, count + j, known.own(), OPEN_STAMP, null, decisions, null);
        }
      }
    }
    if (!circuit.shared()) {
      return failureMode.decide(budgets, count, claims, claimCount, countDenied, nowNanos);
    }
    if (link.cluster() && count > 1) {
      return acquireByOwner(budgets, count, claims, claimCount, countDenied, nowNanos);
    }
    Charge charge = call(budgets, 0, count, claims, claimCount, countDenied, nowNanos,
        System.nanoTime() + timeoutNanos);
    return charge != null ? charge : failureMode.decide(budgets, count, claims, claimCount, countDenied, nowNanos);
  }

  /**
   * Redis Cluster: each run of budgets with one owner (one hash slot) in its own call, one after
   * the other (a later owner is not charged when an earlier one denies), all within one
   * {@code redis.timeout} from the first call's start: a request of three owners waits no longer
   * than one of one. The byte claims (the caller's own counter, so the first owner's) go with the
   * first call. An earlier owner's charge is refunded with its own node's stamp when a later one
   * denies or fails (nodes' clocks may differ).
   */
  private Charge acquireByOwner(Budget[] budgets, int count, ByteClaim[] claims, int claimCount, boolean countDenied,
      long nowNanos) {
    long deadlineNanos = System.nanoTime() + timeoutNanos;
    long firstStamp = Long.MAX_VALUE;
    long[] partStamps = new long[count];
    Charge first = null;
    int from = 0;
    while (from < count) {
      int to = from + 1;
      while (to < count && budgets[to].owner().equals(budgets[from].owner())) {
        to++;
      }
      int partClaims = from == 0 ? claimCount : 0;
      Charge part = call(budgets, from, to, claims, partClaims, countDenied, nowNanos, deadlineNanos);
      if (part == null || !part.admitted()) {
        // none charged when another denies: take back the earlier owners' charges, each on its node
        // (refundRange adds the byte claims to the first owner's)
        for (int start = 0; start < from; ) {
          int end = start + 1;
          while (end < from && budgets[end].owner().equals(budgets[start].owner())) {
            end++;
          }
          refundRange(budgets, start, end, partStamps[start], claims, claimCount);
          start = end;
        }
        if (part == null) {
          return failureMode.decide(budgets, count, claims, claimCount, countDenied, nowNanos);
        }
        if (part.deniedByBytes()) { // only the first call decides bytes: its claims after all the budgets
          return reindexedByteDenial(part, claimCount, budgets, count);
        }
        return new Charge(budgets, count, from + part.deniedIndex(), part.decision(), part.storeStamp());
      }
      partStamps[from] = part.storeStamp();
      // the earliest of the owners' times: a later refund removing an entry at or before it never frees too much
      firstStamp = Math.min(firstStamp, part.storeStamp());
      first = first == null ? part : first;
      from = to;
    }
    return withBytesOf(first, claimCount, budgets, count, firstStamp);
  }

  /** The first owner's call's byte denial as a denial of all {@code count} budgets (claim j at {@code count + j}). */
  private static Charge reindexedByteDenial(Charge part, int claimCount, Budget[] budgets, int count) {
    ByteDecision[] decisions = new ByteDecision[claimCount];
    for (int j = 0; j < claimCount; j++) {
      decisions[j] = part.byteDecision(j);
    }
    return new Charge(budgets, count, count + part.deniedIndex() - part.count(), part.decision(), part.storeStamp(),
        null, decisions, null);
  }

  /** The admitted Charge of all budgets, with the claims' decisions of the first owner's call. */
  private static Charge withBytesOf(Charge part, int claimCount, Budget[] budgets, int count, long stamp) {
    ByteDecision[] decisions = null;
    if (claimCount > 0) {
      decisions = new ByteDecision[claimCount];
      for (int j = 0; j < decisions.length; j++) {
        decisions[j] = part.byteDecision(j);
      }
    }
    return new Charge(budgets, count, -1, part.decision(), stamp, null, decisions, part.byteLedger(),
        part.ledgerNanos());
  }

  /**
   * One {@code FCALL s3gate_acquire} (no claims) or {@code s3gate_admit} (with the first
   * {@code claimCount} byte claims) over budgets {@code [from, to)}; the Charge's indexes are
   * relative to {@code from} (a claim's after the {@code to - from} budgets). Null when Redis
   * failed, or did not answer by {@code deadlineNanos} ({@link System#nanoTime} scale).
   */
  private Charge call(Budget[] budgets, int from, int to, ByteClaim[] claims, int claimCount, boolean countDenied,
      long nowNanos, long deadlineNanos) {
    int n = to - from;
    String[] keys = new String[3 * n + claimCount];
    int limitsAt = claimCount == 0 ? 2 : 3;
    String[] args = new String[limitsAt + 2 * n + 2 * claimCount];
    args[0] = NO_TIME;
    args[1] = countDenied ? "1" : "0";
    if (claimCount > 0) {
      args[2] = Integer.toString(n);
    }
    for (int i = 0; i < n; i++) {
      Budget b = budgets[from + i];
      RedisKeys.put(b, keys, 3 * i);
      args[limitsAt + 2 * i] = Integer.toString(b.limitPerSecond());
      args[limitsAt + 1 + 2 * i] = Integer.toString(b.limitPerMinute());
    }
    for (int j = 0; j < claimCount; j++) {
      ByteClaim claim = claims[j];
      keys[3 * n + j] = RedisKeys.bytes(claim.counter(), claim.direction());
      args[limitsAt + 2 * n + 2 * j] = Long.toString(claim.limitBytes());
      args[limitsAt + 2 * n + 2 * j + 1] = Long.toString(claim.bytes());
    }
    List<Object> reply = circuit.await(link.fcall(claimCount == 0 ? "s3gate_acquire" : "s3gate_admit", keys, args),
        deadlineNanos);
    if (reply == null) {
      return null;
    }
    long answeredNanos = System.nanoTime(); // after Redis ran the call: bounds the later charges' time from below
    try {
      boolean admitted = number(reply.get(0)) == 1;
      int index = (int) number(reply.get(1)) - 1;
      int perSecond = (int) number(reply.get(3));
      int perMinute = (int) number(reply.get(4));
      long stamp = number(reply.get(6));
      ByteDecision[] byteDecisions = null;
      if (claimCount > 0) {
        byteDecisions = new ByteDecision[claimCount];
        long retryNanos = number(reply.get(5)) * 1_000L;
        for (int j = 0; j < claimCount; j++) {
          boolean refused = !admitted && index == n + j;
          byteDecisions[j] = new ByteDecision(!refused, number(reply.get(7 + j)), claims[j].limitBytes(),
              refused ? retryNanos : 0);
        }
      }
      if (admitted) {
        return new Charge(budgets, n, -1, Decision.admitted(perSecond, perMinute), stamp, null, byteDecisions,
            claimCount == 0 ? null : bytes, answeredNanos);
      }
      if (index >= n) { // a byte budget denied: nothing charged
        Decision own = Decision.admitted(perSecond, perMinute);
        if (!countDenied) {
          byteDenials.remember(claims[index - n], byteDecisions[index - n], own, nowNanos);
        }
        return new Charge(budgets, n, index, own, stamp, null, byteDecisions, null);
      }
      LimitWindow window = "s".equals(String.valueOf(reply.get(2))) ? LimitWindow.SECOND : LimitWindow.MINUTE;
      Decision denied = Decision.denied(window, perSecond, perMinute, number(reply.get(5)) * 1_000L);
      if (!countDenied) {
        shortcuts.remember(budgets[from + index], denied, nowNanos);
      }
      return new Charge(budgets, n, index, denied, stamp);
    } catch (RuntimeException e) { // an answer of another shape: a foreign function of the same name
      circuit.failed(e);
      return null;
    }
  }

  private static long number(Object value) {
    return ((Number) value).longValue();
  }

  @Override
  public void refund(Charge charge, long chargedNanos) {
    long stamp = charge.storeStamp();
    if (stamp == OPEN_STAMP) {
      return;
    }
    if (stamp == FALLBACK_STAMP) {
      local.refund(charge, chargedNanos);
      return;
    }
    Budget[] budgets = new Budget[charge.count()];
    for (int i = 0; i < budgets.length; i++) {
      budgets[i] = charge.budget(i);
    }
    int from = 0;
    while (from < budgets.length) {
      int to = link.cluster() ? from + 1 : budgets.length;
      while (to < budgets.length && budgets[to].owner().equals(budgets[from].owner())) {
        to++;
      }
      refundRange(budgets, from, to, stamp, NO_CLAIMS, 0);
      from = to;
    }
  }

  /**
   * {@code FCALL s3gate_refund} for budgets {@code [from, to)} (one owner on a cluster) and, with
   * {@code from == 0}, what the first {@code claimCount} claims charged, not waited for: a refund
   * only gives budget back, so a lost one under-admits by one request (or those bytes) for at most
   * a minute, and no request should wait for it.
   */
  private void refundRange(Budget[] budgets, int from, int to, long stamp, ByteClaim[] claims, int claimCount) {
    int n = to - from;
    int m = from == 0 ? claimCount : 0;
    String[] keys = new String[3 * n + m];
    for (int i = from; i < to; i++) {
      RedisKeys.put(budgets[i], keys, 3 * (i - from));
    }
    String[] args = new String[m == 0 ? 1 : 2 + m];
    args[0] = Long.toString(stamp);
    if (m > 0) {
      args[1] = Integer.toString(n);
      for (int j = 0; j < m; j++) {
        keys[3 * n + j] = RedisKeys.bytes(claims[j].counter(), claims[j].direction());
        args[2 + j] = Long.toString(claims[j].bytes());
      }
    }
    CompletableFuture<List<Object>> sent = link.fcall("s3gate_refund", keys, args);
    if (sent != null) {
      sent.exceptionally(e -> {
        circuit.unawaitedFailed("refund", e);
        return null;
      });
    }
  }

  @Override
  public Decision peek(String counter, long nowNanos) {
    if (circuit.shared()) {
      List<Object> reply = circuit.await(link.fcallReadOnly("s3gate_peek", RedisKeys.of(counter), NO_TIME),
          System.nanoTime() + timeoutNanos);
      if (reply != null) {
        return Decision.admitted((int) number(reply.get(0)), (int) number(reply.get(1)));
      }
    }
    return local.peek(counter, nowNanos);
  }

  @Override
  public String mode() {
    return circuit.mode();
  }

  @Override
  public long failures() {
    return circuit.failures();
  }

  @Override
  public long outages() {
    return circuit.outages();
  }

  @Override
  public long[] latencyCounts() {
    return circuit.latencyCounts();
  }

  /** Stops the probe thread and closes the connection, waiting for Lettuce's threads to end. */
  @Override
  public void close() {
    circuit.close();
    link.close();
  }
}
