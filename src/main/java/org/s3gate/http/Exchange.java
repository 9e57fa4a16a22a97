package org.s3gate.http;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.accesslog.AccessRecord;
import org.s3gate.admit.Outcome;
import org.s3gate.admit.Verdict;
import org.s3gate.backend.Backend;
import org.s3gate.policy.GatewaySettings;
import org.s3gate.policy.PolicySnapshot;
import org.s3gate.runtime.Gateway;

/**
 * One request's record from the rate-limit filter to the response's completion: when it started,
 * the policy snapshot it was decided with (the only one any part of this request reads: proxy,
 * headers, access log, metrics), the admission outcome, the backend that served it and the bytes
 * sent back. The filter creates it and it reports the request once, when the response is complete:
 * at once for a response finished in the filter chain (a denial), from {@link #onComplete} for
 * a proxied one, which completes asynchronously on another thread, or from {@link #aborted} for a
 * proxied response given up after it started (Jetty's abort calls no async listener). Reporting never blocks the
 * request path (the metrics are lock-free increments, the access log line is queued).
 *
 * <p>Thread-safe for its use: fields set by the filter are published to the proxy and the
 * completion by the container's request dispatch and {@code AsyncContext} hand-offs; the proxy's
 * fields are volatile (written by the Jetty client's threads, read at completion).
 */
public final class Exchange implements AsyncListener {
  /** Request attribute holding the exchange. */
  public static final String ATTRIBUTE = Exchange.class.getName();

  private final Gateway gateway;
  private final PolicySnapshot policy;
  private final long startNanos;
  private Outcome outcome;
  private volatile Backend backend;
  private volatile long bytesOut;
  private volatile long bytesIn;
  /** What {@link #responseStarted} charged to the caller's download budget, and when. */
  private volatile long downloadCharged;
  private volatile long downloadChargedNanos;
  private volatile boolean credentialsRefused;
  /** Set by the one {@link #report}: however the request ends, it is reported exactly once. */
  private final AtomicBoolean reported = new AtomicBoolean();

  Exchange(Gateway gateway, PolicySnapshot policy, long startNanos) {
    this.gateway = gateway;
    this.policy = policy;
    this.startNanos = startNanos;
  }

  /** The exchange of a request that went through the rate-limit filter, or null. */
  public static Exchange of(ServletRequest request) {
    return (Exchange) request.getAttribute(ATTRIBUTE);
  }

  /** The snapshot this request was decided with. */
  public PolicySnapshot policy() {
    return policy;
  }

  void decided(Outcome outcome) {
    this.outcome = outcome;
  }

  /** This request's {@code X-RateLimit-Bucket} value ({@code inform.backend}), as admission saw it. */
  public String rateLimitBucket(HttpServletRequest request) {
    Outcome decided = outcome;
    return RateLimitBucket.value(decided, decided != null && decided.clientAddress() != null ? decided.clientAddress()
        : ServletRequestFacts.clientAddress(request, policy));
  }

  /** The proxy chose {@code backend} for this request (called again on a redispatch). */
  public void backend(Backend backend) {
    this.backend = backend;
  }

  /** The backend the proxy chose for this request, the last one on a redispatch; null before. */
  public Backend backend() {
    return backend;
  }

  /** The proxy is writing {@code bytes} more of the backend's body to the client (one writer at a time). */
  public void addBytesOut(int bytes) {
    bytesOut += bytes;
  }

  /** The proxy read {@code bytes} more of the client's body (one reader at a time). */
  public void addBytesIn(int bytes) {
    bytesIn += bytes;
  }

  /**
   * The backend refused this request's credentials (403 InvalidAccessKeyId / SignatureDoesNotMatch):
   * refund it to its key and count it against its client address. Called at most once, from the
   * proxy's response completion, which follows the filter's {@link #decided}.
   */
  public void credentialsRefused(long nowNanos) {
    Outcome decided = outcome;
    credentialsRefused = true;
    if (decided != null) {
      gateway.admission().refundForged(decided, policy, startNanos, nowNanos);
      gateway.metrics().recordRefund();
    }
  }

  /**
   * The backend answered this request with {@code status} (called once per answer, from the proxy's
   * response headers): an error status counts against the client IP ({@code ip.error.statuses}).
   */
  public void backendAnswered(int status, long nowNanos) {
    Outcome decided = outcome;
    if (decided != null) {
      gateway.admission().backendAnswered(decided, policy, status, nowNanos);
    }
  }

  /**
   * The backend's response starts with {@code contentLength} body bytes (-1 when unknown): a
   * download its group's {@code GROUP:out} counts is charged them now (and reconciled to the bytes
   * sent when the request is reported). Called once per response, on the proxy client's thread.
   */
  public void responseStarted(long contentLength) {
    Outcome decided = outcome;
    if (decided != null && decided.bandwidth() != null) {
      long nowNanos = System.nanoTime();
      downloadChargedNanos = nowNanos;
      downloadCharged = gateway.admission().responseStarted(decided, contentLength, nowNanos);
    }
  }

  /** Body bytes read from the client so far. */
  public long bytesIn() {
    return bytesIn;
  }

  /** Body bytes handed to the client so far (written, or the last chunk being written). */
  public long bytesOut() {
    return bytesOut;
  }

  /**
   * Reports the request when its response is complete: now if the filter chain finished it,
   * else when the asynchronous proxy exchange completes.
   */
  void reportWhenComplete(HttpServletRequest request, HttpServletResponse response) {
    if (request.isAsyncStarted()) {
      try {
        request.getAsyncContext().addListener(this, request, response);
        return;
      } catch (IllegalStateException alreadyCompleted) {
        // completed before we could listen: the response is final, report it now
      }
    }
    report(request, response);
  }

  /**
   * The response is being given up after it started (the client reset the connection mid-body,
   * or the backend failed mid-response): reports the request now, before the proxy aborts the
   * response. Jetty's abort ({@code sendError(-1)}) ends the request's async cycle without calling
   * {@link #onComplete} and leaves {@code isAsyncStarted()} false, so nothing else would: the
   * request would stay in flight, its download charged its whole Content-Length, and unlogged.
   * Its bytes are those handed to the client so far. Safe to call with a later {@link #onComplete}:
   * the request is reported once.
   */
  public void aborted(HttpServletRequest request, HttpServletResponse response) {
    report(request, response);
  }

  private void report(ServletRequest request, ServletResponse response) {
    if (!reported.compareAndSet(false, true)) {
      return; // already reported (aborted, then completed)
    }
    long durationNanos = System.nanoTime() - startNanos;
    Outcome decided = outcome;
    if (decided != null) {
      if (decided.bandwidth() != null) { // before it leaves flight: its bytes are what it moved
        gateway.admission().transferEnded(decided, startNanos, bytesIn, downloadCharged, downloadChargedNanos,
            bytesOut, credentialsRefused, System.nanoTime());
      }
      gateway.admission().complete(decided); // the one completion of this request: it leaves flight
    }
    gateway.metrics().recordDuration(decided == null ? Verdict.EXEMPT : decided.verdict(), durationNanos);
    GatewaySettings settings = policy.settings();
    if (settings.accessLogEnabled()) {
      gateway.accessLog().submit(record(decided, (HttpServletRequest) request, (HttpServletResponse) response,
          durationNanos));
    }
  }

  private AccessRecord record(Outcome decided, HttpServletRequest request, HttpServletResponse response,
      long durationNanos) {
    Backend served = backend;
    long bytes = served != null ? bytesOut : contentLength(response.getHeader("Content-Length"));
    boolean identified = decided != null && decided.caller() != null;
    String client = decided != null && decided.clientAddress() != null ? decided.clientAddress()
        : ServletRequestFacts.clientAddress(request, policy);
    return new AccessRecord(policy.settings().accessLogFormat(), System.currentTimeMillis(), client,
        request.getMethod(), request.getRequestURI(), request.getProtocol(), response.getStatus(),
        request.getContentLengthLong(), bytes, durationNanos,
        identified ? decided.caller().accessKey() : null,
        identified ? decided.group().group() : null,
        identified ? decided.caller().authMethod().headerValue() : null,
        (decided == null ? Verdict.EXEMPT : decided.verdict()).label(),
        served == null ? null : served.origin(), response.getHeader("x-amz-request-id"),
        request.getHeader("User-Agent"),
        decided == null || decided.shadowRule() == null ? null : decided.shadowRule().label(),
        decided == null || decided.rule() == null ? null : decided.rule().label(),
        decided != null && decided.forwarded() ? bytesIn : -1,
        decided == null ? null : decided.bucket());
  }

  private static long contentLength(String header) {
    try {
      return header == null ? 0 : Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The async cycle completed (not called when Jetty aborts the response: see {@link #aborted}). */
  @Override
  public void onComplete(AsyncEvent event) throws IOException {
    report(event.getSuppliedRequest(), event.getSuppliedResponse());
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    // onComplete follows
  }

  @Override
  public void onError(AsyncEvent event) {
    // onComplete follows
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // not re-registered: one report per request
  }
}
