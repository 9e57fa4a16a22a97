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
 *       and must be {@code GROUP:read} or {@code GROUP:write}; keys with an {@code '@'} are
 *       conditioned entries, {@code GROUP[:CLASS]@SCHEDULE} or {@code GROUP[:CLASS]@HEADER=VALUE},
 *       naming a {@code limit.schedule.NAME} or {@code limit.header.NAME} of the settings;
 *   <li>keys of the bucket maps are lower-case bucket names or {@code *};
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
    RawFile bucketSecondFile = sources.map(MapFile.BUCKET_LIMITS_PER_SECOND);
    RawFile bucketMinuteFile = sources.map(MapFile.BUCKET_LIMITS_PER_MINUTE);
    Map<String, Integer> bucketPerSecond = parseMap(bucketSecondFile, problems, false,
        e -> bucketLimit(problems, bucketSecondFile, e));
    Map<String, Integer> bucketPerMinute = parseMap(bucketMinuteFile, problems, false,
        e -> bucketLimit(problems, bucketMinuteFile, e));
    Map<String, Integer> concurrent = parseMap(sources.concurrentRequests(), problems, false,
        e -> limit(problems, sources.concurrentRequests(), e));
    RawFile bandwidthFile = withDirectionKeys(sources.bandwidthPerMinute());
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
    DimensionSettings dimensions = new DimensionSettingsParser(settingsReader).parse();
    if (dimensions != null) {
      checkConditions(secondFile, perSecond, dimensions, problems);
      checkConditions(minuteFile, perMinute, dimensions, problems);
    }

    if (settings != null && running != null) {
      settings = keepRestartOnly(settings, running, settingsReader, override != null, problems);
    }
    warnConditionedEntriesOutsideLimitMaps(sources.errorMessages(), problems);
    warnConditionedEntriesOutsideLimitMaps(sources.concurrentRequests(), problems);
    if (settings != null) {
      warnGroupsWithoutLimits(sources, keyGroups, perMinute, perSecond, settings, problems);
    }
    Allowlist allowlist = allowlist(sources.allowlist(), problems);
    if (problems.hasErrors()) {
      return new Compilation(null, problems.errors(), problems.warnings());
    }
    PolicySnapshot snapshot = PolicySnapshot.of(version, settings, keyGroups, perMinute, perSecond, messages, concurrent,
        new BucketLimits(bucketPerSecond, bucketPerMinute), dimensions, allowlist,
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

  /** {@code allowlist.lst}: every entry an address or CIDR block; a repeated block is a warning. */
  private static Allowlist allowlist(RawFile file, Problems problems) {
    Map<Cidr, Integer> blocks = new LinkedHashMap<>();
    for (RawEntry e : file.entries()) {
      Cidr block;
      try {
        block = Cidr.parse(e.key());
      } catch (IllegalArgumentException ex) {
        problems.error(file.name(), e.line(), "entry " + Values.quote(e.key()) + ": " + ex.getMessage()
            + " (one IPv4 or IPv6 address or CIDR block per line, e.g. 10.0.0.0/8 or 2001:db8::/32)");
        continue;
      }
      Integer first = blocks.putIfAbsent(block, e.line());
      if (first != null) {
        problems.warn(file.name(), e.line(), "entry " + Values.quote(e.key()) + " repeats " + block + " (line "
            + first + ")");
      }
    }
    return blocks.isEmpty() ? Allowlist.EMPTY : new Allowlist(List.copyOf(blocks.keySet()));
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
   * The entries of a limit map with method-class and conditioned entries under their full key. The
   * properties syntax takes an unescaped {@code ':'} or {@code '='} as the end of the key, so the line
   * {@code basic:write 2} reads as key {@code basic} with value {@code write 2}, and
   * {@code basic@country=CN 5} as key {@code basic@country} with value {@code CN 5}: such a value
   * (a class label, optionally with its {@code @CONDITION}; or, after a key with {@code '@'} and no
   * {@code '='}, a header value), whitespace and the limit is turned back into the full key
   * ({@code basic:write}, {@code basic:write@offhours}, {@code basic@country=CN}) with the limit as
   * value, so duplicates and errors are reported per entry. The escaped forms
   * ({@code basic\:write 2}, {@code basic@country\=CN 5}) read as those keys directly.
   */
  private static RawFile withClassKeys(RawFile file) {
    List<RawEntry> entries = new ArrayList<>(file.entries().size());
    for (RawEntry e : file.entries()) {
      String value = e.value();
      int space = value.indexOf(' ');
      String token = space > 0 ? value.substring(0, space) : null;
      String limit = space > 0 ? value.substring(space + 1).strip() : null;
      String key = e.key();
      if (token != null && key.indexOf(':') < 0 && key.indexOf('@') < 0 && MethodClass.ofLabel(classLabel(token)) != null) {
        entries.add(new RawEntry(key + ":" + token, limit, e.line()));
      } else if (token != null && key.indexOf('@') >= 0 && key.indexOf('=') < 0 && limit.indexOf(' ') < 0) {
        entries.add(new RawEntry(key + "=" + token, limit, e.line()));
      } else {
        entries.add(e);
      }
    }
    return new RawFile(file.name(), entries);
  }

  /**
   * bandwidth_per_minute.map's entries under their {@code GROUP:in} / {@code GROUP:out} key: the
   * line {@code basic:in 10M} reads as key {@code basic}, value {@code in 10M}, turned back into
   * key {@code basic:in} with value {@code 10M}, as {@link #withClassKeys} does for classes.
   */
  private static RawFile withDirectionKeys(RawFile file) {
    List<RawEntry> entries = new ArrayList<>(file.entries().size());
    for (RawEntry e : file.entries()) {
      int space = e.value().indexOf(' ');
      if (space > 0 && e.key().indexOf(':') < 0 && isDirection(e.value().substring(0, space))) {
        entries.add(new RawEntry(e.key() + ":" + e.value().substring(0, space), e.value().substring(space + 1).strip(),
            e.line()));
      } else {
        entries.add(e);
      }
    }
    return new RawFile(file.name(), entries);
  }

  /** The class label of a value's first token: {@code write} of {@code write} or {@code write@offhours}. */
  private static String classLabel(String token) {
    int at = token.indexOf('@');
    return at < 0 ? token : token.substring(0, at);
  }

  /** A limit of a group ({@code basic}), one of its method classes ({@code basic:write}) or a conditioned variant. */
  private static Integer classedLimit(Problems problems, RawFile file, RawEntry e) {
    boolean plain = e.key().indexOf(':') < 0 && e.key().indexOf('@') < 0 && e.key().indexOf('=') < 0;
    if (!plain && LimitKey.parse(e.key()) == null) {
      return reject(problems, file, e, "key", "limit", e.key().indexOf('@') < 0 && e.key().indexOf('=') < 0
          ? "a method-class entry is GROUP:read or GROUP:write"
          : "a conditioned entry is GROUP@SCHEDULE or GROUP@HEADER=VALUE (GROUP:read@... or GROUP:write@... for a"
              + " class), with a condition name of letters, digits, '_' or '-'");
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

  /**
   * Reports every conditioned entry of {@code file} whose condition the settings do not define: a
   * schedule name needs {@code limit.schedule.NAME}, {@code NAME=VALUE} needs {@code limit.header.NAME}.
   */
  private static void checkConditions(RawFile file, Map<String, Integer> parsed, DimensionSettings dimensions,
      Problems problems) {
    for (RawEntry e : file.entries()) {
      LimitKey key = e.key().indexOf('@') < 0 || !parsed.containsKey(e.key()) ? null : LimitKey.parse(e.key());
      if (key == null) {
        continue;
      }
      String name = key.condition();
      String rule = null;
      if (key.conditionValue() == null && !dimensions.schedules().containsKey(name)) {
        rule = dimensions.headers().containsKey(name)
            ? "'" + name + "' is a header condition (limit.header." + name + "): write " + key.group() + "@" + name + "=VALUE"
            : "no setting limit.schedule." + name + " defines the condition '" + name + "'";
      } else if (key.conditionValue() != null && !dimensions.headers().containsKey(name)) {
        rule = dimensions.schedules().containsKey(name)
            ? "'" + name + "' is a schedule (limit.schedule." + name + "), which takes no '=VALUE'"
            : "no setting limit.header." + name + " defines the condition '" + name + "'";
      }
      if (rule != null) {
        reject(problems, file, e, "key", "limit", rule);
      }
    }
  }

  /**
   * Conditions apply in the per-second and per-minute maps only: a {@code GROUP@CONDITION} key
   * elsewhere would silently be a group of that name no key is in, so it is a warning.
   */
  private static void warnConditionedEntriesOutsideLimitMaps(RawFile file, Problems problems) {
    for (RawEntry e : file.entries()) {
      if (e.key().indexOf('@') > 0) {
        problems.warn(file.name(), e.line(), "key " + Values.quote(e.key()) + " is ignored: conditioned entries"
            + " (GROUP@CONDITION) apply in rate_limits_per_second.map and rate_limits_per_minute.map only; a variant"
            + " keeps its group's message and requests in flight");
      }
    }
  }

  /** A per-bucket limit: the key is a bucket name as requests are matched (lower case) or {@code *}. */
  private static Integer bucketLimit(Problems problems, RawFile file, RawEntry e) {
    if (!e.key().equals(BucketLimits.DEFAULT_ENTRY) && !isBucketName(e.key())) {
      return reject(problems, file, e, "bucket", "limit", "a bucket is 1..255 lower-case letters, digits, '.', '-'"
          + " or '_' (requests are matched lower-cased), or * for every bucket without an entry");
    }
    Integer value = Values.parseLimit(e.value());
    return value != null ? value : reject(problems, file, e, "bucket", "limit", Values.limitRule(e.value()));
  }

  private static boolean isBucketName(String s) {
    if (s.isEmpty() || s.length() > 255) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
        return false;
      }
    }
    return true;
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
