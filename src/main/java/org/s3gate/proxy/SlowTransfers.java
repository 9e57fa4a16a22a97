package org.s3gate.proxy;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.s3gate.common.DaemonThreads;

/**
 * Gives up transfers that go too slowly: an upload whose client sends less than
 * {@code request.min_rate}, or a download whose client takes less than {@code response.min_rate},
 * bytes/s over a window of {@code min_rate.window}. A client that trickles would otherwise hold a
 * backend connection for as long as it likes.
 *
 * <h2>Design</h2>
 * Neither a check per chunk nor Jetty's own minimum rate does: the kernel's socket buffers
 * (megabytes) take the first part of a download at once and then wake the writer only when a
 * third of them is free again, so a trickling reader makes no write for minutes; and Jetty's
 * {@code minRequestDataRate} averages from the request's start, so it cuts off a small body that
 * arrives a few milliseconds after its head. So one watcher thread samples, every
 * {@value #SAMPLE_MILLIS} ms, how many bytes each watched transfer has moved; one that moved less
 * than the minimum over its window is aborted, and a new window starts after every check that
 * passes, so a fast start does not pay for a slow middle. The first window starts when the body
 * does (the upload's first read, the download's response headers): it is the grace period.
 *
 * <p>Bound: a transfer is given up at most one window plus one sample period after its rate
 * fell below the minimum; one that meets it over every window is never touched.
 *
 * <p>Thread-safe: the watched set is concurrent; a watch's window is touched by the watcher thread
 * only; the abort actions are thread-safe (Jetty's {@code Request.abort} and {@code Response.abort}).
 */
final class SlowTransfers implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(S3ProxyServlet.class.getName());
  static final long SAMPLE_MILLIS = 500;

  /** Abandons a transfer, with the reason it is given up. */
  interface Abort {
    void abort(String reason);
  }

  /** One transfer; the window fields belong to the watcher thread. */
  private static final class Watch {
    final LongSupplier bytes;
    final Abort abort;
    final String setting;
    final long minBytesPerSecond;
    final long windowNanos;
    long windowStartNanos;
    long windowStartBytes;

    Watch(LongSupplier bytes, Abort abort, String setting, long minBytesPerSecond, long windowNanos, long nowNanos) {
      this.bytes = bytes;
      this.abort = abort;
      this.setting = setting;
      this.minBytesPerSecond = minBytesPerSecond;
      this.windowNanos = windowNanos;
      this.windowStartNanos = nowNanos;
      this.windowStartBytes = bytes.getAsLong();
    }
  }

  private final Set<Watch> watched = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService watcher =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("s3gate-transfer-watch"));

  SlowTransfers() {
    watcher.scheduleWithFixedDelay(this::sample, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Watches a transfer from now: {@code bytes} is how much it has moved so far (read by the watcher
   * thread), {@code setting} names the minimum in the abort's reason. Returns the handle for
   * {@link #done}, or null when {@code minBytesPerSecond <= 0} (no minimum: nothing watched).
   */
  Object watch(LongSupplier bytes, Abort abort, String setting, long minBytesPerSecond, long windowNanos) {
    if (minBytesPerSecond <= 0) {
      return null;
    }
    Watch watch = new Watch(bytes, abort, setting, minBytesPerSecond, windowNanos, System.nanoTime());
    watched.add(watch);
    return watch;
  }

  /** The transfer ended (completed or failed): no longer watched. Accepts null. */
  void done(Object watch) {
    if (watch != null) {
      watched.remove(watch);
    }
  }

  private void sample() {
    try {
      long now = System.nanoTime();
      for (Watch w : watched) {
        long elapsed = now - w.windowStartNanos;
        if (elapsed < w.windowNanos) {
          continue;
        }
        long moved = w.bytes.getAsLong() - w.windowStartBytes;
        long required = w.minBytesPerSecond * (elapsed / 1_000_000L) / 1_000L;
        if (moved < required) {
          watched.remove(w);
          w.abort.abort(moved + " bytes in " + elapsed / 1_000_000L + " ms is below " + w.setting + " ("
              + w.minBytesPerSecond + " bytes/s)");
        } else {
          w.windowStartNanos = now;
          w.windowStartBytes += moved;
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "slow-transfer check failed", e); // never let it cancel the periodic task
    }
  }

  @Override
  public void close() {
    watcher.shutdownNow();
    watched.clear();
  }
}
