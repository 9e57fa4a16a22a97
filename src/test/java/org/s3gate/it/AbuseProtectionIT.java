package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Abuse protection against the real stack (Jetty + WAR + s3proxy with signature checking on),
 * acting as a second client by binding to 127.0.0.2 (issue 15).
 *
 * <p>The victim's key is the demo key, its group allowed {@value #VICTIM_PER_MINUTE} requests a
 * minute. A forged request the backend refuses is refunded to the key and counted as an error of
 * the client IP, so the forger runs into the IP's tarpit: here over {@value #TARPIT_REQUESTS}
 * requests and {@value #TARPIT_ERRORS} errors in {@code ip.window} (60 s here), held 20 ms (short, so the 1,000 fit in a
 * minute).
 */
class AbuseProtectionIT {
  private static final String BUCKET = "victim";
  private static final int VICTIM_PER_MINUTE = 60;
  private static final int FORGED_REQUESTS = 1000;
  private static final int TARPIT_REQUESTS = 20;
  private static final int TARPIT_ERRORS = 10;

  private static S3Backend backend;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("abuse-it-backend");
    gateway = Gateway.builder("abuse-it-gateway", backend.url())
        .editConf("rate_limits_per_minute.map", t -> t.replace("premium 2000", "premium " + VICTIM_PER_MINUTE))
        .editConf("rate_limits_per_second.map", t -> t.replace("premium 50", "premium 1000"))
        .setting("ip.tarpit.requests", String.valueOf(TARPIT_REQUESTS))
        .setting("ip.tarpit.errors", String.valueOf(TARPIT_ERRORS))
        .setting("tarpit.delay", "20ms")
        .setting("ip.window", "60s")
        .start();
    try (S3Client direct = S3Clients.client(backend.url())) {
      direct.createBucket(b -> b.bucket(BUCKET));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  /** A SigV2 request under the victim's key with a signature the backend refuses. */
  private static RawHttp.Response forged(String from) throws Exception {
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
    return RawHttp.exchange(from, "127.0.0.1", gateway.httpPort, List.of("GET /" + BUCKET + "/ HTTP/1.1",
        "Host: 127.0.0.1:" + gateway.httpPort, "Date: " + date,
        "Authorization: AWS " + S3Backend.ACCESS_KEY + ":Zm9yZ2VkZm9yZ2VkZm9yZ2VkZm9yZ2U="), new byte[0], false);
  }

  @Test
  void forgedRequests_underTheVictimsKey_leaveItsWholeBudgetAndTarpitTheForger() throws Exception {
    long started = System.nanoTime();
    int refused = 0;
    int denied = 0;
    for (int i = 0; i < FORGED_REQUESTS; i++) {
      RawHttp.Response response = forged("127.0.0.2");
      if (response.status() == 403) {
        assertThat(response.bodyText()).contains("<Code>SignatureDoesNotMatch</Code>").endsWith("</Error>");
        refused++;
      } else {
        assertThat(response.status()).as("forged request %d: %s", i, response).isEqualTo(429);
        assertThat(response.bodyText()).contains("<Code>SlowDown</Code>", "per client IP: tarpit");
        assertThat(response.header("Connection")).isEqualTo("close");
        denied++;
      }
    }
    long elapsedNanos = System.nanoTime() - started;
    assertThat(elapsedNanos).as("the forger's minute").isLessThan(60_000_000_000L);
    // within one ip.window the first TARPIT_REQUESTS reach the backend (their errors pass TARPIT_ERRORS
    // on the way), then the IP is over both thresholds and everything it sends is tarpitted
    assertThat(refused).as("forged requests that reached the backend").isEqualTo(TARPIT_REQUESTS);
    assertThat(denied).isEqualTo(FORGED_REQUESTS - refused);

    int admitted = 0;
    try (S3Client victim = S3Clients.noRetries(gateway.url())) {
      for (int i = 0; i < VICTIM_PER_MINUTE; i++) {
        victim.listObjectsV2(b -> b.bucket(BUCKET));
        admitted++;
      }
      S3Exception over = org.junit.jupiter.api.Assertions.assertThrows(S3Exception.class,
          () -> victim.listObjectsV2(b -> b.bucket(BUCKET)));
      assertThat(over.statusCode()).as("one beyond the victim's budget").isEqualTo(429);
    }
    assertThat(admitted).isEqualTo(VICTIM_PER_MINUTE);
    assertThat(forged("127.0.0.2").status()).as("the forger, still").isEqualTo(429);
    String metrics = RawHttp.exchange("127.0.0.1", gateway.httpPort, List.of("GET /_s3gate/metrics HTTP/1.1",
        "Host: 127.0.0.1"), new byte[0], false).bodyText();
    assertThat(ObservabilityIT.value(metrics, "s3gate_refunds_total", "")).isEqualTo(refused);
    assertThat(ObservabilityIT.value(metrics, "s3gate_denials_total", "rule=\"ip_tarpit\"")).isEqualTo(denied + 1);
    assertThat(ObservabilityIT.value(metrics, "s3gate_denials_total", "rule=\"key_minute\"")).isEqualTo(1);
  }
}
