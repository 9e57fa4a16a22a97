package org.s3gate.policy;

import java.util.Objects;

/**
 * The raw inputs of one compile: the built-in defaults, the operator's {@code gateway.properties},
 * the four maps, and the {@code S3GATE_BACKEND} override (null or blank when unset).
 *
 * <p>Immutable.
 */
public record PolicySources(
    RawFile defaults,
    RawFile gateway,
    RawFile keyGroups,
    RawFile limitsPerMinute,
    RawFile limitsPerSecond,
    RawFile errorMessages,
    String backendOverride) {

  public PolicySources {
    Objects.requireNonNull(defaults, "defaults");
    Objects.requireNonNull(gateway, "gateway");
    Objects.requireNonNull(keyGroups, "keyGroups");
    Objects.requireNonNull(limitsPerMinute, "limitsPerMinute");
    Objects.requireNonNull(limitsPerSecond, "limitsPerSecond");
    Objects.requireNonNull(errorMessages, "errorMessages");
  }
}
