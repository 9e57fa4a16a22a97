package org.s3gate.management;

/**
 * {@code s3gate:type=Gateway}: totals, the configuration version in force, the backends, and a
 * reload of every configuration file.
 *
 * <p>Thread-safe (implementations read thread-safe counters and immutable snapshots).
 */
public interface GatewayMXBean {

  /** Requests seen by the rate-limit filter since start (admitted and denied). */
  long getRequests();

  /** Requests denied since start. */
  long getDenied();

  /** The version of the configuration in force; +1 with every reload or map change that publishes. */
  long getConfigVersion();

  /** One line per backend: {@code http://host:9000 UP since 2025-06-01T12:00:00Z} (plus {@code error: ...} when down). */
  String[] getBackends();

  /**
   * Reloads every configuration file now: {@code PUBLISHED version 8 (changed: [...])} or
   * {@code UNCHANGED version 7}; throws {@link IllegalStateException} listing every error when the
   * files are rejected (the previous version stays in force).
   */
  String reloadAll();
}
