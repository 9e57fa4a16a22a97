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

import org.eclipse.jetty.http.BadMessageException;
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
  private static boolean isTimeout(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Answers a proxied request that failed because of the client, not the backend, and returns
   * true; false (nothing sent) for any other failure. The client's faults: its body failed
   * ({@code clientBodyFailure}, or the proxied request's {@code failure}: it came in below
   * {@code request.min_rate}, it ended before
   * its Content-Length or its chunked framing broke) other than by an idle timeout (408, kept as
   * it was), or its head is larger than the proxy client sends
   * ({@link ProxyClients#MAX_REQUEST_HEAD_BYTES}). Neither counts as a backend error.
   */
  static boolean answeredAsClientFault(HttpServletRequest request, HttpServletResponse response,
      Throwable clientBodyFailure, Throwable failure) {
    if (response.isCommitted()) {
      return false;
    }
    if ((clientBodyFailure != null && isTooSlow(clientBodyFailure)) || isTooSlow(failure)) {
      send(request, response, HttpServletResponse.SC_BAD_REQUEST, "RequestTimeout",
          "Your socket connection to the server was not read from or written to within the timeout period.");
      return true;
    }
    if (clientBodyFailure != null && !isTimeout(clientBodyFailure)) {
      sendIncompleteBody(request, response);
      return true;
    }
    if (isClientHeadTooLarge(failure)) {
      sendHeadTooLarge(request, response);
      return true;
    }
    return false;
  }

  /** The body came in below {@code request.min_rate} ({@link SlowTransfers}'s 408 abort). */
  private static boolean isTooSlow(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof BadMessageException bad && bad.getCode() == HttpServletResponse.SC_REQUEST_TIMEOUT) {
        return true;
      }
    }
    return false;
  }

  private static boolean isClientHeadTooLarge(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof IllegalArgumentException && "Request headers too large".equals(cause.getMessage())) {
        return true;
      }
    }
    return false;
  }

  /** 400 RequestHeaderSectionTooLarge, S3's answer to a request head over its limit. */
  private static void sendHeadTooLarge(HttpServletRequest request, HttpServletResponse response) {
    send(request, response, HttpServletResponse.SC_BAD_REQUEST, "RequestHeaderSectionTooLarge",
        "Your request header section exceeds the maximum allowed size.");
  }

  /** 503 ServiceUnavailable with {@code Retry-After: 1}. */
  static void sendServiceUnavailable(HttpServletRequest request, HttpServletResponse response, String reason) {
    response.setHeader(HttpHeader.RETRY_AFTER.asString(), "1");
    send(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "ServiceUnavailable",
        "The gateway has no backend able to serve this request (" + reason + ").");
  }

  /** 400 IncompleteBody, as S3 and MinIO answer a body shorter than its Content-Length. */
  private static void sendIncompleteBody(HttpServletRequest request, HttpServletResponse response) {
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
