package org.s3gate.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.json.Json;
import org.s3gate.admit.Outcome;
import org.s3gate.admit.RequestFacts;
import org.s3gate.policy.PolicySnapshot;
import org.s3gate.runtime.Gateway;
import org.s3gate.runtime.TestGateways;

/** stats.json from a gateway's real parts after requests decided by the real admission core. */
class StatsReportTest {
  private static final long SECOND = 1_000_000_000L;
  /** Near overflow, so the report's arithmetic on times must be by subtraction. */
  private static final long ORIGIN = Long.MAX_VALUE - 5 * SECOND;

  @TempDir
  Path dir;

  private Gateway gateway;
  private GatewayStats stats;

  @BeforeEach
  void start() throws Exception {
    gateway = TestGateways.start(dir, 100);
    stats = new GatewayStats(ORIGIN, 1_700_000_000_000L);
  }

  @AfterEach
  void stop() {
    gateway.config().close();
  }

  /** Each key sends from an address of its own, so the per-address budgets of unlisted keys stay apart. */
  private final Map<String, String> addresses = new java.util.HashMap<>();

  private record Request(String method, String rawPath, String rawQuery, String key, String remoteAddress)
      implements RequestFacts {
    @Override
    public String header(String name) {
      return name.equalsIgnoreCase("X-API-Key") ? key : null;
    }

    @Override
    public java.util.List<String> headerValues(String name) {
      String value = header(name);
      return value == null ? java.util.List.of() : java.util.List.of(value);
    }

  }

  /** Decides one request as the filter does, and records it in the metrics and the stats. */
  private Outcome send(String key, String pathAndQuery, long nowNanos) {
    int q = pathAndQuery.indexOf('?');
    String address = addresses.computeIfAbsent(key, k -> "10.0." + addresses.size() / 250 + "." + (addresses.size() % 250 + 1));
    RequestFacts request = new Request("GET", q < 0 ? pathAndQuery : pathAndQuery.substring(0, q),
        q < 0 ? null : pathAndQuery.substring(q + 1), key, address);
    Outcome outcome = gateway.admission().decide(request, gateway.policy(), nowNanos);
    gateway.metrics().recordDecision(outcome.group().group(), outcome.verdict());
    stats.record(outcome, request, nowNanos);
    return outcome;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> report(long nowNanos) {
    PolicySnapshot policy = gateway.policy();
    String json = StatsReport.json(stats, policy, gateway.table(), gateway.backends(), gateway.metrics(),
        gateway.config().status(), nowNanos);
    return new Json().toType(json, Json.MAP_TYPE); // fails on anything that is not JSON
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<String, Object> report, String name) {
    return (List<Map<String, Object>>) report.get(name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Map<String, Object> report, String name) {
    return (Map<String, Object>) report.get(name);
  }

  @Test
  void json_afterAdmittedAndDeniedRequests_countsTheLastMinuteAndListsTheDenials() {
    long t = ORIGIN + 2 * SECOND;
    for (int i = 0; i < 12; i++) {
      send("K3", "/bucket/o" + i + "?X-Amz-Signature=secret", t + i); // basic: 10/s
    }
    send("K1", "/bucket/p", t);

    Map<String, Object> report = report(t + SECOND); // the second of the requests has ended

    Map<String, Object> lastMinute = object(object(report, "requests"), "lastMinute");
    assertThat(lastMinute).containsEntry("admitted", 11L).containsEntry("denied_per_second", 2L)
        .containsEntry("denied_per_minute", 0L);
    assertThat(object(object(report, "requests"), "total")).containsEntry("admitted", 11L);
    List<Map<String, Object>> denials = list(report, "recentDenials");
    assertThat(denials).hasSize(2).allSatisfy(d -> assertThat(d).containsEntry("key", "K3")
        .containsEntry("group", "basic").containsEntry("reason", "denied_per_second").containsEntry("method", "GET"));
    assertThat(denials.get(0)).containsEntry("path", "/bucket/o11").containsEntry("time", "2023-11-14T22:13:22Z");
    assertThat(report.toString()).doesNotContain("secret");
    assertThat(report).containsEntry("uptimeSeconds", 3L);
  }

  @Test
  @SuppressWarnings("unchecked")
  void json_series_holdsFiveMinutesOfWholeSecondsEndingAtTheCurrentOne() {
    long t = ORIGIN + 3 * SECOND;
    send("K1", "/b/o", t);
    send("K3", "/b/o", t + SECOND);

    Map<String, Object> series = object(report(t + SECOND + 10), "series");

    List<Long> admitted = (List<Long>) (List<?>) series.get("admitted");
    assertThat(admitted).hasSize(SecondCounts.SECONDS);
    assertThat(admitted.get(admitted.size() - 1)).isEqualTo(1L); // second 3; second 4 is still filling
    assertThat(admitted.stream().mapToLong(Long::longValue).sum()).isEqualTo(1L);
    assertThat(series).containsEntry("end", "2023-11-14T22:13:24Z");
  }

  @Test
  void json_groupsAndTopKeys_showLimitsUsageAndTheBusiestKeyFirst() {
    long t = ORIGIN + SECOND;
    for (int i = 0; i < 7; i++) {
      send("K1", "/b/o", t + i);
    }
    for (int i = 0; i < 3; i++) {
      send("K3", "/b/o", t + i);
    }
    send("<script>alert(1)</script>", "/b/o", t);

    Map<String, Object> report = report(t + 1);

    List<Map<String, Object>> groups = list(report, "groups");
    assertThat(groups).extracting(g -> g.get("group")).containsExactly("basic", "premium", "unknown");
    assertThat(groups.get(1)).containsEntry("limitPerSecond", 50L).containsEntry("limitPerMinute", 2000L)
        .containsEntry("keysMapped", 1L).containsEntry("activeKeys", 1L).containsEntry("currentPerMinute", 7L)
        .containsEntry("busiestKeyPerSecond", 7L).containsEntry("admittedTotal", 7L);
    // the unlisted key and its address's budget (anonymous@ADDRESS, anonymous.group = the default group)
    assertThat(groups.get(2)).containsEntry("limitPerSecond", 5L).containsEntry("activeKeys", 2L);
    List<Map<String, Object>> top = list(report, "topKeys");
    assertThat(top).extracting(k -> k.get("key"))
        .containsExactly("K1", "K3", "<script>alert(1)</script>", "anonymous@10.0.0.3");
    assertThat(top.get(1)).containsEntry("group", "basic").containsEntry("perMinute", 3L)
        .containsEntry("limitPerMinute", 100L).containsEntry("deniedTotal", 0L);
    assertThat(object(report, "table")).containsEntry("keys", 4L).containsEntry("capacity", 100L);
    assertThat(list(report, "backends")).singleElement().satisfies(b -> assertThat(b)
        .containsEntry("url", "http://127.0.0.1:9").containsEntry("role", "primary").containsKey("lastCheckMillis"));
    assertThat(object(report, "config")).containsEntry("version", 1L).containsEntry("lastReloadErrors", List.of());
  }

  @Test
  void json_manyKeys_listsOnlyTheTopOnes() {
    long t = ORIGIN + SECOND;
    for (int k = 0; k < 50; k++) {
      for (int i = 0; i <= k % 5; i++) {
        send("KEY" + k, "/b/o", t + i);
      }
    }

    List<Map<String, Object>> top = list(report(t + 10), "topKeys");

    // of 50 unlisted keys (10 each with 1..5 requests) and their 50 address budgets: the 20 with 5
    assertThat(top).hasSize(StatsReport.TOP_KEYS);
    assertThat(top).extracting(k -> k.get("perMinute")).containsOnly(5L);
    assertThat(top.get(0)).containsEntry("key", "KEY14"); // ties: by key
    assertThat(top.get(10).get("key").toString()).startsWith("anonymous@10.0.0.");
  }

  @Test
  void record_exemptRequest_isNotCounted() {
    long t = ORIGIN + SECOND;
    Request health = new Request("GET", "/minio/health/live", null, null, "10.0.0.1");
    stats.record(gateway.admission().decide(health, gateway.policy(), t), health, t);

    assertThat(object(object(report(t + SECOND), "requests"), "lastMinute")).containsEntry("admitted", 0L);
  }
}
