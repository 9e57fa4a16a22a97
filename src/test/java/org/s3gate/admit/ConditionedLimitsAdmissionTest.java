package org.s3gate.admit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.config.ConfigReloader;
import org.s3gate.limit.CounterTable;
import org.s3gate.policy.PolicySnapshot;

/**
 * Conditioned limits ({@code GROUP@SCHEDULE}, {@code GROUP@HEADER=VALUE}) in the admission core,
 * with an injected wall clock: both edges of a schedule, across midnight, in a zone with an
 * offset, the header trusted from {@code trusted.proxies} only, and counters kept across variants.
 * The files are read by the real loader, so the properties syntax of the keys is exercised too.
 */
class ConditionedLimitsAdmissionTest {
  private static final String KEY = "FQ4IU19ZFZ3470XJ7GBF";
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final String TRUSTED_PEER = "10.1.2.3";
  private static final String UNTRUSTED_PEER = "192.0.2.1";

  private static PolicySnapshot load(Path dir) throws IOException {
    Files.writeString(dir.resolve("gateway.properties"), String.join("\n",
        "reload.interval 1h",
        "trusted.proxies 10.0.0.0/8",
        "limit.timezone Europe/Berlin",
        "limit.header.country CF-IPCountry",
        "limit.schedule.offhours Mon-Fri 18:00-08:00; Sat,Sun 00:00-24:00",
        "limit.schedule.always * 00:00-24:00",
        ""));
    Files.writeString(dir.resolve("api_key_groups.map"), KEY + " basic\n");
    Files.writeString(dir.resolve("rate_limits_per_minute.map"), "basic 1000\n");
    Files.writeString(dir.resolve("rate_limits_per_second.map"), String.join("\n",
        "basic 10",
        "basic@offhours 40",
        "basic@always 30",          // defined after offhours: offhours wins while both hold
        "basic@country=CN 2",        // read by the properties syntax as key basic@country, value "CN 2"
        "basic:write@offhours 1",    // read as key basic, value "write@offhours 1"
        ""));
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      return config.store().current();
    }
  }

  private static long berlin(int month, int day, int hour, int minute, int second, int millis) {
    return ZonedDateTime.of(2026, month, day, hour, minute, second, millis * 1_000_000, BERLIN).toInstant().toEpochMilli();
  }

  private static RequestFacts get(String peer, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "X-API-Key";
    all[1] = KEY;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return DimensionRequest.of("GET", "/b/k", peer, all);
  }

  private static String groupAt(Admission admission, PolicySnapshot policy, AtomicLong clock, long wallMillis, long nanos) {
    clock.set(wallMillis);
    return admission.decide(get(UNTRUSTED_PEER), policy, nanos).group().group();
  }

  @Test
  void schedule_switchesAtBothEdges_andHoldsAcrossMidnight_inItsZone(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir);
    AtomicLong clock = new AtomicLong();
    Admission admission = new Admission(new CounterTable(10), new CounterTable(10), clock::get);
    long s = 1_000_000_000L;
    // Monday 30 November 2026, Berlin (UTC+1)
    assertThat(groupAt(admission, policy, clock, berlin(11, 30, 17, 59, 59, 999), 0)).isEqualTo("basic@always");
    assertThat(groupAt(admission, policy, clock, berlin(11, 30, 18, 0, 0, 0), 2 * s)).isEqualTo("basic@offhours");
    assertThat(groupAt(admission, policy, clock, berlin(11, 30, 23, 59, 59, 999), 4 * s)).isEqualTo("basic@offhours");
    assertThat(groupAt(admission, policy, clock, berlin(12, 1, 0, 0, 0, 0), 6 * s)).isEqualTo("basic@offhours");
    assertThat(groupAt(admission, policy, clock, berlin(12, 1, 7, 59, 59, 999), 8 * s)).isEqualTo("basic@offhours");
    assertThat(groupAt(admission, policy, clock, berlin(12, 1, 8, 0, 0, 0), 10 * s)).isEqualTo("basic@always");
    // 17:00 UTC is 18:00 in Berlin: the zone is applied, not UTC
    assertThat(groupAt(admission, policy, clock,
        ZonedDateTime.of(2026, 12, 1, 17, 0, 0, 0, ZoneId.of("UTC")).toInstant().toEpochMilli(), 12 * s))
        .isEqualTo("basic@offhours");
    // the clock going back (an NTP step) is read again, not taken from the cache
    assertThat(groupAt(admission, policy, clock, berlin(12, 1, 12, 0, 0, 0), 14 * s)).isEqualTo("basic@always");
    assertThat(groupAt(admission, policy, clock, berlin(12, 1, 11, 59, 0, 0), 16 * s)).isEqualTo("basic@always");
    assertThat(groupAt(admission, policy, clock, berlin(12, 5, 11, 59, 0, 0), 18 * s)).isEqualTo("basic@offhours"); // Saturday
  }

  @Test
  void countryHeader_fromATrustedProxy_selectsTheOverride_fromAnyOtherPeer_isIgnored(@TempDir Path dir)
      throws IOException {
    PolicySnapshot policy = load(dir);
    AtomicLong clock = new AtomicLong(berlin(11, 30, 18, 30, 0, 0)); // off hours: the header variant still wins
    Admission admission = new Admission(new CounterTable(10), new CounterTable(10), clock::get);

    Outcome untrusted = admission.decide(get(UNTRUSTED_PEER, "CF-IPCountry", "CN"), policy, 0L);
    assertThat(untrusted.group().group()).isEqualTo("basic@offhours");
    Outcome trusted = admission.decide(get(TRUSTED_PEER, "CF-IPCountry", "cn"), policy, 0L);
    assertThat(trusted.group().group()).isEqualTo("basic@country=CN");
    assertThat(trusted.group().limitPerSecond()).isEqualTo(2);
    Outcome otherCountry = admission.decide(get(TRUSTED_PEER, "CF-IPCountry", "DE"), policy, 0L);
    assertThat(otherCountry.group().group()).isEqualTo("basic@offhours");
    // behind a trusted proxy the X-Forwarded-For client is not what decides: the peer is
    Outcome forwarded = admission.decide(get(UNTRUSTED_PEER, "CF-IPCountry", "CN", "X-Forwarded-For", TRUSTED_PEER),
        policy, 0L);
    assertThat(forwarded.group().group()).isEqualTo("basic@offhours");
  }

  @Test
  void switchingVariants_keepsTheCounts_andAClassConditionAppliesWhileItHolds(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir);
    AtomicLong clock = new AtomicLong(berlin(11, 30, 17, 59, 59, 500));
    CounterTable keys = new CounterTable(10);
    Admission admission = new Admission(keys, new CounterTable(10), clock::get);

    for (int i = 0; i < 5; i++) {
      assertThat(admission.decide(DimensionRequest.of("PUT", "/b/k", UNTRUSTED_PEER, "X-API-Key", KEY), policy, 0L)
          .verdict()).isEqualTo(Verdict.ADMITTED); // business hours: no write class limit
    }
    clock.set(berlin(11, 30, 18, 0, 0, 0));
    Outcome offhoursGet = admission.decide(get(UNTRUSTED_PEER), policy, 100_000_000L);
    assertThat(offhoursGet.group().group()).isEqualTo("basic@offhours");
    assertThat(offhoursGet.decision().currentPerSecond()).isEqualTo(6); // the same counter
    Outcome put = admission.decide(DimensionRequest.of("PUT", "/b/k", UNTRUSTED_PEER, "X-API-Key", KEY), policy,
        100_000_000L);
    assertThat(put.verdict()).isEqualTo(Verdict.ADMITTED);
    Outcome secondPut = admission.decide(DimensionRequest.of("PUT", "/b/k", UNTRUSTED_PEER, "X-API-Key", KEY), policy,
        100_000_000L);
    assertThat(secondPut.verdict()).isEqualTo(Verdict.DENIED_PER_SECOND);
    assertThat(secondPut.denialMessage()).endsWith("(1 write requests/second per API key)");

    Outcome china = admission.decide(get(TRUSTED_PEER, "CF-IPCountry", "CN"), policy, 100_000_000L);
    assertThat(china.verdict()).isEqualTo(Verdict.DENIED_PER_SECOND); // 7 in the window, over the variant's 2
    assertThat(china.denialMessage()).endsWith("(2 requests/second per API key)");
    assertThat(keys.peek(KEY, 100_000_000L).currentPerSecond()).isEqualTo(7);
  }
}
