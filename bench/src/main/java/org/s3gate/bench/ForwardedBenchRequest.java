package org.s3gate.bench;

import java.util.List;

import org.s3gate.admit.RequestFacts;

/**
 * {@link BenchRequest} from a trusted proxy: TCP peer 10.0.0.1 and one {@code X-Forwarded-For}
 * naming the client, so the admission core resolves the client IP from the header, as behind a
 * load balancer. Built at setup.
 *
 * <p>Immutable.
 */
final class ForwardedBenchRequest implements RequestFacts {
  static final String PROXY = "10.0.0.1";

  private final String authorization;
  private final List<String> authorizationValues;
  private final List<String> forwardedFor;

  ForwardedBenchRequest(String authorization, String clientIp) {
    this.authorization = authorization;
    this.authorizationValues = List.of(authorization);
    this.forwardedFor = List.of(clientIp);
  }

  @Override
  public String method() {
    return "GET";
  }

  @Override
  public String rawPath() {
    return "/bench/object";
  }

  @Override
  public String rawQuery() {
    return null;
  }

  @Override
  public String header(String name) {
    if ("Authorization".equalsIgnoreCase(name)) {
      return authorization;
    }
    return "X-Forwarded-For".equalsIgnoreCase(name) ? forwardedFor.get(0) : null;
  }

  @Override
  public List<String> headerValues(String name) {
    if ("Authorization".equalsIgnoreCase(name)) {
      return authorizationValues;
    }
    return "X-Forwarded-For".equalsIgnoreCase(name) ? forwardedFor : List.of();
  }

  @Override
  public String remoteAddress() {
    return PROXY;
  }
}
