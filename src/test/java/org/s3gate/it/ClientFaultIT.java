package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.services.s3.S3Client;

/**
 * Requests the gateway cannot forward because of the client get the client's 4xx, never a 503
 * blamed on the backend, and count no backend error (issue 13, item 7): request heads between the
 * proxy client's old 8 KiB and the server's 16 KiB, and malformed chunked bodies. Real Jetty + WAR
 * in front of s3proxy (signatures on); the same request is sent straight to s3proxy for comparison.
 */
class ClientFaultIT {
  private static final String BUCKET = "faults";
  private static final Pattern BACKEND_ERRORS = Pattern.compile(
      "s3gate_backend_responses_total\\{backend=\"[^\"]+\",class=\"error\"\\} ([0-9.]+)");

  private static S3Backend backend;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("client-fault-it-backend");
    gateway = Gateway.builder("client-fault-it-gateway", backend.url()).start();
    try (S3Client direct = S3Clients.client(backend.url())) {
      direct.createBucket(b -> b.bucket(BUCKET));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  private static double backendErrors() throws Exception {
    RawHttp.Response metrics = RawHttp.exchange("127.0.0.1", gateway.httpPort,
        List.of("GET /_s3gate/metrics HTTP/1.1", "Host: 127.0.0.1"), new byte[0], false);
    Matcher m = BACKEND_ERRORS.matcher(new String(metrics.body(), StandardCharsets.UTF_8));
    double errors = 0;
    while (m.find()) {
      errors += Double.parseDouble(m.group(1));
    }
    return errors;
  }

  private static RawHttp.Response send(int port, List<String> head, String body) throws Exception {
    return RawHttp.exchange("127.0.0.1", port, head, body.getBytes(StandardCharsets.US_ASCII), false);
  }

  @Test
  void requestHeadOf12KiB_isForwardedAndAnsweredAsTheBackendAnswersIt_notA503() throws Exception {
    double errorsBefore = backendErrors();
    String big = "x-amz-meta-big: " + "b".repeat(12 * 1024);
    RawHttp.Response direct = send(backend.port(), List.of("GET /" + BUCKET + "/missing HTTP/1.1",
        "Host: 127.0.0.1:" + backend.port(), big), "");
    RawHttp.Response through = send(gateway.httpPort, List.of("GET /" + BUCKET + "/missing HTTP/1.1",
        "Host: 127.0.0.1:" + gateway.httpPort, big), "");

    assertThat(through.status()).isNotEqualTo(503).isEqualTo(direct.status());
    assertThat(backendErrors()).isEqualTo(errorsBefore);
  }

  @Test
  void requestHeadOver16KiB_isRefusedByTheGatewayWith431() throws Exception {
    RawHttp.Response through = send(gateway.httpPort, List.of("GET /" + BUCKET + "/missing HTTP/1.1",
        "Host: 127.0.0.1:" + gateway.httpPort, "x-amz-meta-big: " + "b".repeat(20 * 1024)), "");

    assertThat(through.status()).isEqualTo(431);
  }

  @Test
  void malformedChunkedBody_is400_andNoBackendError() throws Exception {
    double errorsBefore = backendErrors();
    RawHttp.Response through = send(gateway.httpPort, List.of("PUT /" + BUCKET + "/chunked HTTP/1.1",
        "Host: 127.0.0.1:" + gateway.httpPort, "Transfer-Encoding: chunked"), "zz\r\nabc\r\n0\r\n\r\n");

    assertThat(through.status()).isEqualTo(400);
    assertThat(backendErrors()).isEqualTo(errorsBefore);
  }
}
