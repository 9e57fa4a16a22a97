package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an operator watches: the Prometheus metrics at {@code /_s3gate/metrics} after a known
 * sequence of requests, and {@code admin.allow} guarding {@code /_s3gate/} (only 127.0.0.1 here, so
 * a client connecting from 127.0.0.2 is refused).
 */
class ObservabilityIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static S3Backend backend;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("observability-it-backend");
    gateway = Gateway.builder("observability-it-gateway", backend.url())
        .setting("admin.allow", "127.0.0.1/32")
        .appendConf("api_key_groups.map", "MINUTEKEY0000000001 minutegrp", "SECONDKEY0000000001 secondgrp")
        .appendConf("rate_limits_per_minute.map", "minutegrp 3", "secondgrp 1000")
        .appendConf("rate_limits_per_second.map", "minutegrp 100", "secondgrp 2")
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  /** Client-observed outcomes of a burst: [admitted, denied per second, denied per minute]. */
  private static int[] burst(String key, int requests) throws Exception {
    int[] seen = new int[3];
    for (int i = 0; i < requests; i++) {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/metrics-bucket/k" + i))
          .header("X-API-Key", key).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 429) {
        seen[0]++;
      } else if (response.body().contains("requests/second")) {
        seen[1]++;
      } else {
        assertThat(response.body()).contains("requests/minute");
        seen[2]++;
      }
    }
    return seen;
  }

  static String scrape() throws Exception {
    return scrape(gateway);
  }

  /** {@code /_s3gate/metrics} of {@code from}. */
  static String scrape(Gateway from) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(from.url() + "/_s3gate/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    return response.body();
  }

  static double value(String metrics, String name, String labels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + (labels.isEmpty() ? "" : "{" + labels + "}")) + " (\\S+)$")
        .matcher(metrics);
    assertThat(m.find()).as(name + "{" + labels + "} in\n" + metrics).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void metrics_afterKnownRequests_countEachGroupAndDecisionExactly() throws Exception {
    int[] minute = burst("MINUTEKEY0000000001", 5);
    int[] second = burst("SECONDKEY0000000001", 10);

    assertThat(minute).containsExactly(3, 0, 2);
    assertThat(second[0]).isGreaterThanOrEqualTo(2);
    assertThat(second[1]).isGreaterThan(0);
    String metrics = scrape();
    assertThat(value(metrics, "s3gate_requests_total", "decision=\"admitted\",group=\"minutegrp\"")).isEqualTo(3);
    assertThat(value(metrics, "s3gate_requests_total", "decision=\"denied_per_minute\",group=\"minutegrp\"")).isEqualTo(2);
    assertThat(value(metrics, "s3gate_requests_total", "decision=\"denied_per_second\",group=\"minutegrp\"")).isEqualTo(0);
    assertThat(value(metrics, "s3gate_requests_total", "decision=\"admitted\",group=\"secondgrp\"")).isEqualTo(second[0]);
    assertThat(value(metrics, "s3gate_requests_total", "decision=\"denied_per_second\",group=\"secondgrp\"")).isEqualTo(second[1]);
    assertThat(value(metrics, "s3gate_requests_total", "decision=\"denied_per_minute\",group=\"secondgrp\"")).isEqualTo(0);
    // The admitted ones reached s3proxy, which refused them (unsigned): 4xx from the backend.
    assertThat(value(metrics, "s3gate_backend_responses_total", "backend=\"" + backend.url() + "\",class=\"4xx\""))
        .isEqualTo(3 + second[0]);
    assertThat(value(metrics, "s3gate_request_duration_seconds_count", "decision=\"denied_per_minute\"")).isEqualTo(2);
    assertThat(value(metrics, "s3gate_backend_up", "backend=\"" + backend.url() + "\",role=\"primary\"")).isEqualTo(1);
    assertThat(value(metrics, "s3gate_table_keys", "")).isGreaterThanOrEqualTo(2);
    assertThat(value(metrics, "s3gate_config_reloads_total", "")).isGreaterThanOrEqualTo(1);
    assertThat(value(metrics, "s3gate_config_reload_failures_total", "")).isEqualTo(0);
    assertThat(value(metrics, "s3gate_config_last_reload_errors", "")).isEqualTo(0);
  }

  @Test
  void accessLog_requestsJustMade_haveLinesWithKeyGroupAndDecision() throws Exception {
    String key = "ACCESSLOG" + Long.toHexString(System.nanoTime()).toUpperCase(java.util.Locale.ROOT);
    java.util.List<String> expected = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/log-bucket/k" + i))
          .header("X-API-Key", key).build(), HttpResponse.BodyHandlers.ofString());
      String decision = response.statusCode() != 429 ? "admitted"
          : response.body().contains("requests/second") ? "denied_per_second" : "denied_per_minute";
      expected.add("method=GET path=/log-bucket/k" + i + " status=" + response.statusCode());
      expected.set(i, expected.get(i) + "|key=" + key + " group=unknown auth=custom_header decision=" + decision);
    }
    assertThat(expected).anyMatch(e -> e.contains("decision=denied_per_second")); // unknown group: 5/s

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    java.util.List<String> lines = java.util.List.of();
    while (System.nanoTime() - deadline < 0) {
      lines = gateway.accessLog().lines().filter(l -> l.contains("key=" + key + " ")).toList();
      if (lines.size() >= expected.size()) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(lines).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      String[] parts = expected.get(i).split("\\|");
      assertThat(lines.get(i)).contains("client=127.0.0.1 ", parts[0], parts[1] + " ")
          .containsPattern("duration_ms=\\d+\\.\\d{3} ").containsPattern("request_id=[0-9A-F]+");
      if (parts[1].endsWith("admitted")) {
        assertThat(lines.get(i)).contains("backend=" + backend.url());
      } else {
        assertThat(lines.get(i)).contains("backend=- ").containsPattern("bytes_out=[1-9]\\d+ ");
      }
    }
  }

  @Test
  void admin_clientNotInAdminAllow_gets403OnMetricsAndHealth() throws Exception {
    assertThat(statusFrom("127.0.0.2", "/_s3gate/metrics")).isEqualTo(403);
    assertThat(statusFrom("127.0.0.2", "/_s3gate/health")).isEqualTo(403);
    assertThat(statusFrom("127.0.0.1", "/_s3gate/metrics")).isEqualTo(200);
  }

  /** The status of a GET sent from the local address {@code from} (any 127.0.0.0/8 address works on loopback). */
  private static int statusFrom(String from, String path) throws IOException {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.httpPort), 5000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String statusLine = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      return Integer.parseInt(statusLine.substring(9, 12));
    }
  }
}
