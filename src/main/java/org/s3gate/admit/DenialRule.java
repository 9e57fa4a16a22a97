package org.s3gate.admit;

import org.s3gate.limit.Decision;
import org.s3gate.limit.LimitWindow;

/**
 * Which rule refused a request, as the {@code rule} label of {@code s3gate_denials_total} (and of
 * the shadow mode's would-be denials): the budget and, for the rate budgets, its window.
 * {@link #IP_CONNECTIONS} is the connection-rate rule, applied where connections are accepted
 * (outside admission); it is named here so every rule label comes from one list.
 *
 * <p>Immutable.
 */
public enum DenialRule {
  KEY_SECOND("key_second"),
  KEY_MINUTE("key_minute"),
  CLASS_SECOND("class_second"),
  CLASS_MINUTE("class_minute"),
  ADDRESS_SECOND("address_second"),
  ADDRESS_MINUTE("address_minute"),
  /** {@code bucket_limits_per_second.map}: the request's bucket, across all callers. */
  BUCKET_SECOND("bucket_second"),
  /** {@code bucket_limits_per_minute.map}. */
  BUCKET_MINUTE("bucket_minute"),
  /** {@code GROUP:in} of bandwidth_per_minute.map: request body bytes per sliding minute. */
  BYTES_IN("bytes_in"),
  /** {@code GROUP:out} of bandwidth_per_minute.map: response body bytes per sliding minute. */
  BYTES_OUT("bytes_out"),
  CONCURRENT("concurrent"),
  /** {@code ip.limit.requests}. */
  IP_REQUESTS("ip_requests"),
  /** {@code ip.tarpit.requests} + {@code ip.tarpit.errors}: held {@code tarpit.delay}, then 429. */
  IP_TARPIT("ip_tarpit"),
  /** The tarpit rule with {@code tarpit.max} requests held already: answered 429 at once. */
  IP_TARPIT_FULL("ip_tarpit_full"),
  /** {@code ip.limit.connections}: a connection closed at accept. */
  IP_CONNECTIONS("ip_connections");

  private final String label;

  DenialRule(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** {@code second} or {@code minute} of a rate pair, by the window that tripped {@code denied}. */
  static DenialRule of(DenialRule perSecond, DenialRule perMinute, Decision denied) {
    return denied.trippedWindow() == LimitWindow.SECOND ? perSecond : perMinute;
  }
}
