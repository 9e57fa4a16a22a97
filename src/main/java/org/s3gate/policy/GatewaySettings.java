package org.s3gate.policy;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The settings of {@code gateway.properties} (over the built-in
 * {@code gateway-defaults.properties}), parsed and validated. Part of one {@link PolicySnapshot},
 * so a request sees all settings of one reload or all of the next, never a mix of the two (Jetty's
 * old DoSFilter kept a dozen separate volatile fields and could be seen half-updated).
 *
 * <p>The restart-only settings are grouped in {@link StartupSettings}; a reload keeps the values
 * the gateway started with (see {@link PolicyCompiler}). Their accessors here read through to it.
 *
 * <p>Immutable (collections are copied into unmodifiable ones).
 */
public record GatewaySettings(
    String defaultGroup,
    String anonymousGroup,
    int postIdentifyMaxBytes,
    int defaultLimitPerMinute,
    int defaultLimitPerSecond,
    int defaultLimitConcurrent,
    String defaultErrorMessage,
    int denyStatus,
    boolean countDenied,
    Set<String> limitMethods,
    boolean headersEnabled,
    Set<String> exemptPaths,
    Duration tableExpire,
    long reloadMaxFileBytes,
    List<Cidr> adminAllow,
    List<Cidr> trustedProxies,
    String backendHealthPath,
    HealthCheckSettings healthCheck,
    long requestMinRate,
    long responseMinRate,
    Duration minRateWindow,
    boolean accessLogEnabled,
    AccessLogFormat accessLogFormat,
    SecurityHeaderSettings securityHeaders,
    ClientIpSettings clientIps,
    EnforcementSettings enforcement,
    StartupSettings startup) {

  public GatewaySettings {
    Objects.requireNonNull(defaultGroup, "defaultGroup");
    Objects.requireNonNull(anonymousGroup, "anonymousGroup");
    Objects.requireNonNull(defaultErrorMessage, "defaultErrorMessage");
    Objects.requireNonNull(tableExpire, "tableExpire");
    Objects.requireNonNull(backendHealthPath, "backendHealthPath");
    Objects.requireNonNull(healthCheck, "healthCheck");
    Objects.requireNonNull(minRateWindow, "minRateWindow");
    Objects.requireNonNull(accessLogFormat, "accessLogFormat");
    Objects.requireNonNull(securityHeaders, "securityHeaders");
    Objects.requireNonNull(clientIps, "clientIps");
    Objects.requireNonNull(enforcement, "enforcement");
    Objects.requireNonNull(startup, "startup");
    limitMethods = Collections.unmodifiableSet(new LinkedHashSet<>(limitMethods));
    exemptPaths = Set.copyOf(exemptPaths);
    adminAllow = List.copyOf(adminAllow);
    trustedProxies = List.copyOf(trustedProxies);
  }

  /** These settings with {@code running}'s restart-only values: what a reload keeps in force. */
  GatewaySettings withStartup(StartupSettings running) {
    return new GatewaySettings(defaultGroup, anonymousGroup, postIdentifyMaxBytes, defaultLimitPerMinute, defaultLimitPerSecond,
        defaultLimitConcurrent, defaultErrorMessage,
        denyStatus, countDenied, limitMethods, headersEnabled, exemptPaths, tableExpire, reloadMaxFileBytes, adminAllow,
        trustedProxies, backendHealthPath, healthCheck, requestMinRate, responseMinRate, minRateWindow, accessLogEnabled,
        accessLogFormat, securityHeaders, clientIps, enforcement, running);
  }

  /** {@code table.size} (restart). */
  public int tableSize() {
    return startup.tableSize();
  }

  /** {@code ip.table.size}: most client IPs tracked (restart). */
  public int ipTableSize() {
    return startup.ipTableSize();
  }

  /** {@code ip.window}: the sliding window of the per-IP counts (restart). */
  public Duration ipWindow() {
    return startup.ipWindow();
  }

  /** {@code reload.interval} (restart). */
  public Duration reloadInterval() {
    return startup.reloadInterval();
  }

  /** {@code backend.urls}, or {@code S3GATE_BACKEND} (restart). */
  public List<URI> backendUrls() {
    return startup.backendUrls();
  }

  /** {@code backend.backup.urls} (restart). */
  public List<URI> backendBackupUrls() {
    return startup.backendBackupUrls();
  }

  /** {@code backend.max_connections}: connections the proxy opens to each backend at most (restart). */
  public int backendMaxConnections() {
    return startup.backendMaxConnections();
  }

  /** {@code access.log.file} (restart). */
  public String accessLogFile() {
    return startup.accessLogFile();
  }

  /**
   * Whether a request is never limited: a GET or HEAD of exactly one of {@code exempt.paths} (the
   * raw path as received, so {@code /minio/health/live/../../bucket/key} is not exempt).
   */
  public boolean isExempt(String method, String rawPath) {
    return ("GET".equals(method) || "HEAD".equals(method)) && exemptPaths.contains(rawPath);
  }

  /**
   * Whether requests with this HTTP method are rate limited. Methods are case-sensitive
   * (RFC 9110), and {@code limit.methods} is stored upper-case, so {@code "get"} is not
   * {@code "GET"}. An empty {@code limit.methods} limits every method.
   */
  public boolean isLimited(String method) {
    return limitMethods.isEmpty() || limitMethods.contains(method);
  }
}
