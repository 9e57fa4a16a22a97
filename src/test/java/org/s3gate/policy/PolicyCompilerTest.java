package org.s3gate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.s3gate.policy.PolicyTestFiles.defaults;
import static org.s3gate.policy.PolicyTestFiles.demo;
import static org.s3gate.policy.PolicyTestFiles.file;
import static org.s3gate.policy.PolicyTestFiles.sources;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PolicyCompilerTest {

  @Test
  void compile_demo_mapsKeysToPrecomputedGroupPolicies() {
    Compilation c = PolicyCompiler.compile(demo(), 7, null);

    assertThat(c.errors()).isEmpty();
    PolicySnapshot s = c.snapshot();
    assertThat(s.version()).isEqualTo(7);
    assertThat(s.policyForKey("K1")).isEqualTo(new GroupPolicy("premium", 50, 2000, 32, "Premium rate limit exceeded"));
    assertThat(s.policyForKey("K3")).isSameAs(s.policyForGroup("basic"));
    assertThat(s.policyForKey("nobody")).isEqualTo(new GroupPolicy("unknown", 5, 50, 32, "Rate_limit_exceeded"))
        .isSameAs(s.policyForKey(null));
    assertThat(s.keyGroups().keySet()).containsExactly("K1", "K2", "K3");
    assertThat(s.settings().backendUrls()).containsExactly(URI.create("http://127.0.0.1:9000"));
    assertThat(s.settings().tableExpire()).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.settings().isLimited("DELETE")).isTrue();
  }

  @Test
  void compile_defaultGroupInLimitMap_appliesToUnmappedKeys() {
    PolicySources src = sources(file("gateway.properties", "default.group anon"),
        file("api_key_groups.map"), file("rate_limits_per_minute.map", "anon 7"),
        file("rate_limits_per_second.map"), file("error_messages.map", "anon Go away"));

    PolicySnapshot s = PolicyCompiler.compile(src, 1, null).snapshot();

    assertThat(s.policyForKey("x")).isEqualTo(new GroupPolicy("anon", 5, 7, 32, "Go away"));
  }

  @Test
  void compile_manyBadValues_reportsAllErrorsWithFileAndLine() {
    PolicySources src = sources(
        file("gateway.properties", "deny.status 200", "table.expire soon", "admin.allow 10.0.0.0/33",
            "backend.urls ftp://x", "count.denied maybe", "limit.methods GET,P0ST"),
        file("api_key_groups.map", "K1 premium", "K2", "K\u0007 basic"),
        file("rate_limits_per_minute.map", "premium -1", "basic 99999999999"),
        file("rate_limits_per_second.map", "premium 5", "", "", "", "", "", "basic abc"),
        file("error_messages.map", "basic"));

    Compilation c = PolicyCompiler.compile(src, 1, null);

    assertThat(c.snapshot()).isNull();
    assertThat(c.errors()).containsExactlyInAnyOrder(
        "api_key_groups.map:2: key 'K2' has group '': a group must be one word without spaces or control characters",
        "api_key_groups.map:3: key 'K\\u0007' contains control characters",
        "rate_limits_per_minute.map:1: group 'premium' has limit '-1': must be a whole number >= 0",
        "rate_limits_per_minute.map:2: group 'basic' has limit '99999999999': must be a whole number >= 0 and <= 2147483647",
        "rate_limits_per_second.map:7: group 'basic' has limit 'abc': must be a whole number >= 0",
        "error_messages.map:1: group 'basic' has message '': must be a non-empty message without control characters",
        "gateway.properties:1: deny.status has value '200': must be an HTTP status 400..599 (429 or 503)",
        "gateway.properties:2: table.expire has value 'soon': " + Values.DURATION_RULE,
        "gateway.properties:3: admin.allow has value '10.0.0.0/33': entry '10.0.0.0/33': prefix length must be 0..32",
        "gateway.properties:4: backend.urls: entry 'ftp://x' must be an absolute http:// or https:// URL",
        "gateway.properties:5: count.denied has value 'maybe': must be true or false",
        "gateway.properties:6: limit.methods has value 'GET,P0ST': entry 'P0ST' is not an HTTP method name (letters only)");
  }

  @Test
  void compile_duplicateKey_warnsWithBothLinesAndFirstWins() {
    PolicySources src = sources(file("gateway.properties"),
        file("api_key_groups.map", "K1 premium", "K1 basic"),
        file("rate_limits_per_minute.map", "premium 1", "basic 2"),
        file("rate_limits_per_second.map", "premium 1", "basic 2"), file("error_messages.map"));

    Compilation c = PolicyCompiler.compile(src, 1, null);

    assertThat(c.snapshot().keyGroups()).containsExactly(java.util.Map.entry("K1", "premium"));
    assertThat(c.warnings()).containsExactly("api_key_groups.map:2: duplicate key 'K1' (first on line 1): "
        + "this line is ignored, the first one wins (as in HAProxy)");
  }

  @Test
  void compile_unknownGatewayKey_warnsWithClosestKnownKey() {
    PolicySources src = sources(file("gateway.properties", "deny.staus 503", "colour blue"),
        file("api_key_groups.map"), file("rate_limits_per_minute.map"), file("rate_limits_per_second.map"),
        file("error_messages.map"));

    Compilation c = PolicyCompiler.compile(src, 1, null);

    assertThat(c.snapshot().settings().denyStatus()).isEqualTo(429);
    assertThat(c.warnings()).containsExactly(
        "gateway.properties:1: unknown key 'deny.staus' is ignored (did you mean 'deny.status'?)",
        "gateway.properties:2: unknown key 'colour' is ignored");
  }

  @Test
  void compile_groupWithoutLimits_warnsAboutLikelyTypo() {
    PolicySources src = sources(file("gateway.properties"), file("api_key_groups.map", "K1 premuim"),
        file("rate_limits_per_minute.map", "premium 1"), file("rate_limits_per_second.map", "premium 1"),
        file("error_messages.map"));

    Compilation c = PolicyCompiler.compile(src, 1, null);

    assertThat(c.warnings()).singleElement().asString()
        .startsWith("api_key_groups.map:1: group 'premuim' of key 'K1' has no entry in rate_limits_per_minute.map");
  }

  @Test
  void compile_missingDefault_isError() {
    RawFile defaultsWithoutGroup = new RawFile("gateway-defaults.properties",
        defaults().entries().stream().filter(e -> !e.key().equals("default.group")).toList());
    PolicySources src = new PolicySources(defaultsWithoutGroup, file("gateway.properties"), file("a"), file("b"),
        file("c"), file("d"), null);

    assertThat(PolicyCompiler.compile(src, 1, null).errors())
        .containsExactly("gateway-defaults.properties: missing setting 'default.group' (every setting needs a default here)");
  }

  @Test
  void compile_restartOnlyChanged_keepsRunningValuesAndWarns() {
    GatewaySettings running = PolicyCompiler.compile(demo(), 1, null).snapshot().settings();
    PolicySources changed = sources(
        file("gateway.properties", "table.size 5", "reload.interval 5s", "backend.urls http://other:9000",
            "deny.status 503"),
        file("api_key_groups.map"), file("rate_limits_per_minute.map"), file("rate_limits_per_second.map"),
        file("error_messages.map"));

    Compilation c = PolicyCompiler.compile(changed, 2, running);

    GatewaySettings s = c.snapshot().settings();
    assertThat(s.tableSize()).isEqualTo(100000);
    assertThat(s.reloadInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.backendUrls()).containsExactly(URI.create("http://127.0.0.1:9000"));
    assertThat(s.denyStatus()).isEqualTo(503);
    assertThat(c.warnings()).hasSize(3).allSatisfy(w -> assertThat(w).contains("needs a restart"));
    assertThat(c.warnings().get(0)).startsWith("gateway.properties:1: table.size: changed from 100000 to 5");
  }

  @Test
  void compile_backendOverride_replacesBackendUrlsAndIsValidated() {
    PolicySources base = demo();
    PolicySources overridden = new PolicySources(base.defaults(), base.gateway(), base.keyGroups(),
        base.limitsPerMinute(), base.limitsPerSecond(), base.errorMessages(), "http://a:9000, https://b:9000");
    PolicySources bad = new PolicySources(base.defaults(), base.gateway(), base.keyGroups(),
        base.limitsPerMinute(), base.limitsPerSecond(), base.errorMessages(), "http://u:p@a:9000");

    assertThat(PolicyCompiler.compile(overridden, 1, null).snapshot().settings().backendUrls())
        .containsExactly(URI.create("http://a:9000"), URI.create("https://b:9000"));
    assertThat(PolicyCompiler.compile(bad, 1, null).errors())
        .containsExactly("S3GATE_BACKEND: entry 'http://***@a:9000' must not contain credentials");
  }

  @Test
  void compile_limitMethods_upperCasedAndCaseSensitiveLookup() {
    PolicySources src = sources(file("gateway.properties", "limit.methods put, post get"), file("a"), file("b"),
        file("c"), file("d"));

    GatewaySettings s = PolicyCompiler.compile(src, 1, null).snapshot().settings();

    assertThat(s.limitMethods()).containsExactly("PUT", "POST", "GET");
    assertThat(s.isLimited("PUT")).isTrue();
    assertThat(s.isLimited("DELETE")).isFalse();
  }

  @Test
  void parseDuration_units_andPlainMillis() {
    assertThat(Values.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Values.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Values.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Values.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Values.parseDuration("1500")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Values.parseDuration("-1s")).isNull();
    assertThat(Values.parseDuration("1d")).isNull();
  }

  @Test
  void parseLimit_bounds() {
    assertThat(Values.parseLimit("0")).isZero();
    assertThat(Values.parseLimit("2147483647")).isEqualTo(Integer.MAX_VALUE);
    assertThat(Values.parseLimit("2147483648")).isNull();
    assertThat(Values.parseLimit("+5")).isNull();
    assertThat(Values.parseLimit("5.0")).isNull();
  }

  @Test
  void compile_backendSettings_parsesBackupsAndHealthCheck() {
    PolicySources src = sources(file("gateway.properties", "backend.backup.urls http://b1:9000, http://b2:9000",
            "backend.health.interval 500ms", "backend.health.timeout 2s", "backend.health.rise 1",
            "backend.health.fall 5"),
        file("api_key_groups.map"), file("rate_limits_per_minute.map"), file("rate_limits_per_second.map"),
        file("error_messages.map"));

    GatewaySettings settings = PolicyCompiler.compile(src, 1, null).snapshot().settings();

    assertThat(settings.backendBackupUrls()).containsExactly(URI.create("http://b1:9000"), URI.create("http://b2:9000"));
    assertThat(settings.healthCheck()).isEqualTo(new HealthCheckSettings(Duration.ofMillis(500), Duration.ofSeconds(2), 1, 5));
  }

  @Test
  void compile_defaults_haveNoBackupsAndHaproxyThresholds() {
    GatewaySettings settings = PolicyCompiler.compile(demo(), 1, null).snapshot().settings();

    assertThat(settings.backendBackupUrls()).isEmpty();
    assertThat(settings.healthCheck()).isEqualTo(new HealthCheckSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3));
  }

  @Test
  void compile_badBackendSettings_reportEachWithFileAndLine() {
    PolicySources src = sources(file("gateway.properties", "backend.backup.urls http://ok:1 ftp://no",
            "backend.health.interval 10ms", "backend.health.timeout soon", "backend.health.rise 0",
            "backend.health.fall x"),
        file("api_key_groups.map"), file("rate_limits_per_minute.map"), file("rate_limits_per_second.map"),
        file("error_messages.map"));

    Compilation c = PolicyCompiler.compile(src, 1, null);

    assertThat(c.errors()).containsExactlyInAnyOrder(
        "gateway.properties:1: backend.backup.urls: entry 'ftp://no' must be an absolute http:// or https:// URL",
        "gateway.properties:2: backend.health.interval has value '10ms': must be at least 100ms",
        "gateway.properties:3: backend.health.timeout has value 'soon': " + Values.DURATION_RULE,
        "gateway.properties:4: backend.health.rise has value '0': must be a whole number 1..100",
        "gateway.properties:5: backend.health.fall has value 'x': must be a whole number >= 0");
  }

  @Test
  void compile_changedBackupUrls_warnAndKeepRunningValue() {
    GatewaySettings running = PolicyCompiler.compile(demo(), 1, null).snapshot().settings();
    PolicySources src = sources(file("gateway.properties", "backend.backup.urls http://b1:9000"),
        file("api_key_groups.map"), file("rate_limits_per_minute.map"), file("rate_limits_per_second.map"),
        file("error_messages.map"));

    Compilation c = PolicyCompiler.compile(src, 2, running);

    assertThat(c.snapshot().settings().backendBackupUrls()).isEmpty();
    assertThat(c.warnings()).anySatisfy(w -> assertThat(w).startsWith("gateway.properties:1: backend.backup.urls")
        .contains("needs a restart"));
  }

  @Test
  void compile_emptyAdminAllow_validButWarnsThatEveryAdminRequestIsRefused() {
    PolicySources src = sources(file("gateway.properties", "deny.status 429", "admin.allow "), file("a"), file("b"),
        file("c"), file("d"));

    Compilation c = PolicyCompiler.compile(src, 1, null);

    assertThat(c.errors()).isEmpty();
    assertThat(c.snapshot().settings().adminAllow()).isEmpty();
    assertThat(c.warnings()).contains("gateway.properties:2: admin.allow is empty: /_s3gate/ answers 403 to every"
        + " client (health checks and metrics scrapes included)");
  }

  @Test
  void compile_reloadMaxFileBytes_sizesWithUnits_andBadValuesNamedWithFileAndLine() {
    assertThat(PolicyCompiler.compile(sources(file("gateway.properties", "reload.max_file_bytes 512KiB"), file("a"),
        file("b"), file("c"), file("d")), 1, null).snapshot().settings().reloadMaxFileBytes()).isEqualTo(512 * 1024);
    assertThat(PolicyCompiler.maxFileBytes(defaults(), file("gateway.properties", "reload.max_file_bytes 2MiB"), 7))
        .isEqualTo(2 * 1024 * 1024);
    assertThat(PolicyCompiler.maxFileBytes(defaults(), file("gateway.properties", "reload.max_file_bytes lots"), 7))
        .isEqualTo(7);

    Compilation c = PolicyCompiler.compile(sources(file("gateway.properties", "reload.max_file_bytes lots"),
        file("a"), file("b"), file("c"), file("d")), 1, null);
    Compilation tooBig = PolicyCompiler.compile(sources(file("gateway.properties", "reload.max_file_bytes 2GiB"),
        file("a"), file("b"), file("c"), file("d")), 1, null);

    assertThat(c.errors()).containsExactly("gateway.properties:1: reload.max_file_bytes has value 'lots': "
        + Values.BYTE_SIZE_RULE);
    assertThat(tooBig.errors()).containsExactly("gateway.properties:1: reload.max_file_bytes has value '2GiB': must be"
        + " from 1024 bytes to 1073741824 bytes (1GiB)");
  }

  @Test
  void compile_methodClassEntries_becomeTheGroupsClassLimits() {
    PolicySources src = sources(file("gateway.properties"), file("api_key_groups.map", "K1 basic", "K2 premium"),
        file("rate_limits_per_minute.map", "basic 100", "basic:read 80"),
        file("rate_limits_per_second.map", "basic 10", "basic:write 2"), file("error_messages.map"));

    Compilation c = PolicyCompiler.compile(src, 1, null);

    assertThat(c.errors()).isEmpty();
    GroupPolicy basic = c.snapshot().policyForKey("K1");
    assertThat(basic.write()).isEqualTo(new GroupPolicy.ClassLimits(2, Integer.MAX_VALUE));
    assertThat(basic.read()).isEqualTo(new GroupPolicy.ClassLimits(Integer.MAX_VALUE, 80));
    assertThat(basic.limitsOf(MethodClass.of("DELETE"))).isSameAs(basic.write());
    assertThat(basic.limitsOf(MethodClass.of("OPTIONS"))).isNull();
    assertThat(c.snapshot().policyForKey("K2").read()).isNull();
    assertThat(c.snapshot().policyForCounter("K1 write")).isSameAs(basic);
    assertThat(c.snapshot().limitsPerSecond()).containsEntry("basic:write", 2); // listed as written (JMX show)
  }

  private static PolicySources withBandwidth(RawFile bandwidth) {
    PolicySources base = sources(file("gateway.properties"), file("api_key_groups.map", "K1 basic", "K2 premium"),
        file("rate_limits_per_minute.map"), file("rate_limits_per_second.map"), file("error_messages.map"));
    java.util.Map<MapFile, RawFile> maps = new java.util.EnumMap<>(base.maps());
    maps.put(MapFile.BANDWIDTH_PER_MINUTE, bandwidth);
    return new PolicySources(base.defaults(), base.gateway(), maps, null);
  }

  @Test
  void compile_bandwidthEntries_escapedOrNot_becomeTheGroupsBandwidthInBytes() {
    // "basic:in 10M" reads as key basic, value "in 10M" (an unescaped ':' ends a properties key)
    Compilation c = PolicyCompiler.compile(withBandwidth(file("bandwidth_per_minute.map", "basic in 10M",
        "basic:out 512k", "premium:out 1G", "solo:in 12345")), 1, null);

    assertThat(c.errors()).isEmpty();
    assertThat(c.snapshot().policyForKey("K1").bandwidth()).isEqualTo(new GroupPolicy.Bandwidth(10L << 20, 512L << 10));
    assertThat(c.snapshot().policyForKey("K2").bandwidth())
        .isEqualTo(new GroupPolicy.Bandwidth(GroupPolicy.Bandwidth.UNLIMITED, 1L << 30));
    assertThat(c.snapshot().policyForGroup("solo").bandwidth().inBytesPerMinute()).isEqualTo(12345);
    assertThat(c.snapshot().policyForKey("nobody").bandwidth()).isNull();
    assertThat(c.snapshot().entries(MapFile.BANDWIDTH_PER_MINUTE)).containsEntry("basic:in", "10485760");
  }

  @Test
  void compile_badBandwidthEntries_areErrorsNamingFileLineKeyValueAndRule() {
    Compilation c = PolicyCompiler.compile(withBandwidth(file("bandwidth_per_minute.map", "basic 10M",
        "basic:up 1M", "basic:in 10X", "basic:out 99999999999G")), 1, null);

    assertThat(c.snapshot()).isNull();
    assertThat(c.errors()).containsExactly(
        "bandwidth_per_minute.map:1: key 'basic' has bandwidth '10M': a bandwidth entry is GROUP:in (request bodies)"
            + " or GROUP:out (response bodies)",
        "bandwidth_per_minute.map:2: key 'basic:up' has bandwidth '1M': a bandwidth entry is GROUP:in (request bodies)"
            + " or GROUP:out (response bodies)",
        "bandwidth_per_minute.map:3: key 'basic:in' has bandwidth '10X': " + Values.BANDWIDTH_RULE,
        "bandwidth_per_minute.map:4: key 'basic:out' has bandwidth '99999999999G': " + Values.BANDWIDTH_RULE);
  }

  @Test
  void compile_unknownMethodClass_isAnErrorNamingTheRule() {
    PolicySources src = sources(file("gateway.properties"), file("api_key_groups.map"),
        file("rate_limits_per_minute.map", "basic:wirte 5", ":read 3"), file("rate_limits_per_second.map"),
        file("error_messages.map"));

    Compilation c = PolicyCompiler.compile(src, 1, null);

    assertThat(c.snapshot()).isNull();
    assertThat(c.errors()).containsExactly(
        "rate_limits_per_minute.map:1: key 'basic:wirte' has limit '5': a method-class entry is GROUP:read or GROUP:write",
        "rate_limits_per_minute.map:2: key ':read' has limit '3': a method-class entry is GROUP:read or GROUP:write");
  }

  @Test
  void compile_postIdentifyMaxBytes_defaultAndSizes_andOutOfRangeRefused() {
    assertThat(PolicyCompiler.compile(sources(file("gateway.properties"), file("a"), file("b"), file("c"), file("d")),
        1, null).snapshot().settings().postIdentifyMaxBytes()).isEqualTo(64 * 1024);
    assertThat(PolicyCompiler.compile(sources(file("gateway.properties", "post.identify.max_bytes 4KiB"), file("a"),
        file("b"), file("c"), file("d")), 1, null).snapshot().settings().postIdentifyMaxBytes()).isEqualTo(4096);

    Compilation tooBig = PolicyCompiler.compile(sources(file("gateway.properties", "post.identify.max_bytes 2MiB"),
        file("a"), file("b"), file("c"), file("d")), 1, null);

    assertThat(tooBig.snapshot()).isNull();
    assertThat(tooBig.errors()).containsExactly("gateway.properties:1: post.identify.max_bytes has value '2MiB':"
        + " must be from 1024 bytes to 1048576 bytes (1MiB)");
  }
}
