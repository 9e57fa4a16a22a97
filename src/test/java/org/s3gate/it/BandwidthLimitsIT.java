package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Bandwidth per key ({@code bandwidth_per_minute.map}, issue 16) end to end: real Jetty + WAR in a
 * 128 MiB heap, s3proxy checking signatures, the AWS SDK v2, and JMX to read the byte windows
 * and reload the budgets changed on disk between phases (they apply from the next request). One gateway,
 * phases in order; the only wait is one bounded sleep of the Retry-After an upload refusal names
 * (at most 63 s), which proves that value.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BandwidthLimitsIT {
  private static final String KEY = S3Backend.ACCESS_KEY; // group premium
  private static final int MIB = 1 << 20;
  private static final Pattern BYTES_OUT = Pattern.compile("bytes_out_per_minute=(\\d+)");
  private static final Pattern BYTES_IN = Pattern.compile("bytes_in_per_minute=(\\d+)");

  private static java.nio.file.Path store;
  private static S3Backend backend;
  private static Gateway gateway;
  private static JMXConnector connector;
  private static MBeanServerConnection mbeans;

  @BeforeAll
  static void start() throws Exception {
    store = Files.createTempDirectory("s3gate-bandwidth-it-");
    backend = S3Backend.startOnDisk("bandwidth-it-backend", store); // 1 GiB does not fit s3proxy's heap
    gateway = Gateway.builder("bandwidth-it-gateway", backend.url()).heap("128m")
        .appendConf("bandwidth_per_minute.map", "premium:in 10M")
        .setting("access.log.format", "key=$key method=$method path=$path status=$status bytes_out=$bytes_out"
            + " bytes_read=$bytes_read rule=$rule")
        .start();
    connector = JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl()), gateway.jmxEnvironment());
    mbeans = connector.getMBeanServerConnection();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(connector, gateway, backend);
    if (store != null) {
      try (java.util.stream.Stream<java.nio.file.Path> files = Files.walk(store)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  @Test
  @Order(1)
  void upload_secondOneOverTheInBudget_refusedBeforeItsBodyIsSent_thenPassesOnceTheWindowAllows() throws Exception {
    byte[] sixMiB = new byte[6 * MIB];
    Arrays.fill(sixMiB, (byte) 'x');
    try (S3Client s3 = S3Clients.noRetries(gateway.url())) {
      s3.createBucket(b -> b.bucket("bandwidth"));
      s3.putObject(b -> b.bucket("bandwidth").key("six"), RequestBody.fromBytes(sixMiB));
      assertThat(show()).contains("key=" + KEY + " ").containsPattern("bytes_in_per_minute=" + 6 * MIB + " ");

      // the second: the gateway answers the head; not one body byte was written
      String retryAfter;
      try (Socket socket = new Socket("127.0.0.1", gateway.httpPort)) {
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write(("PUT /bandwidth/second HTTP/1.1\r\nHost: 127.0.0.1:" + gateway.httpPort + "\r\n"
            + "Authorization: " + RateLimitIT.sigV4Header(KEY) + "\r\n"
            + "Content-Length: " + 6 * MIB + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        assertThat(readLine(in)).as("the first thing the client hears, with no body sent")
            .isEqualTo("HTTP/1.1 429 Too Many Requests");
        String head = readHead(in);
        assertThat(head).containsIgnoringCase("X-RateLimit-Rule: bytes_in")
            .containsIgnoringCase("X-RateLimit-Bytes-In-Limit-Per-Minute: " + 10 * MIB)
            .containsIgnoringCase("X-RateLimit-Bytes-In-Current-Per-Minute: " + 6 * MIB);
        Matcher m = Pattern.compile("(?im)^Retry-After: (\\d+)").matcher(head);
        assertThat(m.find()).isTrue();
        retryAfter = m.group(1);
      }
      long seconds = Long.parseLong(retryAfter);
      assertThat(seconds).isBetween(1L, 63L);
      assertThat(show()).containsPattern("bytes_in_per_minute=" + 6 * MIB + " "); // the refusal charged nothing
      String refusedLine = "method=PUT path=/bandwidth/second status=429 bytes_out=\\d+ bytes_read=- rule=bytes_in";
      assertThat(gateway.accessLogOnceItContains(refusedLine)).containsPattern(refusedLine);

      // the SDK's own attempt is refused the same way, with the message naming the budget
      S3Exception refused = null;
      try {
        s3.putObject(b -> b.bucket("bandwidth").key("second"), RequestBody.fromBytes(sixMiB));
      } catch (S3Exception e) {
        refused = e;
      }
      assertThat(refused).isNotNull();
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.awsErrorDetails().errorMessage()).endsWith("(10 MiB/minute of request bodies per API key)");

      Thread.sleep(Duration.ofSeconds(seconds).toMillis() + 200);
      s3.putObject(b -> b.bucket("bandwidth").key("second"), RequestBody.fromBytes(sixMiB));
      assertThat(s3.headObject(b -> b.bucket("bandwidth").key("second")).contentLength()).isEqualTo(6L * MIB);
    }
  }

  @Test
  @Order(2)
  void download_overTheOutBudget_isChargedItsLength_andTheNextGetIsRefused() throws Exception {
    writeBandwidth("premium:in 1G");
    assertThat(inForce("premium:in")).isEqualTo(Long.toString(1L << 30));
    try (S3Client s3 = S3Clients.noRetries(gateway.url())) {
      writeBandwidth("premium:in 1G\npremium:out 10M");
      assertThat(inForce("premium:out")).isEqualTo(Long.toString(10L * MIB));
      clearKey();

      // 6 MiB, then 6 more (admitted while 4 MiB were left: it may overshoot by its own response)
      assertThat(s3.getObjectAsBytes(b -> b.bucket("bandwidth").key("six")).asByteArray()).hasSize(6 * MIB);
      assertThat(s3.getObjectAsBytes(b -> b.bucket("bandwidth").key("second")).asByteArray()).hasSize(6 * MIB);
      assertThat(awaitBytesOut(12L * MIB)).isEqualTo(12L * MIB);
      S3Exception refused = null;
      try {
        s3.getObjectAsBytes(b -> b.bucket("bandwidth").key("six"));
      } catch (S3Exception e) {
        refused = e;
      }
      assertThat(refused).as("the next GET over the out budget").isNotNull();
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.awsErrorDetails().errorCode()).isEqualTo("SlowDown");
      assertThat(refused.awsErrorDetails().errorMessage()).endsWith("(10 MiB/minute of response bodies per API key)");
      assertThat(refused.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("X-RateLimit-Rule"))
          .hasValue("bytes_out");
      assertThat(Long.parseLong(refused.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("Retry-After")
          .orElseThrow())).isBetween(1L, 63L);

      // Not here: a download whose client resets mid-body. Its exchange was not reported within 80 s
      // (so neither reconciled nor out of flight) in this gateway; see BandwidthAdmissionTest for
      // the reconciliation of an aborted download, and the issue note for the finding.
    }
  }

  @Test
  @Order(3)
  void streamedUpload1GiB_underALargeBudget_passesThroughA128MiBHeap() throws Exception {
    writeBandwidth("premium\\:in 2G"); // the escaped form means the same
    assertThat(inForce("premium:in")).isEqualTo(Long.toString(2L << 30));
    assertThat(inForce("premium:out")).isNull();
    clearKey();
    long size = 1L << 30;
    try (S3Client s3 = S3Clients.client(gateway.url())) {
      s3.putObject(b -> b.bucket("bandwidth").key("gib"), RequestBody.fromContentProvider(
          () -> new LargeObjectIT.PseudoRandomStream(size, 7), size, "application/octet-stream"));
      assertThat(s3.headObject(b -> b.bucket("bandwidth").key("gib")).contentLength()).isEqualTo(size);
    }
    Matcher m = BYTES_IN.matcher(show());
    assertThat(m.find()).isTrue();
    assertThat(Long.parseLong(m.group(1))).isEqualTo(size);
  }

  private static String show() throws Exception {
    return (String) mbeans.invoke(new ObjectName("s3gate:type=Table,name=api_keys"), "show", new Object[0],
        new String[0]);
  }

  private static void clearKey() throws Exception {
    mbeans.invoke(new ObjectName("s3gate:type=Table,name=api_keys"), "clearKey", new Object[] {KEY},
        new String[] {String.class.getName()});
  }

  /**
   * Replaces bandwidth_per_minute.map and reloads at once over JMX ({@code reloadAll}): map edits
   * over JMX refuse keys with ':' (as for GROUP:write), so operators edit this file on disk.
   */
  private static void writeBandwidth(String text) throws Exception {
    Files.writeString(gateway.confDir.resolve("bandwidth_per_minute.map"), text + "\n");
    String result = (String) mbeans.invoke(new ObjectName("s3gate:type=Gateway"), "reloadAll", new Object[0],
        new String[0]);
    // UNCHANGED: the background trigger may have published the edit first; get proves it is in force
    assertThat(result).matches("(?s)(PUBLISHED|UNCHANGED) version.*");
  }

  private static String inForce(String key) throws Exception {
    return (String) mbeans.invoke(new ObjectName("s3gate:type=Map,name=bandwidth_per_minute"), "get",
        new Object[] {key}, new String[] {String.class.getName()});
  }

  /** The key's out bytes once the completed downloads are reconciled (a request is reported as it completes). */
  private static long awaitBytesOut(long expected) throws Exception {
    long value = -1;
    for (int i = 0; i < 100 && value != expected; i++) {
      Matcher m = BYTES_OUT.matcher(show());
      value = m.find() ? Long.parseLong(m.group(1)) : -1;
      if (value != expected) {
        Thread.sleep(100);
      }
    }
    return value;
  }

  private static String readHead(InputStream in) throws Exception {
    StringBuilder head = new StringBuilder();
    for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
      head.append(line).append('\n');
    }
    return head.toString();
  }

  private static String readLine(InputStream in) throws Exception {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }
}
