package org.s3gate.management;

/**
 * {@code s3gate:type=Gateway}: totals, the configuration version in force, the backends, and a
 * reload of every configuration file.
 *
 * <p>Thread-safe (implementations read thread-safe counters and immutable snapshots).
 */
@Description("The s3gate gateway: request totals, the configuration version, hot reload and the backends")
public interface GatewayMXBean {

  /** Requests seen by the rate-limit filter since start (admitted and denied). */
  @Description("Requests checked by the rate limiter since start, admitted and denied")
  long getRequests();

  /** Requests denied since start. */
  @Description("Requests denied by a rate limit since start")
  long getDenied();

  /** The version of the configuration in force; +1 with every reload or map change that publishes. */
  @Description("Version of the configuration in force; +1 with every reload or map change that publishes it")
  long getConfigVersion();

  /**
   * Whether hot reload is alive: {@code OK}, {@code FAILING} (the last check of the files failed
   * unexpectedly, e.g. out of memory; checks go on) or {@code STUCK} (no check has completed for
   * 3 x reload.interval + 5 s: edits on disk are not being picked up).
   */
  @Description("Hot reload: OK, FAILING (the last check failed unexpectedly) or STUCK (no check for 3 x reload.interval"
      + " + 5 s)")
  String getReloadState();

  /** When the reload trigger last completed a check of the files (ISO-8601 UTC). */
  @Description("When the reload trigger last completed a check of the files (ISO-8601 UTC)")
  String getLastReloadCheck();

  /**
   * The last unexpected failure of a check, with its time
   * ({@code 2025-06-01T12:00:00Z java.lang.OutOfMemoryError: Java heap space}), or null.
   */
  @Description("The last unexpected failure of a reload check, with its time, or null")
  String getReloadFailure();

  /** One line per backend: {@code http://host:9000 UP since 2025-06-01T12:00:00Z} (plus {@code error: ...} when down). */
  @Description("One line per backend: URL, UP or DOWN, since when, and the last error while down")
  String[] getBackends();

  /**
   * Reloads every configuration file now: {@code PUBLISHED version 8 (changed: [...])} or
   * {@code UNCHANGED version 7}; throws {@link IllegalStateException} listing every error when the
   * files are rejected (the previous version stays in force).
   */
  @Description("Reloads every configuration file now (all or nothing); fails listing every error if they are rejected")
  String reloadAll();
}
