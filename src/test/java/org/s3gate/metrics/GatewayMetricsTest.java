package org.s3gate.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.s3gate.admit.Verdict;
import org.s3gate.backend.BackendPool;
import org.s3gate.config.ReloadStatus;
import org.s3gate.config.ReloadTriggerHealth;
import org.s3gate.limit.CounterTable;

class GatewayMetricsTest {
  private final CounterTable table = new CounterTable(10);
  private final BackendPool pool = new BackendPool(List.of(URI.create("http://a:9000")), List.of(URI.create("http://b:9000")));
  private final ReloadStatus status = new ReloadStatus(Instant.ofEpochSecond(1_700_000_000L), 4, List.of(), 7, 2,
      List.of("rate_limits_per_second.map:7: group 'basic' has limit 'abc': must be a whole number >= 0"));
  private final ReloadTriggerHealth trigger = new ReloadTriggerHealth(ReloadTriggerHealth.State.STUCK,
      Instant.ofEpochSecond(1_700_000_100L), Instant.ofEpochSecond(1_700_000_101L), Duration.ofSeconds(8), 3,
      Instant.ofEpochSecond(1_700_000_050L), "java.lang.OutOfMemoryError: Java heap space");
  private final GatewayMetrics metrics = new GatewayMetrics(table, pool, () -> status, () -> trigger, () -> 5);

  private String scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    metrics.scrape(out);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void scrape_afterDecisions_countsByGroupAndDecision() throws IOException {
    metrics.recordDecision("basic", Verdict.ADMITTED);
    metrics.recordDecision("basic", Verdict.ADMITTED);
    metrics.recordDecision("basic", Verdict.DENIED_PER_SECOND);
    metrics.recordDecision("premium", Verdict.DENIED_PER_MINUTE);

    assertThat(scrape()).contains(
        "s3gate_requests_total{decision=\"admitted\",group=\"basic\"} 2.0",
        "s3gate_requests_total{decision=\"denied_per_second\",group=\"basic\"} 1.0",
        "s3gate_requests_total{decision=\"denied_per_minute\",group=\"basic\"} 0.0",
        "s3gate_requests_total{decision=\"denied_per_minute\",group=\"premium\"} 1.0");
  }

  @Test
  void scrape_durations_fillTheHistogramBuckets() throws IOException {
    metrics.recordDuration(Verdict.ADMITTED, 3_000_000L);
    metrics.recordDuration(Verdict.ADMITTED, 200_000_000L);

    assertThat(scrape()).contains(
        "s3gate_request_duration_seconds_bucket{decision=\"admitted\",le=\"0.005\"} 1",
        "s3gate_request_duration_seconds_bucket{decision=\"admitted\",le=\"0.25\"} 2",
        "s3gate_request_duration_seconds_count{decision=\"admitted\"} 2",
        "s3gate_request_duration_seconds_count{decision=\"denied_per_second\"} 0");
  }

  @Test
  void scrape_backendAnswers_countedByStatusClassAndHealthShown() throws IOException {
    metrics.recordBackendResponse(pool.backends().get(0), 200);
    metrics.recordBackendResponse(pool.backends().get(0), 404);
    metrics.recordBackendResponse(pool.backends().get(0), 503);
    metrics.recordBackendFailure(pool.backends().get(1));
    pool.backends().get(1).markDown("refused", Instant.EPOCH);

    assertThat(scrape()).contains(
        "s3gate_backend_responses_total{backend=\"http://a:9000\",class=\"2xx\"} 1.0",
        "s3gate_backend_responses_total{backend=\"http://a:9000\",class=\"4xx\"} 1.0",
        "s3gate_backend_responses_total{backend=\"http://a:9000\",class=\"5xx\"} 1.0",
        "s3gate_backend_responses_total{backend=\"http://b:9000\",class=\"error\"} 1.0",
        "s3gate_backend_up{backend=\"http://a:9000\",role=\"primary\"} 1.0",
        "s3gate_backend_up{backend=\"http://b:9000\",role=\"backup\"} 0.0");
  }

  @Test
  void totalsByGroup_afterDecisions_areIndexedByVerdict() {
    metrics.recordDecision("basic", Verdict.ADMITTED);
    metrics.recordDecision("basic", Verdict.DENIED_PER_MINUTE);
    metrics.recordDecision("basic", Verdict.DENIED_PER_MINUTE);

    assertThat(metrics.totalsByGroup()).containsOnlyKeys("basic");
    assertThat(metrics.totalsByGroup().get("basic")).containsExactly(1, 0, 2, 0, 0, 0); // admitted, per s, per min, in flight, client ip, rejected
  }

  @Test
  void scrape_tableAndConfig_readAtScrapeTime() throws IOException {
    table.tryAcquire("K1", 5, 50, false, 0L);
    table.tryAcquire("K2", 5, 50, false, 0L);

    assertThat(scrape()).contains(
        "s3gate_table_keys 2.0",
        "s3gate_table_capacity 10.0",
        "s3gate_table_evictions_total 0.0",
        "s3gate_config_reloads_total 7.0",
        "s3gate_config_reload_failures_total 2.0",
        "s3gate_config_last_reload_errors 1.0",
        "s3gate_config_version 4.0",
        "s3gate_config_last_success_timestamp_seconds 1.7E9",
        "s3gate_config_reload_last_check_timestamp_seconds 1.7000001E9",
        "s3gate_config_reload_stuck 1.0",
        "s3gate_config_reload_trigger_failures_total 3.0",
        "s3gate_access_log_dropped_total 5.0");
  }
}
