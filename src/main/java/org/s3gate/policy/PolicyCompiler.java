package org.s3gate.policy;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Validates the raw entries of all configuration files and builds one {@link PolicySnapshot}, or
 * reports every problem at once. Pure: no I/O, no clock, no logging; the loader decides what to
 * log and whether to publish.
 *
 * <p>Rules, each error naming file, line, key, value and rule:
 * <ul>
 *   <li>keys must not contain control characters; group names (values of api_key_groups.map, keys
 *       of the other maps) are one word;
 *   <li>limits are whole numbers 0..2147483647; messages are non-empty without control characters
 *       and kept as written (escaping is the HTTP layer's job);
 *   <li>a duplicate key is a warning naming both lines, and the first one wins (HAProxy's
 *       behaviour);
 *   <li>a group used in api_key_groups.map with no entry in a limit map is a warning (a typo
 *       like {@code premuim} would otherwise silently get the default limits);
 *   <li>restart-only settings ({@code table.size}, {@code reload.interval}, {@code backend.urls},
 *       {@code backend.backup.urls}, {@code access.log.file}):
 *       when {@code running} is given and the new value differs, a warning says it needs a restart
 *       and the running value stays in the snapshot.
 * </ul>
 *
 * <p>Immutable (static functions only); safe to call from any thread.
 */
public final class PolicyCompiler {

  /** The name errors about the {@code S3GATE_BACKEND} environment variable start with. */
  public static final String BACKEND_OVERRIDE_SOURCE = "S3GATE_BACKEND";

  /** Access keys longer than this are not trusted as keys by the identifier (SPEC section 5). */
  static final int MAX_ACCESS_KEY_LENGTH = 128;

  private PolicyCompiler() {}

  /**
   * Compiles the sources into a snapshot with the given version.
   *
   * @param running the settings in force, or null for the first load (no restart-only pinning)
   */
  public static Compilation compile(PolicySources sources, long version, GatewaySettings running) {
    Objects.requireNonNull(sources, "sources");
    Problems problems = new Problems();

    Map<String, String> keyGroups = parseMap(sources.keyGroups(), problems, true,
        e -> Values.isWord(e.value()) ? e.value()
            : reject(problems, sources.keyGroups(), e, "key", "group",
                "a group must be one word without spaces or control characters"));
    Map<String, Integer> perMinute = parseMap(sources.limitsPerMinute(), problems, false,
        e -> limit(problems, sources.limitsPerMinute(), e));
    Map<String, Integer> perSecond = parseMap(sources.limitsPerSecond(), problems, false,
        e -> limit(problems, sources.limitsPerSecond(), e));
    Map<String, String> messages = parseMap(sources.errorMessages(), problems, false,
        e -> !e.value().isEmpty() && !Values.hasControlChar(e.value()) ? e.value()
            : reject(problems, sources.errorMessages(), e, "group", "message",
                "must be a non-empty message without control characters"));

    List<URI> override = null;
    String overrideText = sources.backendOverride();
    if (overrideText != null && !overrideText.isBlank()) {
      List<String> reasons = new ArrayList<>();
      override = OperationsSettingsParser.parseBackendUrls(overrideText, reasons);
      reasons.forEach(r -> problems.error(BACKEND_OVERRIDE_SOURCE, 0, r));
    }
    SettingsParser settingsParser = new SettingsParser(sources.defaults(), sources.gateway(), problems);
    GatewaySettings settings = settingsParser.parse(override);

    if (settings != null && running != null) {
      settings = keepRestartOnly(settings, running, settingsParser, override != null, problems);
    }
    if (settings != null) {
      warnGroupsWithoutLimits(sources, keyGroups, perMinute, perSecond, settings, problems);
    }
    if (problems.hasErrors()) {
      return new Compilation(null, problems.errors(), problems.warnings());
    }
    PolicySnapshot snapshot = PolicySnapshot.of(version, settings, keyGroups, perMinute, perSecond, messages);
    return new Compilation(snapshot, List.of(), problems.warnings());
  }

  private static <T> Map<String, T> parseMap(
      RawFile file, Problems problems, boolean accessKeys, Function<RawEntry, T> parseValue) {
    Map<String, T> values = new LinkedHashMap<>();
    Map<String, Integer> firstLines = new LinkedHashMap<>();
    for (RawEntry e : file.entries()) {
      Integer firstLine = firstLines.putIfAbsent(e.key(), e.line());
      if (firstLine != null) {
        problems.warn(file.name(), e.line(), "duplicate key " + Values.quote(e.key()) + " (first on line "
            + firstLine + "): this line is ignored, the first one wins (as in HAProxy)");
        continue;
      }
      if (Values.hasControlChar(e.key())) {
        problems.error(file.name(), e.line(), "key " + Values.quote(e.key()) + " contains control characters");
        continue;
      }
      if (!accessKeys && !Values.isWord(e.key())) {
        problems.error(file.name(), e.line(), "group " + Values.quote(e.key())
            + " must be one word without spaces or control characters");
        continue;
      }
      if (accessKeys && e.key().length() > MAX_ACCESS_KEY_LENGTH) {
        problems.warn(file.name(), e.line(), "key " + Values.quote(e.key()) + " is longer than "
            + MAX_ACCESS_KEY_LENGTH + " characters and can never match a request");
      }
      T value = parseValue.apply(e);
      if (value != null) {
        values.put(e.key(), value);
      }
    }
    return values;
  }

  private static Integer limit(Problems problems, RawFile file, RawEntry e) {
    Integer value = Values.parseLimit(e.value());
    return value != null ? value : reject(problems, file, e, "group", "limit", Values.limitRule(e.value()));
  }

  private static <T> T reject(Problems problems, RawFile file, RawEntry e, String keyNoun, String valueNoun, String rule) {
    problems.error(file.name(), e.line(), keyNoun + " " + Values.quote(e.key()) + " has " + valueNoun + " "
        + Values.quote(e.value()) + ": " + rule);
    return null;
  }

  private static GatewaySettings keepRestartOnly(GatewaySettings next, GatewaySettings running,
      SettingsParser parser, boolean backendOverridden, Problems problems) {
    int tableSize = next.tableSize();
    if (tableSize != running.tableSize()) {
      problems.warn(parser.sourceOf(SettingsParser.TABLE_SIZE), 0, "changed from " + running.tableSize() + " to "
          + tableSize + ": needs a restart; " + running.tableSize() + " stays in force");
      tableSize = running.tableSize();
    }
    var reloadInterval = next.reloadInterval();
    if (!reloadInterval.equals(running.reloadInterval())) {
      problems.warn(parser.sourceOf(SettingsParser.RELOAD_INTERVAL), 0, "changed from "
          + running.reloadInterval().toMillis() + "ms to " + reloadInterval.toMillis() + "ms: needs a restart; "
          + running.reloadInterval().toMillis() + "ms stays in force");
      reloadInterval = running.reloadInterval();
    }
    List<URI> backends = next.backendUrls();
    if (!backends.equals(running.backendUrls())) {
      String source = backendOverridden ? BACKEND_OVERRIDE_SOURCE : parser.sourceOf(SettingsParser.BACKEND_URLS);
      problems.warn(source, 0, "changed from " + running.backendUrls() + " to " + backends
          + ": needs a restart; " + running.backendUrls() + " stays in force");
      backends = running.backendUrls();
    }
    List<URI> backups = next.backendBackupUrls();
    if (!backups.equals(running.backendBackupUrls())) {
      problems.warn(parser.sourceOf(SettingsParser.BACKEND_BACKUP_URLS), 0, "changed from " + running.backendBackupUrls()
          + " to " + backups + ": needs a restart; " + running.backendBackupUrls() + " stays in force");
      backups = running.backendBackupUrls();
    }
    String accessLogFile = next.accessLogFile();
    if (!accessLogFile.equals(running.accessLogFile())) {
      problems.warn(parser.sourceOf(SettingsParser.ACCESS_LOG_FILE), 0, "changed from '" + running.accessLogFile()
          + "' to '" + accessLogFile + "': needs a restart; '" + running.accessLogFile() + "' stays in force");
      accessLogFile = running.accessLogFile();
    }
    return new GatewaySettings(next.defaultGroup(), next.defaultLimitPerMinute(), next.defaultLimitPerSecond(),
        next.defaultErrorMessage(), next.denyStatus(), next.countDenied(), next.limitMethods(),
        next.headersEnabled(), tableSize, next.tableExpire(), reloadInterval, next.adminAllow(),
        next.trustedProxies(), backends, next.backendHealthPath(), backups, next.healthCheck(),
        next.accessLogEnabled(), next.accessLogFormat(), accessLogFile, next.securityHeaders());
  }

  private static void warnGroupsWithoutLimits(PolicySources sources, Map<String, String> keyGroups,
      Map<String, Integer> perMinute, Map<String, Integer> perSecond, GatewaySettings settings, Problems problems) {
    Set<String> reported = new HashSet<>();
    reported.add(settings.defaultGroup());
    Map<String, Integer> lines = new LinkedHashMap<>();
    for (RawEntry e : sources.keyGroups().entries()) {
      lines.putIfAbsent(e.key(), e.line());
    }
    keyGroups.forEach((key, group) -> {
      if (!reported.add(group)) {
        return;
      }
      List<String> missing = new ArrayList<>(2);
      if (!perMinute.containsKey(group)) {
        missing.add(sources.limitsPerMinute().name() + " (default " + settings.defaultLimitPerMinute() + "/min applies)");
      }
      if (!perSecond.containsKey(group)) {
        missing.add(sources.limitsPerSecond().name() + " (default " + settings.defaultLimitPerSecond() + "/s applies)");
      }
      if (!missing.isEmpty()) {
        problems.warn(sources.keyGroups().name(), lines.getOrDefault(key, 0), "group " + Values.quote(group)
            + " of key " + Values.quote(key) + " has no entry in " + String.join(" or ", missing));
      }
    });
  }
}
