package org.s3gate.policy;

import java.util.Objects;

/**
 * What one rate-limit group is allowed: its per-second and per-minute limits, how many requests one
 * of its keys may have in flight at once, the message a denied caller reads, and the limits of its
 * method classes ({@code GROUP:read}, {@code GROUP:write}; null when the maps set neither window
 * for that class), and its bandwidth ({@code GROUP:in} / {@code GROUP:out} of
 * {@code bandwidth_per_minute.map}; null when it has neither). {@link PolicySnapshot} precomputes one instance per group, so looking a
 * policy up on the request path allocates nothing.
 *
 * <p>A limit of 0 denies every request of the group (the way to block a key without removing it).
 *
 * <p>Immutable.
 */
public record GroupPolicy(String group, int limitPerSecond, int limitPerMinute, int limitConcurrent,
    String errorMessage, ClassLimits read, ClassLimits write, Bandwidth bandwidth) {

  /**
   * A group's bytes per sliding minute: request bodies in, response bodies out. A direction the
   * map leaves unset is {@link #UNLIMITED} (-1): not counted at all.
   */
  public record Bandwidth(long inBytesPerMinute, long outBytesPerMinute) {
    /** A direction without a limit. */
    public static final long UNLIMITED = -1;

    public Bandwidth {
      if (inBytesPerMinute < UNLIMITED || outBytesPerMinute < UNLIMITED) {
        throw new IllegalArgumentException("bandwidth limits must be >= 0 (or UNLIMITED): in " + inBytesPerMinute
            + ", out " + outBytesPerMinute);
      }
    }

    public boolean limitsIn() {
      return inBytesPerMinute != UNLIMITED;
    }

    public boolean limitsOut() {
      return outBytesPerMinute != UNLIMITED;
    }
  }

  /**
   * A method class's own limits. A window the maps leave unset for the class is
   * {@link Integer#MAX_VALUE}: only the group's limit applies there.
   */
  public record ClassLimits(int limitPerSecond, int limitPerMinute) {
    public ClassLimits {
      if (limitPerSecond < 0 || limitPerMinute < 0) {
        throw new IllegalArgumentException("class limits must be >= 0: " + limitPerSecond + "/s, "
            + limitPerMinute + "/min");
      }
    }
  }

  public GroupPolicy {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(errorMessage, "errorMessage");
    if (limitPerSecond < 0 || limitPerMinute < 0 || limitConcurrent < 0) {
      throw new IllegalArgumentException("limits must be >= 0: " + limitPerSecond + "/s, " + limitPerMinute
          + "/min, " + limitConcurrent + " in flight");
    }
  }

  /** A group without method-class limits. */
  public GroupPolicy(String group, int limitPerSecond, int limitPerMinute, int limitConcurrent, String errorMessage) {
    this(group, limitPerSecond, limitPerMinute, limitConcurrent, errorMessage, null, null, null);
  }

  /** A group without bandwidth limits. */
  public GroupPolicy(String group, int limitPerSecond, int limitPerMinute, int limitConcurrent, String errorMessage,
      ClassLimits read, ClassLimits write) {
    this(group, limitPerSecond, limitPerMinute, limitConcurrent, errorMessage, read, write, null);
  }

  /** The limits of {@code methodClass}, or null when the group has none for it (or the class is null). */
  public ClassLimits limitsOf(MethodClass methodClass) {
    if (methodClass == null) {
      return null;
    }
    return methodClass == MethodClass.READ ? read : write;
  }
}
