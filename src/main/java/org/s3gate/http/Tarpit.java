package org.s3gate.http;

import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.admit.Outcome;
import org.s3gate.common.DaemonThreads;
import org.s3gate.policy.ClientIpSettings;

/**
 * Holds tarpitted requests ({@code ip.tarpit.requests} + {@code ip.tarpit.errors} exceeded) for
 * {@code tarpit.delay} without a thread, then answers them {@code deny.status} SlowDown with
 * {@code Connection: close}. Nothing of a held request reaches a backend.
 *
 * <h2>Design</h2>
 * A held request is put in Servlet async mode ({@code startAsync}: the container thread returns at
 * once, the connection stays open) and one task is scheduled on a single timer thread; when it
 * fires, the answer is written on a container thread ({@code AsyncContext.start}), so the timer
 * never blocks on a client. Standard Servlet 6 only, so it works the same on Tomcat.
 *
 * <h2>Bounds</h2>
 * At most {@code tarpit.max} requests are held at once (one atomic counter, checked before
 * anything is allocated); beyond it a tarpitted request is answered at once. What one held request
 * costs: its connection (bounded by the connector's connection limit), its async context and one
 * scheduled task (~100 bytes, removed when cancelled), no thread; so {@code tarpit.max} bounds the
 * memory and the timer's queue, and the thread count does not depend on how many are held. An
 * async timeout of {@code tarpit.delay + 30 s} is a safety net for a timer that could not run.
 * A client that gives up while held (closes its connection) frees its slot at once
 * ({@code onError}/{@code onComplete}). When the webapp stops, {@link #close} answers nobody: the
 * container closes the connections.
 *
 * <h2>Concurrency</h2>
 * Each held request is released exactly once (a compare-and-set), whichever of the timer, an error,
 * a timeout or the completion comes first.
 *
 * <p>Thread-safe: the counters are atomic; the timer is a thread-safe executor.
 */
final class Tarpit implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Tarpit.class.getName());
  private static final long SAFETY_MARGIN_MILLIS = 30_000;

  /** What to do with a held request when its delay is over. */
  @FunctionalInterface
  interface Answer {
    /** @param heldNanos how long the request was held: the answer's Retry-After counts from its sending */
    void send(HttpServletRequest request, HttpServletResponse response, long heldNanos) throws IOException;
  }

  private final ScheduledThreadPoolExecutor timer;
  private final AtomicInteger held = new AtomicInteger();
  private final LongAdder heldTotal = new LongAdder();

  Tarpit() {
    timer = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("s3gate-tarpit"));
    timer.setRemoveOnCancelPolicy(true); // a cancelled hold leaves nothing in the queue
  }

  /**
   * Holds the request and answers it with {@code answer} after {@code tarpit.delay}; false, holding
   * nothing, when {@code tarpit.max} are held already or the request cannot go async (the caller
   * answers at once).
   */
  boolean hold(HttpServletRequest request, HttpServletResponse response, Outcome outcome, ClientIpSettings settings,
      Answer answer) {
    if (!request.isAsyncSupported() || request.isAsyncStarted()) {
      return false;
    }
    if (held.incrementAndGet() > settings.tarpitMax()) {
      held.decrementAndGet();
      return false;
    }
    long delayMillis = settings.tarpitDelay().toMillis();
    Held hold;
    try {
      AsyncContext async = request.startAsync(request, response);
      async.setTimeout(delayMillis + SAFETY_MARGIN_MILLIS);
      hold = new Held(async, request, response, answer, System.nanoTime());
      async.addListener(hold);
      hold.timer = timer.schedule(hold::delayOver, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) { // IllegalStateException, RejectedExecutionException (stopping)
      held.decrementAndGet();
      LOG.log(System.Logger.Level.DEBUG, "tarpit: request not held: {0}", e.toString());
      return false;
    }
    heldTotal.increment();
    return true;
  }

  /** Requests held now. */
  int heldNow() {
    return held.get();
  }

  /** Requests held since start. */
  long heldTotal() {
    return heldTotal.sum();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** One held request; released once. */
  private final class Held implements AsyncListener {
    private final AsyncContext async;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final Answer answer;
    private final AtomicBoolean released = new AtomicBoolean();
    private final long heldSinceNanos;
    private volatile ScheduledFuture<?> timer;

    Held(AsyncContext async, HttpServletRequest request, HttpServletResponse response, Answer answer,
        long heldSinceNanos) {
      this.heldSinceNanos = heldSinceNanos;
      this.async = async;
      this.request = request;
      this.response = response;
      this.answer = answer;
    }

    /** On the timer thread: the answer is written on a container thread. */
    void delayOver() {
      try {
        async.start(this::answerNow);
      } catch (RuntimeException gone) { // the request completed or failed meanwhile
        release();
      }
    }

    private void answerNow() {
      if (!release()) {
        return;
      }
      try {
        answer.send(request, response, System.nanoTime() - heldSinceNanos);
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "tarpit: answer not sent: {0}", e.toString());
      } finally {
        try {
          async.complete();
        } catch (IllegalStateException alreadyComplete) {
          // the container completed it (client gone)
        }
      }
    }

    /** Frees the request's slot; true for the one caller that does. */
    private boolean release() {
      if (!released.compareAndSet(false, true)) {
        return false;
      }
      held.decrementAndGet();
      ScheduledFuture<?> scheduled = timer;
      if (scheduled != null) {
        scheduled.cancel(false);
      }
      return true;
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      answerNow(); // the timer did not run in time: answer now
    }

    @Override
    public void onError(AsyncEvent event) {
      release();
    }

    @Override
    public void onComplete(AsyncEvent event) {
      release();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      // not re-registered
    }
  }
}
