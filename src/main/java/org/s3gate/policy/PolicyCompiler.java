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

import org.s3gate.identify.AccessKeyExtractor;

/**
 * Validates the raw entries of all configuration files and builds one {@link PolicySnapshot}, or
 * reports every problem at once. Pure: no I/O, no clock, no logging; the loader decides what to
 * log and whether to publish.
 *
 * <p>Rules, each error naming file, line, key, value and rule:
 * <ul>
 *   <li>keys must not contain control characters; group names (values of api_key_groups.map, keys
 *       of the other maps) are one word;
 *   <li>keys of the per-second and per-minute maps with a {@code ':'} are method-class entries
 *       and must be {@code GROUP:read} or {@code GROUP:write};
 *   <li>keys of bandwidth_per_minute.map are {@code GROUP:in} or {@code GROUP:out}, values bytes
 *       with an optional {@code k}, {@code M} or {@code G} suffix (powers of 1024);
 *   <li>limits are whole numbers 0..2147483647; messages are non-empty without control characters
 *       and kept as written (escaping is the HTTP layer's job);
 *   <li>a duplicate key is a warning naming both lines, and the first one wins (HAProxy's
 *       behaviour);
 *   <li>a group used in api_key_groups.map with no entry in a limit map is a warning (a typo
 *       like {@code premuim} would otherwise silently get the default limits);
 *   <li>restart-only settings ({@link StartupSettings#KEYS}): when {@code running} is given and a
 *       new value differs, a warning says it needs a restart and the running value stays in the
 *       snapshot.
 * </ul>
 *
 * <p>Immutable (static functions only); safe to call from any thread.
 */
public final class PolicyCompiler {

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
    RawFile minuteFile = withClassKeys(sources.limitsPerMinute());
    RawFile secondFile = withClassKeys(sources.limitsPerSecond());
    Map<String, Integer> perMinute = parseMap(minuteFile, problems, false, e -> classedLimit(problems, minuteFile, e));
    Map<String, Integer> perSecond = parseMap(secondFile, problems, false, e -> classedLimit(problems, secondFile, e));
    Map<String, Integer> concurrent = parseMap(sources.concurrentRequests(), problems, false,
        e -> limit(problems, sources.concurrentRequests(), e));
    RawFile bandwidthFile = withSuffixKeys(sources.bandwidthPerMinute(), PolicyCompiler::isDirection);
    Map<String, Long> bandwidth = parseMap(bandwidthFile, problems, false, e -> bandwidth(problems, bandwidthFile, e));
    Map<String, String> messages = parseMap(sources.errorMessages(), problems, false,
        e -> !e.value().isEmpty() && !Values.hasControlChar(e.value()) ? e.value()
            : reject(problems, sources.errorMessages(), e, "group", "message",
                "must be a non-empty message without control characters"));

    List<URI> override = null;
    String overrideText = sources.backendOverride();
    if (overrideText != null && !overrideText.isBlank()) {
      List<String> reasons = new ArrayList<>();
      override = OperationsSettingsParser.parseBackendUrls(overrideText, reasons);
      reasons.forEach(r -> problems.error(PolicySources.BACKEND_OVERRIDE_VARIABLE, 0, r));
    }
    SettingsReader settingsReader = new SettingsReader(sources.defaults(), sources.gateway(), problems);
    GatewaySettings settings = new SettingsParser(settingsReader).parse(override);

    if (settings != null && running != null) {
      settings = keepRestartOnly(settings, running, settingsReader, override != null, problems);
    }
    if (settings != null) {
      warnGroupsWithoutLimits(sources, keyGroups, perMinute, perSecond, settings, problems);
    }
    if (problems.hasErrors()) {
      return new Compilation(null, problems.errors(), problems.warnings());
    }
    PolicySnapshot snapshot = PolicySnapshot.of(version, settings, keyGroups, perMinute, perSecond, messages, concurrent,
        bandwidth);
    return new Compilation(snapshot, List.of(), problems.warnings());
  }

  /**
   * The {@code reload.max_file_bytes} that {@code gateway} sets over {@code defaults}, or
   * {@code fallback} if it is missing or invalid: what the loader reads the map files with, before
   * it compiles them (a compile of the same files reports an invalid value with file and line).
   * Read from the files being loaded, so raising the cap and adding a bigger map in one go works.
   */
  public static long maxFileBytes(RawFile defaults, RawFile gateway, long fallback) {
    Long value = SettingsParser.maxFileBytes(new SettingsReader(defaults, gateway, new Problems()));
    return value == null ? fallback : value;
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
      if (accessKeys && e.key().length() > AccessKeyExtractor.MAX_KEY_LENGTH) {
        problems.warn(file.name(), e.line(), "key " + Values.quote(e.key()) + " is longer than "
            + AccessKeyExtractor.MAX_KEY_LENGTH + " characters and can never match a request");
      }
      T value = parseValue.apply(e);
      if (value != null) {
        values.put(e.key(), value);
      }
    }
    return values;
  }

  /**
   * The entries of a limit map with method-class entries under their {@code GROUP:CLASS} key. The
   * properties syntax takes an unescaped {@code ':'} as the end of the key, so the line
   * {@code basic:write 2} reads as key {@code basic} with value {@code write 2}: such a value
   * (a class label, whitespace, the limit) is turned back into key {@code basic:write} with
   * value {@code 2}, so duplicates and errors are reported per class. The escaped form
   * {@code basic\:write 2} reads as that key directly.
   */
  private static RawFile withClassKeys(RawFile file) {
    return withSuffixKeys(file, label -> MethodClass.ofLabel(label) != null);
  }

  /** {@link #withClassKeys} for any suffix {@code isSuffix} accepts (bandwidth_per_minute.map's {@code in} / {@code out}). */
  private static RawFile withSuffixKeys(RawFile file, java.util.function.Predicate<String> isSuffix) {
    List<RawEntry> entries = new ArrayList<>(file.entries().size());
    for (RawEntry e : file.entries()) {
      String value = e.value();
      int space = value.indexOf(' ');
      if (space > 0 && e.key().indexOf(':') < 0 && isSuffix.test(value.substring(0, space))) {
        entries.add(new RawEntry(e.key() + ":" + value.substring(0, space), value.substring(space + 1).strip(), e.line()));
      } else {
        entries.add(e);
      }
    }
    return new RawFile(file.name(), entries);
  }

  /** A limit of a group ({@code basic}) or of one of its method classes ({@code basic:write}). */
  private static Integer classedLimit(Problems problems, RawFile file, RawEntry e) {
    int colon = e.key().indexOf(':');
    if (colon >= 0 && (colon == 0 || MethodClass.ofLabel(e.key().substring(colon + 1)) == null)) {
      return reject(problems, file, e, "key", "limit", "a method-class entry is GROUP:read or GROUP:write");
    }
    return limit(problems, file, e);
  }

  private static boolean isDirection(String label) {
    return label.equals("in") || label.equals("out");
  }

  /** A bandwidth entry: {@code GROUP:in} or {@code GROUP:out}, bytes with an optional k/M/G suffix. */
  private static Long bandwidth(Problems problems, RawFile file, RawEntry e) {
    int colon = e.key().indexOf(':');
    if (colon <= 0 || !isDirection(e.key().substring(colon + 1))) {
      return reject(problems, file, e, "key", "bandwidth",
          "a bandwidth entry is GROUP:in (request bodies) or GROUP:out (response bodies)");
    }
    Long value = Values.parseBandwidth(e.value());
    return value != null ? value : reject(problems, file, e, "key", "bandwidth", Values.BANDWIDTH_RULE);
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
      SettingsReader reader, boolean backendOverridden, Problems problems) {
    for (StartupSettings.Change change : running.startup().changesTo(next.startup())) {
      String source = backendOverridden && change.key().equals(SettingKeys.BACKEND_URLS)
          ? PolicySources.BACKEND_OVERRIDE_VARIABLE : reader.sourceOf(change.key());
      problems.warn(source, 0, "changed from " + change.running() + " to " + change.wanted() + ": needs a restart; "
          + change.running() + " stays in force");
    }
    return next.withStartup(running.startup());
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
