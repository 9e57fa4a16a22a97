package org.s3gate.it;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * One side of the differential comparison: the S3 backend itself ({@code direct}) or the gateway
 * in front of it ({@code gateway}), with the buckets its variants use. The two sides use buckets of
 * their own (same kinds, different names) on the same backend, so a variant's object keys are the
 * same both ways and the two sends never see each other's objects.
 *
 * <p>Immutable; the SDK client and presigner it holds are thread-safe.
 */
record TransparencyTarget(String name, int port, String bucketPrefix, S3Client s3, S3Presigner presigner)
    implements AutoCloseable {

  /** What anonymous callers may do in a bucket (canned ACL given when the bucket is created). */
  enum BucketKind {
    PRIVATE("private"), PUBLIC_READ("public-read"), PUBLIC_WRITE("public-read-write");

    final String cannedAcl;

    BucketKind(String cannedAcl) {
      this.cannedAcl = cannedAcl;
    }
  }

  String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  String bucket(BucketKind kind) {
    return bucketPrefix + "-" + kind.cannedAcl;
  }

  @Override
  public void close() {
    s3.close();
    presigner.close();
  }

  @Override
  public String toString() {
    return name;
  }
}
