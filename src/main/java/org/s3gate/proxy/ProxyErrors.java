package org.s3gate.proxy;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.http.HttpHeader;
import org.s3gate.http.S3ErrorResponse;

/**
 * How the proxy tells failures apart and answers them as S3 would: a backend that cannot be
 * reached is 503 {@code ServiceUnavailable} (every S3 client retries it), a client body that ends
 * before its {@code Content-Length} is the client's 400 {@code IncompleteBody} (what AWS and MinIO
 * answer; not a backend failure), and which failures allow sending the request to another backend.
 * Every answer closes the connection and completes the request's async context.
 *
 * <p>Immutable (static functions only); thread-safe.
 */
final class ProxyErrors {
  private static final System.Logger LOG = System.getLogger(S3ProxyServlet.class.getName());

  private ProxyErrors() {}

  static boolean isIdempotent(String method) {
    return "GET".equals(method) || "HEAD".equals(method) || "DELETE".equals(method) || "OPTIONS".equals(method);
  }

  /** Nothing reached the backend: the connect was refused or the host is unknown or unreachable. */
  static boolean isConnectFailure(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof ConnectException || cause instanceof NoRouteToHostException
          || cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
        return true;
      }
    }
    return false;
  }

  /** A client that stopped sending keeps the existing answer for timeouts (408, see sendProxyResponseError). */
  static boolean isTimeout(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** 503 ServiceUnavailable with {@code Retry-After: 1}. */
  static void sendServiceUnavailable(HttpServletRequest request, HttpServletResponse response, String reason) {
    response.setHeader(HttpHeader.RETRY_AFTER.asString(), "1");
    send(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "ServiceUnavailable",
        "The gateway has no backend able to serve this request (" + reason + ").");
  }

  /** 400 IncompleteBody, as S3 and MinIO answer a body shorter than its Content-Length. */
  static void sendIncompleteBody(HttpServletRequest request, HttpServletResponse response) {
    send(request, response, HttpServletResponse.SC_BAD_REQUEST, "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header.");
  }

  private static void send(HttpServletRequest request, HttpServletResponse response, int status, String code,
      String message) {
    try {
      response.setHeader(HttpHeader.CONNECTION.asString(), "close");
      S3ErrorResponse.send(response, status, code, message, request.getRequestURI(), null);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.DEBUG, "could not send the " + status + " error", e);
    } finally {
      if (request.isAsyncStarted()) {
        request.getAsyncContext().complete();
      }
    }
  }
}
