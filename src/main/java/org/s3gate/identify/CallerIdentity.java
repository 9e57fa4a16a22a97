package org.s3gate.identify;

import java.util.Objects;

/**
 * The access key a request claims and where it was found, or why the request must be refused
 * before any key is charged. The key is only <em>claimed</em>: the gateway does not verify
 * signatures, the backend does.
 *
 * <p>Immutable.
 *
 * @param accessKey the access key, or {@code "unknown"} for {@link #UNKNOWN} and refusals
 * @param authMethod where the key was found
 * @param refusal null for a request that may be counted; else why it is refused (400)
 */
public record CallerIdentity(String accessKey, AuthMethod authMethod, Refusal refusal) {

  /**
   * Why a request cannot be charged to any key: charging one could let the backend authenticate
   * another, so the request is answered 400 and never forwarded.
   */
  public enum Refusal {
    /** An {@code AWS4-} or {@code AWS} Authorization header that S3 servers would not parse the same way. */
    MALFORMED_AUTHORIZATION("AuthorizationHeaderMalformed",
        "The Authorization header is malformed: expected 'AWS4-<algorithm> Credential=..., SignedHeaders=..., "
            + "Signature=...' (each component once) or 'AWS <key>:<signature>'."),
    /** The request names more than one access key (header and query, two query parameters, ...). */
    CONFLICTING_KEYS("InvalidRequest",
        "The request names more than one access key; sign it with one key only.");

    private final String errorCode;
    private final String message;

    Refusal(String errorCode, String message) {
      this.errorCode = errorCode;
      this.message = message;
    }

    /** The S3 error code of the 400 answer. */
    public String errorCode() {
      return errorCode;
    }

    public String message() {
      return message;
    }
  }

  /** A caller that could not be identified: key {@code "unknown"}, method {@link AuthMethod#NONE}. */
  public static final CallerIdentity UNKNOWN = new CallerIdentity("unknown", AuthMethod.NONE);

  static final CallerIdentity MALFORMED =
      new CallerIdentity("unknown", AuthMethod.NONE, Refusal.MALFORMED_AUTHORIZATION);
  static final CallerIdentity CONFLICTING = new CallerIdentity("unknown", AuthMethod.NONE, Refusal.CONFLICTING_KEYS);

  public CallerIdentity {
    Objects.requireNonNull(accessKey, "accessKey");
    Objects.requireNonNull(authMethod, "authMethod");
  }

  /** An identified caller (or {@link #UNKNOWN}): nothing to refuse. */
  public CallerIdentity(String accessKey, AuthMethod authMethod) {
    this(accessKey, authMethod, null);
  }

  /** Whether the request must be refused instead of counted. */
  public boolean refused() {
    return refusal != null;
  }
}
