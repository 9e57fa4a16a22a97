package org.s3gate.policy;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Parses the per-client-IP settings ({@code ip.*}, {@code tarpit.*}) through the shared
 * {@link SettingsReader}, so every bad value is an error naming file, line, key, value and rule
 * and a reload with one keeps the previous configuration whole.
 *
 * <p>Not thread-safe; confined to the compile that owns its {@link SettingsReader}.
 */
final class ClientIpSettingsParser {
  /** {@code ip.window}: at least 100 ms (10 slots of 10 ms), at most an hour. */
  static final Duration MIN_WINDOW = Duration.ofMillis(100);
  static final Duration MAX_WINDOW = Duration.ofHours(1);
  /** {@code tarpit.delay}: a hold longer than five minutes only ties up the client's connection longer. */
  static final Duration MAX_TARPIT_DELAY = Duration.ofMinutes(5);
  /** {@code tarpit.max}: each held request keeps its connection and a small async context. */
  static final int MAX_TARPIT_HELD = 100_000;

  private final SettingsReader reader;

  ClientIpSettingsParser(SettingsReader reader) {
    this.reader = reader;
  }

  /** The hot settings, or null when any is missing or invalid (reported). */
  ClientIpSettings parse() {
    Integer limitRequests = reader.limit(SettingKeys.IP_LIMIT_REQUESTS);
    Integer tarpitRequests = reader.limit(SettingKeys.IP_TARPIT_REQUESTS);
    Integer tarpitErrors = reader.limit(SettingKeys.IP_TARPIT_ERRORS);
    if (tarpitRequests != null && tarpitErrors != null && (tarpitRequests > 0) != (tarpitErrors > 0)) {
      reader.warn(SettingKeys.IP_TARPIT_REQUESTS, "the tarpit is off: it needs both ip.tarpit.requests ("
          + tarpitRequests + ") and ip.tarpit.errors (" + tarpitErrors + ") above 0");
    }
    Duration tarpitDelay = reader.duration(SettingKeys.TARPIT_DELAY, Duration.ofMillis(1));
    if (tarpitDelay != null && tarpitDelay.compareTo(MAX_TARPIT_DELAY) > 0) {
      reader.bad(SettingKeys.TARPIT_DELAY, tarpitDelay.toMillis() + "ms", "must be at most 5m");
      tarpitDelay = null;
    }
    Integer tarpitMax = reader.limit(SettingKeys.TARPIT_MAX);
    if (tarpitMax != null && tarpitMax > MAX_TARPIT_HELD) {
      reader.bad(SettingKeys.TARPIT_MAX, String.valueOf(tarpitMax), "must be a whole number 0..100000");
      tarpitMax = null;
    }
    Duration tableExpire = reader.duration(SettingKeys.IP_TABLE_EXPIRE, Duration.ofMillis(1));
    Set<Integer> errorStatuses = errorStatuses();
    Integer ipv6Prefix = reader.limit(SettingKeys.IP_IPV6_PREFIX);
    if (ipv6Prefix != null && (ipv6Prefix < 1 || ipv6Prefix > 128)) {
      reader.bad(SettingKeys.IP_IPV6_PREFIX, String.valueOf(ipv6Prefix), "must be a prefix length 1..128");
      ipv6Prefix = null;
    }
    if (limitRequests == null || tarpitRequests == null || tarpitErrors == null || tarpitDelay == null
        || tarpitMax == null || tableExpire == null || errorStatuses == null || ipv6Prefix == null) {
      return null;
    }
    return new ClientIpSettings(limitRequests, tarpitRequests, tarpitErrors, tarpitDelay, tarpitMax, tableExpire,
        errorStatuses, ipv6Prefix);
  }

  /** {@code ip.table.size} (restart): at least 1. */
  Integer tableSize() {
    Integer value = reader.limit(SettingKeys.IP_TABLE_SIZE);
    if (value != null && value < 1) {
      reader.bad(SettingKeys.IP_TABLE_SIZE, String.valueOf(value), "must be at least 1");
      return null;
    }
    return value;
  }

  /** {@code ip.window} (restart): 100ms..1h. */
  Duration window() {
    Duration value = reader.duration(SettingKeys.IP_WINDOW, MIN_WINDOW);
    if (value != null && value.compareTo(MAX_WINDOW) > 0) {
      reader.bad(SettingKeys.IP_WINDOW, value.toMillis() + "ms", "must be at most 1h");
      return null;
    }
    return value;
  }

  /** HTTP statuses 400..599, comma-separated; empty = no answer counts as an error. */
  private Set<Integer> errorStatuses() {
    RawEntry e = reader.entry(SettingKeys.IP_ERROR_STATUSES);
    if (e == null) {
      return null;
    }
    Set<Integer> statuses = new LinkedHashSet<>();
    boolean bad = false;
    for (String item : Values.splitList(e.value())) {
      Integer status = Values.parseLimit(item);
      if (status == null || status < 400 || status > ClientIpSettings.MAX_STATUS) {
        reader.bad(SettingKeys.IP_ERROR_STATUSES, e.value(), "entry " + Values.quote(item)
            + " is not an HTTP error status 400..599");
        bad = true;
      } else {
        statuses.add(status);
      }
    }
    return bad ? null : statuses;
  }
}
