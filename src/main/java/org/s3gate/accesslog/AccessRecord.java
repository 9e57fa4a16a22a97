package org.s3gate.accesslog;

import org.s3gate.policy.AccessLogFormat;

/**
 * One completed request as the access log writes it, captured on the request's thread when its
 * response completes and formatted later on the log writer's thread. Strings may be null
 * (written as {@code -}); {@code bytesIn} and {@code bytesRead} are -1 when unknown. {@code shadow} is, in
 * {@code mode=shadow}, the rule that would have denied the request ({@code key_minute}, ...), else null;
 * {@code rule} is the rule that denied it ({@code DenialRule}'s label), null otherwise; {@code bucket}
 * the bucket whose limit the request was counted against, null when none applied.
 *
 * <p>Immutable.
 */
public record AccessRecord(
    AccessLogFormat format,
    long epochMillis,
    String client,
    String method,
    String path,
    String protocol,
    int status,
    long bytesIn,
    long bytesOut,
    long durationNanos,
    String key,
    String group,
    String auth,
    String decision,
    String backend,
    String requestId,
    String userAgent,
    String shadow,
    String rule,
    long bytesRead,
    String bucket) {

  /** A record without a would-be denial, a denying rule ({@code -}) or the bytes read ({@code -}). */
  public AccessRecord(AccessLogFormat format, long epochMillis, String client, String method, String path,
      String protocol, int status, long bytesIn, long bytesOut, long durationNanos, String key, String group,
      String auth, String decision, String backend, String requestId, String userAgent) {
    this(format, epochMillis, client, method, path, protocol, status, bytesIn, bytesOut, durationNanos, key, group,
        auth, decision, backend, requestId, userAgent, null, null, -1, null);
  }

  /** A record counted against no bucket limit ({@code -}). */
  public AccessRecord(AccessLogFormat format, long epochMillis, String client, String method, String path,
      String protocol, int status, long bytesIn, long bytesOut, long durationNanos, String key, String group,
      String auth, String decision, String backend, String requestId, String userAgent, String shadow, String rule,
      long bytesRead) {
    this(format, epochMillis, client, method, path, protocol, status, bytesIn, bytesOut, durationNanos, key, group,
        auth, decision, backend, requestId, userAgent, shadow, rule, bytesRead, null);
  }
}
