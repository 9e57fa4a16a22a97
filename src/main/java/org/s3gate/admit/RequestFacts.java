package org.s3gate.admit;

import java.util.List;

import org.s3gate.identify.CallerIdentity;

/**
 * What the admission core reads of one request, without the container: the request line, header
 * values and the client's address. The HTTP layer adapts its request to this; benchmarks and tests
 * build one directly. Implementations return values as received (nothing decoded or normalized),
 * since the caller is identified from the request exactly as it is forwarded.
 *
 * <p>Implementations are read by one thread per request; they need not be thread-safe.
 */
public interface RequestFacts {

  /** The method as received, e.g. {@code GET}. */
  String method();

  /** The path as received, still percent-encoded, never null. */
  String rawPath();

  /** The query as received, still percent-encoded, or null when there is none. */
  String rawQuery();

  /** The first value of the header named {@code name} (case-insensitive), or null. */
  String header(String name);

  /** Every value of the header named {@code name} (case-insensitive), in order; empty when absent. */
  List<String> headerValues(String name);

  /** The TCP peer's address (an IP literal), as the container reports it. */
  String remoteAddress();

  /**
   * The caller a POST upload's form names ({@code AWSAccessKeyId} or {@code X-Amz-Credential}
   * ahead of its file), or null when the request is not such an upload or its form was not read.
   * Used only when the headers and query name no caller.
   */
  default CallerIdentity formIdentity() {
    return null;
  }
}
