package org.s3gate.admit;

import org.s3gate.identify.CallerIdentity;
import org.s3gate.policy.GroupPolicy;

/**
 * Who is calling, as every {@link Limiter} of one decision sees it: the identity the request
 * claims, the group policy it is limited by, the client's address ({@link ClientAddress}) and
 * whether {@code allowlist.lst} lists that address (looked up once per request).
 *
 * <p>Immutable.
 */
public record Caller(CallerIdentity identity, GroupPolicy group, String clientAddress, boolean allowlisted) {

  /** The counter of this client's address: {@code anonymous@ADDRESS} (never a key a request can name). */
  String addressCounter() {
    return CallerIdentity.ADDRESS_COUNTER_PREFIX + clientAddress;
  }
}
