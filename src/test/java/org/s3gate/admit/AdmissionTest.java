package org.s3gate.admit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.s3gate.config.ConfigReloader;
import org.s3gate.identify.AuthMethod;
import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.ClientIpTable;
import org.s3gate.limit.CounterTable;
import org.s3gate.policy.PolicySnapshot;

class AdmissionTest {
  private static final String KEY = "FQ4IU19ZFZ3470XJ7GBF";
  private static final String V4 = "AWS4-HMAC-SHA256 Credential=" + KEY + "/20150830/us-east-1/s3/aws4_request, "
      + "SignedHeaders=host, Signature=abc";

  private static PolicySnapshot policy;

  /** A request as the admission core reads it; headers as name/value pairs, names case-insensitive. */
  record Request(String method, String rawPath, String rawQuery, List<String[]> headers) implements RequestFacts {
    @Override
    public String remoteAddress() {
      return "192.0.2.1";
    }

    static Request get(String path, String... nameValues) {
      return of("GET", path, null, nameValues);
    }

    static Request of(String method, String path, String query, String... nameValues) {
      List<String[]> headers = new ArrayList<>();
      for (int i = 0; i < nameValues.length; i += 2) {
        headers.add(new String[] {nameValues[i], nameValues[i + 1]});
      }
      return new Request(method, path, query, headers);
    }

    @Override
    public String header(String name) {
      List<String> values = headerValues(name);
      return values.isEmpty() ? null : values.get(0);
    }

    @Override
    public List<String> headerValues(String name) {
      return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).toList();
    }
  }

  @BeforeAll
  static void loadDemoPolicy(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\nlimit.methods PUT\n");
    Files.writeString(dir.resolve("api_key_groups.map"), KEY + " basic\n");
    Files.writeString(dir.resolve("rate_limits_per_minute.map"), "basic 100\n");
    Files.writeString(dir.resolve("rate_limits_per_second.map"), "basic 2\n");
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      policy = config.store().current();
    }
  }

  private static Outcome decide(RequestFacts request) {
    return new Admission(new CounterTable(10)).decide(request, policy, 0L);
  }

  @ParameterizedTest
  @CsvSource({
      "GET, /minio/health/live, true",
      "HEAD, /minio/health/ready, true",
      "GET, /minio/health/cluster, true",
      "GET, /minio/health/cluster/read, true",
      "PUT, /minio/health/live, false",
      "DELETE, /minio/health/live, false",
      "GET, /minio/health/, false",
      "GET, /minio/health/live/../../bucket/key, false",
      "GET, /minio/health/%2E%2E/bucket, false",
      "GET, /minio/health//live, false",
      "GET, /minio/health/Live, false",
      "GET, /minio/healthz, false",
      "GET, /bucket/minio/health/live, false",
      "GET, /, false"})
  void decide_onlyGetAndHeadOfExactExemptPaths_areExempt(String method, String rawPath, boolean exempt) {
    assertThat(decide(Request.of(method, rawPath, null, "Authorization", V4)).exempt()).isEqualTo(exempt);
  }

  @ParameterizedTest
  @CsvSource({"put", "Put", "CONNECT", "TRACE", "PATCH", "PROPFIND", "get"})
  void decide_nonS3OrLowerCaseMethod_isRejected405(String method) {
    Outcome outcome = decide(Request.of(method, "/bucket/key", null, "Authorization", V4));

    assertThat(outcome.rejected()).isTrue();
    assertThat(outcome.rejectionStatus()).isEqualTo(405);
    assertThat(outcome.rejectionCode()).isEqualTo("MethodNotAllowed");
  }

  @ParameterizedTest
  @CsvSource({"Authorization", "authorization", "'close, Authorization'", "Host", "Content-MD5", "content-length",
      "X-Amz-Date", "x-amz-content-sha256", "X-API-Key", "X-Access-Key-Id", "Expect"})
  void decide_connectionNamingASignedOrLimitedHeader_isRejected400(String connection) {
    Outcome outcome = decide(Request.get("/bucket/key", "Authorization", V4, "Connection", connection));

    assertThat(outcome.rejected()).isTrue();
    assertThat(outcome.rejectionStatus()).isEqualTo(400);
    assertThat(outcome.rejectionCode()).isEqualTo("InvalidRequest");
  }

  @ParameterizedTest
  @CsvSource({"keep-alive", "close", "'Keep-Alive, TE'", "upgrade"})
  void decide_ordinaryConnectionTokens_areLimitedAsUsual(String connection) {
    Outcome outcome = decide(Request.get("/bucket/key", "Authorization", V4, "Connection", connection));

    assertThat(outcome.verdict()).isEqualTo(Verdict.ADMITTED);
    assertThat(outcome.caller().accessKey()).isEqualTo(KEY);
  }

  @Test
  void refundForged_requestsTheBackendRefused_leaveTheKeyWholeAndTarpitTheirIp() {
    CounterTable table = new CounterTable(10);
    ClientIpTable clientIps = new ClientIpTable(10, Duration.ofSeconds(10));
    Admission admission = new Admission(table, clientIps);
    Request put = Request.of("PUT", "/bucket/key", null, "Authorization", V4);
    // basic allows 2 PUTs a second; the built-in tarpit: over 200 requests and 50 errors in 10 s
    for (int i = 0; i < 200; i++) {
      long nowNanos = i * 1_000_000L;
      Outcome forged = admission.decide(put, policy, nowNanos);
      assertThat(forged.verdict()).as("forged request %d", i).isEqualTo(Verdict.ADMITTED);
      admission.backendAnswered(forged, policy, 403, nowNanos); // as the proxy reports it: the answer first
      admission.refundForged(forged, policy, nowNanos, nowNanos);
      admission.complete(forged);
    }

    Outcome next = admission.decide(put, policy, 201_000_000L);

    assertThat(next.verdict()).isEqualTo(Verdict.DENIED_CLIENT_IP);
    assertThat(next.tarpit()).isTrue();
    assertThat(next.rule()).isEqualTo(DenialRule.IP_TARPIT);
    assertThat(next.denialMessage()).contains("over 200 requests and 50 errors/10s per client IP: tarpit");
    assertThat(table.peek(KEY, 201_000_000L).currentPerSecond()).as("the key's own count").isZero();
    assertThat(clientIps.usage("192.0.2.1", 201_000_000L).errors()).isEqualTo(200);
  }

  @Test
  void backendAnswered_onlyStatusesOfIpErrorStatuses_countAsTheIpsErrors() {
    ClientIpTable clientIps = new ClientIpTable(10, Duration.ofSeconds(10));
    Admission admission = new Admission(new CounterTable(10), clientIps);
    Outcome put = admission.decide(Request.of("PUT", "/b/k", null, "Authorization", V4), policy, 0L);
    for (int status : new int[] {200, 404, 400, 401, 403, 500, 503, 429}) {
      admission.backendAnswered(put, policy, status, 1L);
    }

    assertThat(clientIps.usage("192.0.2.1", 3L).errors()).as("400, 401 and 403 only").isEqualTo(3);
    assertThat(clientIps.usage("192.0.2.1", 3L).requests()).isEqualTo(1);
  }

  @Test
  void decide_twoAuthorizationHeaders_isRejected400() {
    Outcome outcome = decide(Request.get("/bucket/key", "Authorization", V4, "Authorization", V4));

    assertThat(outcome.rejected()).isTrue();
    assertThat(outcome.rejectionStatus()).isEqualTo(400);
  }

  @Test
  void decide_malformedV4Authorization_isRejectedWithS3Code() {
    Outcome outcome = decide(Request.get("/bucket/key", "Authorization", "AWS4-HMAC-SHA256 X=Credential=" + KEY
        + "/20150830/us-east-1/s3/aws4_request, Credential=OTHER/20150830/us-east-1/s3/aws4_request"));

    assertThat(outcome.rejectionStatus()).isEqualTo(400);
    assertThat(outcome.rejectionCode()).isEqualTo("AuthorizationHeaderMalformed");
    assertThat(outcome.decision()).isNull();
  }

  @Test
  void decide_headerAndQueryNamingTwoKeys_isRejectedAndNothingCounted() {
    CounterTable table = new CounterTable(10);
    Outcome outcome = new Admission(table)
        .decide(Request.of("PUT", "/bucket/key", "AWSAccessKeyId=OTHERKEY&Signature=x", "Authorization", V4), policy, 0L);

    assertThat(outcome.rejectionCode()).isEqualTo("InvalidRequest");
    assertThat(table.size()).isZero();
  }

  @Test
  void decide_limitMethods_limitsTheMethodAsWritten() {
    Admission admission = new Admission(new CounterTable(10));
    for (int i = 0; i < 2; i++) {
      assertThat(admission.decide(Request.of("PUT", "/b/k", null, "Authorization", V4), policy, 0L).verdict())
          .isEqualTo(Verdict.ADMITTED);
    }
    assertThat(admission.decide(Request.of("PUT", "/b/k", null, "Authorization", V4), policy, 0L).verdict())
        .isEqualTo(Verdict.DENIED_PER_SECOND);
    assertThat(admission.decide(Request.of("GET", "/b/k", null, "Authorization", V4), policy, 0L).verdict())
        .isEqualTo(Verdict.ADMITTED); // GET is not in limit.methods
  }

  /** A request whose POST form named {@code form} (what the filter found ahead of the file part). */
  record FormRequest(Request base, CallerIdentity form) implements RequestFacts {
    @Override public String method() { return base.method(); }
    @Override public String rawPath() { return base.rawPath(); }
    @Override public String rawQuery() { return base.rawQuery(); }
    @Override public String header(String name) { return base.header(name); }
    @Override public List<String> headerValues(String name) { return base.headerValues(name); }
    @Override public String remoteAddress() { return base.remoteAddress(); }
    @Override public CallerIdentity formIdentity() { return form; }
  }

  @Test
  void decide_unsignedPostWithFormKey_isCountedUnderTheFormsKey() {
    CallerIdentity form = new CallerIdentity(KEY, AuthMethod.POST_POLICY);
    Outcome outcome = decide(new FormRequest(Request.of("POST", "/bucket", null), form));

    assertThat(outcome.caller()).isEqualTo(form);
    assertThat(outcome.group().group()).isEqualTo("basic");
  }

  @Test
  void decide_headerSignedPost_formKeyIgnored() {
    CallerIdentity form = new CallerIdentity("OTHERKEY", AuthMethod.POST_POLICY);
    Outcome outcome = decide(new FormRequest(Request.of("POST", "/bucket", "uploads", "Authorization", V4), form));

    assertThat(outcome.caller().accessKey()).isEqualTo(KEY);
    assertThat(outcome.caller().authMethod()).isEqualTo(AuthMethod.V4_HEADER);
  }
}
