package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * Differential transparency (issue 14): every request of {@link TransparencyVariants} is sent once
 * straight to s3proxy (signature checking on) and once through the real gateway (the built WAR in
 * real Jetty) in front of the same s3proxy, and the two must agree on the status, the S3 error
 * code, a GET's body, and what got stored (body, Content-Type, x-amz-meta-*: read back from the
 * backend directly). Only the headers SPEC section 6 adds to responses may differ, and those are
 * not compared. Clients are real: the AWS SDK for Java v2, boto3 ({@link Boto3Driver}), and raw
 * HTTP signed by hand ({@link RawRequest}) for what no SDK sends.
 *
 * <p>The gateway's limits never interfere: the demo key's group and the default group (which
 * anonymous callers are in) allow far more than the table sends. Each side has its own buckets of
 * each kind (private, public-read, public-read-write) on the one backend, so object keys are the
 * same both ways and the two sends never see each other's objects.
 */
class TransparencyIT {
  private static final int MIN_VARIANTS = 40;
  /** One line per variant compared (what the backend answered and stored), for people reading the run. */
  private static final java.nio.file.Path TABLE = ManagedProcess.ROOT.resolve("target/it-logs/transparency-table.txt");
  private static final List<String> TABLE_LINES = new java.util.concurrent.CopyOnWriteArrayList<>();

  private static Boto3Driver boto;
  private static S3Backend backend;
  private static Gateway gateway;
  private static S3Client backendS3;
  private static TransparencyTarget direct;
  private static TransparencyTarget throughGateway;

  @BeforeAll
  static void start() throws Exception {
    boto = Boto3Driver.start();
    backend = S3Backend.start("transparency-it-backend");
    gateway = Gateway.builder("transparency-it-gateway", backend.url())
        .editConf("api_key_groups.map", text -> text.replace(S3Backend.ACCESS_KEY + " premium",
            S3Backend.ACCESS_KEY + " transparency"))
        .appendConf("rate_limits_per_minute.map", "transparency 10000000")
        .appendConf("rate_limits_per_second.map", "transparency 1000000")
        .setting("default.limit.per_minute", "10000000")
        .setting("default.limit.per_second", "1000000")
        .start();
    backendS3 = S3Clients.noRetries(backend.url());
    direct = new TransparencyTarget("direct", backend.port(), "tp-direct", S3Clients.noRetries(backend.url()),
        S3Clients.presigner(backend.url()));
    throughGateway = new TransparencyTarget("gateway", gateway.httpPort, "tp-gateway",
        S3Clients.noRetries(gateway.url()), S3Clients.presigner(gateway.url()));
    for (TransparencyTarget target : List.of(direct, throughGateway)) {
      for (TransparencyTarget.BucketKind kind : TransparencyTarget.BucketKind.values()) {
        String bucket = target.bucket(kind);
        backendS3.createBucket(b -> b.bucket(bucket).acl(BucketCannedACL.fromValue(kind.cannedAcl)));
        ObjectCannedACL acl = kind == TransparencyTarget.BucketKind.PRIVATE ? ObjectCannedACL.PRIVATE
            : ObjectCannedACL.PUBLIC_READ;
        backendS3.putObject(b -> b.bucket(bucket).key(TransparencyVariants.SEED_KEY).acl(acl)
            .contentType("text/plain").metadata(Map.of("seeded", "yes")),
            RequestBody.fromString(TransparencyVariants.SEED_BODY));
        backendS3.putObject(b -> b.bucket(bucket).key(TransparencyVariants.PRIVATE_SEED_KEY),
            RequestBody.fromString("private\n"));
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    java.nio.file.Files.write(TABLE, TABLE_LINES);
    Closeables.closeAll(direct, throughGateway, backendS3, boto, gateway, backend);
  }

  @Test
  void variantTable_coversTheIssuesList_atLeastFortyVariants() {
    List<String> names = TransparencyVariants.all(boto).stream().map(TransparencyVariant::name).toList();
    assertThat(names).hasSizeGreaterThanOrEqualTo(MIN_VARIANTS).doesNotHaveDuplicates();
  }

  @TestFactory
  Stream<DynamicTest> variant_directAndThroughGateway_sameAnswerAndSameStoredObject() {
    return TransparencyVariants.all(boto).stream()
        .map(variant -> DynamicTest.dynamicTest(variant.name(), () -> compare(variant)));
  }

  private static void compare(TransparencyVariant variant) throws Exception {
    String directBucket = direct.bucket(variant.bucket());
    String gatewayBucket = throughGateway.bucket(variant.bucket());
    variant.prepare().run(backendS3, directBucket, variant.key());
    TransparencyVariant.Outcome straight = variant.sender().send(direct);
    variant.prepare().run(backendS3, gatewayBucket, variant.key());
    TransparencyVariant.Outcome proxied = variant.sender().send(throughGateway);
    String storedStraight = stored(directBucket, variant.key());
    String storedProxied = stored(gatewayBucket, variant.key());
    String report = "variant: " + variant.name()
        + "\n  direct:  " + straight
        + "\n  gateway: " + proxied
        + "\n  stored directly:            " + storedStraight
        + "\n  stored through the gateway: " + storedProxied;
    boolean same = proxied.sameAs(straight) && storedProxied.equals(storedStraight);
    TABLE_LINES.add((same ? "same     " : "DIFFERS  ") + variant.name() + " | " + straight.status() + " "
        + straight.code() + " | " + storedStraight + (same ? "" : " | gateway: " + proxied.status() + " "
        + proxied.code() + " | " + storedProxied));
    assertThat(same).as(report).isTrue();
  }

  /**
   * Not in the table (see TransparencyVariants): a body that ends before its Content-Length is the
   * client's error, 400 both ways, and not a backend failure. The gateway used to answer 503
   * ServiceUnavailable (which clients retry) and count an error against the backend.
   */
  @Test
  void bodyShorterThanContentLength_throughGateway_answers400IncompleteBodyAndBlamesNoBackend() throws Exception {
    RawRequest request = RawRequest.put("short-body").v4().body("bar").contentLength(10).halfClose();
    long backendErrorsBefore = backendErrors();

    RawHttp.Response straight = request.send(direct);
    RawHttp.Response proxied = request.send(throughGateway);

    assertThat(straight.status()).as("s3proxy: %s", straight).isEqualTo(400);
    assertThat(proxied.status()).as("gateway: %s", proxied).isEqualTo(400);
    assertThat(proxied.bodyText()).contains("<Code>IncompleteBody</Code>");
    assertThat(stored(throughGateway.bucket(request.bucketKind()), "short-body")).isEqualTo("absent");
    assertThat(backendErrors()).isEqualTo(backendErrorsBefore);
  }

  /** {@code s3gate_backend_responses_total{class="error"}}: backend exchanges that got no answer. */
  private static long backendErrors() throws Exception {
    java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.url() + "/_s3gate/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    return metrics.body().lines()
        .filter(line -> line.startsWith("s3gate_backend_responses_total{") && line.contains("class=\"error\""))
        .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
  }

  /** The object as the backend holds it: body, Content-Type and user metadata, or "absent". */
  private static String stored(String bucket, String key) {
    if (key == null) {
      return "(no object)";
    }
    try {
      ResponseBytes<GetObjectResponse> got = backendS3.getObjectAsBytes(b -> b.bucket(bucket).key(key));
      byte[] body = got.asByteArray();
      String shown = body.length <= 64 ? "\"" + got.asUtf8String().replace("\n", "\\n") + "\""
          : body.length + " bytes sha256=" + S3Signing.sha256Hex(body);
      return "body=" + shown + " Content-Type=" + got.response().contentType() + " metadata="
          + new TreeMap<>(got.response().metadata());
    } catch (NoSuchKeyException e) {
      return "absent";
    }
  }
}
