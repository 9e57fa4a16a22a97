package org.s3gate.policy;

import java.util.Objects;

/**
 * What one rate-limit group is allowed: its per-second and per-minute limits, how many requests one
 * of its keys may have in flight at once, and the message a denied caller reads. {@link PolicySnapshot} precomputes one instance per group, so looking a
 * policy up on the request path allocates nothing.
 *
 * <p>A limit of 0 denies every request of the group (the way to block a key without removing it).
 *
 * <p>Immutable.
 */
public record GroupPolicy(String group, int limitPerSecond, int limitPerMinute, int limitConcurrent,
    String errorMessage) {

  public GroupPolicy {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(errorMessage, "errorMessage");
    if (limitPerSecond < 0 || limitPerMinute < 0 || limitConcurrent < 0) {
      throw new IllegalArgumentException("limits must be >= 0: " + limitPerSecond + "/s, " + limitPerMinute
          + "/min, " + limitConcurrent + " in flight");
    }
  }
}
