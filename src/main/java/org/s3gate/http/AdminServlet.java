package org.s3gate.http;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.proxy.Backend;
import org.s3gate.proxy.BackendPool;
import org.s3gate.proxy.S3ProxyServlet;

/**
 * The gateway's own endpoints under {@code /_s3gate/} (a prefix no bucket can have: bucket names
 * have no underscore). {@code health} answers 200 {@code {"status":"UP",...}} while at least one
 * backend is healthy, else 503 {@code "DOWN"}, with each backend's state.
 *
 * <p>Thread-safe: stateless after init.
 */
public final class AdminServlet extends HttpServlet {
  private BackendPool pool;

  @Override
  public void init() {
    pool = (BackendPool) getServletContext().getAttribute(S3ProxyServlet.BACKEND_POOL_ATTRIBUTE);
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
    if (!isAllowed(request.getRemoteAddr())) {
      sendText(response, HttpServletResponse.SC_FORBIDDEN, "text/plain", "forbidden\n");
      return;
    }
    String path = request.getPathInfo();
    if ("/health".equals(path) && ("GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod()))) {
      boolean up = pool.anyUp();
      sendText(response, up ? 200 : 503, "application/json", healthJson(up));
      return;
    }
    sendText(response, HttpServletResponse.SC_NOT_FOUND, "text/plain", "not found\n");
  }

  private static boolean isAllowed(String remoteAddress) {
    try {
      return InetAddress.getByName(remoteAddress).isLoopbackAddress();
    } catch (IOException e) {
      return false;
    }
  }

  private String healthJson(boolean up) {
    StringBuilder json = new StringBuilder(128).append("{\"status\":\"").append(up ? "UP" : "DOWN").append("\",\"backends\":[");
    boolean first = true;
    for (Backend backend : pool.backends()) {
      Backend.Health health = backend.health();
      json.append(first ? "" : ",").append("{\"url\":\"").append(jsonEscape(backend.origin()))
          .append("\",\"status\":\"").append(health.up() ? "UP" : "DOWN")
          .append("\",\"since\":\"").append(health.since()).append('"');
      if (health.lastError() != null) {
        json.append(",\"error\":\"").append(jsonEscape(health.lastError())).append('"');
      }
      json.append('}');
      first = false;
    }
    return json.append("]}\n").toString();
  }

  static String jsonEscape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
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
