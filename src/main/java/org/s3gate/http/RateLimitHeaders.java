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
    response.setHeader(GROUP, group.group());
    response.setHeader(API_KEY, outcome.caller().accessKey());
    response.setHeader(AUTH_METHOD, outcome.caller().authMethod().headerValue());
    response.setIntHeader(LIMIT_PER_MINUTE, group.limitPerMinute());
    response.setIntHeader(LIMIT_PER_SECOND, group.limitPerSecond());
    response.setIntHeader(CURRENT_PER_MINUTE, decision.currentPerMinute());
    response.setIntHeader(CURRENT_PER_SECOND, decision.currentPerSecond());
    GroupPolicy.ClassLimits limits = group.limitsOf(methodClass);
    if (limits != null) {
      response.setHeader(CLASS, methodClass.label());
      response.setIntHeader(CLASS_LIMIT_PER_MINUTE, Math.min(limits.limitPerMinute(), group.limitPerMinute()));
      response.setIntHeader(CLASS_LIMIT_PER_SECOND, Math.min(limits.limitPerSecond(), group.limitPerSecond()));
    }
    if (outcome.rule() != null) {
      response.setHeader(RULE, outcome.rule().label());
    }
    BandwidthCharge bytes = outcome.bandwidth();
    if (bytes != null) {
      if (bytes.in()) {
        response.setHeader(BYTES_IN_LIMIT, Long.toString(bytes.inLimitBytes()));
        response.setHeader(BYTES_IN_CURRENT, Long.toString(bytes.inUsedBytes()));
      }
      if (bytes.out()) {
        response.setHeader(BYTES_OUT_LIMIT, Long.toString(bytes.outLimitBytes()));
        response.setHeader(BYTES_OUT_CURRENT, Long.toString(bytes.outUsedBytes()));
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
      response.setIntHeader(BUCKET_LIMIT_PER_MINUTE, limits.limitPerMinute());
    }
    if (limits.limitPerSecond() != Integer.MAX_VALUE) {
      response.setIntHeader(BUCKET_LIMIT_PER_SECOND, limits.limitPerSecond());
    }
    response.setIntHeader(BUCKET_CURRENT_PER_MINUTE, counts.currentPerMinute());
    response.setIntHeader(BUCKET_CURRENT_PER_SECOND, counts.currentPerSecond());
  }
}
