package org.s3gate.http;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.admit.Outcome;

/**
 * The answer to a denied request, as S3 itself throttles: status {@code deny.status} (429 by
 * default, or 503), the XML {@code SlowDown} error naming the group's message, the limit that
 * tripped and the key, plus {@code Retry-After} (whole seconds, rounded up) and
 * {@code x-amz-retry-after} (milliseconds) saying exactly when the key would be admitted again
 * (for a caller at its in-flight limit: in a second, when a transfer may have ended).
 *
 * <p>Immutable (static methods only); thread-safe.
 */
final class SlowDownResponse {
  private SlowDownResponse() {}

  static void send(HttpServletRequest request, HttpServletResponse response, int status, Outcome denied)
      throws IOException {
    send(request, response, status, denied, 0);
  }

  /**
   * As {@link #send(HttpServletRequest, HttpServletResponse, int, Outcome)} for a denial decided
   * {@code elapsedNanos} ago (a request held by the tarpit): the retry time counts from now, so the
   * time already waited is subtracted (never below 0).
   */
  static void send(HttpServletRequest request, HttpServletResponse response, int status, Outcome denied,
      long elapsedNanos) throws IOException {
    long remaining = remainingNanos(denied.retryAfterNanos(), elapsedNanos);
    response.setHeader("Retry-After", Long.toString(-Math.floorDiv(-remaining, 1_000_000_000L)));
    response.setHeader("x-amz-retry-after", Long.toString(-Math.floorDiv(-remaining, 1_000_000L)));
    S3ErrorResponse.send(response, status, "SlowDown", denied.denialMessage(), request.getRequestURI(),
        denied.caller().accessKey());
  }

  /** The retry time left {@code elapsedNanos} after a denial that said {@code retryAfterNanos}; never below 0. */
  static long remainingNanos(long retryAfterNanos, long elapsedNanos) {
    return Math.max(0, retryAfterNanos - Math.max(0, elapsedNanos));
  }
}
