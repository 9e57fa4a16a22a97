package org.s3gate.admit;

import org.s3gate.identify.CallerIdentity;
import org.s3gate.policy.GroupPolicy;

/**
 * Who is calling, as every {@link Limiter} of one decision sees it: the identity the request
 * claims, the group policy it is limited by (a conditioned variant, {@code premium@offhours}, while
 * its condition holds), the client's address ({@link ClientAddress}) and the network the
 * per-address rules count it as ({@link ClientNetwork}), whether {@code allowlist.lst} lists that
 * address (looked up once per request), and the bucket whose limit the request is charged to
 * ({@link BucketRateLimiter}; null when no bucket limit applies).
 *
 * <p>Immutable.
 */
public record Caller(CallerIdentity identity, GroupPolicy group, String clientAddress, String clientNetwork,
    boolean allowlisted, String bucket) {

  /** A caller charged to no bucket. */
  public Caller(CallerIdentity identity, GroupPolicy group, String clientAddress, String clientNetwork,
      boolean allowlisted) {
    this(identity, group, clientAddress, clientNetwork, allowlisted, null);
  }

  /** The counter of this client's network: {@code anonymous@NETWORK} (never a key a request can name). */
  String addressCounter() {
    return CallerIdentity.ADDRESS_COUNTER_PREFIX + clientNetwork;
  }
}
