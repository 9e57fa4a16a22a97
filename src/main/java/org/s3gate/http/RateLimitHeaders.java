package org.s3gate.http;

import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.admit.BandwidthCharge;
import org.s3gate.admit.Outcome;
import org.s3gate.limit.Decision;
import org.s3gate.policy.BucketLimits;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.MethodClass;

/**
 * The rate-limit headers every limited response carries (admitted or denied), unless
 * {@code headers.enabled=false}: who the gateway thinks is calling, their group and limits, and the
 * counts in both windows after this request.
 *
 * <p>Each is added, not set: the filter writes them once, before anything else can have set one
 * of them (the response is fresh: the filter runs first on the request's one REQUEST dispatch, or
 * on a POST upload's ASYNC dispatch after a REQUEST dispatch that set nothing), so a set would only
 * scan every header already there for one to replace (an iterator and a name comparison per
 * header, seven times per response).
 *
 * <p>Immutable (static methods only); thread-safe.
 */
final class RateLimitHeaders {
  static final String GROUP = "X-RateLimit-Group";
  static final String API_KEY = "X-API-Key";
  static final String AUTH_METHOD = "X-Auth-Method";
  static final String LIMIT_PER_MINUTE = "X-RateLimit-Limit-Per-Minute";
  static final String LIMIT_PER_SECOND = "X-RateLimit-Limit-Per-Second";
  static final String CURRENT_PER_MINUTE = "X-RateLimit-Current-Per-Minute";
  static final String CURRENT_PER_SECOND = "X-RateLimit-Current-Per-Second";
  static final String CLASS = "X-RateLimit-Class";
  static final String CLASS_LIMIT_PER_MINUTE = "X-RateLimit-Class-Limit-Per-Minute";
  static final String CLASS_LIMIT_PER_SECOND = "X-RateLimit-Class-Limit-Per-Second";
  static final String RULE = "X-RateLimit-Rule";
  static final String BYTES_IN_LIMIT = "X-RateLimit-Bytes-In-Limit-Per-Minute";
  static final String BYTES_IN_CURRENT = "X-RateLimit-Bytes-In-Current-Per-Minute";
  static final String BYTES_OUT_LIMIT = "X-RateLimit-Bytes-Out-Limit-Per-Minute";
  static final String BYTES_OUT_CURRENT = "X-RateLimit-Bytes-Out-Current-Per-Minute";
  // not X-RateLimit-Bucket: that name is the abuse protection's inform.backend header
  static final String BUCKET_LIMIT_PER_MINUTE = "X-RateLimit-Bucket-Limit-Per-Minute";
  static final String BUCKET_LIMIT_PER_SECOND = "X-RateLimit-Bucket-Limit-Per-Second";
  static final String BUCKET_CURRENT_PER_MINUTE = "X-RateLimit-Bucket-Current-Per-Minute";
  static final String BUCKET_CURRENT_PER_SECOND = "X-RateLimit-Bucket-Current-Per-Second";

  private RateLimitHeaders() {}

  /**
   * Sets the headers of a request that was not exempt; {@code methodClass} is the request's
   * ({@link MethodClass#of}). When its group has limits of that class, the class and its limits are
   * shown too (a window the class leaves to the group shows the group's limit); the counts are the
   * group's, or the class's when the class's limit denied the request. A denied request names the
   * budget that refused it ({@code X-RateLimit-Rule}, the {@code rule} label of {@code s3gate_denials_total}:
   * {@code key_second}, {@code class_minute}, {@code bytes_in}, ...). A transfer its group's bandwidth counts shows that
   * direction's limit and the bytes counted in its minute at admission (an upload's own included).
   */
  static void set(HttpServletResponse response, Outcome outcome, MethodClass methodClass) {
    GroupPolicy group = outcome.group();
    Decision decision = outcome.decision();
    response.addHeader(GROUP, group.group());
    response.addHeader(API_KEY, outcome.caller().accessKey());
    response.addHeader(AUTH_METHOD, outcome.caller().authMethod().headerValue());
    response.addIntHeader(LIMIT_PER_MINUTE, group.limitPerMinute());
    response.addIntHeader(LIMIT_PER_SECOND, group.limitPerSecond());
    response.addIntHeader(CURRENT_PER_MINUTE, decision.currentPerMinute());
    response.addIntHeader(CURRENT_PER_SECOND, decision.currentPerSecond());
    GroupPolicy.ClassLimits limits = group.limitsOf(methodClass);
    if (limits != null) {
      response.addHeader(CLASS, methodClass.label());
      response.addIntHeader(CLASS_LIMIT_PER_MINUTE, Math.min(limits.limitPerMinute(), group.limitPerMinute()));
      response.addIntHeader(CLASS_LIMIT_PER_SECOND, Math.min(limits.limitPerSecond(), group.limitPerSecond()));
    }
    if (outcome.rule() != null) {
      response.addHeader(RULE, outcome.rule().label());
    }
    BandwidthCharge bytes = outcome.bandwidth();
    if (bytes != null) {
      if (bytes.in()) {
        response.addHeader(BYTES_IN_LIMIT, Long.toString(bytes.inLimitBytes()));
        response.addHeader(BYTES_IN_CURRENT, Long.toString(bytes.inUsedBytes()));
      }
      if (bytes.out()) {
        response.addHeader(BYTES_OUT_LIMIT, Long.toString(bytes.outLimitBytes()));
        response.addHeader(BYTES_OUT_CURRENT, Long.toString(bytes.outUsedBytes()));
      }
    }
  }

  /**
   * Sets the bucket budget's headers when a bucket limit applied to the request: the bucket's
   * limits ({@code X-RateLimit-Bucket-Limit-Per-*}; a window without a limit is left out) and its
   * counts across all callers ({@code X-RateLimit-Bucket-Current-Per-*}).
   */
  static void setBucket(HttpServletResponse response, Outcome outcome, BucketLimits bucketLimits) {
    Decision counts = outcome.bucketDecision();
    BucketLimits.Limits limits = counts == null ? null : bucketLimits.limitsOf(outcome.bucket());
    if (limits == null) {
      return;
    }
    if (limits.limitPerMinute() != Integer.MAX_VALUE) {
      response.addIntHeader(BUCKET_LIMIT_PER_MINUTE, limits.limitPerMinute());
    }
    if (limits.limitPerSecond() != Integer.MAX_VALUE) {
      response.addIntHeader(BUCKET_LIMIT_PER_SECOND, limits.limitPerSecond());
    }
    response.addIntHeader(BUCKET_CURRENT_PER_MINUTE, counts.currentPerMinute());
    response.addIntHeader(BUCKET_CURRENT_PER_SECOND, counts.currentPerSecond());
  }
}
