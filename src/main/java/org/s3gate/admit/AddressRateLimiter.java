package org.s3gate.admit;

import org.s3gate.limit.Decision;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.PolicySnapshot;

/**
 * The client address's budget for keys nobody gave it: a request under a key that
 * {@code api_key_groups.map} does not list (or under {@code unknown}) is charged to its key and,
 * here, to its client's address ({@code anonymous@ADDRESS}, the counter anonymous requests of that
 * address use too; an IPv6 client's network, {@link ClientNetwork}), with the limits of
 * {@code anonymous.group}. An access key ID needs no
 * credentials to send, so without this each invented key would bring a fresh budget: rotating
 * keys (or dropping the key) would buy a client nothing but the one per-address budget.
 *
 * <p>Bound this gives the counter table: one client address makes at most its per-minute limit of
 * new unlisted keys a minute, so the table's live entries from one address are bounded by that
 * limit, and a flood of invented keys can evict a live listed key only from more addresses than
 * {@code table.size / limit per minute}. Clients in {@code allowlist.lst} are not charged here.
 *
 * <p>Thread-safe: stateless.
 */
public final class AddressRateLimiter implements Limiter {

  public AddressRateLimiter() {}

  private static boolean applies(Caller caller, PolicySnapshot policy) {
    // an allow-listed client (allowlist.lst) is never limited per address
    return !caller.identity().anonymous() && !caller.allowlisted() && !policy.isListed(caller.identity().accessKey());
  }

  @Override
  public Budget budgetOf(RequestFacts request, Caller caller, PolicySnapshot policy) {
    if (!applies(caller, policy)) {
      return null;
    }
    GroupPolicy budget = policy.anonymousPolicy();
    return new Budget(caller.addressCounter(), budget.limitPerSecond(), budget.limitPerMinute());
  }

  @Override
  public String describeLimit(Caller caller, PolicySnapshot policy, Decision denied) {
    return KeyRateLimiter.describe(policy.anonymousPolicy(), denied, "client address");
  }
}
