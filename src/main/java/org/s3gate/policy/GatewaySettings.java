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
 * <p>{@code tableSize}, {@code reloadInterval}, {@code backendUrls} and {@code backendBackupUrls} are restart-only: a reload
 * keeps the values the gateway started with (see {@link PolicyCompiler}).
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
    int tableSize,
    Duration tableExpire,
    Duration reloadInterval,
    List<Cidr> adminAllow,
    List<Cidr> trustedProxies,
    List<URI> backendUrls,
    String backendHealthPath,
    List<URI> backendBackupUrls,
    HealthCheckSettings healthCheck,
    boolean accessLogEnabled,
    AccessLogFormat accessLogFormat,
    String accessLogFile,
    SecurityHeaderSettings securityHeaders) {

  public GatewaySettings {
    Objects.requireNonNull(defaultGroup, "defaultGroup");
    Objects.requireNonNull(defaultErrorMessage, "defaultErrorMessage");
    Objects.requireNonNull(tableExpire, "tableExpire");
    Objects.requireNonNull(reloadInterval, "reloadInterval");
    Objects.requireNonNull(backendHealthPath, "backendHealthPath");
    Objects.requireNonNull(healthCheck, "healthCheck");
    Objects.requireNonNull(accessLogFormat, "accessLogFormat");
    Objects.requireNonNull(accessLogFile, "accessLogFile");
    Objects.requireNonNull(securityHeaders, "securityHeaders");
    limitMethods = Collections.unmodifiableSet(new LinkedHashSet<>(limitMethods));
    adminAllow = List.copyOf(adminAllow);
    trustedProxies = List.copyOf(trustedProxies);
    backendUrls = List.copyOf(backendUrls);
    backendBackupUrls = List.copyOf(backendBackupUrls);
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
