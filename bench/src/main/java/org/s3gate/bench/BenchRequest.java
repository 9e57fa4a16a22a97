package org.s3gate.bench;

import java.util.List;

import org.s3gate.admit.RequestFacts;

/**
 * A SigV4-signed {@code GET /bench/object} as the admission core reads it, built at setup so the
 * benchmarks measure the decision, not building strings. Only {@code Authorization} is present,
 * as for a typical SDK request whose other headers the decision does not read.
 *
 * <p>Immutable.
 */
final class BenchRequest implements RequestFacts {
  private final String authorization;
  private final List<String> authorizationValues;

  BenchRequest(String authorization) {
    this.authorization = authorization;
    this.authorizationValues = List.of(authorization);
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
    return "Authorization".equalsIgnoreCase(name) ? authorization : null;
  }

  @Override
  public String remoteAddress() {
    return "127.0.0.1";
  }

  @Override
  public List<String> headerValues(String name) {
    return "Authorization".equalsIgnoreCase(name) ? authorizationValues : List.of();
  }
}
