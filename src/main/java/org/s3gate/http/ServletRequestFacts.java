package org.s3gate.http;

import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.s3gate.admit.ClientAddress;
import org.s3gate.admit.RequestFacts;
import org.s3gate.identify.CallerIdentity;
import org.s3gate.policy.Cidr;
import org.s3gate.policy.PolicySnapshot;

/**
 * A servlet request as the admission core reads it: the request line and headers as received
 * ({@code getRequestURI()} and {@code getQueryString()} are not decoded).
 *
 * <p>Not thread-safe; confined to the request's thread, like the request.
 */
final class ServletRequestFacts implements RequestFacts {
  private final HttpServletRequest request;
  private final CallerIdentity formIdentity;

  ServletRequestFacts(HttpServletRequest request, CallerIdentity formIdentity) {
    this.request = request;
    this.formIdentity = formIdentity;
  }

  @Override
  public CallerIdentity formIdentity() {
    return formIdentity;
  }

  @Override
  public String method() {
    return request.getMethod();
  }

  @Override
  public String rawPath() {
    return request.getRequestURI();
  }

  @Override
  public String rawQuery() {
    return request.getQueryString();
  }

  @Override
  public String header(String name) {
    return request.getHeader(name);
  }

  @Override
  public String remoteAddress() {
    return request.getRemoteAddr();
  }

  @Override
  public List<String> headerValues(String name) {
    Enumeration<String> values = request.getHeaders(name);
    return values == null ? List.of() : Collections.list(values);
  }

  /**
   * The client of a request, for the parts that have no admission outcome (the admin endpoints, an
   * exempt request's access log line): the TCP peer, or behind a trusted proxy the hop it names.
   */
  static String clientAddress(HttpServletRequest request, PolicySnapshot policy) {
    List<Cidr> trusted = policy.settings().trustedProxies();
    if (trusted.isEmpty()) {
      return request.getRemoteAddr();
    }
    return ClientAddress.resolve(request.getRemoteAddr(), Collections.list(request.getHeaders("X-Forwarded-For")),
        trusted);
  }
}
