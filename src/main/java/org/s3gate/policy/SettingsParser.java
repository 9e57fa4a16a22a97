package org.s3gate.policy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns the merged settings ({@link SettingsReader}) into {@link GatewaySettings}: every setting
 * read and validated, every bad value an error naming file, line, key, value and rule. The backend,
 * health-check and access-log settings are {@link OperationsSettingsParser}'s, the security headers
 * {@link SecurityHeadersParser}'s; all three only use the reader.
 *
 * <p>Not thread-safe; one instance per compile, confined to its thread.
 */
final class SettingsParser {

  static final Duration MIN_RELOAD_INTERVAL = Duration.ofMillis(100);
  /** {@code reload.max_file_bytes} bounds: a cap under 1 KiB is no use, a file over 1 GiB is read twice per reload. */
  static final long MIN_MAX_FILE_BYTES = 1L << 10;
  /** {@code post.identify.max_bytes}: a form's fields ahead of its file, buffered per upload. */
  static final long MIN_POST_IDENTIFY_BYTES = 1L << 10;
  static final long MAX_POST_IDENTIFY_BYTES = 1L << 20;
  static final long MAX_MAX_FILE_BYTES = 1L << 30;

  private final SettingsReader reader;

  SettingsParser(SettingsReader reader) {
    this.reader = reader;
  }

  /**
   * The settings, or null when any setting is missing or invalid (the reasons are in the reader's
   * problems).
   *
   * @param backendOverride the {@code S3GATE_BACKEND} URLs, or null to use {@code backend.urls}
   */
  GatewaySettings parse(List<URI> backendOverride) {
    Problems problems = reader.problems();
    int errorsBefore = problems.errors().size();
    OperationsSettingsParser operations = new OperationsSettingsParser(reader);
    String defaultGroup = word(SettingKeys.DEFAULT_GROUP);
    String anonymousGroup = optionalWord(SettingKeys.ANONYMOUS_GROUP, defaultGroup);
    Long postIdentifyMaxBytes = reader.byteSize(SettingKeys.POST_IDENTIFY_MAX_BYTES, MIN_POST_IDENTIFY_BYTES,
        MAX_POST_IDENTIFY_BYTES);
    Integer perMinute = reader.limit(SettingKeys.DEFAULT_LIMIT_PER_MINUTE);
    Integer perSecond = reader.limit(SettingKeys.DEFAULT_LIMIT_PER_SECOND);
    Integer concurrent = reader.limit(SettingKeys.DEFAULT_LIMIT_CONCURRENT);
    String message = message(SettingKeys.DEFAULT_ERROR_MESSAGE);
    Integer denyStatus = denyStatus();
    Boolean countDenied = reader.bool(SettingKeys.COUNT_DENIED);
    Set<String> methods = methods();
    Boolean headers = reader.bool(SettingKeys.HEADERS_ENABLED);
    Integer tableSize = tableSize();
    Duration tableExpire = reader.duration(SettingKeys.TABLE_EXPIRE, Duration.ofMillis(1));
    Duration reloadInterval = reader.duration(SettingKeys.RELOAD_INTERVAL, MIN_RELOAD_INTERVAL);
    Set<String> exemptPaths = exemptPaths();
    Long maxFileBytes = maxFileBytes(reader);
    List<Cidr> adminAllow = cidrs(SettingKeys.ADMIN_ALLOW);
    if (adminAllow != null && adminAllow.isEmpty()) {
      // Valid (an operator may close /_s3gate/ on purpose), but it also locks out health checks
      // and Prometheus, so it must never pass silently.
      reader.warn(SettingKeys.ADMIN_ALLOW, "admin.allow is empty: /_s3gate/ answers 403 to every client"
          + " (health checks and metrics scrapes included)");
    }
    List<Cidr> trusted = cidrs(SettingKeys.TRUSTED_PROXIES);
    List<URI> backends = backendOverride != null ? backendOverride : operations.backendUrls(SettingKeys.BACKEND_URLS, false);
    String healthPath = healthPath();
    List<URI> backups = operations.backendUrls(SettingKeys.BACKEND_BACKUP_URLS, true);
    Integer backendConnections = operations.backendMaxConnections();
    HealthCheckSettings healthCheck = operations.healthCheck();
    Integer requestMinRate = reader.limit(SettingKeys.REQUEST_MIN_RATE);
    Integer responseMinRate = reader.limit(SettingKeys.RESPONSE_MIN_RATE);
    Duration minRateWindow = reader.duration(SettingKeys.MIN_RATE_WINDOW, Duration.ofMillis(100));
    Boolean accessLogEnabled = reader.bool(SettingKeys.ACCESS_LOG_ENABLED);
    AccessLogFormat accessLogFormat = operations.accessLogFormat();
    String accessLogFile = path(SettingKeys.ACCESS_LOG_FILE);
    SecurityHeaderSettings securityHeaders = new SecurityHeadersParser(reader).parse();
    ClientIpSettingsParser ipParser = new ClientIpSettingsParser(reader);
    ClientIpSettings clientIps = ipParser.parse();
    Integer ipTableSize = ipParser.tableSize();
    Duration ipWindow = ipParser.window();
    EnforcementSettings enforcement = enforcement();
    if (problems.errors().size() > errorsBefore) {
      return null;
    }
    StartupSettings startup = new StartupSettings(tableSize, reloadInterval, backends, backups, backendConnections, accessLogFile,
        ipTableSize, ipWindow);
    return new GatewaySettings(defaultGroup, anonymousGroup, postIdentifyMaxBytes.intValue(), perMinute, perSecond, concurrent, message, denyStatus, countDenied,
        methods, headers, exemptPaths, tableExpire, maxFileBytes, adminAllow, trusted, healthPath, healthCheck,
        requestMinRate, responseMinRate, minRateWindow, accessLogEnabled, accessLogFormat, securityHeaders, clientIps,
        enforcement, startup);
  }

  /** {@code mode}, {@code allowlist.skip_key_limits}, {@code inform.backend}, the connection-rate rule; null if any is bad. */
  private EnforcementSettings enforcement() {
    RawEntry modeEntry = reader.entry(SettingKeys.MODE);
    EnforcementSettings.Mode mode = modeEntry == null ? null : EnforcementSettings.Mode.ofLabel(modeEntry.value());
    if (modeEntry != null && mode == null) {
      reader.bad(SettingKeys.MODE, modeEntry.value(), "must be enforce or shadow");
    }
    Boolean skipKeyLimits = reader.bool(SettingKeys.ALLOWLIST_SKIP_KEY_LIMITS);
    Boolean inform = reader.bool(SettingKeys.INFORM_BACKEND);
    Integer connections = reader.limit(SettingKeys.IP_LIMIT_CONNECTIONS);
    if (mode == EnforcementSettings.Mode.SHADOW) {
      reader.warn(SettingKeys.MODE, "mode=shadow: nothing is denied, delayed or rejected; would-be denials are only"
          + " counted (s3gate_shadow_denials_total) and logged");
    }
    return mode == null || skipKeyLimits == null || inform == null || connections == null ? null
        : new EnforcementSettings(mode, skipKeyLimits, inform, connections);
  }

  /** {@code reload.max_file_bytes}, or null (reported). */
  static Long maxFileBytes(SettingsReader reader) {
    return reader.byteSize(SettingKeys.RELOAD_MAX_FILE_BYTES, MIN_MAX_FILE_BYTES, MAX_MAX_FILE_BYTES);
  }

  private String word(String key) {
    RawEntry e = reader.entry(key);
    if (e != null && !Values.isWord(e.value())) {
      reader.bad(key, e.value(), "must be one word without spaces or control characters");
    }
    return e == null ? null : e.value();
  }

  /** One word, or {@code orElse} when the value is empty. */
  private String optionalWord(String key, String orElse) {
    RawEntry e = reader.entry(key);
    if (e == null) {
      return null;
    }
    if (e.value().isEmpty()) {
      return orElse;
    }
    return word(key);
  }

  /** A file path, or empty; no control characters. */
  private String path(String key) {
    RawEntry e = reader.entry(key);
    if (e != null && Values.hasControlChar(e.value())) {
      reader.bad(key, e.value(), "must be a file path without control characters, or empty");
    }
    return e == null ? null : e.value().trim();
  }

  private String message(String key) {
    RawEntry e = reader.entry(key);
    if (e != null && (e.value().isEmpty() || Values.hasControlChar(e.value()))) {
      reader.bad(key, e.value(), "must be a non-empty message without control characters");
    }
    return e == null ? null : e.value();
  }

  private Integer denyStatus() {
    RawEntry e = reader.entry(SettingKeys.DENY_STATUS);
    if (e == null) {
      return null;
    }
    Integer value = Values.parseLimit(e.value());
    if (value == null || value < 400 || value > 599) {
      reader.bad(SettingKeys.DENY_STATUS, e.value(), "must be an HTTP status 400..599 (429 or 503)");
      return null;
    }
    return value;
  }

  private Integer tableSize() {
    Integer value = reader.limit(SettingKeys.TABLE_SIZE);
    if (value != null && value < 1) {
      reader.bad(SettingKeys.TABLE_SIZE, String.valueOf(value), "must be at least 1");
      return null;
    }
    return value;
  }

  private Set<String> methods() {
    RawEntry e = reader.entry(SettingKeys.LIMIT_METHODS);
    if (e == null) {
      return null;
    }
    Set<String> methods = new LinkedHashSet<>();
    for (String item : Values.splitList(e.value())) {
      if (!item.chars().allMatch(c -> (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-')) {
        reader.bad(SettingKeys.LIMIT_METHODS, e.value(), "entry " + Values.quote(item)
            + " is not an HTTP method name (letters only)");
      } else {
        methods.add(item.toUpperCase(Locale.ROOT));
      }
    }
    return methods;
  }

  /** Raw request paths, comma-separated, each starting with '/' (no spaces or control characters). */
  private Set<String> exemptPaths() {
    RawEntry e = reader.entry(SettingKeys.EXEMPT_PATHS);
    if (e == null) {
      return null;
    }
    Set<String> paths = new LinkedHashSet<>();
    for (String item : Values.splitList(e.value())) {
      if (!item.startsWith("/") || Values.hasControlChar(item)) {
        reader.bad(SettingKeys.EXEMPT_PATHS, e.value(), "entry " + Values.quote(item)
            + " is not a path starting with '/'");
      } else {
        paths.add(item);
      }
    }
    return paths;
  }

  private List<Cidr> cidrs(String key) {
    RawEntry e = reader.entry(key);
    if (e == null) {
      return null;
    }
    List<Cidr> blocks = new ArrayList<>();
    for (String item : Values.splitList(e.value())) {
      try {
        blocks.add(Cidr.parse(item));
      } catch (IllegalArgumentException ex) {
        reader.bad(key, e.value(), "entry " + Values.quote(item) + ": " + ex.getMessage());
      }
    }
    return blocks;
  }

  private String healthPath() {
    RawEntry e = reader.entry(SettingKeys.BACKEND_HEALTH_PATH);
    if (e != null && (!e.value().startsWith("/") || Values.hasControlChar(e.value()) || e.value().contains(" "))) {
      reader.bad(SettingKeys.BACKEND_HEALTH_PATH, e.value(), "must be a path starting with '/'");
    }
    return e == null ? null : e.value();
  }
}
