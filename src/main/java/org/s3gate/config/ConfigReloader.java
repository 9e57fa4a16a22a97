package org.s3gate.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.commons.configuration2.reloading.ReloadingController;
import org.apache.commons.configuration2.reloading.ReloadingEvent;
import org.s3gate.config.ReloadOutcome.Result;
import org.s3gate.policy.MapFile;

/**
 * Loads the configuration directory, publishes it into a {@link PolicyStore}, and reloads it when
 * a file changes: the webapp starts one at startup and closes it at shutdown.
 *
 * <p>Design: one {@link ReloadTrigger} (every {@code reload.interval}, 1 s by default) drives one
 * commons-configuration2 {@link ReloadingController} whose detector ({@link FileSetDetector})
 * watches every file. One trigger for all files rather than a
 * {@code ReloadingFileBasedConfigurationBuilder} per file, because the unit of reload is the whole
 * directory: every change, whichever file, re-reads and re-validates all files and publishes one
 * snapshot or nothing, so two per-file triggers can never race to publish halves of an edit. And we
 * parse the bytes that passed the settle check ({@link ConfigLoader}) rather than letting a builder
 * open the file again. A reload takes the reload interval plus the settle time (150 ms) at most
 * after a write finishes.
 *
 * <p>{@link #reloadNow()} (JMX {@code reloadAll}) runs the same code synchronously in the caller's
 * thread. Restart-only settings ({@link org.s3gate.policy.StartupSettings}) keep their startup
 * values; {@code S3GATE_BACKEND} from the environment map overrides {@code backend.urls}.
 *
 * <p>The reload lock: the trigger's reloads, {@link #reloadNow()} and {@link #editMap} take one
 * lock, so they never interleave. The trigger waits for it; {@code reloadNow} and {@code editMap}
 * (JMX callers, {@code bin/s3gate-admin}) wait at most {@link Tuning#lockWait()} (5 s) and then
 * fail saying who holds it since when, so an operator's command never hangs behind a reload
 * (issue 13: a FIFO in {@code conf/} once blocked a reload's read, and every edit behind it, for
 * good; reads no longer block, see {@link FileRead}, and this is the second line of defence).
 *
 * <p>Thread-safe: reloads and edits are serialized by the reload lock; the snapshot is published
 * with one atomic set ({@link PolicyStore}); {@link #status()} returns an immutable object
 * published through a volatile field; the trigger's health is its own ({@link ReloadTrigger}).
 * {@link #close()} stops the trigger thread and waits for it, so a stopped webapp leaks no thread.
 */
public final class ConfigReloader implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(ConfigReloader.class.getName());
  /** Reads during startup before giving up on a file that keeps changing. */
  private static final int START_TRIES = 20;
  /** Reads for an explicit {@link #reloadNow()}; the trigger reads once and retries on its next tick. */
  private static final int RELOAD_NOW_TRIES = 3;

  private final ReentrantLock reloadLock = new ReentrantLock();
  private volatile String lockHolder;
  private volatile Instant lockedSince;
  private final ConfigLoader loader;
  private final MapEditor editor = new MapEditor(MapEditor.DEFAULT_BACKUPS_PER_FILE);
  private final PolicyStore store;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ReloadStatus status;
  private ReloadTrigger trigger;

  private ConfigReloader(ConfigLoader loader, PolicyStore store) {
    this.loader = loader;
    this.store = store;
    this.status = loader.status();
  }

  /**
   * Loads everything once and starts the periodic reload trigger.
   *
   * @param environment where {@code S3GATE_BACKEND} is looked up ({@code System.getenv()} in production)
   * @throws ConfigException if the directory is missing or the first load is invalid; the message
   *     lists every error as {@code file:line: reason}
   */
  public static ConfigReloader start(Path confDir, Map<String, String> environment) {
    return start(confDir, environment, Tuning.defaults());
  }

  static ConfigReloader start(Path confDir, Map<String, String> environment, Tuning tuning) {
    Path dir = confDir.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new ConfigException("configuration directory " + dir + " does not exist (set -D"
          + ConfigDirectory.SYSTEM_PROPERTY + " or " + ConfigDirectory.ENVIRONMENT_VARIABLE + ")", List.of());
    }
    ConfigLoader loader = new ConfigLoader(dir, environment, tuning);
    ReloadOutcome first;
    try {
      first = loader.load(START_TRIES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConfigException("interrupted while loading " + dir, List.of());
    }
    if (!first.published()) {
      throw new ConfigException("invalid configuration in " + dir + " (" + first.errors().size() + " errors)",
          first.errors());
    }
    ConfigReloader reloader = new ConfigReloader(loader, new PolicyStore(loader.snapshot()));
    reloader.startTrigger(loader.snapshot().settings().reloadInterval(), tuning);
    return reloader;
  }

  private void startTrigger(Duration interval, Tuning tuning) {
    ReloadingController controller = new ReloadingController(loader.detector());
    controller.addEventListener(ReloadingEvent.ANY, event -> {
      try {
        lock("the reload trigger");
        try {
          reloadLocked(1);
        } finally {
          unlock();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // close() is stopping us
      } catch (Throwable t) {
        // Never let anything escape: the trigger logs it, counts it, and runs its next check as usual.
        trigger.failed(t);
      } finally {
        controller.resetReloadingState();
      }
    });
    trigger = ReloadTrigger.start(controller, tuning.clock(), interval, tuning.stuckGrace());
  }

  public PolicyStore store() {
    return store;
  }

  /**
   * Reloads every file now, in this thread: all-or-nothing. Returns {@code UNCHANGED} when the files
   * are what is in force, {@code UNSETTLED} if a file kept changing over three reads, {@code BUSY}
   * (with the reason as its error) if another reload or edit held the lock for the whole lock wait.
   */
  public ReloadOutcome reloadNow() {
    long version = store.current().version();
    try {
      if (!tryLock("a reload requested over JMX")) {
        return new ReloadOutcome(Result.BUSY, version, List.of(), List.of(busy()), List.of());
      }
      try {
        return reloadLocked(RELOAD_NOW_TRIES);
      } finally {
        unlock();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ReloadOutcome(Result.UNSETTLED, version, List.of(), List.of("interrupted"), List.of());
    }
  }

  private ReloadOutcome reloadLocked(int tries) throws InterruptedException {
    ReloadOutcome outcome = loader.load(tries);
    if (outcome.published()) {
      store.publish(loader.snapshot());
    }
    status = loader.status();
    return outcome;
  }

  private void lock(String holder) throws InterruptedException {
    reloadLock.lockInterruptibly();
    held(holder);
  }

  private boolean tryLock(String holder) throws InterruptedException {
    if (!reloadLock.tryLock(loader.tuning().lockWait().toMillis(), TimeUnit.MILLISECONDS)) {
      return false;
    }
    held(holder);
    return true;
  }

  private void held(String holder) {
    if (reloadLock.getHoldCount() == 1) {
      lockHolder = holder;
      lockedSince = loader.tuning().clock().instant();
    }
  }

  private void unlock() {
    if (reloadLock.getHoldCount() == 1) {
      lockHolder = null;
      lockedSince = null;
    }
    reloadLock.unlock();
  }

  /** Why the reload lock was not had: who holds it since when (best effort: it may just have been released). */
  private String busy() {
    String holder = lockHolder;
    Instant since = lockedSince;
    return "the configuration is busy: " + (holder == null ? "another reload or edit" : holder)
        + (since == null ? "" : " has held the reload lock since " + since) + " (waited "
        + loader.tuning().lockWait().toMillis() + " ms); try again"
        + (trigger != null && trigger.health(loader.tuning().clock().instant()).state()
            == ReloadTriggerHealth.State.STUCK ? "; hot reload is STUCK (see /_s3gate/health)" : "");
  }

  /**
   * Changes one map file and publishes the result, through the same validation and publish as a
   * reload of the files (see {@link MapEditor}): the next request after this returns sees the new
   * policy. Serialized with reloads by the reload lock.
   *
   * <p>If any file on disk differs from what is in force (an operator's edit the trigger has not
   * picked up yet), it is reloaded first and the edit is made on top of it; if that on-disk change
   * does not validate or is still being written, the edit is refused, so neither change is lost
   * silently.
   *
   * @param who the JMX principal, or {@code local}; recorded in {@code audit.log}
   * @throws IllegalArgumentException the edit does not validate (the message lists every error as
   *     {@code file:line: reason}); nothing was written
   * @throws IllegalStateException the files on disk could not be reloaded first, or changed during
   *     the edit, or the edit does not verify, or a reload held the lock for longer than the lock
   *     wait; nothing was written
   * @throws java.io.UncheckedIOException the file or its backup could not be written; nothing changed
   */
  public EditResult editMap(MapFile map, MapEdit edit, String who) {
    boolean locked;
    try {
      locked = tryLock("the " + edit.operation().auditName() + " of " + map.fileName() + " by " + who);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("refused, nothing changed: interrupted while waiting for the reload lock");
    }
    if (!locked) {
      throw new IllegalStateException("refused, nothing changed: " + busy());
    }
    try {
      List<String> onDisk = loader.changedOnDisk();
      if (!onDisk.isEmpty()) {
        LOG.log(System.Logger.Level.INFO, "{0} changed on disk: reloading before the {1} of {2}", onDisk,
            edit.operation().auditName(), map.fileName());
        ReloadOutcome first = reloadNow();
        if (first.result() != Result.PUBLISHED && first.result() != Result.UNCHANGED) {
          throw new IllegalStateException("refused, nothing changed: " + onDisk + " changed on disk since version "
              + first.version() + " was loaded and cannot be loaded (" + first.result() + ": "
              + String.join("; ", first.errors()) + "); fix or revert the file, then try again");
        }
      }
      EditResult result = editor.edit(loader, map, edit, who);
      if (loader.snapshot().version() != store.current().version()) {
        store.publish(loader.snapshot());
      }
      status = loader.status();
      return result;
    } finally {
      unlock();
    }
  }

  public ReloadStatus status() {
    return status;
  }

  /** Whether hot reload is alive at {@code now} (see {@link ReloadTriggerHealth}). */
  public ReloadTriggerHealth triggerHealth(Instant now) {
    return trigger.health(now);
  }

  /** Stops the reload trigger and waits (up to 5 s) for its thread to end. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true) || trigger == null) {
      return;
    }
    trigger.close();
  }
}
