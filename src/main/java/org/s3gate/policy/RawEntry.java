package org.s3gate.policy;

import java.util.Objects;

/**
 * One {@code key value} line of a configuration file as read, before validation: the key and the
 * value (escapes resolved, surrounding whitespace trimmed) and the 1-based line the key is on.
 *
 * <p>Immutable.
 */
public record RawEntry(String key, String value, int line) {

  public RawEntry {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }
}
