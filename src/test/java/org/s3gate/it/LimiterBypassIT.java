package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The limiter bypasses of issue 13 (items 1, 4, 5, 6 and CONNECT of 7), each replayed against the
 * real stack (Jetty + WAR + s3proxy with signature checking on), showing the attack no longer
 * gets a single request served past the limit: the gateway refuses, before counting anything,
 * every request whose limiting could differ from what the backend authenticates.
 *
 * <p>The demo key is limited to 3 requests a second here; every attack sends more than that
 * within a second and, before the fix, had every one served.
 */
class LimiterBypassIT {
  private static final String BUCKET = "bypass";
  private static final int LIMIT_PER_SECOND = 3;
  private static final String FAKE_KEY = "FAKEKEY0000000000001";

  private static S3Backend backend;
  private static Gateway gateway;
  private static URI presignedGet;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("bypass-it-backend");
    gateway = Gateway.builder("bypass-it-gateway", backend.url())
        .editConf("rate_limits_per_second.map", text -> text.replace("premium 50", "premium " + LIMIT_PER_SECOND))
        .start();
    try (S3Client direct = S3Clients.client(backend.url())) {
      direct.createBucket(b -> b.bucket(BUCKET));
      direct.putObject(b -> b.bucket(BUCKET).key("object"), RequestBody.fromString("secret"));
      direct.createBucket(b -> b.bucket("minio"));
    }
    try (S3Presigner presigner = S3Clients.presigner(gateway.url())) {
      presignedGet = presigner.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(10))
          .getObjectRequest(o -> o.bucket(BUCKET).key("object"))).url().toURI();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  /** Sends {@code head} {@code times} times through the gateway, at once; the responses. */
  private static List<RawHttp.Response> send(int times, List<String> head, byte[] body) throws Exception {
    List<RawHttp.Response> responses = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      responses.add(RawHttp.exchange("127.0.0.1", gateway.httpPort, head, body, false));
    }
    return responses;
  }

  private static String hostLine() {
    return "Host: 127.0.0.1:" + gateway.httpPort;
  }

  private static String errorCode(RawHttp.Response response) {
    String body = new String(response.body(), StandardCharsets.UTF_8);
    int start = body.indexOf("<Code>");
    return start < 0 ? null : body.substring(start + 6, body.indexOf("</Code>", start));
  }

  @Test
  void connectionHeaderHidingAFakeAuthorization_onAPresignedUrl_isRefusedNotServed() throws Exception {
    String target = presignedGet.getRawPath() + "?" + presignedGet.getRawQuery();
    List<RawHttp.Response> responses = send(10, List.of("GET " + target + " HTTP/1.1", hostLine(),
        "Authorization: AWS4-HMAC-SHA256 Credential=" + FAKE_KEY + "/20250101/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host, Signature=00", "Connection: Authorization"), new byte[0]);

    assertThat(responses).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(400);
      assertThat(errorCode(r)).isEqualTo("InvalidRequest");
    });
    // the presigned URL itself still works, and is limited as the demo key
    RawHttp.Response plain = RawHttp.exchange("127.0.0.1", gateway.httpPort,
        List.of("GET " + target + " HTTP/1.1", hostLine()), new byte[0], false);
    assertThat(plain.status()).isEqualTo(200);
    assertThat(plain.header("X-API-Key")).isEqualTo(S3Backend.ACCESS_KEY);
  }

  @Test
  void v2PresignedUrlWithAForgedV4Credential_isRefusedNotCountedAsTheForgedKey() throws Exception {
    long expires = Instant.now().plusSeconds(600).getEpochSecond();
    String resource = "/" + BUCKET + "/object";
    String signature = S3Signing.v2Signature(S3Backend.SECRET_KEY,
        S3Signing.v2StringToSign("GET", null, null, Long.toString(expires), Map.of(), resource));
    String v2Query = "AWSAccessKeyId=" + S3Backend.ACCESS_KEY + "&Expires=" + expires + "&Signature="
        + S3Signing.uriEncode(signature);
    RawHttp.Response genuine = RawHttp.exchange("127.0.0.1", gateway.httpPort,
        List.of("GET " + resource + "?" + v2Query + " HTTP/1.1", hostLine()), new byte[0], false);
    assertThat(genuine.status()).isEqualTo(200);

    List<RawHttp.Response> forged = send(2 * LIMIT_PER_SECOND, List.of("GET " + resource + "?" + v2Query
        + "&X-Amz-Credential=" + FAKE_KEY + "%2F20250101%2Fus-east-1%2Fs3%2Faws4_request HTTP/1.1", hostLine()),
        new byte[0]);
    assertThat(forged).allSatisfy(r -> assertThat(r.status()).isEqualTo(400));
  }

  @Test
  void authorizationWithACredentialHiddenInAnUnknownComponent_isRefusedAsMalformed() throws Exception {
    List<RawHttp.Response> responses = send(2 * LIMIT_PER_SECOND, List.of("GET /" + BUCKET + "/object HTTP/1.1",
        hostLine(), "Authorization: AWS4-HMAC-SHA256 X=Credential=" + S3Backend.ACCESS_KEY
            + "/20250101/us-east-1/s3/aws4_request, Credential=" + FAKE_KEY
            + "/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00"), new byte[0]);

    assertThat(responses).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(400);
      assertThat(errorCode(r)).isEqualTo("AuthorizationHeaderMalformed");
    });
  }

  @Test
  void putUnderMinioHealthPath_isAnObjectAndLimited_onlyGetAndHeadOfTheExactPathsAreExempt() throws Exception {
    String authorization = "Authorization: AWS4-HMAC-SHA256 Credential=" + S3Backend.ACCESS_KEY
        + "/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00";
    Thread.sleep(1100); // an empty per-second window for the demo key
    List<RawHttp.Response> puts = send(2 * LIMIT_PER_SECOND, List.of("PUT /minio/health/live HTTP/1.1", hostLine(),
        authorization, "Content-Length: 2"), "ok".getBytes(StandardCharsets.US_ASCII));
    assertThat(puts.stream().filter(r -> r.status() == 429).count()).isGreaterThanOrEqualTo(LIMIT_PER_SECOND);

    List<RawHttp.Response> gets = send(2 * LIMIT_PER_SECOND, List.of("GET /minio/health/live HTTP/1.1", hostLine(),
        authorization), new byte[0]);
    assertThat(gets).allSatisfy(r -> {
      assertThat(r.status()).isNotEqualTo(429);
      assertThat(r.header("X-RateLimit-Group")).isNull(); // exempt: not identified, not counted
    });
  }

  @Test
  void lowerCaseMethod_isRefused405_neverForwardedUnlimited() throws Exception {
    List<RawHttp.Response> responses = send(2 * LIMIT_PER_SECOND, List.of("put /" + BUCKET + "/lower HTTP/1.1",
        hostLine(), "Content-Length: 2"), "ok".getBytes(StandardCharsets.US_ASCII));

    assertThat(responses).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(405);
      assertThat(errorCode(r)).isEqualTo("MethodNotAllowed");
    });
    try (S3Client direct = S3Clients.client(backend.url())) {
      assertThat(direct.listObjectsV2(b -> b.bucket(BUCKET)).contents()).noneMatch(o -> o.key().equals("lower"));
    }
  }

  @Test
  void connectMethod_isRefused405() throws Exception {
    RawHttp.Response response = RawHttp.exchange("127.0.0.1", gateway.httpPort,
        List.of("CONNECT " + URI.create(backend.url()).getAuthority() + " HTTP/1.1", "Host: " + URI.create(backend.url()).getAuthority()),
        new byte[0], false);

    assertThat(response.status()).isEqualTo(405);
    assertThat(errorCode(response)).isEqualTo("MethodNotAllowed");
  }
}
