package org.s3gate.policy;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses the operations settings of {@code gateway.properties}: backend URL lists, the
 * health-check timing and thresholds and the access log format, through the shared
 * {@link SettingsReader} (so errors name file, line, key, value and rule like every other setting).
 *
 * <p>Not thread-safe; confined to the compile that owns its {@link SettingsReader}.
 */
final class OperationsSettingsParser {
  private final SettingsReader settings;

  OperationsSettingsParser(SettingsReader settings) {
    this.settings = settings;
  }

  /** A list of backend URLs (may be empty only when {@code mayBeEmpty}); null entries are reported. */
  List<URI> backendUrls(String key, boolean mayBeEmpty) {
    RawEntry e = settings.entry(key);
    if (e == null) {
      return null;
    }
    List<String> errors = new ArrayList<>();
    List<URI> urls = mayBeEmpty && e.value().isBlank() ? List.of() : parseBackendUrls(e.value(), errors);
    // The value is not quoted whole: a URL with credentials must not reach the log.
    errors.forEach(reason -> settings.badWithoutValue(key, reason));
    return urls;
  }

  /**
   * Active health checks: one GET every {@code interval}, answered within {@code timeout};
   * {@code rise} consecutive passes bring a down backend up, {@code fall} consecutive failures
   * take an up backend down.
   */
  HealthCheckSettings healthCheck() {
    Duration interval = settings.duration(SettingKeys.BACKEND_HEALTH_INTERVAL, Duration.ofMillis(100));
    Duration timeout = settings.duration(SettingKeys.BACKEND_HEALTH_TIMEOUT, Duration.ofMillis(100));
    Integer rise = atLeastOne(SettingKeys.BACKEND_HEALTH_RISE);
    Integer fall = atLeastOne(SettingKeys.BACKEND_HEALTH_FALL);
    return interval == null || timeout == null || rise == null || fall == null ? null
        : new HealthCheckSettings(interval, timeout, rise, fall);
  }

  /** Connections per backend: 1..100000. */
  Integer backendMaxConnections() {
    Integer value = settings.limit(SettingKeys.BACKEND_MAX_CONNECTIONS);
    if (value != null && (value < 1 || value > 100_000)) {
      settings.bad(SettingKeys.BACKEND_MAX_CONNECTIONS, String.valueOf(value), "must be a whole number 1..100000");
      return null;
    }
    return value;
  }

  private Integer atLeastOne(String key) {
    Integer value = settings.limit(key);
    if (value != null && (value < 1 || value > 100)) {
      settings.bad(key, String.valueOf(value), "must be a whole number 1..100");
      return null;
    }
    return value;
  }

  AccessLogFormat accessLogFormat() {
    RawEntry e = settings.entry(SettingKeys.ACCESS_LOG_FORMAT);
    if (e == null) {
      return null;
    }
    if (e.value().isBlank() || Values.hasControlChar(e.value())) {
      settings.bad(SettingKeys.ACCESS_LOG_FORMAT, e.value(), "must be a non-empty format without control characters");
      return null;
    }
    try {
      return AccessLogFormat.parse(e.value());
    } catch (IllegalArgumentException ex) {
      settings.bad(SettingKeys.ACCESS_LOG_FORMAT, e.value(), ex.getMessage());
      return null;
    }
  }

  /**
   * Parses a comma/space separated list of absolute http(s) URLs; reasons for bad entries go to
   * {@code errors}. Shared with the {@code S3GATE_BACKEND} override.
   */
  static List<URI> parseBackendUrls(String text, List<String> errors) {
    List<URI> urls = new ArrayList<>();
    List<String> items = Values.splitList(text);
    if (items.isEmpty()) {
      errors.add("needs at least one backend URL");
    }
    for (String item : items) {
      String reason = null;
      try {
        URI uri = new URI(item);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
          reason = "must be an absolute http:// or https:// URL";
        } else if (uri.getHost() == null) {
          reason = "has no host";
        } else if (uri.getRawUserInfo() != null) {
          item = item.replace(uri.getRawUserInfo() + "@", "***@"); // never log the secret
          reason = "must not contain credentials";
        } else if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
          reason = "must not have a query or fragment";
        } else {
          urls.add(uri);
        }
      } catch (URISyntaxException ex) {
        reason = "is not a valid URL (" + ex.getReason() + ")";
      }
      if (reason != null) {
        errors.add("entry " + Values.quote(item) + " " + reason);
      }
    }
    return urls;
  }
}
