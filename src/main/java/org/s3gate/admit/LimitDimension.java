package org.s3gate.admit;

/**
 * Which budget refused a request: the label of {@code s3gate_denials_total{dimension}}, the
 * {@code X-RateLimit-Dimension} header of a denial, the access log's {@code $dimension} and the
 * stats. One value per limiter of the admission core, so a dashboard can tell a tenant over its
 * request rate from one over its bandwidth. New budgets (per bucket) add their own value here.
 *
 * <p>Immutable.
 */
public enum LimitDimension {
  /** The caller's own per-second request limit (its group's; an anonymous caller's per address). */
  SECOND("second"),
  /** The caller's own per-minute request limit. */
  MINUTE("minute"),
  /** {@code GROUP:read} (either window). */
  CLASS_READ("class_read"),
  /** {@code GROUP:write} (either window). */
  CLASS_WRITE("class_write"),
  /** {@code GROUP:in} of bandwidth_per_minute.map: request body bytes per minute. */
  BYTES_IN("bytes_in"),
  /** {@code GROUP:out} of bandwidth_per_minute.map: response body bytes per minute. */
  BYTES_OUT("bytes_out"),
  /** The client address's budget of a key api_key_groups.map does not list. */
  ADDRESS("address"),
  /** The client address's budget of forged requests. */
  FORGED("forged"),
  /** The caller's requests in flight (concurrent_requests.map). */
  CONCURRENT("concurrent");

  private final String label;

  LimitDimension(String label) {
    this.label = label;
  }

  /** The label value, e.g. {@code bytes_in}. */
  public String label() {
    return label;
  }
}
