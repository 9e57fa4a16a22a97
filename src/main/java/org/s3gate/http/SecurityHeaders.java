package org.s3gate.http;

import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.policy.SecurityHeaderSettings;

/**
 * Sets the configured security headers on a response before anything else writes it (the proxy
 * drops a backend's copy of the same headers, see {@code S3ProxyServlet}); HSTS only on requests
 * that came over TLS, as RFC 6797 ignores it on plain HTTP anyway.
 *
 * <p>Immutable (static methods only); thread-safe.
 */
public final class SecurityHeaders {
  private SecurityHeaders() {}

  public static void apply(HttpServletRequest request, HttpServletResponse response, SecurityHeaderSettings settings) {
    for (Map.Entry<String, String> header : settings.headers().entrySet()) {
      response.setHeader(header.getKey(), header.getValue());
    }
    if (!settings.hsts().isEmpty() && request.isSecure()) {
      response.setHeader("Strict-Transport-Security", settings.hsts());
    }
  }
}
