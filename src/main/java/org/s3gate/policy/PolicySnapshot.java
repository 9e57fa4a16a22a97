package org.s3gate.policy;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.s3gate.identify.CallerIdentity;

/**
 * Everything one request needs to decide: which group a key is in, each group's limits and
 * message, and the gateway settings, all from one reload. The filter reads the current snapshot
 * once per request and uses it for the whole decision, so a request sees one reload or the next,
 * never a mix.
 *
 * <p>Design: the maps are kept as written (file order, first of duplicates) for JMX and the
 * admin tools; for the request path a {@link GroupPolicy} is precomputed per group, plus one for
 * {@code settings.defaultGroup()}, and every key points at its group's instance, so
 * {@link #policyForKey} is one hash lookup and allocates nothing. A group missing from a limit or
 * message map gets {@code default.limit.per_minute}, {@code default.limit.per_second},
 * {@code default.limit.concurrent} and {@code default.error_message} (HAProxy's {@code map(file,default)}); the default group itself is
 * looked up in those maps too, so {@code unknown 10} in {@code rate_limits_per_minute.map} limits
 * unidentified callers to 10 a minute.
 *
 * <p>Memory: about 100 bytes per key on top of the strings (two map entries); 100,000 keys cost
 * ~10 MB per snapshot, and a reload holds two snapshots at most while the old one drains.
 *
 * <p>Immutable (unmodifiable copies; safe to publish through a volatile or AtomicReference).
 */
public final class PolicySnapshot {

  private final long version;
  private final GatewaySettings settings;
  private final Map<String, String> keyGroups;
  private final Map<String, Integer> limitsPerMinute;
  private final Map<String, Integer> limitsPerSecond;
  private final Map<String, String> errorMessages;
  private final Map<String, Integer> concurrentRequests;
  private final Map<String, Long> bandwidthPerMinute;
  private final Map<String, GroupPolicy> policyByGroup;
  private final Map<String, GroupPolicy> policyByKey;
  private final GroupPolicy defaultPolicy;
  private final GroupPolicy anonymousPolicy;
  private final Allowlist allowlist;
  private final BucketLimits bucketLimits;
  private final DimensionSettings dimensions;
  /** Conditioned variants by group name; empty when no limit map has a {@code GROUP@CONDITION} entry. */
  private final Map<String, GroupVariants> variantsByGroup;

  private PolicySnapshot(
      long version,
      GatewaySettings settings,
      Map<String, String> keyGroups,
      Map<String, Integer> limitsPerMinute,
      Map<String, Integer> limitsPerSecond,
      Map<String, String> errorMessages,
      Map<String, Integer> concurrentRequests,
      BucketLimits bucketLimits,
      DimensionSettings dimensions,
      Allowlist allowlist,
      Map<String, Long> bandwidthPerMinute) {
    this.version = version;
    this.bucketLimits = Objects.requireNonNull(bucketLimits, "bucketLimits");
    this.dimensions = Objects.requireNonNull(dimensions, "dimensions");
    this.allowlist = Objects.requireNonNull(allowlist, "allowlist");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.keyGroups = Collections.unmodifiableMap(new LinkedHashMap<>(keyGroups));
    this.limitsPerMinute = Collections.unmodifiableMap(new LinkedHashMap<>(limitsPerMinute));
    this.limitsPerSecond = Collections.unmodifiableMap(new LinkedHashMap<>(limitsPerSecond));
    this.errorMessages = Collections.unmodifiableMap(new LinkedHashMap<>(errorMessages));
    this.concurrentRequests = Collections.unmodifiableMap(new LinkedHashMap<>(concurrentRequests));
    this.bandwidthPerMinute = Collections.unmodifiableMap(new LinkedHashMap<>(bandwidthPerMinute));

    Map<String, GroupPolicy> byGroup = new HashMap<>();
    byGroup.put(settings.defaultGroup(), computePolicy(settings.defaultGroup()));
    byGroup.computeIfAbsent(settings.anonymousGroup(), this::computePolicy);
    for (String group : this.keyGroups.values()) {
      byGroup.computeIfAbsent(group, this::computePolicy);
    }
    for (Map<String, ?> m : java.util.List.<Map<String, ?>>of(this.limitsPerMinute, this.limitsPerSecond, this.errorMessages,
        this.concurrentRequests)) {
      for (String group : m.keySet()) {
        if (group.indexOf(':') >= 0 || group.indexOf('@') >= 0) {
          continue; // a method-class (basic:write) or conditioned (basic@offhours) entry is part of its group's
        }
        byGroup.computeIfAbsent(group, this::computePolicy);
      }
    }
    for (String entry : this.bandwidthPerMinute.keySet()) { // basic:in is part of basic's policy
      byGroup.computeIfAbsent(entry.substring(0, Math.max(0, entry.indexOf(':'))), this::computePolicy);
    }
    this.policyByGroup = Collections.unmodifiableMap(byGroup);
    this.defaultPolicy = byGroup.get(settings.defaultGroup());
    this.anonymousPolicy = byGroup.get(settings.anonymousGroup());

    Map<String, GroupPolicy> byKey = new HashMap<>(Math.max(16, this.keyGroups.size() * 4 / 3 + 1));
    this.keyGroups.forEach((key, group) -> byKey.put(key, byGroup.get(group)));
    this.policyByKey = Collections.unmodifiableMap(byKey);
    this.variantsByGroup = Collections.unmodifiableMap(computeVariants(byGroup));
  }

  /**
   * The {@code GROUP@CONDITION} variants of every group that has any, each a full
   * {@link GroupPolicy} named {@code GROUP@CONDITION}: a window (or class window) the variant's
   * entries set overrides the group's, every other value is the group's. Conditions this
   * snapshot's settings do not define are skipped (the compiler reports them as errors).
   */
  private Map<String, GroupVariants> computeVariants(Map<String, GroupPolicy> byGroup) {
    Map<String, java.util.Set<String>> conditionsByGroup = new LinkedHashMap<>();
    for (Map<String, Integer> m : java.util.List.of(limitsPerSecond, limitsPerMinute)) {
      for (String key : m.keySet()) {
        LimitKey parsed = key.indexOf('@') < 0 ? null : LimitKey.parse(key);
        if (parsed != null) {
          conditionsByGroup.computeIfAbsent(parsed.group(), g -> new java.util.LinkedHashSet<>()).add(parsed.conditionKey());
        }
      }
    }
    Map<String, GroupVariants> variants = new HashMap<>();
    conditionsByGroup.forEach((group, conditions) -> {
      GroupPolicy base = byGroup.containsKey(group) ? byGroup.get(group) : computePolicy(group);
      java.util.List<GroupVariants.HeaderVariants> headers = new java.util.ArrayList<>();
      dimensions.headers().forEach((name, header) -> {
        Map<String, GroupPolicy> byValue = new LinkedHashMap<>();
        for (String condition : conditions) {
          if (condition.startsWith(name + "=")) {
            String value = condition.substring(name.length() + 1);
            byValue.putIfAbsent(value.toUpperCase(java.util.Locale.ROOT), computeVariant(base, condition));
          }
        }
        if (!byValue.isEmpty()) {
          headers.add(new GroupVariants.HeaderVariants(name, header, byValue));
        }
      });
      java.util.List<GroupVariants.ScheduledVariant> schedules = new java.util.ArrayList<>();
      dimensions.schedules().forEach((name, schedule) -> {
        if (conditions.contains(name)) {
          schedules.add(new GroupVariants.ScheduledVariant(name, schedule, computeVariant(base, name)));
        }
      });
      if (!headers.isEmpty() || !schedules.isEmpty()) {
        variants.put(group, new GroupVariants(headers, schedules));
      }
    });
    return variants;
  }

  private GroupPolicy computeVariant(GroupPolicy base, String condition) {
    String group = base.group();
    String suffix = "@" + condition;
    return new GroupPolicy(
        group + suffix,
        limitsPerSecond.getOrDefault(group + suffix, base.limitPerSecond()),
        limitsPerMinute.getOrDefault(group + suffix, base.limitPerMinute()),
        base.limitConcurrent(),
        base.errorMessage(),
        classLimits(group, MethodClass.READ, suffix),
        classLimits(group, MethodClass.WRITE, suffix),
        base.bandwidth()); // a variant keeps its group's bandwidth (conditions apply to the request maps only)
  }

  /**
   * Builds a snapshot from already validated values: for {@link PolicyCompiler}, and for code and
   * tests that build a policy directly. Nothing is validated here beyond what the records check.
   */
  public static PolicySnapshot of(
      long version,
      GatewaySettings settings,
      Map<String, String> keyGroups,
      Map<String, Integer> limitsPerMinute,
      Map<String, Integer> limitsPerSecond,
      Map<String, String> errorMessages,
      Map<String, Integer> concurrentRequests) {
    return of(version, settings, keyGroups, limitsPerMinute, limitsPerSecond, errorMessages, concurrentRequests,
        BucketLimits.NONE, DimensionSettings.NONE, Allowlist.EMPTY);
  }

  /**
   * The same with the limit dimensions of issue 16 (bucket limits, the settings of conditions) and
   * {@code allowlist.lst}'s addresses.
   */
  public static PolicySnapshot of(
      long version,
      GatewaySettings settings,
      Map<String, String> keyGroups,
      Map<String, Integer> limitsPerMinute,
      Map<String, Integer> limitsPerSecond,
      Map<String, String> errorMessages,
      Map<String, Integer> concurrentRequests,
      BucketLimits bucketLimits,
      DimensionSettings dimensions,
      Allowlist allowlist) {
    return new PolicySnapshot(version, settings, keyGroups, limitsPerMinute, limitsPerSecond, errorMessages,
        concurrentRequests, bucketLimits, dimensions, allowlist, Map.of());
  }

  /** The same with {@code bandwidth_per_minute.map}'s entries ({@code GROUP:in} / {@code GROUP:out} to bytes). */
  public static PolicySnapshot of(long version, GatewaySettings settings, Map<String, String> keyGroups,
      Map<String, Integer> limitsPerMinute, Map<String, Integer> limitsPerSecond, Map<String, String> errorMessages,
      Map<String, Integer> concurrentRequests, BucketLimits bucketLimits, DimensionSettings dimensions,
      Allowlist allowlist, Map<String, Long> bandwidthPerMinute) {
    return new PolicySnapshot(version, settings, keyGroups, limitsPerMinute, limitsPerSecond, errorMessages,
        concurrentRequests, bucketLimits, dimensions, allowlist, bandwidthPerMinute);
  }

  private GroupPolicy computePolicy(String group) {
    return new GroupPolicy(
        group,
        limitsPerSecond.getOrDefault(group, settings.defaultLimitPerSecond()),
        limitsPerMinute.getOrDefault(group, settings.defaultLimitPerMinute()),
        concurrentRequests.getOrDefault(group, settings.defaultLimitConcurrent()),
        errorMessages.getOrDefault(group, settings.defaultErrorMessage()),
        classLimits(group, MethodClass.READ),
        classLimits(group, MethodClass.WRITE),
        bandwidth(group));
  }

  /** {@code GROUP:in} / {@code GROUP:out} of bandwidth_per_minute.map, null when the group has neither. */
  private GroupPolicy.Bandwidth bandwidth(String group) {
    Long in = bandwidthPerMinute.get(group + ":in");
    Long out = bandwidthPerMinute.get(group + ":out");
    if (in == null && out == null) {
      return null;
    }
    return new GroupPolicy.Bandwidth(in == null ? GroupPolicy.Bandwidth.UNLIMITED : in,
        out == null ? GroupPolicy.Bandwidth.UNLIMITED : out);
  }

  /** {@code GROUP:read} or {@code GROUP:write} limits, null when neither map has an entry for the class. */
  private GroupPolicy.ClassLimits classLimits(String group, MethodClass methodClass) {
    return classLimits(group, methodClass, "");
  }

  /**
   * The same for a conditioned variant ({@code suffix} {@code "@offhours"}): each window from
   * {@code GROUP:CLASS@CONDITION}, else from {@code GROUP:CLASS}.
   */
  private GroupPolicy.ClassLimits classLimits(String group, MethodClass methodClass, String suffix) {
    String key = group + ":" + methodClass.label();
    Integer perSecond = limitsPerSecond.getOrDefault(key + suffix, limitsPerSecond.get(key));
    Integer perMinute = limitsPerMinute.getOrDefault(key + suffix, limitsPerMinute.get(key));
    if (perSecond == null && perMinute == null) {
      return null;
    }
    return new GroupPolicy.ClassLimits(perSecond == null ? Integer.MAX_VALUE : perSecond,
        perMinute == null ? Integer.MAX_VALUE : perMinute);
  }

  /** Increases by 1 with every successful publish; the first loaded configuration is version 1. */
  public long version() {
    return version;
  }

  public GatewaySettings settings() {
    return settings;
  }

  /**
   * The policy for an access key: its group's, or the default group's when the key is null or
   * unmapped. One hash lookup, no allocation.
   */
  public GroupPolicy policyForKey(String accessKey) {
    if (accessKey == null) {
      return defaultPolicy;
    }
    GroupPolicy policy = policyByKey.get(accessKey);
    return policy != null ? policy : defaultPolicy;
  }

  /** Whether {@code api_key_groups.map} lists the key (an unlisted key is also charged per client address). */
  public boolean isListed(String accessKey) {
    return policyByKey.containsKey(accessKey);
  }

  /**
   * Whether {@code allowlist.lst} lists the client address: such a client is never tracked or
   * limited per address (its keys' limits still apply unless {@code allowlist.skip_key_limits}).
   * Free when the list is empty; see {@link Allowlist} for the cost otherwise.
   */
  public boolean isAllowlisted(String clientAddress) {
    return allowlist.contains(clientAddress);
  }

  /** {@code allowlist.lst} as in force. */
  public Allowlist allowlist() {
    return allowlist;
  }

  /** The policy of unsigned requests and of the per-client-address budget: {@code anonymous.group}'s. */
  public GroupPolicy anonymousPolicy() {
    return anonymousPolicy;
  }

  /**
   * The policy a counter of the counter table is limited by: the key's, or for a per-address
   * counter ({@code anonymous@ADDRESS}) the anonymous policy; a method-class counter
   * ({@code KEY write}) is its owner's.
   */
  public GroupPolicy policyForCounter(String counterKey) {
    int space = counterKey.indexOf(' ');
    String owner = space < 0 ? counterKey : counterKey.substring(0, space); // "KEY write": a method-class counter
    return owner.startsWith(CallerIdentity.ADDRESS_COUNTER_PREFIX) ? anonymousPolicy : policyForKey(owner);
  }

  /**
   * The policy of a group by name. A group that no file mentions gets the default limits and
   * message under its own name (a new, unshared instance).
   */
  public GroupPolicy policyForGroup(String group) {
    GroupPolicy policy = policyByGroup.get(group);
    return policy != null ? policy : computePolicy(group);
  }

  /** The per-bucket limits ({@code bucket_limits_per_second.map}, {@code bucket_limits_per_minute.map}). */
  public BucketLimits bucketLimits() {
    return bucketLimits;
  }

  /** {@code s3.domain}, {@code limit.timezone}, {@code limit.schedule.*}, {@code limit.header.*}. */
  public DimensionSettings dimensions() {
    return dimensions;
  }

  /** Whether any group has conditioned variants; when not, the request path never evaluates a condition. */
  public boolean hasVariants() {
    return !variantsByGroup.isEmpty();
  }

  /** The conditioned variants of {@code group}'s policy, or null when it has none. */
  public GroupVariants variantsOf(GroupPolicy group) {
    return variantsByGroup.get(group.group());
  }

  /** api_key_groups.map: access key to group, file order, first of duplicates. */
  public Map<String, String> keyGroups() {
    return keyGroups;
  }

  public Map<String, Integer> limitsPerMinute() {
    return limitsPerMinute;
  }

  public Map<String, Integer> limitsPerSecond() {
    return limitsPerSecond;
  }

  public Map<String, String> errorMessages() {
    return errorMessages;
  }

  /** concurrent_requests.map: group to requests one key may have in flight. */
  public Map<String, Integer> concurrentRequests() {
    return concurrentRequests;
  }

  /** bandwidth_per_minute.map: {@code GROUP:in} / {@code GROUP:out} to bytes per sliding minute. */
  public Map<String, Long> bandwidthPerMinute() {
    return bandwidthPerMinute;
  }

  /** The entries of {@code map} in force, in file order, values as text (what JMX {@code show} lists). */
  public Map<String, String> entries(MapFile map) {
    Map<String, ?> values = switch (map) {
      case KEY_GROUPS -> keyGroups;
      case LIMITS_PER_MINUTE -> limitsPerMinute;
      case LIMITS_PER_SECOND -> limitsPerSecond;
      case ERROR_MESSAGES -> errorMessages;
      case CONCURRENT_REQUESTS -> concurrentRequests;
      case BANDWIDTH_PER_MINUTE -> bandwidthPerMinute;
      case BUCKET_LIMITS_PER_SECOND -> bucketLimits.perSecond();
      case BUCKET_LIMITS_PER_MINUTE -> bucketLimits.perMinute();
    };
    Map<String, String> text = new LinkedHashMap<>();
    values.forEach((k, v) -> text.put(k, String.valueOf(v)));
    return text;
  }

  @Override
  public String toString() {
    return "PolicySnapshot[version=" + version + ", keys=" + keyGroups.size()
        + ", limitsPerMinute=" + limitsPerMinute.size() + ", limitsPerSecond=" + limitsPerSecond.size()
        + ", errorMessages=" + errorMessages.size() + ", concurrentRequests=" + concurrentRequests.size()
        + ", bucketLimits=" + (bucketLimits.perSecond().size() + bucketLimits.perMinute().size())
        + ", variants=" + variantsByGroup.size() + ", allowlist=" + allowlist.size() 
        + ", bandwidthPerMinute=" + bandwidthPerMinute.size() + "]";
  }
}
