package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.s3gate.cluster.RedisServer;
import org.s3gate.cluster.TestCertificates;

/**
 * What an operator does to reach a Redis that wants a password over TLS with a private CA, end to
 * end through the real gateway: {@code redis.uri=rediss://:PASSWORD@host:port} and the CA in a
 * truststore handed to the gateway's JVM through {@code S3GATE_JAVA_OPTS}
 * ({@code -Djavax.net.ssl.trustStore=...}). A gateway without that option does not trust the
 * certificate and fails closed ({@code redis.failure=closed}) with one ERROR line.
 */
class ClusterTransportIT {
  private static final String KEY = "CLUSTERTRANSPORT0001";
  private static final String PASSWORD = "tls-and-Pass-2718";
  private static final int LIMIT_PER_MINUTE = 5;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static Path certDir;
  private static RedisServer redis;
  private static RecordingBackend backend;
  private static Gateway trusting;
  private static Gateway untrusting;

  @BeforeAll
  static void start() throws Exception {
    certDir = Files.createTempDirectory("s3gate-redis-tls-");
    TestCertificates certificates = TestCertificates.create(certDir);
    redis = RedisServer.builder().tls(certificates).password(PASSWORD).start();
    backend = new RecordingBackend();
    trusting = gateway("cluster-tls-trusting", certificates.trustStoreJavaOptions());
    untrusting = gateway("cluster-tls-untrusting", "");
  }

  private static Gateway gateway(String name, String javaOpts) throws Exception {
    return Gateway.builder(name, backend.url())
        .setting("counters.store", "redis")
        .setting("redis.uri", "rediss://:" + PASSWORD + "@127.0.0.1:" + redis.port())
        .setting("redis.timeout", "200ms")
        .setting("redis.failure", "closed")
        .appendConf("api_key_groups.map", KEY + " transport")
        .appendConf("rate_limits_per_second.map", "transport 1000")
        .appendConf("rate_limits_per_minute.map", "transport " + LIMIT_PER_MINUTE)
        .javaOpts(javaOpts)
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(trusting, untrusting, backend, redis);
    if (certDir != null) {
      try (var files = Files.list(certDir)) {
        files.forEach(f -> f.toFile().delete());
      }
      Files.deleteIfExists(certDir);
    }
  }

  private static int status(Gateway gateway) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url() + "/bucket/object"))
        .timeout(Duration.ofSeconds(5)).header("Authorization", RateLimitIT.sigV4Header(KEY)).GET().build();
    return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static String mode(Gateway gateway) throws Exception {
    String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/_s3gate/metrics"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^s3gate_counter_store_mode\\{mode=\"([a-z_]+)\"\\} 1(\\.0)?$").matcher(metrics);
    return m.find() ? m.group(1) : "none";
  }

  @Test
  void rediss_withPassword_andThePrivateCaInS3gateJavaOpts_sharesExactDecisions() throws Exception {
    assertThat(mode(trusting)).isEqualTo("shared");
    long fcalls = redis.calls("fcall");
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < LIMIT_PER_MINUTE + 3; i++) {
      statuses.add(status(trusting));
    }
    assertThat(statuses.subList(0, LIMIT_PER_MINUTE)).containsOnly(200);
    assertThat(statuses.subList(LIMIT_PER_MINUTE, statuses.size())).containsOnly(429);
    assertThat(redis.calls("fcall") - fcalls).as("decided by the TLS Redis").isPositive();
    assertThat(trusting.output()).contains("s3gate counters shared through Redis at rediss://***@127.0.0.1:" + redis.port())
        .doesNotContain(PASSWORD);
  }

  @Test
  void rediss_withoutTheCaInTheJvmTruststore_failsClosed_withOneErrorLineNamingTheCertificate() throws Exception {
    assertThat(mode(untrusting)).isEqualTo("fallback_closed");
    assertThat(status(untrusting)).as("redis.failure=closed").isEqualTo(429);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String output = untrusting.output();
    while (!output.contains("cannot reach Redis") && System.nanoTime() - deadline < 0) {
      Thread.sleep(50);
      output = untrusting.output();
    }
    List<String> errors = output.lines().filter(l -> l.contains("s3gate cannot reach Redis") || l.contains("s3gate lost Redis"))
        .toList();
    assertThat(errors).as(output).hasSize(1);
    assertThat(errors.get(0)).contains("rediss://***@127.0.0.1:" + redis.port()).contains("certificate")
        .contains("javax.net.ssl.trustStore");
    assertThat(output).doesNotContain(PASSWORD);
  }
}
