package org.s3gate.policy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The merged entries of {@code gateway-defaults.properties} and {@code gateway.properties}, and the
 * lookups and error reporting every settings parser shares: a setting is looked up by key, read as
 * a typed value, or reported as bad with its file, line, key, value and rule.
 *
 * <p>Merging: every setting must be present in the defaults resource (so no default lives only in
 * code); the operator's file overrides it key by key; the first of duplicate keys in a file wins,
 * as in the map files, and the others are warnings; unknown keys are warnings naming the closest
 * known key. The parsers ({@link SettingsParser}, {@link OperationsSettingsParser},
 * {@link SecurityHeadersParser}) use this and never each other's internals.
 *
 * <p>Not thread-safe; one instance per compile, confined to its thread.
 */
final class SettingsReader {

  private record Sourced(String file, RawEntry entry) {}

  private final Problems problems;
  private final Map<String, Sourced> merged = new LinkedHashMap<>();
  private final String defaultsName;

  SettingsReader(RawFile defaults, RawFile gateway, Problems problems) {
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
      if (!SettingKeys.KNOWN.contains(e.key()) && SettingKeys.PREFIXES.stream().noneMatch(e.key()::startsWith)) {
        String suggestion = Values.closest(e.key(), SettingKeys.KNOWN);
        problems.warn(file.name(), e.line(), "unknown key " + Values.quote(e.key()) + " is ignored"
            + (suggestion != null ? " (did you mean '" + suggestion + "'?)" : ""));
        continue;
      }
      merged.put(e.key(), new Sourced(file.name(), e));
    }
  }

  Problems problems() {
    return problems;
  }

  /** Every key in force, defaults and the operator's, in first-seen order. */
  Set<String> keys() {
    return merged.keySet();
  }

  /** The file and line a setting came from, for restart-only warnings. */
  String sourceOf(String key) {
    Sourced s = merged.get(key);
    return s == null ? defaultsName : Problems.format(s.file(), s.entry().line(), key);
  }

  /** The entry of {@code key}; null (and an error) when the defaults resource lacks it. */
  RawEntry entry(String key) {
    Sourced s = merged.get(key);
    if (s == null) {
      problems.error(defaultsName, 0, "missing setting '" + key + "' (every setting needs a default here)");
      return null;
    }
    return s.entry();
  }

  /** Reports {@code key}'s {@code value} as breaking {@code rule}, naming its file and line. */
  void bad(String key, String value, String rule) {
    Sourced s = merged.get(key);
    problems.error(s.file(), s.entry().line(), key + " has value " + Values.quote(value) + ": " + rule);
  }

  /** Warns about {@code key}'s value (in force, but probably not what the operator wants), naming its file and line. */
  void warn(String key, String message) {
    Sourced s = merged.get(key);
    problems.warn(s.file(), s.entry().line(), message);
  }

  /** Reports a reason about {@code key} without quoting its value (e.g. a URL that may hold a secret). */
  void badWithoutValue(String key, String reason) {
    Sourced s = merged.get(key);
    problems.error(s.file(), s.entry().line(), key + ": " + reason);
  }

  /** A whole number 0..2147483647, or null (reported). */
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

  /** {@code true} or {@code false}, or null (reported). */
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

  /** A size in bytes from {@code minimum} to {@code maximum}, or null (reported). */
  Long byteSize(String key, long minimum, long maximum) {
    RawEntry e = entry(key);
    if (e == null) {
      return null;
    }
    Long value = Values.parseByteSize(e.value());
    if (value == null) {
      bad(key, e.value(), Values.BYTE_SIZE_RULE);
    } else if (value < minimum || value > maximum) {
      bad(key, e.value(), "must be from " + minimum + " bytes to " + maximum + " bytes ("
          + (maximum >= 1L << 30 ? (maximum >> 30) + "GiB)" : (maximum >> 20) + "MiB)"));
      return null;
    }
    return value;
  }

  /** A duration from {@code minimum} to 24 h, or null (reported). */
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
}
