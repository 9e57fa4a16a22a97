package org.s3gate.cluster;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

import org.s3gate.admit.Budget;
import org.s3gate.admit.ByteClaim;
import org.s3gate.admit.Charge;
import org.s3gate.admit.CounterStore;
import org.s3gate.admit.LatencyHistogram;
import org.s3gate.admit.LocalCounterStore;
import org.s3gate.admit.StoreStatus;
import org.s3gate.admit.SharedBytes;
import org.s3gate.common.DaemonThreads;
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
 *   <li><b>None for a flood being denied.</b> A counter Redis denied is denied here until its retry
 *       time has passed, without a call ({@link DenyShortcuts}, which says why this cannot deny what
 *       Redis would admit).
 *   <li><b>Bounded wait.</b> A call waits at most {@code redis.timeout}; Lettuce rejects commands at
 *       once while disconnected. A failed call (timeout, rejection, error) is decided by
 *       {@code redis.failure}; the circuit opens on the third failure in a row, or on any failure
 *       when Redis has not answered for {@link #OPEN_AFTER_SILENCE_NANOS} (so a single slow answer
 *       on a busy host does not flip the mode, and a lost Redis opens it within half a second even
 *       at one request a second). While open, until a probe succeeds, every decision is taken by
 *       {@code redis.failure} without touching Redis ({@code local}: this instance's table with each limit divided by
 *       {@code cluster.instances}; {@code open}: admitted; {@code closed}: denied as over the
 *       per-second limit, retry in 1 s). One ERROR line per outage, one INFO line when it ends;
 *       outages starting within a minute of the last one reported are only counted (and summed up
 *       in the next ERROR line), so a flapping Redis does not flood the log.
 *   <li><b>Probing.</b> A probe thread ({@code s3gate-redis-probe-1}) checks every 100 ms that the
 *       connection is up (opening the circuit when it is not, even with no request in sight), and
 *       while the circuit is open tries to return: connect, FUNCTION LOAD REPLACE (a restarted Redis without persistence has
 *       lost the functions) and PING, each bounded; on success shared mode returns. With Lettuce
 *       reconnecting every 100 ms, shared mode returns within about 200 ms of Redis answering.
 *       With Sentinel, every 5th probe while shared asks Sentinel who is master and hands the link
 *       over when that changed ({@link RedisLink#followSentinel}), without a failure-mode window.
 *   <li><b>Functions lost.</b> A node answering "Function not found" (a primary restarted without
 *       persistence while the circuit stayed closed) has that request decided by
 *       {@code redis.failure} and the functions reloaded by the probe on its next tick, without
 *       counting towards the circuit; only a reload that fails, or a second such answer before
 *       any call succeeds after the reload, is an outage. On a cluster the probe also reloads when
 *       the set of primaries changes ({@link RedisLink#topologyChanged}).
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
 * <p>Thread-safe: the link is; mode flags are atomic; counters are {@link LongAdder}s.
 */
public final class RedisCounterStore implements CounterStore, StoreStatus, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RedisCounterStore.class.getName());
  private static final long PROBE_MILLIS = 100;
  private static final long SWEEP_EVERY_PROBES = 10;
  private static final long FALLBACK_STAMP = FailureMode.FALLBACK_STAMP;
  private static final long OPEN_STAMP = FailureMode.OPEN_STAMP;
  /** How often (in probes) a Sentinel link asks Sentinel who is master: every 500 ms. */
  private static final long SENTINEL_EVERY_PROBES = 5;
  /** Failures in a row that open the circuit. */
  private static final int OPEN_AFTER_FAILURES = 3;
  /** A failure this long after Redis last answered opens the circuit at once. */
  static final long OPEN_AFTER_SILENCE_NANOS = 500_000_000L;
  /**
   * An outage that begins within this long of the last one logged at ERROR is logged at DEBUG (and
   * counted; the next ERROR says how many): a Redis that flaps, or answers just above
   * {@code redis.timeout} on a saturated host, must not flood the log.
   */
  private static final long ERROR_LOG_INTERVAL_NANOS = 60_000_000_000L;
  private static final String NO_TIME = "";
  private static final ByteClaim[] NO_CLAIMS = new ByteClaim[0];

  private final RedisLink link;
  private final LocalCounterStore local;
  /** The byte budgets of the local fallback: the admission's own (the same instance). */
  private final ByteBudgets localBytes;
  private final RedisBytes bytes;
  private final ByteDenials byteDenials = new ByteDenials();
  private final FailureMode failureMode;
  private final ClusterSettings settings;
  private final long timeoutNanos;
  private final LongConsumer latencyRecorder;
  private final LatencyHistogram latency = new LatencyHistogram();
  private final DenyShortcuts shortcuts = new DenyShortcuts();
  private final RedisProblems problems;
  private final AtomicBoolean shared = new AtomicBoolean(false);
  private final LongAdder failures = new LongAdder();
  private final LongAdder outages = new LongAdder();
  private final ScheduledExecutorService probe;
  private volatile long outageStartNanos;
  /** Failures since the last answer; written by request threads (racy counts are fine: a hint). */
  private volatile int failuresInARow;
  private volatile long lastAnswerNanos = System.nanoTime();
  /** A call found the functions missing: the probe reloads them on its next tick. */
  private volatile boolean reloadWanted;
  /**
   * The probe reloaded the functions and no call has succeeded since: a second "Function not
   * found" then is a failure like any other (so a reload that does not help ends in an outage,
   * reported, instead of reloading every tick for ever).
   */
  private volatile boolean reloadedSinceAnswer;
  /** When the last outage was logged at ERROR; guarded by the {@code shared} flip (one thread at a time). */
  private long lastErrorLogNanos;
  private boolean errorLogged;
  private long outagesNotLogged;
  /** Whether the outage in progress was logged at ERROR (so its end is logged at INFO). */
  private volatile boolean outageLogged = true;
  private long probes;
  /** Whether a failed Sentinel hand-over was logged at WARNING (probe thread only). */
  private boolean handOverWarned;

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
    this.settings = settings;
    this.local = local;
    this.localBytes = localBytes;
    this.bytes = new RedisBytes(link, failures, byteDenials);
    this.failureMode = new FailureMode(settings, local, localBytes);
    this.timeoutNanos = settings.redisTimeout().toNanos();
    this.latencyRecorder = latencyRecorder;
    this.problems = new RedisProblems(settings.redisUri());
    outageStartNanos = System.nanoTime();
    try {
      link.connectAndLoad();
      shared.set(true);
      LOG.log(Level.INFO, "s3gate counters shared through Redis at {0} (redis.timeout {1} ms, redis.failure={2})",
          settings.redisUriForDisplay(), settings.redisTimeout().toMillis(), settings.redisFailure().label());
    } catch (RuntimeException e) {
      outages.increment();
      LOG.log(Level.ERROR, "s3gate cannot reach Redis at {0} ({1}); redis.failure={2} decides until it answers"
          + " (probing every {3} ms)", settings.redisUriForDisplay(), problems.describe(e), settings.redisFailure().label(),
          PROBE_MILLIS);
    }
    probe = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("s3gate-redis-probe"));
    probe.scheduleWithFixedDelay(this::probeOnce, PROBE_MILLIS, PROBE_MILLIS, TimeUnit.MILLISECONDS);
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
    if (!shared.get()) {
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
    List<Object> reply = await(link.fcall(claimCount == 0 ? "s3gate_acquire" : "s3gate_admit", keys, args),
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
      onFailure(e);
      return null;
    }
  }

  private static long number(Object value) {
    return ((Number) value).longValue();
  }

  /**
   * Waits for {@code future} until {@code deadlineNanos} at most (a call's start plus
   * {@code redis.timeout}); null on any failure (counted towards opening the circuit).
   */
  private <T> T await(CompletableFuture<T> future, long deadlineNanos) {
    if (future == null) {
      onFailure(new IllegalStateException("not connected"));
      return null;
    }
    long start = System.nanoTime();
    try {
      T value = future.get(Math.max(0, deadlineNanos - start), TimeUnit.NANOSECONDS);
      long end = System.nanoTime();
      long took = end - start;
      lastAnswerNanos = end;
      if (failuresInARow != 0) {
        failuresInARow = 0;
      }
      if (reloadedSinceAnswer) {
        reloadedSinceAnswer = false;
      }
      latency.record(took);
      latencyRecorder.accept(took);
      return value;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      onFailure(e);
      return null;
    } catch (Exception e) {
      future.cancel(false);
      if (functionMissing(e) && !reloadedSinceAnswer) {
        failures.increment(); // decided by redis.failure, but no step towards an outage: the probe reloads
        reloadWanted = true;
        LOG.log(Level.DEBUG, "Redis lacks the s3gate functions ({0}); reloading them", problems.describe(e));
      } else if (replyIs(e, "TRYAGAIN")) {
        // Redis Cluster moving this key's slot: a call of several keys (every counter has three)
        // whose keys are not all on one side yet is refused until they are. Redis answers, so this
        // is no step towards an outage; only this request is decided by redis.failure.
        failures.increment();
        LOG.log(Level.DEBUG, "Redis Cluster is migrating the slot ({0}); decided by redis.failure", problems.describe(e));
      } else {
        onFailure(e);
      }
      return null;
    }
  }

  /**
   * Whether Redis answered that the function does not exist: a primary that restarted without
   * persistence (or joined the cluster) while this instance's circuit stayed closed has lost, or
   * never had, the library. Redis 7: {@code ERR Function not found}.
   */
  static boolean functionMissing(Throwable e) {
    return replyIs(e, "ERR Function not found");
  }

  /** Whether {@code e} is, or was caused by, an error reply of Redis starting with {@code prefix}. */
  static boolean replyIs(Throwable e, String prefix) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof io.lettuce.core.RedisCommandExecutionException && t.getMessage() != null
          && t.getMessage().startsWith(prefix)) {
        return true;
      }
    }
    return false;
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
        failures.increment();
        if (functionMissing(e)) {
          reloadWanted = true;
        }
        LOG.log(Level.DEBUG, "refund to Redis failed: {0}", problems.describe(e));
        return null;
      });
    }
  }

  @Override
  public Decision peek(String counter, long nowNanos) {
    if (shared.get()) {
      List<Object> reply = await(link.fcallReadOnly("s3gate_peek", RedisKeys.of(counter), NO_TIME),
          System.nanoTime() + timeoutNanos);
      if (reply != null) {
        return Decision.admitted((int) number(reply.get(0)), (int) number(reply.get(1)));
      }
    }
    return local.peek(counter, nowNanos);
  }

  private void onFailure(Throwable e) {
    failures.increment();
    int inARow = ++failuresInARow;
    if (inARow < OPEN_AFTER_FAILURES && System.nanoTime() - lastAnswerNanos < OPEN_AFTER_SILENCE_NANOS) {
      LOG.log(Level.DEBUG, "Redis call failed ({0}); decided by redis.failure", problems.describe(e));
      return;
    }
    if (shared.compareAndSet(true, false)) {
      outages.increment();
      long now = System.nanoTime();
      outageStartNanos = now;
      synchronized (this) {
        if (!errorLogged || now - lastErrorLogNanos >= ERROR_LOG_INTERVAL_NANOS) {
          LOG.log(Level.ERROR, "s3gate lost Redis at {0} ({1}); redis.failure={2} decides until it answers again"
              + " (probing every {3} ms){4}", settings.redisUriForDisplay(), problems.describe(e),
              settings.redisFailure().label(), PROBE_MILLIS,
              outagesNotLogged == 0 ? "" : "; " + outagesNotLogged + " shorter outages since the last report");
          errorLogged = true;
          lastErrorLogNanos = now;
          outagesNotLogged = 0;
          outageLogged = true;
        } else {
          outagesNotLogged++;
          outageLogged = false;
          LOG.log(Level.DEBUG, "s3gate lost Redis again ({0})", problems.describe(e));
        }
      }
    }
  }

  /**
   * Sentinel: moves to the master Sentinel names, before the former one stops taking writes (see
   * SentinelWatch). The deny shortcuts are dropped: the new master may lack the last writes, and
   * its answers rule from now on.
   */
  private void followSentinel() {
    try {
      String movedTo = link.followSentinel();
      if (movedTo != null) {
        shortcuts.clear();
        handOverWarned = false;
        LOG.log(Level.INFO, "s3gate follows Sentinel at {0} to the new master {1}: shared counters continue there",
            settings.redisUriForDisplay(), movedTo);
      }
    } catch (RuntimeException e) {
      LOG.log(handOverWarned ? Level.DEBUG : Level.WARNING, "Sentinel at {0} names a new master that does not"
          + " answer yet ({1}); still on the former one, trying every {2} ms", settings.redisUriForDisplay(),
          problems.describe(e), PROBE_MILLIS * SENTINEL_EVERY_PROBES);
      handOverWarned = true;
    }
  }

  /** One probe tick (probe thread only): reconnects when the circuit is open; sweeps the shortcuts. */
  private void probeOnce() {
    try {
      if (++probes % SWEEP_EVERY_PROBES == 0) {
        shortcuts.sweep(System.nanoTime());
        byteDenials.sweep(System.nanoTime());
      }
      if (shared.get()) {
        if (!link.connected()) { // lost without a request noticing (idle, or every request shortcut)
          failuresInARow = OPEN_AFTER_FAILURES;
          onFailure(new IllegalStateException("connection closed"));
        } else if (reloadWanted || link.topologyChanged()) {
          reload();
        } else if (probes % SENTINEL_EVERY_PROBES == 0) {
          followSentinel();
        }
        return;
      }
      link.connectAndLoad();
      shortcuts.clear(); // decided by others meanwhile: start from what Redis says
      byteDenials.clear();
      failuresInARow = 0;
      lastAnswerNanos = System.nanoTime();
      shared.set(true);
      LOG.log(outageLogged ? Level.INFO : Level.DEBUG, "s3gate reaches Redis at {0} again after {1} ms: shared"
          + " counters in force", settings.redisUriForDisplay(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStartNanos));
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, "Redis probe failed: {0}", problems.describe(e));
    }
  }

  /**
   * Loads the functions again while shared (probe thread only): a call found them missing, or the
   * cluster has a primary they were not loaded on (a new node, a promoted replica: its write
   * connection is also warmed, see {@link RedisLink#connectAndLoad}). A reload that fails opens the
   * circuit: that is an outage, and the probe's usual return path loads them when Redis answers.
   */
  private void reload() {
    boolean asked = reloadWanted;
    reloadWanted = false;
    try {
      link.connectAndLoad();
      if (asked) {
        reloadedSinceAnswer = true;
        LOG.log(Level.INFO, "s3gate reloaded its functions into Redis at {0}: a node had lost them",
            settings.redisUriForDisplay());
      }
    } catch (RuntimeException e) {
      failuresInARow = OPEN_AFTER_FAILURES;
      onFailure(e);
    }
  }

  @Override
  public String mode() {
    if (shared.get()) {
      return SHARED;
    }
    return switch (settings.redisFailure()) {
      case LOCAL -> FALLBACK_LOCAL;
      case OPEN -> FALLBACK_OPEN;
      case CLOSED -> FALLBACK_CLOSED;
    };
  }

  @Override
  public long failures() {
    return failures.sum();
  }

  @Override
  public long outages() {
    return outages.sum();
  }

  @Override
  public long[] latencyCounts() {
    return latency.counts();
  }

  /** Stops the probe thread and closes the connection, waiting for Lettuce's threads to end. */
  @Override
  public void close() {
    probe.shutdownNow();
    try {
      probe.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    link.close();
  }
}
