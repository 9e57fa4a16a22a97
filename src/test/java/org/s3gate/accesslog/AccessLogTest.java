package org.s3gate.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.s3gate.policy.AccessLogFormat;

class AccessLogTest {
  private static final AccessLogFormat ALL = AccessLogFormat.parse("$time $client $method $path $protocol $status "
      + "$bytes_in $bytes_out $duration_ms $key $group $auth $decision $backend $request_id $user_agent");

  private static String line(AccessRecord record) {
    StringBuilder out = new StringBuilder();
    AccessLineFormatter.format(record, out);
    return out.toString();
  }

  @Test
  void format_everyField_writesOneSpaceSeparatedValueEach() {
    AccessRecord record = new AccessRecord(ALL, 1_700_000_000_123L, "10.0.0.7", "PUT", "/bucket/a%2Fb", "HTTP/1.1",
        200, 1024, 17, 12_345_678L, "5HQZO7EDOM4XBNO642GQ", "premium", "v4_header", "admitted",
        "http://127.0.0.1:9000", "ABC123", "aws-sdk-java/2 \"x\"");

    assertThat(line(record)).isEqualTo("2023-11-14T22:13:20.123Z 10.0.0.7 PUT /bucket/a%2Fb HTTP/1.1 200 1024 17 "
        + "12.345 5HQZO7EDOM4XBNO642GQ premium v4_header admitted http://127.0.0.1:9000 ABC123 "
        + "aws-sdk-java/2\\x20\\x22x\\x22");
  }

  @Test
  void format_ruleAndBytesRead_ofABandwidthDenialAndOfAnAdmittedUpload() {
    AccessLogFormat format = AccessLogFormat.parse("decision=$decision rule=$rule read=$bytes_read");
    AccessRecord denied = new AccessRecord(format, 0, "::1", "PUT", "/b/k", "HTTP/1.1", 429, 6291456, 280, 5_000L,
        "K", "basic", "v4_header", "denied_per_minute", null, null, null, null, "bytes_in", -1);
    AccessRecord admitted = new AccessRecord(format, 0, "::1", "PUT", "/b/k", "HTTP/1.1", 200, 6291456, 0, 5_000L,
        "K", "basic", "v4_header", "admitted", null, null, null, null, null, 6291456);

    assertThat(line(denied)).isEqualTo("decision=denied_per_minute rule=bytes_in read=-");
    assertThat(line(admitted)).isEqualTo("decision=admitted rule=- read=6291456");
  }

  @Test
  void format_bucket_ofARequestCountedAgainstABucketLimit_andDashWithout() {
    AccessLogFormat format = AccessLogFormat.parse("rule=$rule bucket=$bucket");
    AccessRecord counted = new AccessRecord(format, 0, "::1", "GET", "/hot/k", "HTTP/1.1", 429, 0, 280, 5_000L,
        "K", "basic", "v4_header", "denied_per_second", null, null, null, null, "bucket_second", -1, "hot");
    AccessRecord uncounted = new AccessRecord(format, 0, "::1", "GET", "/cold/k", "HTTP/1.1", 200, 0, 0, 5_000L,
        "K", "basic", "v4_header", "admitted", null, null, null, null, null, 0);

    assertThat(line(counted)).isEqualTo("rule=bucket_second bucket=hot");
    assertThat(line(uncounted)).isEqualTo("rule=- bucket=-");
  }

  @Test
  void format_missingValues_areDashes() {
    AccessRecord record = new AccessRecord(AccessLogFormat.parse("in=$bytes_in key=$key backend=$backend ms=$duration_ms"),
        0, "::1", "GET", "/", "HTTP/1.1", 503, -1, 0, 5_000L, null, "", null, "exempt", null, null, null);

    assertThat(line(record)).isEqualTo("in=- key=- backend=- ms=0.005");
  }

  @Test
  void submit_queueFull_dropsAndCountsWithoutBlocking() throws Exception {
    try (AccessLog log = new AccessLog(1, null)) {
      AccessRecord record = new AccessRecord(AccessLogFormat.parse("$key"), 0, null, null, null, null, 200, 0, 0, 0,
          "K", null, null, null, null, null, null);
      for (int i = 0; i < 10_000; i++) {
        log.submit(record);
      }
      assertThat(log.dropped()).isPositive();
    }
  }

  @Test
  void fileSink_records_areAppendedWithTimePrefixInOrder(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("logs/access.log");
    java.nio.file.Files.createDirectories(file.getParent());
    java.nio.file.Files.writeString(file, "earlier line\n");
    try (AccessLog log = new AccessLog(100, file)) {
      for (int i = 0; i < 3; i++) {
        log.submit(new AccessRecord(AccessLogFormat.parse("key=$key status=$status"), 1_700_000_000_000L + i, null,
            null, null, null, 200 + i, 0, 0, 0, "K" + i, null, null, null, null, null, null));
      }
    }
    assertThat(java.nio.file.Files.readAllLines(file)).containsExactly(
        "earlier line",
        "2023-11-14T22:13:20Z key=K0 status=200",
        "2023-11-14T22:13:20.001Z key=K1 status=201",
        "2023-11-14T22:13:20.002Z key=K2 status=202");
  }

  @Test
  void fileSink_nonAsciiAndEscapedValues_areUtf8AndOneFieldEach(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("access.log");
    try (AccessLog log = new AccessLog(100, file)) {
      for (String agent : new String[] {"caf\u00e9 \u00fcber", "plain", "\"q\""}) {
        log.submit(new AccessRecord(AccessLogFormat.parse("$time ua=$user_agent"), 1_700_000_000_005L, null,
            null, null, null, 200, 0, 0, 0, null, null, null, null, null, null, agent));
      }
    }
    assertThat(java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8)).containsExactly(
        "2023-11-14T22:13:20.005Z 2023-11-14T22:13:20.005Z ua=caf\u00e9\\x20\u00fcber",
        "2023-11-14T22:13:20.005Z 2023-11-14T22:13:20.005Z ua=plain",
        "2023-11-14T22:13:20.005Z 2023-11-14T22:13:20.005Z ua=\\x22q\\x22");
  }
}
