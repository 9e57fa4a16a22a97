package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The backend goes away and comes back: clients get S3's 503 ServiceUnavailable, then service again. */
class BackendDownIT {
  private static S3Backend backend;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("down-it-backend");
    gateway = Gateway.builder("down-it-gateway", backend.url()).start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  @Test
  void backendStopped_answers503S3Xml_andRecoversWhenBack() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try (S3Client s3 = S3Clients.client(gateway.url(), S3Backend.ACCESS_KEY, S3Backend.SECRET_KEY, RetryMode.STANDARD)) {
      s3.createBucket(b -> b.bucket("before"));

      backend.stop();
      HttpResponse<String> down = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/before/key")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(down.statusCode()).isEqualTo(503);
      assertThat(down.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/xml"));
      assertThat(down.body()).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
          .contains("<Code>ServiceUnavailable</Code>").contains("<Resource>/before/key</Resource>");
      String requestId = down.headers().firstValue("x-amz-request-id").orElseThrow();
      assertThat(down.body()).contains("<RequestId>" + requestId + "</RequestId>");

      HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/_s3gate/health")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(503);
      assertThat(health.body()).contains("\"status\":\"DOWN\"");

      try (S3Client sdk = S3Clients.client(gateway.url(), S3Backend.ACCESS_KEY, S3Backend.SECRET_KEY, RetryMode.STANDARD)) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sdk.headBucket(b -> b.bucket("before")))
            .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(503));
      }

      backend.startProcess();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      Exception last = null;
      while (System.nanoTime() - deadline < 0) {
        try {
          s3.createBucket(b -> b.bucket("after"));
          s3.putObject(b -> b.bucket("after").key("k"), RequestBody.fromString("back"));
          last = null;
          break;
        } catch (S3Exception e) {
          last = e;
          Thread.sleep(250);
        }
      }
      assertThat(last).as("requests succeed again once the backend is back").isNull();
      assertThat(s3.getObjectAsBytes(b -> b.bucket("after").key("k")).asUtf8String()).isEqualTo("back");
    }
  }
}
