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

  /**
   * A caller that names a key the gateway cannot read (a malformed credential parameter, an
   * untrusted custom header, an Authorization header of another scheme): key {@code "unknown"},
   * method {@link AuthMethod#NONE}, counted under that one key (and per client address).
   */
  public static final CallerIdentity UNKNOWN = new CallerIdentity("unknown", AuthMethod.NONE);

  /**
   * A caller that names no key at all (an unsigned request: public-read buckets, anonymous POST
   * uploads): key {@code "anonymous"}, counted per client address, never as one shared key.
   */
  public static final CallerIdentity ANONYMOUS = new CallerIdentity("anonymous", AuthMethod.NONE);

  /** The prefix of the per-client-address counters: {@code anonymous@203.0.113.7}. */
  public static final String ADDRESS_COUNTER_PREFIX = KeyText.ADDRESS_COUNTER_PREFIX;

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

  /** Whether the request names no key at all: see {@link #ANONYMOUS}. */
  public boolean anonymous() {
    return this == ANONYMOUS;
  }

  /** Whether the request must be refused instead of counted. */
  public boolean refused() {
    return refusal != null;
  }
}
