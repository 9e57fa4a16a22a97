package org.s3gate.proxy;

import org.eclipse.jetty.client.Request;
import org.s3gate.http.RateLimitBucket;

/**
 * {@code inform.backend}: sets {@link RateLimitBucket}'s {@code X-RateLimit-Bucket} on a forwarded
 * request. Any copy the client sent is removed first, always, with {@code inform.backend} on or off:
 * a backend that reads the header must be able to trust that the gateway wrote it.
 *
 * <p>Immutable (static functions only).
 */
final class BucketHeader {
  private BucketHeader() {}

  /** Removes any client-sent copy, then adds {@code value} unless it is null ({@code inform.backend=false}). */
  static void set(Request proxyRequest, String value) {
    proxyRequest.headers(headers -> {
      headers.remove(RateLimitBucket.NAME);
      if (value != null) {
        headers.put(RateLimitBucket.NAME, value);
      }
    });
  }
}
