package org.s3gate.http;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.Gateway;
import org.s3gate.identify.AccessKeyExtractor;
import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.CounterTable;
import org.s3gate.limit.Decision;
import org.s3gate.metrics.Verdict;
import org.s3gate.policy.GatewaySettings;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.PolicySnapshot;

/**
 * Decides, for every S3 request, who is calling and whether they are within their budget; admitted
 * requests go on to the proxy, denied ones get S3's {@code SlowDown} error and never reach a backend.
 *
 * <p>Per request: read the {@link PolicySnapshot} once (so the whole decision uses one reload),
 * identify the access key from the request line and headers (no body is read, so a denied upload
 * sent with {@code Expect: 100-continue} is refused before the client sends its body), look up the
 * key's group policy, count in the key's sliding windows, then set the rate-limit headers and
 * either forward or deny. Every request is counted in the metrics and, once its response is complete
 * (asynchronously for proxied ones), reported through its {@link Exchange}. Mapped in web.xml to the proxy servlet only: the gateway's own
 * {@code /_s3gate/} endpoints are never limited, and MinIO's health endpoints are let through here.
 *
 * <p>Thread-safe: no mutable state of its own; the gateway's parts are thread-safe.
 */
public final class RateLimitFilter extends HttpFilter {
  private static final String HEALTH_PREFIX = "/minio/health/";

  private transient Gateway gateway;

  @Override
  public void init() {
    gateway = Gateway.from(getServletContext());
  }

  @Override
  protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    long nowNanos = System.nanoTime();
    PolicySnapshot policy = gateway.policy(); // one snapshot for the whole request
    Exchange exchange = new Exchange(gateway, nowNanos);
    request.setAttribute(Exchange.ATTRIBUTE, exchange);
    SecurityHeaders.apply(request, response, policy.settings().securityHeaders());
    try {
      limit(request, response, chain, exchange, policy, nowNanos);
    } finally {
      exchange.reportWhenComplete(request, response);
    }
  }

  private void limit(HttpServletRequest request, HttpServletResponse response, FilterChain chain, Exchange exchange,
      PolicySnapshot policy, long nowNanos) throws IOException, ServletException {
    String rawPath = request.getRequestURI();
    if (isBackendHealthCheck(rawPath)) {
      chain.doFilter(request, response);
      return;
    }
    GatewaySettings settings = policy.settings();
    CallerIdentity caller = AccessKeyExtractor.identify(request.getHeader("Authorization"), request.getQueryString(),
        request.getHeader("X-API-Key"), request.getHeader("X-Access-Key-Id"));
    GroupPolicy group = policy.policyForKey(caller.accessKey());
    CounterTable table = gateway.table();
    Decision decision = settings.isLimited(request.getMethod())
        ? table.tryAcquire(caller.accessKey(), group.limitPerSecond(), group.limitPerMinute(), settings.countDenied(), nowNanos)
        : table.peek(caller.accessKey(), group.limitPerSecond(), group.limitPerMinute(), nowNanos);
    Verdict verdict = Verdict.of(decision);
    gateway.requests().increment();
    gateway.metrics().recordDecision(group.group(), verdict);
    exchange.decided(new RateLimitOutcome(caller, group, decision), verdict);
    if (settings.headersEnabled()) {
      RateLimitHeaders.set(response, caller, group, decision);
    }
    if (decision.admitted()) {
      chain.doFilter(request, response);
    } else {
      gateway.denied().increment();
      SlowDownResponse.send(request, response, settings.denyStatus(), caller, group, decision);
    }
  }

  /**
   * MinIO's health endpoints ({@code /minio/health/live}, {@code .../ready}, {@code .../cluster},
   * {@code .../cluster/read}) are never limited. Only plain lower-case paths qualify, so a path such
   * as {@code /minio/health/../../bucket/key}, which a backend might resolve to an object, is limited.
   */
  static boolean isBackendHealthCheck(String rawPath) {
    if (!rawPath.startsWith(HEALTH_PREFIX)) {
      return false;
    }
    for (int i = HEALTH_PREFIX.length(); i < rawPath.length(); i++) {
      char c = rawPath.charAt(i);
      boolean allowed = (c >= 'a' && c <= 'z') || (c == '/' && rawPath.charAt(i - 1) != '/');
      if (!allowed) {
        return false;
      }
    }
    return true;
  }
}
