package org.s3gate.admit;

import org.s3gate.limit.CounterTable;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.PolicySnapshot;

/**
 * Requests in flight per caller: at most the group's {@code concurrent_requests.map} limit
 * ({@code default.limit.concurrent}) of a key's requests are between admission and the last byte
 * of their response at once, so one tenant's slow uploads or downloads cannot hold every backend
 * connection while the others queue. An anonymous caller is counted per client address; a key
 * {@code api_key_groups.map} does not list is counted under its key and under its address (with
 * {@code anonymous.group}'s limit), as for the request rates, so invented keys buy no concurrency
 * either. A limit of 0 means no limit.
 *
 * <p>The counts live in the counter table's entries ({@link CounterTable#tryEnter}), next to the
 * same caller's windows: no map of its own, no allocation per request. Invariant: every
 * successful {@link #tryEnter} is followed by exactly one {@link #exit} for the same caller when
 * the request completes ({@link Admission#complete}), so a count never leaks; a limit lowered by a
 * reload applies to new requests while those in flight finish.
 *
 * <p>Thread-safe: stateless besides the thread-safe table.
 */
final class InFlightLimiter {

  private final CounterTable counters;

  InFlightLimiter(CounterTable counters) {
    this.counters = counters;
  }

  /** Why {@link #tryEnter} refused: the limit that was full, for the SlowDown message. */
  record Refusal(int limit, String perWhat) {
    String describe() {
      return limit + " requests in flight per " + perWhat;
    }
  }

  /**
   * Counts the request in flight under every counter that limits it and returns null, or counts it
   * under none and returns why when one of them is full. {@code chargesAddress}: the caller's key
   * is not listed, so its address is counted too.
   */
  Refusal tryEnter(Caller caller, boolean chargesAddress, PolicySnapshot policy, long nowNanos) {
    GroupPolicy own = caller.group();
    String ownCounter = KeyRateLimiter.counterOf(caller);
    if (!counters.tryEnter(ownCounter, own.limitConcurrent(), nowNanos)) {
      return new Refusal(own.limitConcurrent(), caller.identity().anonymous() ? "client address" : "API key");
    }
    if (chargesAddress) {
      int addressLimit = policy.anonymousPolicy().limitConcurrent();
      if (!counters.tryEnter(caller.addressCounter(), addressLimit, nowNanos)) {
        counters.exit(ownCounter);
        return new Refusal(addressLimit, "client address");
      }
    }
    return null;
  }

  /** Ends a request {@link #tryEnter} let in (with the same {@code chargesAddress}). */
  void exit(Caller caller, boolean chargesAddress) {
    counters.exit(KeyRateLimiter.counterOf(caller));
    if (chargesAddress) {
      counters.exit(caller.addressCounter());
    }
  }
}
