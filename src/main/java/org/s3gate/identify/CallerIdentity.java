package org.s3gate.identify;

import java.util.Objects;

/**
 * The access key a request claims and where it was found. The key is only <em>claimed</em>: the
 * gateway does not verify signatures, the backend does.
 *
 * <p>Immutable.
 *
 * @param accessKey the access key, or {@code "unknown"} for {@link #UNKNOWN}
 * @param authMethod where the key was found
 */
public record CallerIdentity(String accessKey, AuthMethod authMethod) {

  /** A caller that could not be identified: key {@code "unknown"}, method {@link AuthMethod#NONE}. */
  public static final CallerIdentity UNKNOWN = new CallerIdentity("unknown", AuthMethod.NONE);

  public CallerIdentity {
    Objects.requireNonNull(accessKey, "accessKey");
    Objects.requireNonNull(authMethod, "authMethod");
  }
}
