package org.s3gate.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Security headers the gateway adds to every response ({@code security.header.NAME=value}, default
 * {@code X-Content-Type-Options: nosniff}), plus {@code Strict-Transport-Security} on HTTPS
 * responses only ({@code security.hsts}, empty = not sent). A backend's own copy of a header the
 * gateway sets is dropped, so a client sees exactly one, the gateway's.
 *
 * <p>Names that carry S3 or HTTP semantics ({@code Content-*}, {@code x-amz-*}, framing and
 * hop-by-hop headers, the rate-limit headers, ...) are refused by {@link SecurityHeadersParser}: setting
 * them could break S3 clients.
 *
 * <p>Immutable.
 */
public final class SecurityHeaderSettings {
  static final String HSTS_HEADER = "Strict-Transport-Security";

  private final String hsts;
  private final Map<String, String> headers;
  private final Set<String> replacedNames;

  public SecurityHeaderSettings(String hsts, Map<String, String> headers) {
    this.hsts = Objects.requireNonNull(hsts, "hsts");
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    names.addAll(headers.keySet());
    if (!hsts.isEmpty()) {
      names.add(HSTS_HEADER);
    }
    this.replacedNames = Collections.unmodifiableSet(names);
  }

  /** The {@code Strict-Transport-Security} value for HTTPS responses; empty when none is sent. */
  public String hsts() {
    return hsts;
  }

  /** Headers for every response, name to value, in the order configured. */
  public Map<String, String> headers() {
    return headers;
  }

  /** Whether a backend's response header of this name is dropped for the gateway's (case-insensitive, no allocation). */
  public boolean replaces(String headerName) {
    return replacedNames.contains(headerName);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SecurityHeaderSettings s && s.hsts.equals(hsts) && s.headers.equals(headers);
  }

  @Override
  public int hashCode() {
    return hsts.hashCode() * 31 + headers.hashCode();
  }

  @Override
  public String toString() {
    return "SecurityHeaderSettings[hsts=" + hsts + ", headers=" + headers + "]";
  }
}
