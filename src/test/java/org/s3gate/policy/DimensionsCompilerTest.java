package org.s3gate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.s3gate.policy.PolicyTestFiles.defaults;
import static org.s3gate.policy.PolicyTestFiles.file;

import java.time.ZoneId;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The limit dimensions' configuration (issue 16 items 2 and 4): the bucket maps, {@code s3.domain},
 * {@code limit.timezone}, {@code limit.schedule.*}, {@code limit.header.*} and the
 * {@code GROUP@CONDITION} keys, as the properties parser hands them over ({@code basic@country=CN 5}
 * arrives as key {@code basic@country}, value {@code CN 5}).
 */
class DimensionsCompilerTest {

  private static Compilation compile(RawFile gateway, RawFile perSecond, RawFile perMinute, RawFile bucketSecond,
      RawFile bucketMinute) {
    PolicySources sources = new PolicySources(defaults(), gateway, Map.of(
        MapFile.KEY_GROUPS, file("api_key_groups.map", "K1 basic"),
        MapFile.LIMITS_PER_SECOND, perSecond,
        MapFile.LIMITS_PER_MINUTE, perMinute,
        MapFile.BUCKET_LIMITS_PER_SECOND, bucketSecond,
        MapFile.BUCKET_LIMITS_PER_MINUTE, bucketMinute), null);
    return PolicyCompiler.compile(sources, 1, null);
  }

  private static final RawFile CONDITIONS = file("gateway.properties",
      "limit.schedule.offhours Mon-Fri 18:00-08:00; Sat,Sun 00:00-24:00",
      "limit.header.country CF-IPCountry",
      "limit.timezone Europe/Berlin",
      "s3.domain S3.Example.com");

  @Test
  void conditionedEntries_splitByThePropertiesSyntax_areRestoredAndBecomeVariants() {
    Compilation c = compile(CONDITIONS,
        file("rate_limits_per_second.map", "basic 10", "basic@offhours 40", "basic@country CN 2", "basic write@offhours 7"),
        file("rate_limits_per_minute.map", "basic 100", "basic@country=RU 5"),
        file("bucket_limits_per_second.map"), file("bucket_limits_per_minute.map"));

    assertThat(c.errors()).isEmpty();
    PolicySnapshot s = c.snapshot();
    assertThat(s.limitsPerSecond()).containsOnlyKeys("basic", "basic@offhours", "basic@country=CN", "basic:write@offhours");
    assertThat(s.dimensions().timezone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(s.dimensions().s3Domain()).isEqualTo("s3.example.com");
    GroupPolicy basic = s.policyForKey("K1");
    GroupVariants variants = s.variantsOf(basic);
    assertThat(variants.headers()).hasSize(1);
    GroupVariants.HeaderVariants country = variants.headers().get(0);
    assertThat(country.header()).isEqualTo("CF-IPCountry");
    GroupPolicy cn = country.byValue().get("CN");
    assertThat(cn.group()).isEqualTo("basic@country=CN");
    assertThat(cn.limitPerSecond()).isEqualTo(2);
    assertThat(cn.limitPerMinute()).isEqualTo(100); // the window the variant leaves alone is the group's
    GroupPolicy ru = country.byValue().get("RU");
    assertThat(ru.limitPerSecond()).isEqualTo(10);
    assertThat(ru.limitPerMinute()).isEqualTo(5);
    GroupPolicy offhours = variants.schedules().get(0).policy();
    assertThat(offhours.group()).isEqualTo("basic@offhours");
    assertThat(offhours.limitPerSecond()).isEqualTo(40);
    assertThat(offhours.limitsOf(MethodClass.WRITE).limitPerSecond()).isEqualTo(7);
    assertThat(offhours.limitsOf(MethodClass.WRITE).limitPerMinute()).isEqualTo(Integer.MAX_VALUE);
    assertThat(basic.limitsOf(MethodClass.WRITE)).isNull(); // the class limit is the variant's only
  }

  @Test
  void conditionsTheSettingsDoNotDefine_areErrorsNamingFileLineAndRule() {
    Compilation c = compile(CONDITIONS,
        file("rate_limits_per_second.map", "basic@weekend 40", "basic@country 2", "basic@offhours=x 3",
            "basic@asn 64512 1", "basic@ 1", "basic@off/hours 1"),
        file("rate_limits_per_minute.map"), file("bucket_limits_per_second.map"), file("bucket_limits_per_minute.map"));

    assertThat(c.snapshot()).isNull();
    assertThat(c.errors()).containsExactly(
        "rate_limits_per_second.map:5: key 'basic@' has limit '1': a conditioned entry is GROUP@SCHEDULE or"
            + " GROUP@HEADER=VALUE (GROUP:read@... or GROUP:write@... for a class), with a condition name of letters,"
            + " digits, '_' or '-'",
        "rate_limits_per_second.map:6: key 'basic@off/hours' has limit '1': a conditioned entry is GROUP@SCHEDULE or"
            + " GROUP@HEADER=VALUE (GROUP:read@... or GROUP:write@... for a class), with a condition name of letters,"
            + " digits, '_' or '-'",
        "rate_limits_per_second.map:1: key 'basic@weekend' has limit '40': no setting limit.schedule.weekend defines"
            + " the condition 'weekend'",
        "rate_limits_per_second.map:2: key 'basic@country' has limit '2': 'country' is a header condition"
            + " (limit.header.country): write basic@country=VALUE",
        "rate_limits_per_second.map:3: key 'basic@offhours=x' has limit '3': 'offhours' is a schedule"
            + " (limit.schedule.offhours), which takes no '=VALUE'",
        "rate_limits_per_second.map:4: key 'basic@asn=64512' has limit '1': no setting limit.header.asn defines the"
            + " condition 'asn'");
  }

  @Test
  void conditionedKeysInTheMessageOrConcurrencyMaps_areIgnoredWithAWarning() {
    PolicySources sources = new PolicySources(defaults(), CONDITIONS, Map.of(
        MapFile.ERROR_MESSAGES, file("error_messages.map", "basic@offhours Slow down at night"),
        MapFile.CONCURRENT_REQUESTS, file("concurrent_requests.map", "basic 4", "basic@offhours 8")), null);
    Compilation c = PolicyCompiler.compile(sources, 1, null);
    assertThat(c.errors()).isEmpty();
    assertThat(c.warnings()).contains(
        "error_messages.map:1: key 'basic@offhours' is ignored: conditioned entries (GROUP@CONDITION) apply in"
            + " rate_limits_per_second.map and rate_limits_per_minute.map only; a variant keeps its group's message"
            + " and requests in flight",
        "concurrent_requests.map:2: key 'basic@offhours' is ignored: conditioned entries (GROUP@CONDITION) apply in"
            + " rate_limits_per_second.map and rate_limits_per_minute.map only; a variant keeps its group's message"
            + " and requests in flight");
  }

  @Test
  void badConditionSettings_areErrorsNamingFileLineAndRule() {
    Compilation c = compile(file("gateway.properties",
            "limit.schedule.night Mon-Fri 22:00-6:00",
            "limit.header.country CF IPCountry",
            "limit.schedule.bad.name * 00:00-24:00",
            "limit.timezone Mars/Olympus",
            "s3.domain http://s3.example.com",
            "limit.header.night X-Night"),
        file("rate_limits_per_second.map"), file("rate_limits_per_minute.map"),
        file("bucket_limits_per_second.map"), file("bucket_limits_per_minute.map"));

    assertThat(c.snapshot()).isNull();
    assertThat(c.errors()).containsExactlyInAnyOrder(
        "gateway.properties:1: limit.schedule.night has value 'Mon-Fri 22:00-6:00': time '6:00' must be HH:MM (24-hour clock)",
        "gateway.properties:2: limit.header.country has value 'CF IPCountry': must be an HTTP header name, e.g. CF-IPCountry",
        "gateway.properties:3: limit.schedule.bad.name has value '* 00:00-24:00': the condition name after"
            + " 'limit.schedule.' must be letters, digits, '_' or '-' (it is written after '@' in the limit maps)",
        "gateway.properties:4: limit.timezone has value 'Mars/Olympus': must be a time zone ID like UTC, Europe/Berlin or +02:00",
        "gateway.properties:5: s3.domain has value 'http://s3.example.com': must be a DNS name like s3.example.com"
            + " (no port, scheme or path), or empty");
  }

  @Test
  void bucketMaps_lowerCaseNamesOrStar_eachWindowFromItsOwnEntryElseStar() {
    Compilation c = compile(file("gateway.properties"), file("rate_limits_per_second.map"), file("rate_limits_per_minute.map"),
        file("bucket_limits_per_second.map", "hot 100", "* 1000"),
        file("bucket_limits_per_minute.map", "hot 3000", "archive 60"));

    assertThat(c.errors()).isEmpty();
    BucketLimits limits = c.snapshot().bucketLimits();
    assertThat(limits.limitsOf("hot")).isEqualTo(new BucketLimits.Limits(100, 3000, "hot"));
    assertThat(limits.limitsOf("archive")).isEqualTo(new BucketLimits.Limits(1000, 60, "archive"));
    assertThat(limits.limitsOf("other")).isEqualTo(new BucketLimits.Limits(1000, Integer.MAX_VALUE, "*"));
    assertThat(limits.limitsOf(null)).isNull();
    assertThat(c.snapshot().entries(MapFile.BUCKET_LIMITS_PER_MINUTE)).containsExactly(
        Map.entry("hot", "3000"), Map.entry("archive", "60"));
  }

  @Test
  void bucketMaps_withoutStar_limitOnlyTheirBuckets_andBadEntriesAreErrors() {
    Compilation ok = compile(file("gateway.properties"), file("rate_limits_per_second.map"), file("rate_limits_per_minute.map"),
        file("bucket_limits_per_second.map", "hot 100"), file("bucket_limits_per_minute.map"));
    assertThat(ok.snapshot().bucketLimits().limitsOf("cold")).isNull();
    assertThat(ok.snapshot().bucketLimits().limitsOf("hot")).isEqualTo(new BucketLimits.Limits(100, Integer.MAX_VALUE, "hot"));
    assertThat(compile(file("gateway.properties"), file("a"), file("b"), file("c"), file("d")).snapshot().bucketLimits().isEmpty())
        .isTrue();

    Compilation bad = compile(file("gateway.properties"), file("rate_limits_per_second.map"), file("rate_limits_per_minute.map"),
        file("bucket_limits_per_second.map", "Hot 100", "cold -1"), file("bucket_limits_per_minute.map", "a/b 3"));
    assertThat(bad.snapshot()).isNull();
    assertThat(bad.errors()).containsExactly(
        "bucket_limits_per_second.map:1: bucket 'Hot' has limit '100': a bucket is 1..255 lower-case letters, digits,"
            + " '.', '-' or '_' (requests are matched lower-cased), or * for every bucket without an entry",
        "bucket_limits_per_second.map:2: bucket 'cold' has limit '-1': " + Values.limitRule("-1"),
        "bucket_limits_per_minute.map:1: bucket 'a/b' has limit '3': a bucket is 1..255 lower-case letters, digits,"
            + " '.', '-' or '_' (requests are matched lower-cased), or * for every bucket without an entry");
  }
}
