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
import org.s3gate.admit.Charge;
import org.s3gate.admit.CounterStore;
import org.s3gate.admit.LatencyHistogram;
import org.s3gate.admit.LocalCounterStore;
import org.s3gate.admit.StoreStatus;
import org.s3gate.common.DaemonThreads;
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
 *       unlisted key's request costs two calls there.
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
 *   <li>A call that times out may still have been executed by Redis: it then holds a charge for a
 *       request decided locally. That only ever counts one request too many (never admits too
 *       many).
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
  /** How often (in probes) a Sentinel link asks Sentinel who is master: every 500 ms. */
  private static final long SENTINEL_EVERY_PROBES = 5;
  /** Charges made by the local fallback, refunded there. */
  private static final long FALLBACK_STAMP = Long.MIN_VALUE;
  /** Admissions of {@code redis.failure=open}: nothing was charged. */
  private static final long OPEN_STAMP = Long.MIN_VALUE + 1;
  private static final long CLOSED_RETRY_NANOS = 1_000_000_000L;
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

  private final RedisLink link;
  private final LocalCounterStore local;
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
   * @param latencyRecorder receives every call's round trip in nanoseconds (the metrics' histogram)
   */
  public RedisCounterStore(ClusterSettings settings, LocalCounterStore local, LongConsumer latencyRecorder) {
    this(new RedisLink(settings.redisUri(), settings.redisTimeout()), settings, local, latencyRecorder);
  }

  RedisCounterStore(RedisLink link, ClusterSettings settings, LocalCounterStore local, LongConsumer latencyRecorder) {
    this.link = link;
    this.settings = settings;
    this.local = local;
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
    boolean countDenied = policySettings.countDenied();
    if (!countDenied && !shortcuts.isEmpty()) {
      for (int i = 0; i < count; i++) {
        Decision known = shortcuts.denial(budgets[i], nowNanos);
        if (known != null) {
          return new Charge(budgets, count, i, known, OPEN_STAMP);
        }
      }
    }
    if (!shared.get()) {
      return fallback(budgets, count, countDenied, nowNanos);
    }
    if (link.cluster() && count > 1) {
      return acquireByOwner(budgets, count, countDenied, nowNanos);
    }
    Charge charge = call(budgets, 0, count, countDenied, nowNanos);
    return charge != null ? charge : fallback(budgets, count, countDenied, nowNanos);
  }

  /** Redis Cluster: each run of budgets with one owner (one hash slot) in its own call. */
  private Charge acquireByOwner(Budget[] budgets, int count, boolean countDenied, long nowNanos) {
    long firstStamp = Long.MAX_VALUE;
    Decision first = null;
    int from = 0;
    while (from < count) {
      int to = from + 1;
      while (to < count && budgets[to].owner().equals(budgets[from].owner())) {
        to++;
      }
      Charge part = call(budgets, from, to, countDenied, nowNanos);
      if (part == null || !part.admitted()) {
        if (from > 0) { // none charged when another denies: take back the earlier owners' charges
          refundRange(budgets, 0, from, firstStamp);
        }
        if (part == null) {
          return fallback(budgets, count, countDenied, nowNanos);
        }
        return new Charge(budgets, count, from + part.deniedIndex(), part.decision(), part.storeStamp());
      }
      // the earliest of the owners' times: a refund removing an entry at or before it never frees too much
      firstStamp = Math.min(firstStamp, part.storeStamp());
      first = first == null ? part.decision() : first;
      from = to;
    }
    return new Charge(budgets, count, -1, first, firstStamp);
  }

  /**
   * One {@code FCALL s3gate_acquire} over budgets {@code [from, to)}; the Charge's indexes are
   * relative to {@code from}. Null when Redis failed (the circuit is then open).
   */
  private Charge call(Budget[] budgets, int from, int to, boolean countDenied, long nowNanos) {
    int n = to - from;
    String[] keys = new String[3 * n];
    String[] args = new String[2 + 2 * n];
    args[0] = NO_TIME;
    args[1] = countDenied ? "1" : "0";
    for (int i = 0; i < n; i++) {
      Budget b = budgets[from + i];
      RedisKeys.put(b, keys, 3 * i);
      args[2 + 2 * i] = Integer.toString(b.limitPerSecond());
      args[3 + 2 * i] = Integer.toString(b.limitPerMinute());
    }
    List<Object> reply = await(link.fcall("s3gate_acquire", keys, args));
    if (reply == null) {
      return null;
    }
    try {
      boolean admitted = number(reply.get(0)) == 1;
      int index = (int) number(reply.get(1)) - 1;
      int perSecond = (int) number(reply.get(3));
      int perMinute = (int) number(reply.get(4));
      long stamp = number(reply.get(6));
      if (admitted) {
        return new Charge(budgets, n, -1, Decision.admitted(perSecond, perMinute), stamp);
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

  /** Waits at most {@code redis.timeout} for {@code future}; null (and the circuit opened) on any failure. */
  private <T> T await(CompletableFuture<T> future) {
    if (future == null) {
      onFailure(new IllegalStateException("not connected"));
      return null;
    }
    long start = System.nanoTime();
    try {
      T value = future.get(timeoutNanos, TimeUnit.NANOSECONDS);
      long end = System.nanoTime();
      long took = end - start;
      lastAnswerNanos = end;
      if (failuresInARow != 0) {
        failuresInARow = 0;
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
      onFailure(e);
      return null;
    }
  }

  private Charge fallback(Budget[] budgets, int count, boolean countDenied, long nowNanos) {
    return switch (settings.redisFailure()) {
      case LOCAL -> {
        Charge c = local.tryAcquire(budgets, count, countDenied, settings.clusterInstances(), nowNanos);
        yield new Charge(budgets, count, c.deniedIndex(), c.decision(), FALLBACK_STAMP);
      }
      case OPEN -> new Charge(budgets, count, -1, Decision.admitted(0, 0), OPEN_STAMP);
      case CLOSED -> new Charge(budgets, count, 0, Decision.denied(LimitWindow.SECOND, 0, 0, CLOSED_RETRY_NANOS),
          OPEN_STAMP);
    };
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
      refundRange(budgets, from, to, stamp);
      from = to;
    }
  }

  /**
   * {@code FCALL s3gate_refund} for budgets {@code [from, to)} (one owner on a cluster), not waited
   * for: a refund only gives budget back, so a lost one under-admits by one request for at most a
   * minute, and no request should wait for it.
   */
  private void refundRange(Budget[] budgets, int from, int to, long stamp) {
    String[] keys = new String[3 * (to - from)];
    for (int i = from; i < to; i++) {
      RedisKeys.put(budgets[i], keys, 3 * (i - from));
    }
    CompletableFuture<List<Object>> sent = link.fcall("s3gate_refund", keys, Long.toString(stamp));
    if (sent != null) {
      sent.exceptionally(e -> {
        failures.increment();
        LOG.log(Level.DEBUG, "refund to Redis failed: {0}", problems.describe(e));
        return null;
      });
    }
  }

  @Override
  public Decision peek(String counter, long nowNanos) {
    if (shared.get()) {
      List<Object> reply = await(link.fcallReadOnly("s3gate_peek", RedisKeys.of(counter), NO_TIME));
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
      }
      if (shared.get()) {
        if (!link.connected()) { // lost without a request noticing (idle, or every request shortcut)
          failuresInARow = OPEN_AFTER_FAILURES;
          onFailure(new IllegalStateException("connection closed"));
        } else if (probes % SENTINEL_EVERY_PROBES == 0) {
          followSentinel();
        }
        return;
      }
      link.connectAndLoad();
      shortcuts.clear(); // decided by others meanwhile: start from what Redis says
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
