package org.s3gate.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.backend.BackendPool;
import org.s3gate.common.Escape;
import org.s3gate.metrics.GatewayMetrics;
import org.s3gate.policy.Cidr;
import org.s3gate.policy.PolicySnapshot;
import org.s3gate.runtime.Gateway;
import org.s3gate.stats.StatsReport;
import org.s3gate.runtime.ReloadHealth;

/**
 * The gateway's own endpoints under {@code /_s3gate/} (a prefix no bucket can have: bucket names
 * have no underscore). {@code /} and {@code stats} answer the stats page ({@link StatsPage}), which
 * polls {@code stats.json} ({@link StatsReport}); {@code health} answers 200 {@code {"status":"UP",...}} while at least one
 * backend (primary or backup) is healthy, else 503 {@code "DOWN"}, with each backend's URL, role,
 * state, since when, and the last check's error while it is failing, and the health of hot reload
 * ({@code reload}: {@link ReloadHealth}; a stuck reload does not make the gateway DOWN, since S3
 * traffic is still served with the configuration in force). {@code metrics} answers the
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
    boolean read = "GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod());
    if (path == null && read) {
      response.setHeader("Cache-Control", "no-store");
      response.sendRedirect(request.getContextPath() + "/_s3gate/"); // so the page's relative links resolve
      return;
    }
    if (("/".equals(path) || "/stats".equals(path)) && read) {
      StatsPage page = StatsPage.get();
      response.setHeader("Content-Security-Policy", page.contentSecurityPolicy());
      response.setHeader("Referrer-Policy", "no-referrer");
      sendBytes(response, 200, "text/html;charset=utf-8", page.html());
      return;
    }
    if ("/stats.json".equals(path) && read) {
      sendText(response, 200, "application/json", StatsReport.json(gateway.stats(), policy, gateway.table(),
          gateway.backends(), gateway.metrics(), gateway.config().status(), System.nanoTime()));
      return;
    }
    if ("/health".equals(path) && read) {
      boolean up = gateway.backends().anyUp();
      sendText(response, up ? 200 : 503, "application/json",
          healthJson(up, policy.version(), gateway.reloadHealth(Instant.now())));
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

  private String healthJson(boolean up, long configVersion, ReloadHealth reload) {
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
    json.append("],\"reload\":");
    reloadJson(reload, json);
    return json.append("}\n").toString();
  }

  /** {@code {"state":"OK","lastCheck":"...",...}}; optional fields only when set. */
  private static void reloadJson(ReloadHealth reload, StringBuilder json) {
    json.append("{\"state\":\"").append(reload.state()).append("\",\"lastCheck\":\"").append(reload.lastCheck())
        .append('"');
    if (reload.checkingSince() != null) {
      json.append(",\"checkingSince\":\"").append(reload.checkingSince()).append('"');
    }
    json.append(",\"failures\":").append(reload.failures());
    if (reload.lastFailure() != null) {
      json.append(",\"lastFailureAt\":\"").append(reload.lastFailureAt()).append("\",\"lastFailure\":\"");
      Escape.json(reload.lastFailure(), json);
      json.append('"');
    }
    if (!reload.errors().isEmpty()) {
      json.append(",\"errors\":[");
      for (int i = 0; i < reload.errors().size(); i++) {
        json.append(i == 0 ? "\"" : ",\"");
        Escape.json(reload.errors().get(i), json);
        json.append('"');
      }
      json.append(']');
    }
    json.append('}');
  }

  private static void sendText(HttpServletResponse response, int status, String contentType, String text) throws IOException {
    sendBytes(response, status, contentType, text.getBytes(StandardCharsets.UTF_8));
  }

  private static void sendBytes(HttpServletResponse response, int status, String contentType, byte[] bytes)
      throws IOException {
    response.setStatus(status);
    response.setContentType(contentType);
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }
}
