package org.s3gate.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.backend.BackendPool;
import org.s3gate.common.Escape;
import org.s3gate.metrics.GatewayMetrics;
import org.s3gate.policy.Cidr;
import org.s3gate.policy.PolicySnapshot;
import org.s3gate.runtime.Gateway;

/**
 * The gateway's own endpoints under {@code /_s3gate/} (a prefix no bucket can have: bucket names
 * have no underscore). {@code health} answers 200 {@code {"status":"UP",...}} while at least one
 * backend (primary or backup) is healthy, else 503 {@code "DOWN"}, with each backend's URL, role,
 * state, since when, and the last check's error while it is failing. {@code metrics} answers the
 * Prometheus text format ({@link GatewayMetrics}). Only clients in
 * {@code admin.allow} are answered; others get 403.
 *
 * <p>Thread-safe: stateless after init.
 */
public final class AdminServlet extends HttpServlet {
  private transient Gateway gateway;

  @Override
  public void init() {
    gateway = Gateway.from(getServletContext());
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
    PolicySnapshot policy = gateway.policy(); // the one snapshot of this request
    SecurityHeaders.apply(request, response, policy.settings().securityHeaders());
    if (!Cidr.anyContains(policy.settings().adminAllow(), ServletRequestFacts.clientAddress(request, policy))) {
      sendText(response, HttpServletResponse.SC_FORBIDDEN, "text/plain", "forbidden\n");
      return;
    }
    String path = request.getPathInfo();
    if ("/health".equals(path) && ("GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod()))) {
      boolean up = gateway.backends().anyUp();
      sendText(response, up ? 200 : 503, "application/json", healthJson(up, policy.version()));
      return;
    }
    if ("/metrics".equals(path) && "GET".equals(request.getMethod())) {
      response.setStatus(200);
      response.setContentType(GatewayMetrics.CONTENT_TYPE);
      response.setHeader("Cache-Control", "no-store");
      gateway.metrics().scrape(response.getOutputStream());
      return;
    }
    sendText(response, HttpServletResponse.SC_NOT_FOUND, "text/plain", "not found\n");
  }

  private String healthJson(boolean up, long configVersion) {
    StringBuilder json = new StringBuilder(128).append("{\"status\":\"").append(up ? "UP" : "DOWN")
        .append("\",\"configVersion\":").append(configVersion).append(",\"backends\":[");
    boolean first = true;
    for (BackendPool.BackendState backend : gateway.backends().states()) {
      json.append(first ? "" : ",").append("{\"url\":\"");
      Escape.json(backend.url(), json);
      json.append("\",\"role\":\"").append(backend.role())
          .append("\",\"status\":\"").append(backend.up() ? "UP" : "DOWN")
          .append("\",\"since\":\"").append(backend.since()).append('"');
      if (backend.lastError() != null) {
        json.append(",\"error\":\"");
        Escape.json(backend.lastError(), json);
        json.append('"');
      }
      json.append('}');
      first = false;
    }
    return json.append("]}\n").toString();
  }

  private static void sendText(HttpServletResponse response, int status, String contentType, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setContentType(contentType);
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }
}
