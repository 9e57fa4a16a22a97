package org.s3gate.admit;

import org.s3gate.limit.Decision;
import org.s3gate.limit.LimitWindow;

/**
 * What happened to a request at admission, as a label for metrics and the access log: admitted,
 * denied by the per-second or the per-minute window or by the requests the caller has in flight
 * ({@code concurrent_requests.map}) or by the client IP's rules, rejected as malformed or ambiguous before
 * anything was counted ({@link RequestScreen}, a refused identity), or exempt (never limited:
 * {@code exempt.paths}).
 *
 * <p>Immutable.
 */
public enum Verdict {
  ADMITTED("admitted"),
  DENIED_PER_SECOND("denied_per_second"),
  DENIED_PER_MINUTE("denied_per_minute"),
  DENIED_CONCURRENT("denied_concurrent"),
  /** Denied or tarpitted by the per-client-IP rules ({@code ip.limit.requests}, {@code ip.tarpit.*}). */
  DENIED_CLIENT_IP("denied_client_ip"),
  REJECTED("rejected"),
  EXEMPT("exempt");

  private final String label;

  Verdict(String label) {
    this.label = label;
  }

  /** The label value, e.g. {@code "denied_per_minute"}. */
  public String label() {
    return label;
  }

  /** The verdict of a counter decision; allocates nothing. */
  static Verdict of(Decision decision) {
    if (decision.admitted()) {
      return ADMITTED;
    }
    return decision.trippedWindow() == LimitWindow.SECOND ? DENIED_PER_SECOND : DENIED_PER_MINUTE;
  }
}
