package org.s3gate.config;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.configuration2.reloading.ReloadingController;
import org.s3gate.common.DaemonThreads;

/**
 * The periodic check of the configuration files: every {@code reload.interval} it asks
 * commons-configuration2's {@link ReloadingController} (with {@link FileSetDetector}) whether a
 * file changed, which runs the reload listener when one did, and records how the check went for
 * {@link ReloadTriggerHealth}.
 *
 * <p>Why not {@code PeriodicReloadingTrigger}: its task is a private lambda around
 * {@code checkForReloading}, and a {@code ScheduledExecutorService} cancels a periodic task for good
 * the first time it throws. Issue 13 lost hot reload that way to one {@code OutOfMemoryError} while
 * health stayed UP. Here every {@link Throwable} of a check is caught, logged and recorded, and the
 * next tick runs as usual; the reload listener reports its own failures through {@link #failed}.
 * Catching an {@code Error} is deliberate: the failed reload dropped what it had allocated, and the
 * gateway serving S3 traffic with the previous configuration is better than a gateway that silently
 * stops reloading.
 *
 * <p>Thread-safe: checks run on one scheduler thread ({@code s3gate-config-reload-N}); the state
 * {@link #health} reads is in volatile fields and an atomic counter, each written by that thread.
 */
final class ReloadTrigger implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(ConfigReloader.class.getName());
  private static final DaemonThreads THREADS = DaemonThreads.named("s3gate-config-reload");
  /** Added to 3 x the interval before a check counts as stuck: room for a slow disk, a GC pause, an edit. */
  static final Duration STUCK_GRACE = Duration.ofSeconds(5);

  private final ReloadingController controller;
  private final Clock clock;
  private final Duration stuckAfter;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(THREADS);
  private final AtomicLong failures = new AtomicLong();
  private volatile Instant lastCheck;
  private volatile Instant checkingSince;
  private volatile boolean lastCheckFailed;
  private volatile Instant lastFailureAt;
  private volatile String lastFailure;

  private ReloadTrigger(ReloadingController controller, Clock clock, Duration interval, Duration grace) {
    this.controller = controller;
    this.clock = clock;
    this.stuckAfter = interval.multipliedBy(3).plus(grace);
    this.lastCheck = clock.instant();
  }

  /** Starts checking every {@code interval}, the first check one interval from now. */
  static ReloadTrigger start(ReloadingController controller, Clock clock, Duration interval, Duration grace) {
    ReloadTrigger trigger = new ReloadTrigger(controller, clock, interval, grace);
    long millis = interval.toMillis();
    trigger.executor.scheduleWithFixedDelay(trigger::check, millis, millis, TimeUnit.MILLISECONDS);
    return trigger;
  }

  /** One check; never throws. */
  void check() {
    checkingSince = clock.instant();
    lastCheckFailed = false;
    try {
      controller.checkForReloading(null);
    } catch (Throwable t) {
      failed(t);
    } finally {
      lastCheck = clock.instant();
      checkingSince = null;
    }
  }

  /** Records an unexpected failure of the running check (also called by the reload listener). */
  void failed(Throwable t) {
    lastCheckFailed = true;
    failures.incrementAndGet();
    lastFailureAt = clock.instant();
    lastFailure = String.valueOf(t);
    LOG.log(System.Logger.Level.ERROR, "configuration reload failed unexpectedly; the previous configuration stays"
        + " in force and the files are checked again on the next tick", t);
  }

  ReloadTriggerHealth health(Instant now) {
    Instant last = lastCheck;
    ReloadTriggerHealth.State state = Duration.between(last, now).compareTo(stuckAfter) > 0
        ? ReloadTriggerHealth.State.STUCK
        : lastCheckFailed ? ReloadTriggerHealth.State.FAILING : ReloadTriggerHealth.State.OK;
    return new ReloadTriggerHealth(state, last, checkingSince, stuckAfter, failures.get(), lastFailureAt, lastFailure);
  }

  /** Stops the scheduler and waits (up to 5 s, then interrupts it for 1 s) for a running check. */
  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
        if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
          LOG.log(System.Logger.Level.WARNING, "configuration reload thread did not stop");
        }
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
