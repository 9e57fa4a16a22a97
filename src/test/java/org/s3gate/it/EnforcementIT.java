package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.management.JMX;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.s3gate.management.ObjectNames;
import org.s3gate.management.TableMXBean;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * Issue 15 part B against the real stack (Jetty + WAR + s3proxy with signatures on, and a
 * recording backend to see what a backend receives), acting as several clients by binding to
 * 127.0.0.2 and up:
 * <ul>
 *   <li>{@code allowlist.lst}: a listed address is never limited per IP; an edit applies within
 *       2 s; a bad line keeps the old list and is reported with file and line;
 *   <li>{@code mode=shadow}: nothing is denied, every would-be denial is counted by rule and
 *       logged; switching to enforce applies on the next request;
 *   <li>{@code inform.backend}: the {@code X-RateLimit-Bucket} the backend receives, and a
 *       client's own copy removed (with the setting on and off);
 *   <li>connection-rate rejection at accept on the HTTP and the HTTPS connector (no TLS byte is
 *       ever sent back), another address unaffected, the limit changed hot.
 * </ul>
 */
class EnforcementIT {
  private static final String BUCKET = "public";
  private static final int ANONYMOUS_PER_MINUTE = 3;
  private static final String KEY = "FQ4IU19ZFZ3470XJ7GBF"; // basic in the shipped maps
  private static final int KEY_PER_MINUTE = 4;
  private static final String OTHER_KEY = "VSLP8GUZ6SPYILLLGHJ0"; // standard in the shipped maps

  private static S3Backend backend;
  private static RecordingBackend recording;
  private static Gateway gateway;
  private static Gateway shadow;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("enforcement-it-backend");
    recording = new RecordingBackend();
    gateway = Gateway.builder("enforcement-it-gateway", backend.url())
        .setting("anonymous.group", "public")
        .setting("ip.window", "60s")
        .setting("inform.backend", "true") // s3proxy checks signatures: the added header must not break them
        .appendConf("rate_limits_per_minute.map", "public " + ANONYMOUS_PER_MINUTE)
        .appendConf("rate_limits_per_second.map", "public 1000")
        // 127.0.0.1 (metrics scrapes) stays listed throughout, so the connection-rate test cannot lock it out
        .editConf("allowlist.lst", text -> text + "127.0.0.1\n127.0.0.2\n")
        .start();
    shadow = Gateway.builder("enforcement-it-shadow", recording.url())
        .setting("mode", "shadow")
        .setting("inform.backend", "true")
        .editConf("rate_limits_per_minute.map", text -> text.replace("basic 100", "basic " + KEY_PER_MINUTE))
        .start();
    try (S3Client direct = S3Clients.client(backend.url())) {
      direct.createBucket(b -> b.bucket(BUCKET).acl("public-read"));
      direct.putObject(b -> b.bucket(BUCKET).key("readme").acl(ObjectCannedACL.PUBLIC_READ),
          RequestBody.fromString("hello"));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, shadow, recording, backend);
  }

  private static RawHttp.Response get(Gateway to, String from, String target, String... headers) throws IOException {
    List<String> head = new ArrayList<>(List.of("GET " + target + " HTTP/1.1", "Host: 127.0.0.1:" + to.httpPort));
    head.addAll(List.of(headers));
    return RawHttp.exchange(from, "127.0.0.1", to.httpPort, head, new byte[0], false);
  }

  /** A request under {@link #KEY}, as SigV4 names it (the recording backend checks no signature). */
  private static RawHttp.Response signed(String... headers) throws IOException {
    return signedAs(KEY, headers);
  }

  private static RawHttp.Response signedAs(String key, String... headers) throws IOException {
    List<String> all = new ArrayList<>(List.of("Authorization: AWS4-HMAC-SHA256 Credential=" + key
        + "/20150830/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc"));
    all.addAll(List.of(headers));
    return get(shadow, "127.0.0.1", "/bucket/object", all.toArray(String[]::new));
  }

  private static String metrics(Gateway of) throws IOException {
    return get(of, "127.0.0.1", "/_s3gate/metrics").bodyText();
  }

  private static int statusOfRead(String from) throws IOException {
    return get(gateway, from, "/" + BUCKET + "/readme").status();
  }

  /** Polls (bounded by {@code millis}) until {@code check} holds; returns whether it did. */
  private static boolean within(long millis, IoCheck check) throws Exception {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    while (true) {
      if (check.holds()) {
        return true;
      }
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(50);
    }
  }

  @FunctionalInterface
  interface IoCheck {
    boolean holds() throws Exception;
  }

  @Test
  void allowlist_listedAddressNeverLimitedPerIp_editAppliesWithin2s_badLineKeepsTheOldList() throws Exception {
    for (int i = 0; i < ANONYMOUS_PER_MINUTE * 3; i++) {
      assertThat(statusOfRead("127.0.0.2")).as("listed 127.0.0.2, read %d", i).isEqualTo(200);
    }
    for (int i = 0; i < ANONYMOUS_PER_MINUTE; i++) {
      assertThat(statusOfRead("127.0.0.3")).isEqualTo(200);
    }
    assertThat(statusOfRead("127.0.0.3")).as("unlisted 127.0.0.3 over its address budget").isEqualTo(429);

    Path allowlist = gateway.confDir.resolve("allowlist.lst");
    Files.writeString(allowlist, "# now the other one\n127.0.0.1\n127.0.0.3/32\n");
    assertThat(within(2_000, () -> statusOfRead("127.0.0.3") == 200)).as("the edit applies within 2 s").isTrue();
    assertThat(statusOfRead("127.0.0.2")).as("127.0.0.2 is no longer listed; its budget was never charged")
        .isEqualTo(200);

    Files.writeString(allowlist, "127.0.0.1\n127.0.0.2\nbogus-line\n");
    assertThat(within(10_000, () -> gateway.output().contains("allowlist.lst:3: entry 'bogus-line'")))
        .as("the bad line is reported with file and line:\n%s", gateway.logTail()).isTrue();
    assertThat(ObservabilityIT.value(metrics(gateway), "s3gate_config_last_reload_errors", "")).isEqualTo(1);
    for (int i = 0; i < ANONYMOUS_PER_MINUTE; i++) {
      assertThat(statusOfRead("127.0.0.3")).as("the old list stays in force: 127.0.0.3 listed").isEqualTo(200);
    }
    for (int i = 0; i < ANONYMOUS_PER_MINUTE - 1; i++) {
      statusOfRead("127.0.0.2");
    }
    assertThat(statusOfRead("127.0.0.2")).as("the old list stays in force: 127.0.0.2 not listed").isEqualTo(429);
    Files.writeString(allowlist, "127.0.0.1\n127.0.0.2\n"); // valid again, for the other tests
    assertThat(within(10_000, () -> statusOfRead("127.0.0.2") == 200)).isTrue();
  }

  @Test
  void shadowMode_neverDenies_countsEveryWouldBeDenial_enforceAppliesOnTheNextRequest() throws Exception {
    int sent = KEY_PER_MINUTE + 6;
    for (int i = 0; i < sent; i++) {
      assertThat(signed().status()).as("shadow request %d", i).isEqualTo(200);
    }
    String metrics = metrics(shadow);
    assertThat(ObservabilityIT.value(metrics, "s3gate_shadow_denials_total", "rule=\"key_minute\""))
        .isEqualTo(sent - KEY_PER_MINUTE);
    assertThat(ObservabilityIT.value(metrics, "s3gate_shadow_denials_total", "rule=\"key_second\"")).isEqualTo(0);
    assertThat(ObservabilityIT.value(metrics, "s3gate_requests_total", "decision=\"admitted\",group=\"basic\""))
        .isEqualTo(sent);
    assertThat(within(5_000, () -> shadow.accessLog().split("shadow=key_minute", -1).length - 1 == sent - KEY_PER_MINUTE))
        .as("each would-be denial is in the access log:\n%s", shadow.accessLog()).isTrue();

    double version = ObservabilityIT.value(metrics, "s3gate_config_version", "");
    Gateway.setSetting(shadow.confDir.resolve("gateway.properties"), "mode", "enforce");
    Gateway.setSetting(shadow.confDir.resolve("gateway.properties"), "inform.backend", "false");
    assertThat(within(10_000, () -> ObservabilityIT.value(metrics(shadow), "s3gate_config_version", "") > version))
        .isTrue();
    RawHttp.Response next = signed();
    assertThat(next.status()).as("the first request after the switch: %s", next).isEqualTo(429);
    assertThat(next.bodyText()).contains("<Code>SlowDown</Code>");

    // inform.backend=false now: a client's own X-RateLimit-Bucket is still removed
    recording.clear();
    assertThat(get(shadow, "127.0.0.1", "/bucket/anonymous", "X-RateLimit-Bucket: 1.2.3.4,0,victim,premium,0")
        .status()).isEqualTo(200);
    assertThat(recording.recorded()).hasSize(1);
    assertThat(recording.recorded().get(0).headers("X-RateLimit-Bucket")).isEmpty();
    Gateway.setSetting(shadow.confDir.resolve("gateway.properties"), "mode", "shadow");
    Gateway.setSetting(shadow.confDir.resolve("gateway.properties"), "inform.backend", "true");
  }

  @Test
  void informBackend_forwardedRequestCarriesTheBucket_clientCopyRemoved() throws Exception {
    assertThat(within(10_000, () -> {
      recording.clear();
      return signedAs(OTHER_KEY, "X-RateLimit-Bucket: 6.6.6.6,0,victim,premium,0").status() == 200
          && recording.recorded().size() == 1 && !recording.recorded().get(0).headers("X-RateLimit-Bucket").isEmpty();
    })).as("inform.backend on (this test may run after the shadow test switched it back)").isTrue();
    List<String> values = recording.recorded().get(0).headers("X-RateLimit-Bucket").stream()
        .map(line -> line.substring(line.indexOf(':') + 1).trim()).toList();
    assertThat(values).hasSize(1);
    String[] fields = values.get(0).split(",", -1);
    assertThat(fields).hasSize(5);
    assertThat(fields[0]).isEqualTo("127.0.0.1");
    assertThat(fields[1]).matches("\\d+");
    assertThat(fields[2]).isEqualTo(OTHER_KEY);
    assertThat(fields[3]).isEqualTo("standard");
    assertThat(Integer.parseInt(fields[4])).isGreaterThanOrEqualTo(1);
  }

  @Test
  void informBackend_signatureCheckingBackend_stillVerifiesSigV4WithTheAddedHeader() throws Exception {
    try (S3Client client = S3Clients.client(gateway.url())) {
      client.putObject(b -> b.bucket(BUCKET).key("informed"), RequestBody.fromString("bucket header"));
      assertThat(client.getObjectAsBytes(b -> b.bucket(BUCKET).key("informed")).asUtf8String())
          .isEqualTo("bucket header");
    }
  }

  /**
   * Opens a connection from {@code from} and says what came back: "open" when the server answered
   * (or, for TLS, kept the connection open waiting for a ClientHello, i.e. sent nothing and did not
   * close), "closed" when it closed the connection without sending a single byte.
   */
  private static String connect(String from, int port, boolean tls) throws IOException {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(tls ? 1_500 : 5_000);
      try {
        if (!tls) {
          socket.getOutputStream().write(("GET /_s3gate/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
        }
        InputStream in = socket.getInputStream();
        int first = in.read();
        return first < 0 ? "closed" : "open";
      } catch (java.net.SocketTimeoutException waiting) {
        return tls ? "open" : "timeout"; // TLS: the server waits for our ClientHello; no byte, no close
      } catch (SocketException reset) {
        return "closed";
      }
    }
  }

  @Test
  void connectionRate_overTheLimit_closedAtAccept_onHttpAndHttps_otherAddressUnaffected_hotLimit() throws Exception {
    assertThat(connect("127.0.0.4", gateway.httpPort, false)).isEqualTo("open");
    Gateway.setSetting(gateway.confDir.resolve("gateway.properties"), "ip.limit.connections", "3");
    // hot: poll until the fourth connection from a fresh address is refused
    assertThat(within(10_000, () -> {
      for (int i = 0; i < 3; i++) {
        connect("127.0.0.5", gateway.httpPort, false);
      }
      return connect("127.0.0.5", gateway.httpPort, false).equals("closed");
    })).as("ip.limit.connections=3 applies without a restart").isTrue();

    List<String> http = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      http.add(connect("127.0.0.6", gateway.httpPort, false));
    }
    assertThat(http).containsExactly("open", "open", "open", "closed", "closed", "closed");
    List<String> https = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      https.add(connect("127.0.0.7", gateway.httpsPort, true));
    }
    assertThat(https).as("over the limit, no TLS byte (no ServerHello) and a close")
        .containsExactly("open", "open", "open", "closed", "closed");
    assertThat(connect("127.0.0.8", gateway.httpPort, false)).as("another address").isEqualTo("open");
    // an operator's clear of one address (clear-table --table client_ips IP) reaches the counts at
    // accept too; then a clear of the whole table (JMX here: quicker than the CLI's JVM start, so
    // all of it runs well within the 10 s window of the connections above)
    try (JMXConnector jmx = JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl()), gateway.jmxEnvironment())) {
      TableMXBean clientIps = JMX.newMXBeanProxy(jmx.getMBeanServerConnection(),
          ObjectNames.of(ObjectNames.table(ObjectNames.CLIENT_IPS)), TableMXBean.class);
      clientIps.clearKey("127.0.0.6");
      assertThat(connect("127.0.0.6", gateway.httpPort, false)).as("127.0.0.6 after clearKey").isEqualTo("open");
      assertThat(connect("127.0.0.7", gateway.httpPort, false)).as("127.0.0.7, not cleared").isEqualTo("closed");
      clientIps.clear();
    }
    assertThat(connect("127.0.0.7", gateway.httpPort, false)).as("127.0.0.7 after clearing the table").isEqualTo("open");
    for (int i = 0; i < 5; i++) {
      assertThat(connect("127.0.0.2", gateway.httpPort, false)).as("the allow-listed address").isEqualTo("open");
    }
    assertThat(ObservabilityIT.value(metrics(gateway), "s3gate_connections_rejected_total", ""))
        .isGreaterThanOrEqualTo(6);

    Gateway.setSetting(gateway.confDir.resolve("gateway.properties"), "ip.limit.connections", "0");
    assertThat(within(10_000, () -> {
      for (int i = 0; i < 4; i++) { // one more than the old limit of 3
        if (!connect("127.0.0.9", gateway.httpPort, false).equals("open")) {
          return false;
        }
      }
      return true;
    })).as("0 switches the rule off").isTrue();
  }
}
