package org.s3gate.http;

import java.io.IOException;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.admit.Outcome;
import org.s3gate.admit.RequestFacts;
import org.s3gate.policy.GatewaySettings;
import org.s3gate.policy.MethodClass;
import org.s3gate.policy.PolicySnapshot;
import org.s3gate.runtime.Gateway;

/**
 * Puts every S3 request through the admission core: admitted requests go on to the proxy, denied
 * ones get S3's {@code SlowDown} error and never reach a backend.
 *
 * <p>Per request: read the clock and the {@link PolicySnapshot} once, and keep both in the
 * request's {@link Exchange}, the only place the rest of the request (proxy, headers, access log,
 * metrics) reads them from; set the security headers; ask {@link org.s3gate.admit.Admission} for
 * the outcome; count it (metrics, and the stats page's per-second and recent-denial rings); set the
 * rate-limit headers; then forward, deny ({@link Denials}: SlowDown, or held by the tarpit first), or answer a rejected request (malformed or
 * ambiguous, nothing counted) with its 400/405 error. No body is read, so a denied
 * upload sent with {@code Expect: 100-continue} is refused before the client sends its body. The
 * exchange reports the request once its response is complete (asynchronously for proxied ones).
 * Mapped in web.xml to the proxy servlet only, so the gateway's own {@code /_s3gate/} endpoints
 * are never limited.
 *
 * <p>Thread-safe: no mutable state of its own; the gateway's parts are thread-safe.
 */
public final class RateLimitFilter extends HttpFilter {
  private transient Gateway gateway;
  private transient Denials denials;

  @Override
  public void init() {
    gateway = Gateway.from(getServletContext());
    denials = new Denials(gateway.metrics());
  }

  @Override
  public void destroy() {
    if (denials != null) {
      denials.close(); // the tarpit's timer thread
    }
  }

  @Override
  protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    PostFormUpload upload = PostFormUpload.of(request);
    if (upload == null && request.getDispatcherType() != DispatcherType.REQUEST) {
      chain.doFilter(request, response);
      return;
    }
    // the one snapshot of this request; a POST upload keeps the one it was read with
    PolicySnapshot policy = upload != null ? upload.policy() : gateway.policy();
    if (upload == null && PostFormUpload.start(request, policy)) {
      return; // decided once the form's fields are read, on the ASYNC dispatch that follows
    }
    long nowNanos = System.nanoTime();
    Exchange exchange = new Exchange(gateway, policy, nowNanos);
    request.setAttribute(Exchange.ATTRIBUTE, exchange);
    GatewaySettings settings = policy.settings();
    SecurityHeaders.apply(request, response, settings.securityHeaders());
    try {
      RequestFacts facts = new ServletRequestFacts(request, upload == null ? null : upload.identity());
      Outcome outcome = gateway.admission().decide(facts, policy, nowNanos);
      exchange.decided(outcome);
      if (!outcome.exempt()) {
        gateway.metrics().recordDecision(outcome.group().group(), outcome.verdict());
        if (outcome.shadowRule() != null) { // mode=shadow: admitted, counted as the denial it would have been
          gateway.metrics().recordShadowDenial(outcome.shadowRule());
        }
        gateway.stats().record(outcome, facts, nowNanos);
      }
      if (outcome.forwarded()) {
        setRateLimitHeaders(request, response, outcome, policy);
        chain.doFilter(upload == null ? request : new ReplayedBodyRequest(request, upload.replay()), response);
      } else if (outcome.rejected()) {
        response.setHeader("Connection", "close");
        S3ErrorResponse.send(response, outcome.rejectionStatus(), outcome.rejectionCode(), outcome.rejectionMessage(),
            request.getRequestURI(), null);
      } else {
        setRateLimitHeaders(request, response, outcome, policy);
        denials.answer(request, response, outcome, settings);
      }
    } finally {
      exchange.reportWhenComplete(request, response);
    }
  }

  private static void setRateLimitHeaders(HttpServletRequest request, HttpServletResponse response, Outcome outcome,
      PolicySnapshot policy) {
    if (!outcome.exempt() && policy.settings().headersEnabled()) {
      RateLimitHeaders.set(response, outcome, MethodClass.of(request.getMethod()));
      RateLimitHeaders.setBucket(response, outcome, policy.bucketLimits());
    }
  }
}
