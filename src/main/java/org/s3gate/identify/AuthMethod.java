package org.s3gate.identify;

/**
 * Where a caller's access key was found; {@link #headerValue()} is what the gateway sends in
 * {@code X-Auth-Method} (SPEC §5).
 *
 * <p>Immutable.
 */
public enum AuthMethod {
  V4_HEADER("v4_header"),
  V2_HEADER("v2_header"),
  V4_PRESIGNED("v4_presigned"),
  V2_PRESIGNED("v2_presigned"),
  /** The {@code AWSAccessKeyId} or {@code X-Amz-Credential} field of a POST Object form. */
  POST_POLICY("post_policy"),
  CUSTOM_HEADER("custom_header"),
  NONE("none");

  private final String headerValue;

  AuthMethod(String headerValue) {
    this.headerValue = headerValue;
  }

  /** The lower-case value of the {@code X-Auth-Method} response header, e.g. {@code "v4_header"}. */
  public String headerValue() {
    return headerValue;
  }
}
