package org.s3gate.bench;

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

  BenchRequest(String authorization) {
    this.authorization = authorization;
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
}
