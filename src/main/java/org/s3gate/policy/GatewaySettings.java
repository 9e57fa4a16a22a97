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
    int defaultLimitPerMinute,
    int defaultLimitPerSecond,
    String defaultErrorMessage,
    int denyStatus,
    boolean countDenied,
    Set<String> limitMethods,
    boolean headersEnabled,
    Duration tableExpire,
    long reloadMaxFileBytes,
    List<Cidr> adminAllow,
    List<Cidr> trustedProxies,
    String backendHealthPath,
    HealthCheckSettings healthCheck,
    boolean accessLogEnabled,
    AccessLogFormat accessLogFormat,
    SecurityHeaderSettings securityHeaders,
    StartupSettings startup) {

  public GatewaySettings {
    Objects.requireNonNull(defaultGroup, "defaultGroup");
    Objects.requireNonNull(defaultErrorMessage, "defaultErrorMessage");
    Objects.requireNonNull(tableExpire, "tableExpire");
    Objects.requireNonNull(backendHealthPath, "backendHealthPath");
    Objects.requireNonNull(healthCheck, "healthCheck");
    Objects.requireNonNull(accessLogFormat, "accessLogFormat");
    Objects.requireNonNull(securityHeaders, "securityHeaders");
    Objects.requireNonNull(startup, "startup");
    limitMethods = Collections.unmodifiableSet(new LinkedHashSet<>(limitMethods));
    adminAllow = List.copyOf(adminAllow);
    trustedProxies = List.copyOf(trustedProxies);
  }

  /** These settings with {@code running}'s restart-only values: what a reload keeps in force. */
  GatewaySettings withStartup(StartupSettings running) {
    return new GatewaySettings(defaultGroup, defaultLimitPerMinute, defaultLimitPerSecond, defaultErrorMessage,
        denyStatus, countDenied, limitMethods, headersEnabled, tableExpire, reloadMaxFileBytes, adminAllow,
        trustedProxies,
        backendHealthPath, healthCheck, accessLogEnabled, accessLogFormat, securityHeaders, running);
  }

  /** {@code table.size} (restart). */
  public int tableSize() {
    return startup.tableSize();
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

  /** {@code access.log.file} (restart). */
  public String accessLogFile() {
    return startup.accessLogFile();
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
