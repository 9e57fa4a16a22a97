package org.s3gate.proxy;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Active health checks: every {@code interval}, a GET of the health path on each backend. A backend
 * is up when it answers with any status below 500 within {@code timeout}: MinIO answers
 * {@code /minio/health/live} with 200, s3proxy answers {@code /healthz} with 200, and a server
 * asked for the other's path still answers (4xx), which proves it is serving. A 5xx (MinIO's
 * "not ready"), a timeout or a refused connection marks it down.
 *
 * <p>Thread-safe: one daemon thread runs the checks; results are published through
 * {@link Backend}'s volatile health.
 */
public final class BackendHealthChecker implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(BackendHealthChecker.class.getName());

  private final BackendPool pool;
  private final Supplier<String> healthPath;
  private final Duration timeout;
  private final HttpClient client;
  private final ScheduledExecutorService scheduler;

  /** {@code healthPath} is read before every round, so a reloaded {@code backend.health.path} applies at once. */
  public BackendHealthChecker(BackendPool pool, Supplier<String> healthPath, Duration interval, Duration timeout) {
    this.pool = pool;
    this.healthPath = healthPath;
    this.timeout = timeout;
    this.client = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "s3gate-health");
      thread.setDaemon(true);
      return thread;
    });
    checkAll();
    scheduler.scheduleWithFixedDelay(this::checkAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Checks every backend once, now, on the calling thread. */
  public void checkAll() {
    String path = healthPath.get();
    path = path.startsWith("/") ? path : "/" + path;
    for (Backend backend : pool.backends()) {
      check(backend, path);
    }
  }

  private void check(Backend backend, String healthPath) {
    String failure;
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create(backend.origin() + healthPath))
          .timeout(timeout).GET().build();
      int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      failure = status < 500 ? null : "health check " + healthPath + " answered " + status;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      failure = "health check " + healthPath + " failed: " + e;
    }
    if (failure == null) {
      if (backend.markHealthy()) {
        LOG.log(Level.INFO, "backend {0} is UP", backend);
      }
    } else if (backend.markDown(failure)) {
      LOG.log(Level.WARNING, "backend {0} is DOWN: {1}", backend, failure);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
