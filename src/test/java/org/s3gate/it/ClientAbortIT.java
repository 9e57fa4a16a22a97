package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

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
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * A client that resets its connection in the middle of a transfer still has its request reported,
 * once: it leaves flight (its key's {@code concurrent_requests.map} limit is 1 here, so the next
 * request of the key is admitted only once it has), its download charge is reconciled to the bytes
 * actually sent, and its access log line is written. Real Jetty + WAR + s3proxy on disk (48 MiB
 * objects), raw sockets closed with {@code SO_LINGER 0} (an RST).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClientAbortIT {
  private static final String KEY = S3Backend.ACCESS_KEY; // group premium
  private static final int MIB = 1 << 20;
  private static final long SIZE = 48L * MIB;
  private static final Pattern BYTES_OUT = Pattern.compile("bytes_out_per_minute=(\\d+)");

  private static Path store;
  private static S3Backend backend;
  private static Gateway gateway;
  private static JMXConnector connector;
  private static MBeanServerConnection mbeans;

  @BeforeAll
  static void start() throws Exception {
    store = Files.createTempDirectory("s3gate-abort-it-");
    backend = S3Backend.startOnDisk("abort-it-backend", store);
    gateway = Gateway.builder("abort-it-gateway", backend.url()).heap("128m")
        .editConf("concurrent_requests.map", text -> text.replaceFirst("(?m)^premium \\d+$", "premium 1"))
        .appendConf("bandwidth_per_minute.map", "premium:out 1G")
        .setting("access.log.format", "key=$key method=$method path=$path status=$status bytes_in=$bytes_in"
            + " bytes_out=$bytes_out decision=$decision")
        .start();
    connector = JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl()), gateway.jmxEnvironment());
    mbeans = connector.getMBeanServerConnection();
    try (S3Client s3 = S3Clients.noRetries(gateway.url())) {
      s3.createBucket(b -> b.bucket("abort"));
      s3.putObject(b -> b.bucket("abort").key("big.bin"),
          RequestBody.fromContentProvider(() -> new LargeObjectIT.PseudoRandomStream(SIZE, 7), SIZE,
              "application/octet-stream"));
    }
    assertThat(awaitLog("method=PUT path=/abort/big.bin status=200")).as(gateway.accessLog()).isTrue();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(connector, gateway, backend);
    if (store != null) {
      try (Stream<Path> files = Files.walk(store)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  @Test
  @Order(1)
  void downloadResetAfterSomeKiB_isReported_leavesFlight_andIsChargedOnlyTheBytesSent() throws Exception {
    clearKey();
    URI url;
    try (S3Presigner presigner = S3Clients.presigner(gateway.url())) {
      url = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(5))
          .getObjectRequest(g -> g.bucket("abort").key("big.bin"))).url().toURI();
    }
    long read = 0;
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + url.getRawPath() + "?" + url.getRawQuery() + " HTTP/1.1\r\nHost: 127.0.0.1:"
          + gateway.httpPort + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      while (read < 256 * 1024) {
        int n = in.read(buffer);
        assertThat(n).isPositive();
        read += n;
      }
      socket.setSoLinger(true, 0); // close sends an RST
    }

    assertThat(awaitLog("method=GET path=/abort/big.bin ")).as("the aborted GET's access log line\n%s",
        gateway.accessLog()).isTrue();
    long charged = bytesOut(); // before the HEAD below, which is charged its own response
    System.out.printf("aborted GET: client read %d bytes, charged %d of %d%n", read, charged, SIZE);
    assertThat(nextRequestAdmitted()).as("the key's one request in flight was released").isTrue();
    Matcher line = Pattern.compile("method=GET path=/abort/big\\.bin status=(\\d+) \\S+ bytes_out=(\\d+)")
        .matcher(gateway.accessLog());
    assertThat(line.find()).isTrue();
    assertThat(line.group(1)).as("the status the client was sent").isEqualTo("200");
    assertThat(Long.parseLong(line.group(2))).as("bytes_out: handed to the client before the reset")
        .isLessThan(SIZE).isEqualTo(charged);
    assertThat(charged).as("charged the bytes sent, not the Content-Length").isLessThan(SIZE)
        .isGreaterThanOrEqualTo(read - 1024); // less the response head the client read
  }

  @Test
  @Order(2)
  void uploadResetMidBody_isReported_andLeavesFlight() throws Exception {
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      out.write(("PUT /abort/partial.bin HTTP/1.1\r\nHost: 127.0.0.1:" + gateway.httpPort + "\r\n"
          + "Authorization: " + RateLimitIT.sigV4Header(KEY) + "\r\nx-amz-date: 20260101T000000Z\r\n"
          + "x-amz-content-sha256: UNSIGNED-PAYLOAD\r\nContent-Length: " + SIZE + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[64 * 1024];
      for (int i = 0; i < 16; i++) {
        out.write(chunk);
      }
      out.flush();
      Thread.sleep(500);
      socket.setSoLinger(true, 0);
    }
    assertThat(awaitLog("method=PUT path=/abort/partial.bin ")).as("the aborted PUT's access log line\n%s",
        gateway.accessLog()).isTrue();
    assertThat(nextRequestAdmitted()).as("the key's one request in flight was released").isTrue();
  }

  private static Socket connect() throws Exception {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", gateway.httpPort), 5_000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  /** Polls up to 20 s for an access log line containing {@code text}. */
  private static boolean awaitLog(String text) throws Exception {
    for (long end = System.nanoTime() + Duration.ofSeconds(20).toNanos(); System.nanoTime() < end; Thread.sleep(100)) {
      if (gateway.accessLog().contains(text)) {
        return true;
      }
    }
    return false;
  }

  /** Polls up to 20 s for a HEAD of the key to be admitted (its concurrent limit is 1). */
  private static boolean nextRequestAdmitted() throws Exception {
    try (S3Client s3 = S3Clients.noRetries(gateway.url())) {
      for (long end = System.nanoTime() + Duration.ofSeconds(20).toNanos(); System.nanoTime() < end; Thread.sleep(100)) {
        try {
          s3.headObject(b -> b.bucket("abort").key("big.bin"));
          return true;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception refused) {
          // 503 SlowDown while the aborted request is still counted in flight
        }
      }
    }
    return false;
  }

  private static long bytesOut() throws Exception {
    String show = (String) mbeans.invoke(new ObjectName("s3gate:type=Table,name=api_keys"), "show", new Object[0],
        new String[0]);
    Matcher m = BYTES_OUT.matcher(show);
    assertThat(m.find()).as(show).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static void clearKey() throws Exception {
    mbeans.invoke(new ObjectName("s3gate:type=Table,name=api_keys"), "clearKey", new Object[] {KEY},
        new String[] {String.class.getName()});
  }
}
