package org.s3gate.policy;

import java.util.Objects;

/**
 * The raw inputs of one compile: the built-in defaults, the operator's {@code gateway.properties},
 * the four maps, and the {@link #BACKEND_OVERRIDE_VARIABLE} override (null or blank when unset).
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

  /**
   * The environment variable whose backend URLs override {@code backend.urls}; errors about its
   * value name it as their source.
   */
  public static final String BACKEND_OVERRIDE_VARIABLE = "S3GATE_BACKEND";

  public PolicySources {
    Objects.requireNonNull(defaults, "defaults");
    Objects.requireNonNull(gateway, "gateway");
    Objects.requireNonNull(keyGroups, "keyGroups");
    Objects.requireNonNull(limitsPerMinute, "limitsPerMinute");
    Objects.requireNonNull(limitsPerSecond, "limitsPerSecond");
    Objects.requireNonNull(errorMessages, "errorMessages");
  }
}
