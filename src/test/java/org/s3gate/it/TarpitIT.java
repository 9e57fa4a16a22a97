package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.s3gate.limit.ClientIpTable;

import software.amazon.awssdk.services.s3.S3Client;

/**
 * The tarpit against the real stack (Jetty + WAR + s3proxy with signature checking on): an
 * abusive client (127.0.0.2) over both tarpit thresholds has {@value #MAX_HELD} requests held at
 * once while a normal client (127.0.0.1) is served; the server's thread count stays flat (no
 * thread per held request); the one beyond {@code tarpit.max} is answered at once, before any held
 * one; every held one is answered 429 SlowDown with its connection closed once {@code tarpit.delay}
 * is over.
 *
 * <p>{@code tarpit.delay} is {@value #DELAY_SECONDS} s: long enough that opening the held
 * connections and the checks made while they are held finish before it is over on a busy machine,
 * so the order of answers checked here does not depend on timing. Nothing here asserts a latency.
 */
class TarpitIT {
  private static final String BUCKET = "tarpit";
  private static final int MAX_HELD = 500;
  private static final int DELAY_SECONDS = 15;

  private static S3Backend backend;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("tarpit-it-backend");
    gateway = Gateway.builder("tarpit-it-gateway", backend.url())
        .setting("ip.window", "60s") // the abuser stays over its thresholds for the whole test
        .setting("ip.tarpit.requests", "1")
        .setting("ip.tarpit.errors", "1")
        .setting("tarpit.delay", DELAY_SECONDS + "s")
        .setting("tarpit.max", String.valueOf(MAX_HELD))
        .start();
    try (S3Client direct = S3Clients.client(backend.url())) {
      direct.createBucket(b -> b.bucket(BUCKET));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  private static List<String> forgedRequest() {
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
    return List.of("GET /" + BUCKET + "/ HTTP/1.1", "Host: 127.0.0.1:" + gateway.httpPort, "Date: " + date,
        "Authorization: AWS " + S3Backend.ACCESS_KEY + ":Zm9yZ2VkZm9yZ2VkZm9yZ2VkZm9yZ2U=");
  }

  /** Opens a connection from 127.0.0.2 and sends one request on it, without reading the answer. */
  private static Socket send(List<String> head) throws Exception {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
    socket.connect(new InetSocketAddress("127.0.0.1", gateway.httpPort), 5_000);
    socket.setSoTimeout((DELAY_SECONDS + 30) * 1000);
    socket.getOutputStream().write((String.join("\r\n", head) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
    return socket;
  }

  /** Reads what the server sends until it closes the connection (the tarpit's answer closes it). */
  private static String readToClose(Socket socket) throws Exception {
    InputStream in = socket.getInputStream();
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  private static int threadCount(MBeanServerConnection jmx) throws Exception {
    return (Integer) jmx.getAttribute(new ObjectName("java.lang:type=Threading"), "ThreadCount");
  }

  /** Jetty's thread pool (server and proxy client share it): {threads now, maxThreads}. */
  private static int[] pool(MBeanServerConnection jmx) throws Exception {
    ObjectName name = jmx.queryNames(new ObjectName("org.eclipse.jetty.util.thread:type=queuedthreadpool,*"), null)
        .iterator().next();
    return new int[] {(Integer) jmx.getAttribute(name, "threads"), (Integer) jmx.getAttribute(name, "maxThreads")};
  }

  @Test
  void abusiveIp_heldWithoutThreads_othersServed_overflowAnsweredAtOnce_heldAnsweredAfterTheDelay() throws Exception {
    for (int i = 0; i < 2; i++) { // two forged requests: 2 errors and 2 requests, both over 1
      RawHttp.Response refused = RawHttp.exchange("127.0.0.2", "127.0.0.1", gateway.httpPort, forgedRequest(),
          new byte[0], false);
      assertThat(refused.status()).as("forged request %d reaches the backend", i).isEqualTo(403);
    }
    List<Socket> held = new ArrayList<>();
    try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl()),
        gateway.jmxEnvironment())) {
      MBeanServerConnection jmx = connector.getMBeanServerConnection();
      try (S3Client normal = S3Clients.noRetries(gateway.url())) {
        normal.listObjectsV2(b -> b.bucket(BUCKET)); // warms the pools the normal client uses
        int threadsBefore = threadCount(jmx);
        int poolBefore = pool(jmx)[0];

        for (int i = 0; i < MAX_HELD; i++) {
          held.add(send(forgedRequest()));
        }
        assertThat(normal.listObjectsV2(b -> b.bucket(BUCKET)).sdkHttpResponse().statusCode())
            .as("the normal client is served while the abuser's requests are held").isEqualTo(200);
        String metrics = ObservabilityIT.scrape(gateway);
        int threadsHeld = threadCount(jmx);
        int[] poolHeld = pool(jmx);

        RawHttp.Response overflow = RawHttp.exchange("127.0.0.2", "127.0.0.1", gateway.httpPort, forgedRequest(),
            new byte[0], false);
        assertThat(overflow.status()).as("beyond tarpit.max: answered at once").isEqualTo(429);
        assertThat(overflow.header("Connection")).isEqualTo("close");
        assertThat(overflow.bodyText()).contains("<Code>SlowDown</Code>", "per client IP: tarpit");
        for (Socket socket : held) {
          assertThat(socket.getInputStream().available()).as("no held request is answered before the overflow")
              .isZero();
        }
        assertThat(ObservabilityIT.value(metrics, "s3gate_tarpit_held", "")).isEqualTo(MAX_HELD);
        // No thread per held request: threads outside Jetty's pool stay as they were (the tarpit's one
        // timer thread is started by its first hold), and the pool, which a burst of 500 connections may
        // grow, never goes past its fixed maximum; so the JVM's count is bounded whatever the number held.
        assertThat((threadsHeld - poolHeld[0]) - (threadsBefore - poolBefore))
            .as("threads outside the pool: %d before, %d with %d held", threadsBefore - poolBefore,
                threadsHeld - poolHeld[0], MAX_HELD).isLessThanOrEqualTo(3);
        assertThat(poolHeld[0]).as("Jetty's pool").isLessThanOrEqualTo(poolHeld[1]);
        assertThat(threadsHeld).as("every thread of the JVM, %d held", MAX_HELD).isLessThan(threadsBefore + poolHeld[1]);
      }

      for (Socket socket : held) {
        String answer = readToClose(socket);
        assertThat(answer).as("a held request, answered after tarpit.delay").startsWith("HTTP/1.1 429 ")
            .containsIgnoringCase("Connection: close").contains("<Code>SlowDown</Code>", "per client IP: tarpit");
        java.util.regex.Matcher retry = java.util.regex.Pattern.compile("(?im)^Retry-After: *(\\d+)").matcher(answer);
        assertThat(retry.find()).as("Retry-After in %s", answer).isTrue();
        // At the denial the retry time is at least ip.window (60 s: the held request itself counts, so
        // its own slot must leave) and at most ip.window + one slot (6 s of the 10-slot ring), up to 66 s.
        // Counted from the answer, the DELAY_SECONDS already waited are subtracted: at most 66 - 15 + 1
        // (rounding up); without the subtraction it would be 60 or more.
        assertThat(Long.parseLong(retry.group(1))).as("Retry-After after a %d s hold", DELAY_SECONDS)
            .isLessThanOrEqualTo(60 + 60 / ClientIpTable.WINDOW_SLOTS - DELAY_SECONDS + 1);
        socket.close();
      }
      String after = ObservabilityIT.scrape(gateway);
      assertThat(ObservabilityIT.value(after, "s3gate_tarpit_held", "")).isZero();
      assertThat(ObservabilityIT.value(after, "s3gate_tarpit_holds_total", "")).isEqualTo(MAX_HELD);
      assertThat(ObservabilityIT.value(after, "s3gate_denials_total", "rule=\"ip_tarpit\"")).isEqualTo(MAX_HELD);
      assertThat(ObservabilityIT.value(after, "s3gate_denials_total", "rule=\"ip_tarpit_full\"")).isEqualTo(1);
      assertThat(ObservabilityIT.value(after, "s3gate_backend_responses_total",
          "backend=\"" + backend.url() + "\",class=\"4xx\"")).as("only the two forged ones reached it").isEqualTo(2);
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
  }
}
