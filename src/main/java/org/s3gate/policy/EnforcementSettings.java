package org.s3gate.policy;

import java.util.Locale;
import java.util.Objects;

/**
 * How the limits are enforced, and what the gateway tells others about them: {@code mode}
 * (enforce, or shadow: every would-be denial counted, none made), {@code allowlist.skip_key_limits}
 * (whether {@code allowlist.lst}'s clients skip their keys' limits too), {@code inform.backend}
 * (the {@code X-RateLimit-Bucket} request header) and the connection-rate rule
 * ({@code ip.limit.connections} new connections per {@code ip.window} (restart; see
 * {@link GatewaySettings#ipWindow()}) and client IP, enforced by the Jetty component
 * {@code org.s3gate.jetty.ConnectionRateLimiter}; 0 = off). All hot.
 *
 * <p>Immutable.
 */
public record EnforcementSettings(Mode mode, boolean allowlistSkipKeyLimits, boolean informBackend,
    int ipLimitConnections) {

  /** {@code mode}: whether denials are made or only counted. */
  public enum Mode {
    /** Denials are made (the default). */
    ENFORCE,
    /** Nothing is denied, delayed or rejected; every would-be denial is counted and logged. */
    SHADOW;

    /** The value in {@code gateway.properties}, e.g. {@code shadow}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The mode of a label, or null. */
    static Mode ofLabel(String text) {
      for (Mode mode : values()) {
        if (mode.label().equals(text)) {
          return mode;
        }
      }
      return null;
    }
  }

  public EnforcementSettings {
    Objects.requireNonNull(mode, "mode");
  }

  /** Whether would-be denials are only counted ({@code mode=shadow}). */
  public boolean shadow() {
    return mode == Mode.SHADOW;
  }
}
