package org.s3gate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.s3gate.policy.PolicyTestFiles.demo;
import static org.s3gate.policy.PolicyTestFiles.file;
import static org.s3gate.policy.PolicyTestFiles.sources;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class ClientIpSettingsTest {

  private static PolicySources gateway(String... lines) {
    return sources(file("gateway.properties", lines), file("api_key_groups.map"), file("rate_limits_per_minute.map"),
        file("rate_limits_per_second.map"), file("error_messages.map"));
  }

  @Test
  void compile_defaults_areTheIssuesAndHaproxysReferenceValues() {
    GatewaySettings settings = PolicyCompiler.compile(demo(), 1, null).snapshot().settings();
    ClientIpSettings ip = settings.clientIps();

    assertThat(settings.ipTableSize()).isEqualTo(200_000);
    assertThat(settings.ipWindow()).isEqualTo(Duration.ofSeconds(10));
    assertThat(ip.tableExpire()).isEqualTo(Duration.ofMinutes(30));
    assertThat(ip.errorStatuses()).containsExactly(400, 401, 403);
    assertThat(ip.isError(404)).isFalse();
    assertThat(ip.limitRequests()).isZero();
    assertThat(ip.tarpitRequests()).isEqualTo(200);
    assertThat(ip.tarpitErrors()).isEqualTo(50);
    assertThat(ip.tarpitOn()).isTrue();
    assertThat(ip.tarpitDelay()).isEqualTo(Duration.ofSeconds(5));
    assertThat(ip.tarpitMax()).isEqualTo(1000);
    assertThat(ip.ipv6PrefixBits()).as("an IPv6 client is counted per /64").isEqualTo(64);
  }

  @Test
  void compile_ipv6Prefix_isAPrefixLength1To128() {
    assertThat(PolicyCompiler.compile(gateway("ip.ipv6.prefix 128"), 1, null).snapshot().settings().clientIps()
        .ipv6PrefixBits()).isEqualTo(128);
    assertThat(PolicyCompiler.compile(gateway("ip.ipv6.prefix 48"), 1, null).snapshot().settings().clientIps()
        .ipv6PrefixBits()).isEqualTo(48);
    for (String bad : new String[] {"0", "129", "abc", "/64"}) {
      Compilation c = PolicyCompiler.compile(gateway("ip.ipv6.prefix " + bad), 1, null);
      assertThat(c.snapshot()).as(bad).isNull();
      assertThat(c.errors()).as(bad).singleElement().asString()
          .startsWith("gateway.properties:1: ip.ipv6.prefix has value '" + bad + "': must be");
    }
  }

  @Test
  void compile_badIpSettings_reportEachWithFileAndLine_andPublishNothing() {
    Compilation c = PolicyCompiler.compile(gateway("ip.error.statuses 400,abc,200", "ip.limit.requests -1",
        "tarpit.delay 10m", "tarpit.max 100001", "ip.window 50ms", "ip.table.size 0"), 1, null);

    assertThat(c.snapshot()).isNull();
    assertThat(c.errors()).containsExactlyInAnyOrder(
        "gateway.properties:1: ip.error.statuses has value '400,abc,200': entry 'abc' is not an HTTP error status 400..599",
        "gateway.properties:1: ip.error.statuses has value '400,abc,200': entry '200' is not an HTTP error status 400..599",
        "gateway.properties:2: ip.limit.requests has value '-1': must be a whole number >= 0",
        "gateway.properties:3: tarpit.delay has value '600000ms': must be at most 5m",
        "gateway.properties:4: tarpit.max has value '100001': must be a whole number 0..100000",
        "gateway.properties:5: ip.window has value '50ms': must be at least 100ms",
        "gateway.properties:6: ip.table.size has value '0': must be at least 1");
  }

  @Test
  void compile_tarpitWithOneThresholdOnly_warnsThatItIsOff() {
    Compilation c = PolicyCompiler.compile(gateway("ip.tarpit.errors 0"), 1, null);

    assertThat(c.errors()).isEmpty();
    assertThat(c.snapshot().settings().clientIps().tarpitOn()).isFalse();
    assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("the tarpit is off"));
  }

  @Test
  void compile_changedIpWindow_keepsTheRunningValueAndWarns_whileTheRulesApply() {
    GatewaySettings running = PolicyCompiler.compile(demo(), 1, null).snapshot().settings();
    Compilation c = PolicyCompiler.compile(gateway("ip.window 60s", "ip.limit.requests 100"), 2, running);

    assertThat(c.snapshot().settings().ipWindow()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.snapshot().settings().clientIps().limitRequests()).isEqualTo(100);
    assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("ip.window"));
  }
}
