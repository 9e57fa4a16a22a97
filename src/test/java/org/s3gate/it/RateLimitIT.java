package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The limiting engine end to end: real Jetty + WAR + s3proxy, with test groups added to the
 * gateway's copy of conf/. Requests for keys other than the backend's own carry a SigV4-shaped
 * Authorization header: the gateway limits them by that key, and the backend (which cannot verify
 * them) answers 403 to the admitted ones, so "admitted" below means "not 429".
 */
class RateLimitIT {
  private static final String BASIC_KEY = "FQ4IU19ZFZ3470XJ7GBF";
  private static final String MINUTE_KEY = "MINUTEKEY00000000001";
  private static final String EDIT_KEY = "EDITKEY0000000000001";
  private static final String BLOCKED_KEY = "BLOCKEDKEY0000000001";
  private static final String ESCAPE_KEY = "ESCAPEKEY00000000001";

  private static S3Backend backend;
  private static Gateway gateway;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("ratelimit-it-backend");
    gateway = Gateway.builder("ratelimit-it-gateway", backend.url())
        .appendConf("api_key_groups.map", MINUTE_KEY + " minutetest", EDIT_KEY + " edittest", BLOCKED_KEY + " blocked",
            ESCAPE_KEY + " escape")
        .appendConf("rate_limits_per_minute.map", "minutetest 20", "edittest 5", "blocked 0", "escape 1")
        .appendConf("rate_limits_per_second.map", "minutetest 100", "edittest 100", "blocked 0", "escape 100")
        .appendConf("error_messages.map", "escape Tom & Jerry <say> \"hi\"")
        // the backend's own key gets 3/s here, to watch the AWS SDK meet SlowDown and retry
        .editConf("rate_limits_per_second.map", text -> text.replace("premium 50", "premium 3"))
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  @Test
  void basicKey_burst_getsExactlyItsPerSecondLimitThenSlowDownXml() throws Exception {
    List<HttpResponse<String>> responses = null;
    for (int attempt = 0; attempt < 3 && responses == null; attempt++) {
      Thread.sleep(1200); // an empty per-second window for this key
      long started = System.nanoTime();
      List<HttpResponse<String>> burst = new ArrayList<>();
      for (int i = 0; i < 13; i++) {
        burst.add(get("/bucket/key", BASIC_KEY));
      }
      if (System.nanoTime() - started < Duration.ofMillis(800).toNanos()) {
        responses = burst; // all 13 fell in one second: the count is exact
      }
    }
    assertThat(responses).as("13 requests within 0.8 s (machine too slow 3 times in a row)").isNotNull();

    assertThat(responses.subList(0, 10)).allSatisfy(r -> assertThat(r.statusCode()).isNotEqualTo(429));
    assertThat(responses.subList(10, 13)).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(429));

    HttpResponse<String> denied = responses.get(10);
    String requestId = denied.headers().firstValue("x-amz-request-id").orElseThrow();
    assertThat(denied.body()).isEqualTo("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        + "<Error><Code>SlowDown</Code><Message>Basic rate limit exceeded (10 requests/second per API key)</Message>"
        + "<Resource>/bucket/key</Resource><RequestId>" + requestId + "</RequestId><ApiKey>" + BASIC_KEY
        + "</ApiKey></Error>");
    assertThat(requestId).matches("[0-9A-F]{16}");
    assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/xml"));
    long retryAfterMillis = Long.parseLong(denied.headers().firstValue("x-amz-retry-after").orElseThrow());
    assertThat(retryAfterMillis).isBetween(1L, 1100L);
    assertThat(denied.headers().firstValue("Retry-After")).hasValue(Long.toString((retryAfterMillis + 999) / 1000));
    assertRateLimitHeaders(denied, "basic", BASIC_KEY, "v4_header", 100, 10, 10);
    assertRateLimitHeaders(responses.get(0), "basic", BASIC_KEY, "v4_header", 100, 10, 1);
  }

  @Test
  void deniedPut_withExpect100Continue_gets429BeforeTheBodyIsSent() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", gateway.httpPort)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("PUT /bucket/big-upload HTTP/1.1\r\nHost: 127.0.0.1:" + gateway.httpPort + "\r\n"
          + "Authorization: " + sigV4Header(BLOCKED_KEY) + "\r\n"
          + "Content-Length: 1073741824\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String statusLine = readLine(socket.getInputStream());
      assertThat(statusLine).as("the first thing the client hears, with no body sent").isEqualTo("HTTP/1.1 429 Too Many Requests");
    }
  }

  @Test
  void minuteLimit_overAMinute_admitsExactlyTheLimitAndRetryAfterIsExact() throws Exception {
    List<HttpResponse<String>> burst = new ArrayList<>();
    long firstSent = System.nanoTime();
    for (int i = 0; i < 25; i++) {
      burst.add(get("/bucket/minute", MINUTE_KEY));
    }
    assertThat(burst.stream().filter(r -> r.statusCode() != 429)).hasSize(20);
    assertThat(burst.subList(20, 25)).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(429));
    HttpResponse<String> denied = burst.get(24);
    assertThat(denied.body()).contains("(20 requests/minute per API key)");
    long retryAfterMillis = Long.parseLong(denied.headers().firstValue("x-amz-retry-after").orElseThrow());
    long sinceFirstMillis = (System.nanoTime() - firstSent) / 1_000_000;
    assertThat(retryAfterMillis).isBetween(60_000 - sinceFirstMillis - 1000, 63_000L);

    Thread.sleep(Math.max(0, retryAfterMillis - 2000));
    assertThat(get("/bucket/minute", MINUTE_KEY).statusCode()).as("2 s before Retry-After").isEqualTo(429);
    Thread.sleep(2100);
    HttpResponse<String> after = get("/bucket/minute", MINUTE_KEY);
    assertThat(after.statusCode()).as("just after Retry-After").isNotEqualTo(429);
  }

  @Test
  void mapFileEditedOnDisk_changesTheLimitForTheNextRequestsWithin2s() throws Exception {
    for (int i = 0; i < 5; i++) {
      assertThat(get("/bucket/edit", EDIT_KEY).statusCode()).isNotEqualTo(429);
    }
    assertThat(get("/bucket/edit", EDIT_KEY).statusCode()).isEqualTo(429);

    Path map = gateway.confDir.resolve("rate_limits_per_minute.map");
    Path temp = gateway.confDir.resolve("rate_limits_per_minute.map.tmp");
    Files.writeString(temp, Files.readString(map).replace("edittest 5", "edittest 50"));
    Files.move(temp, map, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    HttpResponse<String> response = get("/bucket/edit", EDIT_KEY);
    while (response.statusCode() == 429 && System.nanoTime() - deadline < 0) {
      Thread.sleep(50);
      response = get("/bucket/edit", EDIT_KEY);
    }
    assertThat(response.statusCode()).isNotEqualTo(429);
    assertThat(response.headers().firstValue("X-RateLimit-Limit-Per-Minute")).hasValue("50");
  }

  @Test
  void everyIdentificationSource_isReportedAndLimitedByItsKey() throws Exception {
    String credential = BLOCKED_KEY + "%2F20260101%2Fus-east-1%2Fs3%2Faws4_request";
    List<Object[]> cases = List.of(
        new Object[] {request("/bucket/k").header("Authorization", sigV4Header(BLOCKED_KEY)), "v4_header"},
        new Object[] {request("/bucket/k").header("Authorization", "AWS " + BLOCKED_KEY + ":c2lnbmF0dXJl"), "v2_header"},
        new Object[] {request("/bucket/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + credential
            + "&X-Amz-Signature=00"), "v4_presigned"},
        new Object[] {request("/bucket/k?AWSAccessKeyId=" + BLOCKED_KEY + "&Signature=x&Expires=1"), "v2_presigned"},
        new Object[] {request("/bucket/k").header("X-API-Key", BLOCKED_KEY), "custom_header"},
        new Object[] {request("/bucket/k").header("X-Access-Key-Id", BLOCKED_KEY), "custom_header"});
    for (Object[] c : cases) {
      HttpResponse<String> response = HTTP.send(((HttpRequest.Builder) c[0]).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("%s", c[1]).isEqualTo(429);
      assertRateLimitHeaders(response, "blocked", BLOCKED_KEY, (String) c[1], 0, 0, 0);
    }
    HttpResponse<String> anonymous = HTTP.send(request("/bucket/k").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.headers().firstValue("X-API-Key")).hasValue("anonymous"); // counted per client address
    assertThat(anonymous.headers().firstValue("X-Auth-Method")).hasValue("none");
    assertThat(anonymous.headers().firstValue("X-RateLimit-Group")).hasValue("unknown"); // anonymous.group: default.group
    HttpResponse<String> unreadable = HTTP.send(request("/bucket/k").header("X-API-Key", "not a key").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(unreadable.headers().firstValue("X-API-Key")).hasValue("unknown");
    assertThat(unreadable.headers().firstValue("X-Auth-Method")).hasValue("none");
    assertThat(unreadable.headers().firstValue("X-RateLimit-Group")).hasValue("unknown");
  }

  @Test
  void backendHealthPath_isNeverLimited_butLookalikesAre() throws Exception {
    HttpResponse<String> health = HTTP.send(request("/minio/health/live").header("Authorization", sigV4Header(BLOCKED_KEY))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isNotEqualTo(429);
    assertThat(health.headers().firstValue("X-RateLimit-Group")).isEmpty();

    HttpResponse<String> lookalike = HTTP.send(request("/minio/health/%2E%2E/bucket/key")
        .header("Authorization", sigV4Header(BLOCKED_KEY)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(lookalike.statusCode()).isEqualTo(429);
  }

  @Test
  void deniedBody_escapesMessageKeyAndPath() throws Exception {
    assertThat(get("/bucket/a", ESCAPE_KEY).statusCode()).isNotEqualTo(429);
    HttpResponse<String> denied = get("/bucket/%3Cb%3E&amp", ESCAPE_KEY);
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.body()).contains("<Message>Tom &amp; Jerry &lt;say&gt; &quot;hi&quot; (1 requests/minute per API key)</Message>")
        .contains("<Resource>/bucket/%3Cb%3E&amp;amp</Resource>");
  }

  /**
   * What the AWS SDK for Java v2 (standard retry mode) does with SlowDown: it treats 429 SlowDown as
   * throttling and retries, waiting what x-amz-retry-after says, so a client moderately over its
   * limit still completes every call; once out of attempts it surfaces S3Exception 429 SlowDown with
   * the body's message and request id.
   */
  @Test
  void awsSdk_givenSlowDown_retriesWithBackoffAndThenSucceedsOrSurfaces429() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    AtomicInteger throttled = new AtomicInteger();
    ExecutionInterceptor counter = new ExecutionInterceptor() {
      @Override
      public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        attempts.incrementAndGet();
      }

      @Override
      public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        if (context.httpResponse().statusCode() == 429) {
          throttled.incrementAndGet();
        }
      }
    };
    try (S3Client s3 = sdk(S3Backend.ACCESS_KEY, S3Backend.SECRET_KEY, counter, 3)) {
      s3.createBucket(b -> b.bucket("sdk-slowdown"));
      s3.putObject(b -> b.bucket("sdk-slowdown").key("k"), RequestBody.fromString("v"));
      attempts.set(0);
      throttled.set(0);
      for (int i = 0; i < 10; i++) {
        assertThat(s3.getObjectAsBytes(b -> b.bucket("sdk-slowdown").key("k")).asUtf8String()).isEqualTo("v");
      }
      System.out.printf("AWS SDK v2 standard retry, 10 GETs at a 3/s limit: %d attempts, %d answered 429 SlowDown, all 10 succeeded%n",
          attempts.get(), throttled.get());
      assertThat(throttled.get()).as("the 3/s limit was met").isPositive();
      assertThat(attempts.get()).isEqualTo(10 + throttled.get());
    }
    // A key that is never admitted: the SDK waits x-amz-retry-after between attempts (60 s here, for
    // a limit of 0), so this client makes one attempt and sees the error as an application would.
    try (S3Client s3 = sdk(BLOCKED_KEY, "not-the-secret", counter, 1)) {
      assertThatThrownBy(() -> s3.getObject(b -> b.bucket("sdk-slowdown").key("k")))
          .isInstanceOfSatisfying(S3Exception.class, e -> {
            assertThat(e.statusCode()).isEqualTo(429);
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SlowDown");
            assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Rate_limit_exceeded (0 requests/minute per API key)");
            assertThat(e.requestId()).matches("[0-9A-F]{16}");
          });
    }
  }

  private static S3Client sdk(String accessKey, String secretKey, ExecutionInterceptor interceptor, int maxAttempts) {
    return S3Client.builder()
        .endpointOverride(URI.create(gateway.url()))
        .region(Region.US_EAST_1)
        .credentialsProvider(S3Clients.credentials(accessKey, secretKey))
        .forcePathStyle(true)
        .httpClientBuilder(ApacheHttpClient.builder())
        .overrideConfiguration(ClientOverrideConfiguration.builder().retryStrategy(b -> b.maxAttempts(maxAttempts))
            .addExecutionInterceptor(interceptor).build())
        .build();
  }

  private static void assertRateLimitHeaders(HttpResponse<?> response, String group, String key, String authMethod,
      int limitPerMinute, int limitPerSecond, int currentPerSecond) {
    assertThat(response.headers().firstValue("X-RateLimit-Group")).hasValue(group);
    assertThat(response.headers().firstValue("X-API-Key")).hasValue(key);
    assertThat(response.headers().firstValue("X-Auth-Method")).hasValue(authMethod);
    assertThat(response.headers().firstValue("X-RateLimit-Limit-Per-Minute")).hasValue(Integer.toString(limitPerMinute));
    assertThat(response.headers().firstValue("X-RateLimit-Limit-Per-Second")).hasValue(Integer.toString(limitPerSecond));
    assertThat(response.headers().firstValue("X-RateLimit-Current-Per-Second")).hasValue(Integer.toString(currentPerSecond));
    assertThat(response.headers().firstValue("X-RateLimit-Current-Per-Minute")).isPresent();
  }

  private static HttpRequest.Builder request(String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(gateway.url() + pathAndQuery)).timeout(Duration.ofSeconds(10));
  }

  private static HttpResponse<String> get(String path, String accessKey) throws IOException, InterruptedException {
    return HTTP.send(request(path).header("Authorization", sigV4Header(accessKey)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static String sigV4Header(String accessKey) {
    return "AWS4-HMAC-SHA256 Credential=" + accessKey + "/20260101/us-east-1/s3/aws4_request, "
        + "SignedHeaders=host;x-amz-date, Signature=" + "0".repeat(64);
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }
}
