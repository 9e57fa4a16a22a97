package org.s3gate.cluster;

import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

import org.s3gate.admit.LatencyHistogram;
import org.s3gate.admit.StoreStatus;
import org.s3gate.common.DaemonThreads;
import org.s3gate.policy.ClusterSettings;

/**
 * Whether the Redis store's shared counters are in force: the circuit breaker over its
 * {@link RedisLink}, the waits of the request path, and the probe thread that watches and restores
 * the link ({@link RedisCounterStore} says what each mode decides).
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>Bounded wait.</b> {@link #await} waits until the caller's deadline at most (a call's
 *       start plus {@code redis.timeout}); Lettuce rejects commands at once while disconnected. A
 *       failed call (timeout, rejection, error) is decided by {@code redis.failure}; the circuit
 *       opens on the third failure in a row, or on any failure when Redis has not answered for
 *       {@link #OPEN_AFTER_SILENCE_NANOS} (so a single slow answer on a busy host does not flip the
 *       mode, and a lost Redis opens it within half a second even at one request a second).
 *   <li><b>Logging.</b> One ERROR line per outage, one INFO line when it ends; outages starting
 *       within a minute of the last one reported are only counted (and summed up in the next ERROR
 *       line), so a flapping Redis does not flood the log. The lines are logged under
 *       {@link RedisCounterStore}'s name, the one operators know the store by.
 *   <li><b>Probing.</b> A probe thread ({@code s3gate-redis-probe-1}) checks every 100 ms that the
 *       connection is up (opening the circuit when it is not, even with no request in sight), and
 *       while the circuit is open tries to return: connect, FUNCTION LOAD REPLACE (a restarted Redis
 *       without persistence has lost the functions) and PING, each bounded; on success shared mode
 *       returns. With Lettuce reconnecting every 100 ms, shared mode returns within about 200 ms of
 *       Redis answering. With Sentinel, every 5th probe while shared asks Sentinel who is master
 *       and hands the link over when that changed ({@link RedisLink#followSentinel}), without a
 *       failure-mode window.
 *   <li><b>Functions lost.</b> A node answering "Function not found" (a primary restarted without
 *       persistence while the circuit stayed closed) has that request decided by
 *       {@code redis.failure} and the functions reloaded by the probe on its next tick, without
 *       counting towards the circuit; only a reload that fails, or a second such answer before any
 *       call succeeds after the reload, is an outage. On a cluster the probe also reloads when the
 *       set of primaries changes ({@link RedisLink#topologyChanged}). {@code TRYAGAIN} (a slot
 *       being migrated) is decided the same way: Redis answered, so it is no step towards an outage.
 *   <li>Whenever the counters may have been decided by others meanwhile (shared mode returns,
 *       Sentinel names a new master), the store's remembered denials are forgotten
 *       ({@code forgetDenials}): Redis's answers rule from then on.
 * </ul>
 *
 * <p>Thread-safe: the mode flag is atomic, counts are {@link LongAdder}s, hints written by request
 * threads are volatile (racy counts are fine), the outage log state is guarded by the instance's
 * monitor, the probe's own state is confined to the probe thread.
 */
final class RedisCircuit implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RedisCounterStore.class.getName());
  static final long PROBE_MILLIS = 100;
  private static final long SWEEP_EVERY_PROBES = 10;
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

  private final RedisLink link;
  private final ClusterSettings settings;
  private final RedisProblems problems;
  private final LongConsumer latencyRecorder;
  private final Runnable forgetDenials;
  private final LongConsumer sweepDenials;
  private final LatencyHistogram latency = new LatencyHistogram();
  private final AtomicBoolean shared = new AtomicBoolean(false);
  private final LongAdder failures = new LongAdder();
  private final LongAdder outages = new LongAdder();
  private ScheduledExecutorService probe;
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
  /** When the last outage was logged at ERROR; guarded by this. */
  private long lastErrorLogNanos;
  private boolean errorLogged;
  private long outagesNotLogged;
  /** Whether the outage in progress was logged at ERROR (so its end is logged at INFO). */
  private volatile boolean outageLogged = true;
  /** Probe thread only. */
  private long probes;
  /** Whether a failed Sentinel hand-over was logged at WARNING (probe thread only). */
  private boolean handOverWarned;

  /**
   * @param latencyRecorder receives every awaited call's round trip in nanoseconds (the metrics' histogram)
   * @param forgetDenials drops the store's remembered denials (called on the probe thread)
   * @param sweepDenials drops the remembered denials expired at the given {@code System.nanoTime()}
   */
  RedisCircuit(RedisLink link, ClusterSettings settings, LongConsumer latencyRecorder, Runnable forgetDenials,
      LongConsumer sweepDenials) {
    this.link = link;
    this.settings = settings;
    this.problems = new RedisProblems(settings.redisUri());
    this.latencyRecorder = latencyRecorder;
    this.forgetDenials = forgetDenials;
    this.sweepDenials = sweepDenials;
  }

  /**
   * Connects (bounded; a Redis that is down at startup only starts the gateway in its failure
   * mode) and starts the probe thread. Called once.
   */
  void start() {
    outageStartNanos = System.nanoTime();
    try {
      link.connectAndLoad();
      shared.set(true);
      LOG.log(Level.INFO, "s3gate counters shared through Redis at {0} (redis.timeout {1} ms, redis.failure={2})",
          settings.redisUriForDisplay(), settings.redisTimeout().toMillis(), settings.redisFailure().label());
    } catch (RuntimeException e) {
      outages.increment();
      LOG.log(Level.ERROR, "s3gate cannot reach Redis at {0} ({1}); redis.failure={2} decides until it answers"
          + " (probing every {3} ms)", settings.redisUriForDisplay(), problems.describe(e),
          settings.redisFailure().label(), PROBE_MILLIS);
    }
    probe = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("s3gate-redis-probe"));
    probe.scheduleWithFixedDelay(this::probeOnce, PROBE_MILLIS, PROBE_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Whether the shared counters are in force (else {@code redis.failure} decides). */
  boolean shared() {
    return shared.get();
  }

  /** Calls that failed (each decided by {@code redis.failure}, or a later charge lost); shared with {@link RedisBytes}. */
  LongAdder failureCounter() {
    return failures;
  }

  /**
   * Waits for {@code future} until {@code deadlineNanos} at most ({@link System#nanoTime} scale);
   * null on any failure, which counts towards opening the circuit unless Redis answered it
   * (functions missing, a slot being migrated).
   */
  <T> T await(CompletableFuture<T> future, long deadlineNanos) {
    if (future == null) {
      failed(new IllegalStateException("not connected"));
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
      failed(e);
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
        LOG.log(Level.DEBUG, "Redis Cluster is migrating the slot ({0}); decided by redis.failure",
            problems.describe(e));
      } else {
        failed(e);
      }
      return null;
    }
  }

  /** A call not waited for (a refund) failed: counted, and the functions reloaded if they were missing. */
  void unawaitedFailed(String what, Throwable e) {
    failures.increment();
    if (functionMissing(e)) {
      reloadWanted = true;
    }
    LOG.log(Level.DEBUG, "{0} to Redis failed: {1}", what, problems.describe(e));
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

  /** A call failed in a way that counts towards opening the circuit (any thread). */
  void failed(Throwable e) {
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
   * SentinelWatch). The remembered denials are dropped: the new master may lack the last writes,
   * and its answers rule from now on.
   */
  private void followSentinel() {
    try {
      String movedTo = link.followSentinel();
      if (movedTo != null) {
        forgetDenials.run();
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

  /** One probe tick (probe thread only): reconnects when the circuit is open; sweeps the denials. */
  private void probeOnce() {
    try {
      if (++probes % SWEEP_EVERY_PROBES == 0) {
        sweepDenials.accept(System.nanoTime());
      }
      if (shared.get()) {
        if (!link.connected()) { // lost without a request noticing (idle, or every request shortcut)
          failuresInARow = OPEN_AFTER_FAILURES;
          failed(new IllegalStateException("connection closed"));
        } else if (reloadWanted || link.topologyChanged()) {
          reload();
        } else if (probes % SENTINEL_EVERY_PROBES == 0) {
          followSentinel();
        }
        return;
      }
      link.connectAndLoad();
      forgetDenials.run(); // decided by others meanwhile: start from what Redis says
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
      failed(e);
    }
  }

  /** {@link StoreStatus#mode()}: shared, or the failure mode in force. */
  String mode() {
    if (shared.get()) {
      return StoreStatus.SHARED;
    }
    return switch (settings.redisFailure()) {
      case LOCAL -> StoreStatus.FALLBACK_LOCAL;
      case OPEN -> StoreStatus.FALLBACK_OPEN;
      case CLOSED -> StoreStatus.FALLBACK_CLOSED;
    };
  }

  long failures() {
    return failures.sum();
  }

  long outages() {
    return outages.sum();
  }

  long[] latencyCounts() {
    return latency.counts();
  }

  /** Stops the probe thread, waiting up to 2 s for a tick in progress. */
  @Override
  public void close() {
    if (probe == null) {
      return;
    }
    probe.shutdownNow();
    try {
      probe.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
