package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Browser POST Object uploads through the real stack (Jetty + WAR + s3proxy with signatures on):
 * the caller is identified from the form's {@code AWSAccessKeyId} / {@code X-Amz-Credential}
 * field ({@code X-Auth-Method: post_policy}) and counted against its key's limit, the form reaches
 * the backend unchanged, and a key field beyond {@code post.identify.max_bytes} leaves the upload
 * anonymous (issue 14, point 3), a file field larger than the gateway's heap streams through, and
 * a stalled form gets RequestTimeout. The uploader's group allows {@value #PER_MINUTE} requests a
 * minute.
 */
class PostUploadIT {
  private static final int PER_MINUTE = 3;
  private static final String HEAP = "64m";
  private static final int LARGE_FILE_BYTES = 80 * 1024 * 1024; // more than the gateway's whole heap
  private static final String MAX_BYTES = "4KiB"; // a V4 form's fields ahead of its file take about 2KB

  private static S3Backend backend;
  private static Gateway gateway;
  private static S3Client direct;
  private static TransparencyTarget through;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("post-upload-it-backend");
    gateway = Gateway.builder("post-upload-it-gateway", backend.url())
        .setting("post.identify.max_bytes", MAX_BYTES)
        .heap(HEAP)
        .editConf("api_key_groups.map", text -> S3Backend.ACCESS_KEY + " uploader\n") // the shipped map lists it
        .appendConf("rate_limits_per_minute.map", "uploader " + PER_MINUTE)
        .appendConf("rate_limits_per_second.map", "uploader 1000")
        .start();
    direct = S3Clients.noRetries(backend.url());
    through = new TransparencyTarget("gateway", gateway.httpPort, "pu", S3Clients.noRetries(gateway.url()),
        S3Clients.presigner(gateway.url()));
    direct.createBucket(b -> b.bucket(through.bucket(TransparencyTarget.BucketKind.PRIVATE)));
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(through, direct, gateway, backend);
  }

  private static ResponseBytes<GetObjectResponse> stored(String key) {
    return direct.getObjectAsBytes(b -> b.bucket(through.bucket(TransparencyTarget.BucketKind.PRIVATE)).key(key));
  }

  private static RawHttp.Response upload(PostForms form) throws Exception {
    return RawRequest.post(null).anonymous().form(form).send(through);
  }

  @Test
  void policyUploads_identifiedFromTheForm_storedUnchanged_andTheOneOverTheLimitNeverReachesTheBackend()
      throws Exception {
    Map<String, String> typed = Map.of("Content-Type", "image/svg+xml", "x-amz-meta-color", "blue");
    RawHttp.Response v2 = upload(PostForms.of(PostForms.Signing.V2, "v2-typed", typed, "<svg/>"));
    RawHttp.Response v4 = upload(PostForms.of(PostForms.Signing.V4, "v4-typed", typed, "<svg/>"));
    for (RawHttp.Response response : new RawHttp.Response[] {v2, v4}) {
      assertThat(response.status()).as(response.toString()).isBetween(200, 204);
      assertThat(response.header("X-API-Key")).isEqualTo(S3Backend.ACCESS_KEY);
      assertThat(response.header("X-Auth-Method")).isEqualTo("post_policy");
      assertThat(response.header("X-RateLimit-Group")).isEqualTo("uploader");
    }
    for (String key : new String[] {"v2-typed", "v4-typed"}) {
      ResponseBytes<GetObjectResponse> object = stored(key);
      assertThat(object.asString(StandardCharsets.UTF_8)).isEqualTo("<svg/>");
      assertThat(object.response().contentType()).isEqualTo("image/svg+xml");
      assertThat(object.response().metadata()).containsEntry("color", "blue");
    }

    assertThat(upload(PostForms.of(PostForms.Signing.V2, "third", Map.of(), "3")).status()).isBetween(200, 204);
    RawHttp.Response denied = upload(PostForms.of(PostForms.Signing.V4, "over-the-limit", Map.of(), "4"));
    assertThat(denied.status()).isEqualTo(429);
    assertThat(new String(denied.body(), StandardCharsets.UTF_8)).contains("<Code>SlowDown</Code>");
    assertThat(denied.header("X-API-Key")).isEqualTo(S3Backend.ACCESS_KEY);
    assertThatThrownBy(() -> stored("over-the-limit")).isInstanceOf(NoSuchKeyException.class);
  }

  @Test
  void keyFieldBeyondTheBound_uploadIsAnonymous_andStillStored() throws Exception {
    Map<String, String> padded = Map.of("x-amz-meta-pad", "p".repeat(2000), "x-amz-meta-pad2", "q".repeat(2100));
    RawHttp.Response response = upload(PostForms.of(PostForms.Signing.V2, "padded", padded, "late key"));
    assertThat(response.status()).as(response.toString()).isBetween(200, 204);
    assertThat(response.header("X-API-Key")).isEqualTo("anonymous");
    assertThat(response.header("X-Auth-Method")).isEqualTo("none");
    assertThat(stored("padded").asString(StandardCharsets.UTF_8)).isEqualTo("late key");
  }

  @Test
  void fileLargerThanTheGatewaysHeap_isStreamedThroughAfterTheFormRead_andStoredWhole() throws Exception {
    String file = "0123456789abcdef".repeat(LARGE_FILE_BYTES / 16);
    // Padded past the bound (so anonymous: the key's budget is the other test's): the gateway reads
    // all of post.identify.max_bytes, then replays it ahead of the 80 MiB it streams.
    Map<String, String> padded = Map.of("x-amz-meta-pad", "p".repeat(2000), "x-amz-meta-pad2", "q".repeat(2100));
    RawHttp.Response response = upload(PostForms.of(PostForms.Signing.V2, "large", padded, file)
        .maxLength(LARGE_FILE_BYTES));

    assertThat(response.status()).as(response.toString()).isBetween(200, 204);
    assertThat(response.header("X-API-Key")).isEqualTo("anonymous");
    assertThat(direct.headObject(b -> b.bucket(through.bucket(TransparencyTarget.BucketKind.PRIVATE)).key("large"))
        .contentLength()).isEqualTo(LARGE_FILE_BYTES);
    assertThat(gateway.output()).doesNotContain("OutOfMemoryError");
  }

  /**
   * A client trickling its form holds no thread and not forever either: with the defaults
   * (request.min_rate 1024 B/s, min_rate.window 10 s) and 4 KiB to read, the prefix has 14 s, then
   * gets S3's RequestTimeout and the connection is closed; nothing reaches the backend.
   */
  @Test
  void formPrefixThatStalls_getsRequestTimeout_andNothingIsStored() throws Exception {
    String boundary = "stall";
    String start = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nstalled\r\n";
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.httpPort)) {
      socket.setSoTimeout(60_000); // a bound for the test, not a timing assertion
      String head = "POST /" + through.bucket(TransparencyTarget.BucketKind.PRIVATE) + " HTTP/1.1\r\n"
          + "Host: 127.0.0.1:" + gateway.httpPort + "\r\n"
          + "Content-Type: multipart/form-data; boundary=" + boundary + "\r\n"
          + "Content-Length: 100000\r\n\r\n";
      socket.getOutputStream().write((head + start).getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();

      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

      assertThat(answer).startsWith("HTTP/1.1 400").contains("<Code>RequestTimeout</Code>");
    }
    assertThatThrownBy(() -> stored("stalled")).isInstanceOf(NoSuchKeyException.class);
  }
}
