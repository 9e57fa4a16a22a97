package org.s3gate.policy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns the entries of {@code gateway-defaults.properties} and {@code gateway.properties} into
 * {@link GatewaySettings}. Every setting must be present after merging (the defaults resource lists
 * them all, so no default lives only in code); the operator's file overrides it key by key, the
 * first of duplicate keys winning as in the map files. Unknown keys are warnings naming the closest
 * known key. Every bad value is an error naming file, line, key, value and rule.
 *
 * <p>Not thread-safe; one instance per compile, confined to its thread.
 */
final class SettingsParser {

  static final String DEFAULT_GROUP = "default.group";
  static final String DEFAULT_LIMIT_PER_MINUTE = "default.limit.per_minute";
  static final String DEFAULT_LIMIT_PER_SECOND = "default.limit.per_second";
  static final String DEFAULT_ERROR_MESSAGE = "default.error_message";
  static final String DENY_STATUS = "deny.status";
  static final String COUNT_DENIED = "count.denied";
  static final String LIMIT_METHODS = "limit.methods";
  static final String HEADERS_ENABLED = "headers.enabled";
  static final String TABLE_SIZE = "table.size";
  static final String TABLE_EXPIRE = "table.expire";
  static final String RELOAD_INTERVAL = "reload.interval";
  static final String ADMIN_ALLOW = "admin.allow";
  static final String TRUSTED_PROXIES = "trusted.proxies";
  static final String BACKEND_URLS = "backend.urls";
  static final String BACKEND_HEALTH_PATH = "backend.health.path";
  static final String BACKEND_BACKUP_URLS = "backend.backup.urls";
  static final String BACKEND_HEALTH_INTERVAL = "backend.health.interval";
  static final String BACKEND_HEALTH_TIMEOUT = "backend.health.timeout";
  static final String BACKEND_HEALTH_RISE = "backend.health.rise";
  static final String BACKEND_HEALTH_FALL = "backend.health.fall";
  static final String ACCESS_LOG_ENABLED = "access.log.enabled";
  static final String ACCESS_LOG_FORMAT = "access.log.format";
  static final String ACCESS_LOG_FILE = "access.log.file";
  static final String SECURITY_HSTS = "security.hsts";
  /** Prefix of {@code security.header.NAME=value} keys: one response header each. */
  static final String SECURITY_HEADER_PREFIX = "security.header.";

  /** Every known key, in the order the documentation lists them. */
  static final List<String> KNOWN_KEYS = List.of(
      DEFAULT_GROUP, DEFAULT_LIMIT_PER_MINUTE, DEFAULT_LIMIT_PER_SECOND, DEFAULT_ERROR_MESSAGE,
      DENY_STATUS, COUNT_DENIED, LIMIT_METHODS, HEADERS_ENABLED, TABLE_SIZE, TABLE_EXPIRE,
      RELOAD_INTERVAL, ADMIN_ALLOW, TRUSTED_PROXIES, BACKEND_URLS, BACKEND_HEALTH_PATH,
      BACKEND_BACKUP_URLS, BACKEND_HEALTH_INTERVAL, BACKEND_HEALTH_TIMEOUT, BACKEND_HEALTH_RISE,
      BACKEND_HEALTH_FALL, ACCESS_LOG_ENABLED, ACCESS_LOG_FORMAT, ACCESS_LOG_FILE, SECURITY_HSTS);

  static final Duration MIN_RELOAD_INTERVAL = Duration.ofMillis(100);

  private record Sourced(String file, RawEntry entry) {}

  private final Problems problems;
  private final Map<String, Sourced> merged = new LinkedHashMap<>();
  private final String defaultsName;

  SettingsParser(RawFile defaults, RawFile gateway, Problems problems) {
    this.problems = problems;
    this.defaultsName = defaults.name();
    mergeFrom(defaults);
    mergeFrom(gateway);
  }

  private void mergeFrom(RawFile file) {
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (RawEntry e : file.entries()) {
      Integer firstLine = seen.putIfAbsent(e.key(), e.line());
      if (firstLine != null) {
        problems.warn(file.name(), e.line(), "duplicate key '" + e.key() + "' (first on line " + firstLine
            + "): this line is ignored, the first one wins");
        continue;
      }
      if (!KNOWN_KEYS.contains(e.key()) && !e.key().startsWith(SECURITY_HEADER_PREFIX)) {
        String suggestion = Values.closest(e.key(), KNOWN_KEYS);
        problems.warn(file.name(), e.line(), "unknown key " + Values.quote(e.key()) + " is ignored"
            + (suggestion != null ? " (did you mean '" + suggestion + "'?)" : ""));
        continue;
      }
      merged.put(e.key(), new Sourced(file.name(), e));
    }
  }

  /** The settings, or null when any setting is missing or invalid (the reasons are in problems). */
  GatewaySettings parse(List<URI> backendOverride) {
    int errorsBefore = problems.errors().size();
    String defaultGroup = word(DEFAULT_GROUP);
    Integer perMinute = limit(DEFAULT_LIMIT_PER_MINUTE);
    Integer perSecond = limit(DEFAULT_LIMIT_PER_SECOND);
    String message = message(DEFAULT_ERROR_MESSAGE);
    Integer denyStatus = denyStatus();
    Boolean countDenied = bool(COUNT_DENIED);
    Set<String> methods = methods();
    Boolean headers = bool(HEADERS_ENABLED);
    Integer tableSize = tableSize();
    Duration tableExpire = duration(TABLE_EXPIRE, Duration.ofMillis(1));
    Duration reloadInterval = duration(RELOAD_INTERVAL, MIN_RELOAD_INTERVAL);
    List<Cidr> adminAllow = cidrs(ADMIN_ALLOW);
    List<Cidr> trusted = cidrs(TRUSTED_PROXIES);
    List<URI> backends = backendOverride != null ? backendOverride : backendUrls(BACKEND_URLS, false);
    String healthPath = healthPath();
    List<URI> backups = backendUrls(BACKEND_BACKUP_URLS, true);
    OperationsSettingsParser operations = new OperationsSettingsParser(this);
    HealthCheckSettings healthCheck = operations.healthCheck();
    Boolean accessLogEnabled = bool(ACCESS_LOG_ENABLED);
    AccessLogFormat accessLogFormat = operations.accessLogFormat();
    String accessLogFile = path(ACCESS_LOG_FILE);
    SecurityHeaderSettings securityHeaders = new SecurityHeadersParser(this).parse(merged.keySet());
    if (problems.errors().size() > errorsBefore) {
      return null;
    }
    return new GatewaySettings(defaultGroup, perMinute, perSecond, message, denyStatus, countDenied,
        methods, headers, tableSize, tableExpire, reloadInterval, adminAllow, trusted, backends, healthPath,
        backups, healthCheck, accessLogEnabled, accessLogFormat, accessLogFile, securityHeaders);
  }

  /** The file and line a setting came from, for restart-only warnings. */
  String sourceOf(String key) {
    Sourced s = merged.get(key);
    return s == null ? defaultsName : Problems.format(s.file(), s.entry().line(), key);
  }

  RawEntry entry(String key) {
    Sourced s = merged.get(key);
    if (s == null) {
      problems.error(defaultsName, 0, "missing setting '" + key + "' (every setting needs a default here)");
      return null;
    }
    return s.entry();
  }

  void bad(String key, String value, String rule) {
    Sourced s = merged.get(key);
    problems.error(s.file(), s.entry().line(), key + " has value " + Values.quote(value) + ": " + rule);
  }

  private String word(String key) {
    RawEntry e = entry(key);
    if (e != null && !Values.isWord(e.value())) {
      bad(key, e.value(), "must be one word without spaces or control characters");
    }
    return e == null ? null : e.value();
  }

  /** A file path, or empty; no control characters. */
  private String path(String key) {
    RawEntry e = entry(key);
    if (e != null && Values.hasControlChar(e.value())) {
      bad(key, e.value(), "must be a file path without control characters, or empty");
    }
    return e == null ? null : e.value().trim();
  }

  private String message(String key) {
    RawEntry e = entry(key);
    if (e != null && (e.value().isEmpty() || Values.hasControlChar(e.value()))) {
      bad(key, e.value(), "must be a non-empty message without control characters");
    }
    return e == null ? null : e.value();
  }

  Integer limit(String key) {
    RawEntry e = entry(key);
    if (e == null) {
      return null;
    }
    Integer value = Values.parseLimit(e.value());
    if (value == null) {
      bad(key, e.value(), Values.limitRule(e.value()));
    }
    return value;
  }

  private Integer denyStatus() {
    RawEntry e = entry(DENY_STATUS);
    if (e == null) {
      return null;
    }
    Integer value = Values.parseLimit(e.value());
    if (value == null || value < 400 || value > 599) {
      bad(DENY_STATUS, e.value(), "must be an HTTP status 400..599 (429 or 503)");
      return null;
    }
    return value;
  }

  private Integer tableSize() {
    Integer value = limit(TABLE_SIZE);
    if (value != null && value < 1) {
      bad(TABLE_SIZE, String.valueOf(value), "must be at least 1");
      return null;
    }
    return value;
  }

  Boolean bool(String key) {
    RawEntry e = entry(key);
    if (e == null) {
      return null;
    }
    Boolean value = Values.parseBoolean(e.value());
    if (value == null) {
      bad(key, e.value(), "must be true or false");
    }
    return value;
  }

  Duration duration(String key, Duration minimum) {
    Duration maximum = Duration.ofDays(1);
    RawEntry e = entry(key);
    if (e == null) {
      return null;
    }
    Duration value = Values.parseDuration(e.value());
    if (value == null) {
      bad(key, e.value(), Values.DURATION_RULE);
    } else if (value.compareTo(minimum) < 0) {
      bad(key, e.value(), "must be at least " + minimum.toMillis() + "ms");
      return null;
    } else if (value.compareTo(maximum) > 0) {
      bad(key, e.value(), "must be at most 24h");
      return null;
    }
    return value;
  }

  private Set<String> methods() {
    RawEntry e = entry(LIMIT_METHODS);
    if (e == null) {
      return null;
    }
    Set<String> methods = new LinkedHashSet<>();
    for (String item : Values.splitList(e.value())) {
      if (!item.chars().allMatch(c -> (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-')) {
        bad(LIMIT_METHODS, e.value(), "entry " + Values.quote(item) + " is not an HTTP method name (letters only)");
      } else {
        methods.add(item.toUpperCase(Locale.ROOT));
      }
    }
    return methods;
  }

  private List<Cidr> cidrs(String key) {
    RawEntry e = entry(key);
    if (e == null) {
      return null;
    }
    List<Cidr> blocks = new ArrayList<>();
    for (String item : Values.splitList(e.value())) {
      try {
        blocks.add(Cidr.parse(item));
      } catch (IllegalArgumentException ex) {
        bad(key, e.value(), "entry " + Values.quote(item) + ": " + ex.getMessage());
      }
    }
    return blocks;
  }

  private List<URI> backendUrls(String key, boolean mayBeEmpty) {
    RawEntry e = entry(key);
    if (e == null) {
      return null;
    }
    List<String> errors = new ArrayList<>();
    List<URI> urls = mayBeEmpty && e.value().isBlank() ? List.of()
        : OperationsSettingsParser.parseBackendUrls(e.value(), errors);
    // The value is not quoted whole: a URL with credentials must not reach the log.
    Sourced s = merged.get(key);
    errors.forEach(reason -> problems.error(s.file(), e.line(), key + ": " + reason));
    return urls;
  }

  private String healthPath() {
    RawEntry e = entry(BACKEND_HEALTH_PATH);
    if (e != null && (!e.value().startsWith("/") || Values.hasControlChar(e.value()) || e.value().contains(" "))) {
      bad(BACKEND_HEALTH_PATH, e.value(), "must be a path starting with '/'");
    }
    return e == null ? null : e.value();
  }
}
