package org.s3gate.backend;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.s3gate.common.DaemonThreads;
import org.s3gate.policy.GatewaySettings;
import org.s3gate.policy.HealthCheckSettings;

/**
 * Active health checks: every {@code backend.health.interval}, a GET of {@code backend.health.path}
 * on each backend, all backends in parallel. A check passes when the backend answers with any
 * status below 500 within {@code backend.health.timeout}: MinIO answers {@code /minio/health/live}
 * with 200, s3proxy answers {@code /healthz} with 200, and a server asked for the other's path still
 * answers (4xx), which proves it is serving. A 5xx (MinIO's "not ready"), a timeout or a refused
 * connection fails it. {@link Backend} applies the rise/fall thresholds.
 *
 * <p>A check that times out or breaks while the backend is up and has answered a proxied request
 * within the last interval + timeout counts neither way: the check runs in the gateway's JVM, and a
 * gateway saturated by load (measured: one core at 100% under wrk) can miss a 1 s timeout for a
 * backend that is answering thousands of requests a second. Marking it down would turn overload
 * into an outage. A 5xx answer still counts as a failure, and a backend that stops answering
 * requests stops being "recently answered" within one interval + timeout.
 *
 * <p>The settings are read before every round, so a reloaded path, interval, timeout or threshold
 * applies from the next round on. A check still running when the next round is due (a timeout
 * longer than the interval) is not started twice. The first round runs in the constructor and is
 * awaited (up to the timeout), so the gateway starts serving with every backend's state known.
 *
 * <p>Thread-safe: one daemon thread schedules the rounds; the checks complete on a small daemon
 * pool owned here; results are published through {@link Backend}'s synchronized state machine and
 * volatile health. {@link #close()} stops both.
 */
public final class BackendHealthChecker implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(BackendHealthChecker.class.getName());
  private static final DaemonThreads SCHEDULER_THREADS = DaemonThreads.named("s3gate-health");
  private static final DaemonThreads CHECK_THREADS = DaemonThreads.named("s3gate-health-io");

  private final BackendPool pool;
  private final Supplier<GatewaySettings> settings;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService completions;
  private final HttpClient client;
  private final AtomicBoolean[] inFlight;

  /** {@code settings} is read before every round (the current snapshot's settings in production). */
  public BackendHealthChecker(BackendPool pool, Supplier<GatewaySettings> settings) {
    this.pool = pool;
    this.settings = settings;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(SCHEDULER_THREADS);
    this.completions = Executors.newFixedThreadPool(2, CHECK_THREADS);
    this.client = HttpClient.newBuilder().executor(completions).version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER).build();
    this.inFlight = new AtomicBoolean[pool.backends().size()];
    for (int i = 0; i < inFlight.length; i++) {
      inFlight[i] = new AtomicBoolean();
    }
    HealthCheckSettings first = settings.get().healthCheck();
    try {
      CompletableFuture.allOf(checkAll().toArray(CompletableFuture[]::new))
          .get(first.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.log(Level.DEBUG, "first health round did not complete in time", e);
    }
    scheduler.schedule(this::round, first.interval().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void round() {
    try {
      checkAll();
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "health check round failed", e); // never let it stop the checks
    } finally {
      try {
        scheduler.schedule(this::round, settings.get().healthCheck().interval().toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closed) {
        // close() is stopping us
      }
    }
  }

  /** Starts one check of every backend that has none running; the futures complete when they are recorded. */
  List<CompletableFuture<Void>> checkAll() {
    GatewaySettings now = settings.get();
    String path = now.backendHealthPath().startsWith("/") ? now.backendHealthPath() : "/" + now.backendHealthPath();
    HealthCheckSettings rules = now.healthCheck();
    List<CompletableFuture<Void>> checks = new ArrayList<>();
    for (Backend backend : pool.backends()) {
      if (inFlight[backend.index()].compareAndSet(false, true)) {
        checks.add(check(backend, path, rules));
      }
    }
    return checks;
  }

  private CompletableFuture<Void> check(Backend backend, String path, HealthCheckSettings rules) {
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(URI.create(backend.origin() + path)).timeout(rules.timeout()).GET().build();
    } catch (IllegalArgumentException e) {
      record(backend, "health check " + path + ": bad URL: " + e.getMessage(), rules);
      return CompletableFuture.completedFuture(null);
    }
    long startNanos = System.nanoTime();
    return client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .orTimeout(rules.timeout().toMillis() + 200, TimeUnit.MILLISECONDS)
        .handle((response, failure) -> {
          backend.checkTook(System.nanoTime() - startNanos);
          String reason;
          if (failure != null && backend.isUp()
              && backend.respondedWithin(rules.interval().plus(rules.timeout()).toNanos(), System.nanoTime())) {
            // The check timed out or broke while real requests are being answered: most likely
            // this gateway is saturated (the check shares its CPU), not the backend. Inconclusive.
            inFlight[backend.index()].set(false);
            return null;
          }
          if (failure != null) {
            Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
            reason = "health check " + path + " failed: " + cause;
          } else {
            reason = response.statusCode() < 500 ? null : "health check " + path + " answered " + response.statusCode();
          }
          record(backend, reason, rules);
          return null;
        });
  }

  private void record(Backend backend, String failure, HealthCheckSettings rules) {
    try {
      if (backend.recordCheck(failure, rules.rise(), rules.fall(), Instant.now())) {
        if (backend.isUp()) {
          LOG.log(Level.INFO, "backend {0} ({1}) is UP", backend, backend.role().label());
        } else {
          LOG.log(Level.WARNING, "backend {0} ({1}) is DOWN: {2}", backend, backend.role().label(), failure);
        }
      }
    } finally {
      inFlight[backend.index()].set(false);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    completions.shutdownNow();
  }
}
