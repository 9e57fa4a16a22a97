package org.s3gate.policy;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@link DimensionSettings} from the merged settings: {@code s3.domain},
 * {@code limit.timezone}, and the {@code limit.schedule.NAME} and {@code limit.header.NAME}
 * families. Every bad value is an error naming file, line, key, value and rule, so a reload with
 * one keeps the previous configuration.
 *
 * <p>Rules: a condition NAME is letters, digits, {@code _} or {@code -} (it is written after
 * {@code @} in map keys); one name is either a schedule or a header condition, never both; a header
 * name is an HTTP token.
 *
 * <p>Not thread-safe; one instance per compile, confined to its thread.
 */
final class DimensionSettingsParser {

  private final SettingsReader reader;

  DimensionSettingsParser(SettingsReader reader) {
    this.reader = reader;
  }

  /** The settings, or null when one is invalid (reported to the reader's problems). */
  DimensionSettings parse() {
    int errorsBefore = reader.problems().errors().size();
    String domain = domain();
    ZoneId zone = zone();
    Map<String, Schedule> schedules = new LinkedHashMap<>();
    Map<String, String> headers = new LinkedHashMap<>();
    for (String key : reader.keys()) {
      if (key.startsWith(SettingKeys.LIMIT_SCHEDULE_PREFIX)) {
        String name = conditionName(key, SettingKeys.LIMIT_SCHEDULE_PREFIX);
        String value = reader.entry(key).value();
        try {
          Schedule schedule = Schedule.parse(value);
          if (name != null) {
            schedules.put(name, schedule);
          }
        } catch (IllegalArgumentException e) {
          reader.bad(key, value, e.getMessage());
        }
      } else if (key.startsWith(SettingKeys.LIMIT_HEADER_PREFIX)) {
        String name = conditionName(key, SettingKeys.LIMIT_HEADER_PREFIX);
        String value = reader.entry(key).value();
        if (!isToken(value)) {
          reader.bad(key, value, "must be an HTTP header name, e.g. CF-IPCountry");
        } else if (name != null) {
          headers.put(name, value);
        }
      }
    }
    for (String name : headers.keySet()) {
      if (schedules.containsKey(name)) {
        reader.bad(SettingKeys.LIMIT_HEADER_PREFIX + name, headers.get(name), "'" + name
            + "' is also a limit.schedule: a condition name must be one or the other");
      }
    }
    if (reader.problems().errors().size() > errorsBefore || zone == null) {
      return null;
    }
    return new DimensionSettings(domain, zone, schedules, headers);
  }

  private String conditionName(String key, String prefix) {
    String name = key.substring(prefix.length());
    if (!isName(name)) {
      reader.bad(key, reader.entry(key).value(), "the condition name after '" + prefix
          + "' must be letters, digits, '_' or '-' (it is written after '@' in the limit maps)");
      return null;
    }
    return name;
  }

  /** {@code s3.domain}: empty for none, else a DNS name (lower-cased), without port or dots at the ends. */
  private String domain() {
    RawEntry e = reader.entry(SettingKeys.S3_DOMAIN);
    if (e == null || e.value().isEmpty()) {
      return null;
    }
    String domain = e.value().toLowerCase(Locale.ROOT);
    boolean ok = !domain.startsWith(".") && !domain.endsWith(".") && !domain.contains("..");
    for (int i = 0; i < domain.length() && ok; i++) {
      char c = domain.charAt(i);
      ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    }
    if (!ok) {
      reader.bad(SettingKeys.S3_DOMAIN, e.value(), "must be a DNS name like s3.example.com (no port, scheme or"
          + " path), or empty");
      return null;
    }
    return domain;
  }

  private ZoneId zone() {
    RawEntry e = reader.entry(SettingKeys.LIMIT_TIMEZONE);
    if (e == null) {
      return null;
    }
    try {
      return ZoneId.of(e.value());
    } catch (DateTimeException ex) {
      reader.bad(SettingKeys.LIMIT_TIMEZONE, e.value(), "must be a time zone ID like UTC, Europe/Berlin or +02:00");
      return null;
    }
  }

  static boolean isName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c >= 0x7F || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
        return false;
      }
    }
    return true;
  }
}
