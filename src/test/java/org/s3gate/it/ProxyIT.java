package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.Locale;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The proxy path end to end: AWS SDK v2 client -> real Jetty running the built WAR -> real s3proxy
 * with signature checking on. Every assertion is on what a real client gets back.
 */
class ProxyIT {
  private static S3Backend backend;
  private static Gateway gateway;
  private static S3Client s3;

  @BeforeAll
  static void startStack() throws Exception {
    backend = S3Backend.start("proxy-it-backend");
    gateway = Gateway.builder("proxy-it-gateway", backend.url()).start();
    s3 = S3Clients.client(gateway.url());
  }

  @AfterAll
  static void stopStack() throws Exception {
    Closeables.closeAll(s3, gateway, backend);
  }

  /** jetty-base's s3gate-proxy module: one copy of Jetty's client in the JVM (docs/BENCHMARKS.md). */
  @Test
  void proxyClient_onJetty_usesTheServersJettyClasses() throws Exception {
    assertThat(gateway.output()).containsPattern("proxy client: Jetty HTTP client \\S+ from the server \\(shared with the container\\)");
  }

  @Test
  void sdkOperations_throughGateway_returnExactBytes() {
    s3.createBucket(b -> b.bucket("roundtrip"));
    byte[] data = randomBytes(100_000, 1);
    s3.putObject(b -> b.bucket("roundtrip").key("obj.bin"), RequestBody.fromBytes(data));

    ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(b -> b.bucket("roundtrip").key("obj.bin"));
    assertThat(got.asByteArray()).isEqualTo(data);

    HeadObjectResponse head = s3.headObject(b -> b.bucket("roundtrip").key("obj.bin"));
    assertThat(head.contentLength()).isEqualTo(data.length);

    assertThat(s3.listObjectsV2(b -> b.bucket("roundtrip")).contents()).extracting(S3Object::key).containsExactly("obj.bin");

    byte[] range = s3.getObjectAsBytes(b -> b.bucket("roundtrip").key("obj.bin").range("bytes=1000-1999")).asByteArray();
    assertThat(range).isEqualTo(java.util.Arrays.copyOfRange(data, 1000, 2000));

    s3.deleteObject(b -> b.bucket("roundtrip").key("obj.bin"));
    assertThat(s3.listObjectsV2(b -> b.bucket("roundtrip")).contents()).isEmpty();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s3.headObject(b -> b.bucket("roundtrip").key("obj.bin")))
        .isInstanceOf(NoSuchKeyException.class);
  }

  @Test
  void multipartUpload_threeParts_reassemblesExactly() throws Exception {
    s3.createBucket(b -> b.bucket("multipart"));
    String uploadId = s3.createMultipartUpload(b -> b.bucket("multipart").key("mpu.bin")).uploadId();
    List<CompletedPart> parts = new ArrayList<>();
    MessageDigest expected = MessageDigest.getInstance("SHA-256");
    for (int partNumber = 1; partNumber <= 3; partNumber++) {
      byte[] part = randomBytes(partNumber < 3 ? 5 * 1024 * 1024 : 1234, partNumber);
      expected.update(part);
      int number = partNumber;
      String etag = s3.uploadPart(b -> b.bucket("multipart").key("mpu.bin").uploadId(uploadId).partNumber(number),
          RequestBody.fromBytes(part)).eTag();
      parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
    }
    s3.completeMultipartUpload(b -> b.bucket("multipart").key("mpu.bin").uploadId(uploadId)
        .multipartUpload(m -> m.parts(parts)));

    byte[] got = s3.getObjectAsBytes(b -> b.bucket("multipart").key("mpu.bin")).asByteArray();
    assertThat(got).hasSize(2 * 5 * 1024 * 1024 + 1234);
    assertThat(MessageDigest.getInstance("SHA-256").digest(got)).isEqualTo(expected.digest());
  }

  /**
   * Keys with encodings naive proxies corrupt. s3proxy itself (direct, no gateway) cannot keep
   * {@code a//b}, {@code a/./b} or {@code a/../b}: those are proven byte-transparent on the wire in
   * ForwardingIT instead.
   */
  @Test
  void objectKeys_thatNaiveProxiesCorrupt_roundTripWithExactNames() {
    s3.createBucket(b -> b.bucket("keys"));
    List<String> keys = List.of("x%2Fy", "sp ace+plus", "ünï/čødé", "100%", "a+b=c&d", "k".repeat(1000),
        "page.jsp", "d/x.JSPX"); // the suffixes a container's default JSP servlet would answer itself
    for (String key : keys) {
      s3.putObject(b -> b.bucket("keys").key(key), RequestBody.fromString("content of " + key));
    }
    for (String key : keys) {
      String content = s3.getObjectAsBytes(b -> b.bucket("keys").key(key)).asString(StandardCharsets.UTF_8);
      assertThat(content).as("content of key %s", key).isEqualTo("content of " + key);
    }
    assertThat(s3.listObjectsV2(b -> b.bucket("keys")).contents()).extracting(S3Object::key)
        .containsExactlyInAnyOrderElementsOf(keys);
  }

  @Test
  void presignedGetUrl_fetchedWithPlainHttpClient_returnsObject() throws Exception {
    s3.createBucket(b -> b.bucket("presigned"));
    s3.putObject(b -> b.bucket("presigned").key("doc.txt"), RequestBody.fromString("presigned content"));
    try (S3Presigner presigner = S3Clients.presigner(gateway.url())) {
      URI url = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(5))
          .getObjectRequest(g -> g.bucket("presigned").key("doc.txt"))).url().toURI();
      assertThat(url.getRawQuery()).contains("X-Amz-Credential=" + S3Backend.ACCESS_KEY);
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("presigned content");
    }
  }

  @Test
  void sigV2SignedRequests_verifyAtBackend() throws Exception {
    s3.createBucket(b -> b.bucket("sigv2"));
    HttpClient http = HttpClient.newHttpClient();
    byte[] body = "signed with v2".getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> put = http.send(sigV2("PUT", "/sigv2/v2.txt", "text/plain")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

    HttpResponse<String> get = http.send(sigV2("GET", "/sigv2/v2.txt", "").GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
    assertThat(get.body()).isEqualTo("signed with v2");

    HttpResponse<String> forged = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/sigv2/v2.txt"))
        .header("Date", rfc1123Now()).header("Authorization", "AWS " + S3Backend.ACCESS_KEY + ":AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(forged.statusCode()).as("a bad signature is the backend's to refuse").isEqualTo(403);
  }

  @Test
  void health_withBackendUp_answersUp() throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(gateway.url() + "/_s3gate/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(response.body()).startsWith("{\"status\":\"UP\"").contains(backend.url());
  }

  private static HttpRequest.Builder sigV2(String method, String path, String contentType) throws Exception {
    String date = rfc1123Now();
    String stringToSign = method + "\n\n" + contentType + "\n" + date + "\n" + path;
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(S3Backend.SECRET_KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
    String signature = Base64.getEncoder().encodeToString(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(gateway.url() + path))
        .header("Date", date)
        .header("Authorization", "AWS " + S3Backend.ACCESS_KEY + ":" + signature);
    if (!contentType.isEmpty()) {
      builder.header("Content-Type", contentType);
    }
    return builder;
  }

  private static String rfc1123Now() {
    return DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.US).format(ZonedDateTime.now(ZoneOffset.UTC));
  }

  static byte[] randomBytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static void drain(InputStream in) throws Exception {
    in.transferTo(java.io.OutputStream.nullOutputStream());
  }
}
