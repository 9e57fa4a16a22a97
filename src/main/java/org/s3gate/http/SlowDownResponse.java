package org.s3gate.http;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.Decision;
import org.s3gate.limit.LimitWindow;
import org.s3gate.policy.GroupPolicy;

/**
 * The answer to a denied request, as S3 itself throttles: status {@code deny.status} (429 by
 * default, or 503), the XML {@code SlowDown} error naming the group's message, the limit that
 * tripped and the key, plus {@code Retry-After} (whole seconds, rounded up) and
 * {@code x-amz-retry-after} (milliseconds) saying exactly when the key would be admitted again.
 *
 * <p>Immutable (static methods only); thread-safe.
 */
final class SlowDownResponse {
  private SlowDownResponse() {}

  static void send(HttpServletRequest request, HttpServletResponse response, int status, CallerIdentity caller,
      GroupPolicy group, Decision decision) throws IOException {
    LimitWindow window = decision.trippedWindow();
    int limit = window == LimitWindow.SECOND ? group.limitPerSecond() : group.limitPerMinute();
    String message = group.errorMessage() + " (" + limit + " requests/" + window.unitLabel() + " per API key)";
    response.setHeader("Retry-After", Long.toString(decision.retryAfterSeconds()));
    response.setHeader("x-amz-retry-after", Long.toString(decision.retryAfterMillis()));
    S3ErrorResponse.send(response, status, "SlowDown", message, request.getRequestURI(), caller.accessKey());
  }
}
