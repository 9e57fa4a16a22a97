package org.s3gate.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.configuration2.reloading.PeriodicReloadingTrigger;
import org.apache.commons.configuration2.reloading.ReloadingController;
import org.apache.commons.configuration2.reloading.ReloadingEvent;
import org.s3gate.common.DaemonThreads;
import org.s3gate.config.ReloadOutcome.Result;
import org.s3gate.policy.MapFile;

/**
 * Loads the configuration directory, publishes it into a {@link PolicyStore}, and reloads it when
 * a file changes: the webapp starts one at startup and closes it at shutdown.
 *
 * <p>Design: one commons-configuration2 {@link PeriodicReloadingTrigger} (every
 * {@code reload.interval}, 1 s by default) drives one {@link ReloadingController} whose detector
 * ({@link FileSetDetector}) watches every file. One trigger for all files rather than a
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
 * <p>Thread-safe: reloads (trigger thread and callers of {@code reloadNow}) are serialized by one
 * lock; the snapshot is published with one atomic set ({@link PolicyStore}); {@link #status()}
 * returns an immutable object published through a volatile field. {@link #close()} stops the
 * trigger thread and waits for it, so a stopped webapp leaks no thread.
 */
public final class ConfigReloader implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(ConfigReloader.class.getName());
  private static final DaemonThreads TRIGGER_THREADS = DaemonThreads.named("s3gate-config-reload");
  /** Reads during startup before giving up on a file that keeps changing. */
  private static final int START_TRIES = 20;
  /** Reads for an explicit {@link #reloadNow()}; the trigger reads once and retries on its next tick. */
  private static final int RELOAD_NOW_TRIES = 3;

  private final Object reloadLock = new Object();
  private final ConfigLoader loader;
  private final MapEditor editor = new MapEditor(MapEditor.DEFAULT_BACKUPS_PER_FILE);
  private final PolicyStore store;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ReloadStatus status;
  private PeriodicReloadingTrigger trigger;
  private ScheduledExecutorService executor;

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
    reloader.startTrigger(loader.snapshot().settings().reloadInterval().toMillis());
    return reloader;
  }

  private void startTrigger(long intervalMillis) {
    executor = Executors.newSingleThreadScheduledExecutor(TRIGGER_THREADS);
    ReloadingController controller = new ReloadingController(loader.detector());
    controller.addEventListener(ReloadingEvent.ANY, event -> {
      try {
        reload(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // close() is stopping us
      } catch (RuntimeException e) {
        // Never let an exception escape: it would cancel the periodic task for good.
        LOG.log(System.Logger.Level.ERROR, "configuration reload failed unexpectedly", e);
      } finally {
        controller.resetReloadingState();
      }
    });
    trigger = new PeriodicReloadingTrigger(controller, null, intervalMillis, TimeUnit.MILLISECONDS, executor);
    trigger.start();
  }

  public PolicyStore store() {
    return store;
  }

  /**
   * Reloads every file now, in this thread: all-or-nothing. Returns {@code UNCHANGED} when the files
   * are what is in force, {@code UNSETTLED} if a file kept changing over three reads.
   */
  public ReloadOutcome reloadNow() {
    try {
      return reload(RELOAD_NOW_TRIES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      long version = store.current().version();
      return new ReloadOutcome(Result.UNSETTLED, version, List.of(), List.of("interrupted"), List.of());
    }
  }

  private ReloadOutcome reload(int tries) throws InterruptedException {
    synchronized (reloadLock) {
      ReloadOutcome outcome = loader.load(tries);
      if (outcome.published()) {
        store.publish(loader.snapshot());
      }
      status = loader.status();
      return outcome;
    }
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
   *     the edit; nothing was written
   * @throws java.io.UncheckedIOException the file or its backup could not be written; nothing changed
   */
  public EditResult editMap(MapFile map, MapEdit edit, String who) {
    synchronized (reloadLock) {
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
    }
  }

  public ReloadStatus status() {
    return status;
  }

  /** Stops the reload trigger and waits (up to 5 s) for its thread to end. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true) || trigger == null) {
      return;
    }
    trigger.shutdown(true);
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
