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
 * (for a caller at its in-flight limit: in a second, when a transfer may have ended), counted from
 * when the answer is sent: an answer sent later than the decision (a tarpit's hold) says less.
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
   * As {@link #send(HttpServletRequest, HttpServletResponse, int, Outcome)} for an answer sent
   * {@code sinceDecisionNanos} after the decision: the wait it states is what is left of the
   * decision's, never negative.
   */
  static void send(HttpServletRequest request, HttpServletResponse response, int status, Outcome denied,
      long sinceDecisionNanos) throws IOException {
    long retryAfterNanos = Math.max(0, denied.retryAfterNanos() - Math.max(0, sinceDecisionNanos));
    response.setHeader("Retry-After", Long.toString(ceilDiv(retryAfterNanos, 1_000_000_000L)));
    response.setHeader("x-amz-retry-after", Long.toString(ceilDiv(retryAfterNanos, 1_000_000L)));
    S3ErrorResponse.send(response, status, "SlowDown", denied.denialMessage(), request.getRequestURI(),
        denied.caller().accessKey());
  }

  /** {@code value / divisor} rounded up, for {@code value >= 0}. */
  private static long ceilDiv(long value, long divisor) {
    return value / divisor + (value % divisor > 0 ? 1 : 0);
  }
}
