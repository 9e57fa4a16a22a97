package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * Slow and idle clients cannot take the gateway from everyone else (issue 13, items 2 and 8),
 * against real Jetty + WAR + s3proxy, with small numbers and short windows:
 * <ul>
 *   <li>one tenant's slow uploads: its key may have 4 requests in flight, the proxy 8 connections
 *       per backend; 40 uploads trickling at 2 KiB/s get 4 admitted and 36 SlowDown at once, and
 *       another tenant's requests all complete while those 4 still trickle (before the fix, the 40
 *       held every backend connection and the other tenant's requests waited behind them);
 *   <li>an upload below the minimum data rate is cut off with 400 RequestTimeout, and a download the
 *       client reads below {@code response.min_rate} is given up (the connection closes early);
 *   <li>a connection that sends its request head a byte at a time is closed at the head deadline;
 *   <li>with the connection cap reached by such connections, a normal client is still served once
 *       the deadline has shed them.
 * </ul>
 * Assertions are on outcomes and their order, never on elapsed time; every wait is bounded.
 */
class SlowClientsIT {
  private static final String BUCKET = "slow";
  private static final String BULK_KEY = "BULKKEY0000000000001";
  private static final int BULK_IN_FLIGHT = 4;
  private static final int LARGE_BYTES = 24 * 1024 * 1024;
  private static final String PUBLIC_BUCKET = "slowpublic";
  /** Anonymous uploads are stored here (s3proxy answers a private bucket's anonymous PUT at once). */
  private static final String WRITABLE_BUCKET = "slowwritable";

  private static S3Backend backend;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("slow-clients-it-backend");
    gateway = Gateway.builder("slow-clients-it-gateway", backend.url())
        .setting("backend.max_connections", "8")
        .setting("response.min_rate", "65536")
        .setting("min_rate.window", "1s")
        .appendConf("api_key_groups.map", BULK_KEY + " bulk")
        .setting("anonymous.group", "readers")
        .appendConf("rate_limits_per_minute.map", "bulk 10000", "readers 10000")
        .appendConf("rate_limits_per_second.map", "bulk 1000", "readers 1000")
        .editConf("concurrent_requests.map", text -> text + "\nbulk " + BULK_IN_FLIGHT + "\nreaders 0\n")
        .jettyProperty("s3gate.requestHeadTimeout=2000")
        .jettyProperty("jetty.http.idleTimeout=300000")
        .jettyProperty("jetty.networkConnectionLimit.maxNetworkConnectionCount=40")
        .start();
    try (S3Client direct = S3Clients.client(backend.url())) {
      direct.createBucket(b -> b.bucket(BUCKET));
      direct.putObject(b -> b.bucket(BUCKET).key("small"), RequestBody.fromString("small"));
      direct.createBucket(b -> b.bucket(PUBLIC_BUCKET).acl("public-read"));
      direct.createBucket(b -> b.bucket(WRITABLE_BUCKET).acl("public-read-write"));
      direct.putObject(b -> b.bucket(PUBLIC_BUCKET).key("large").acl(ObjectCannedACL.PUBLIC_READ),
          RequestBody.fromBytes(new byte[LARGE_BYTES]));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  /** The status of a response read from {@code in}, or 0 when the connection ended first. */
  private static int status(InputStream in) throws IOException {
    byte[] line = in.readNBytes(12);
    return line.length < 12 ? 0 : Integer.parseInt(new String(line, 9, 3, StandardCharsets.US_ASCII));
  }

  private static Socket connect(String from) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
    socket.connect(new InetSocketAddress("127.0.0.1", gateway.httpPort), 5_000);
    return socket;
  }

  @Test
  void slowUploadsOfOneTenant_getItsInFlightLimit_andAnotherTenantIsServedMeanwhile() throws Exception {
    int uploads = 40;
    int bodyBytes = 40 * 1024; // 20 s at 2 KiB/s
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger admittedStillSending = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(uploads);
    List<Future<Integer>> results = new ArrayList<>();
    try {
      for (int i = 0; i < uploads; i++) {
        String key = "upload-" + i;
        results.add(pool.submit(() -> {
          try (Socket socket = connect("127.0.0.1")) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("PUT /" + WRITABLE_BUCKET + "/" + key + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + BULK_KEY
                + "\r\nContent-Length: " + bodyBytes + "\r\nExpect: 100-continue\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            int first = status(in);
            if (first != 100) {
              refused.incrementAndGet();
              return first;
            }
            in.readNBytes(in.available()); // the rest of the interim response
            admittedStillSending.incrementAndGet();
            for (int sent = 0; sent < bodyBytes && !stop.get(); sent += 512) {
              out.write(new byte[512]);
              out.flush();
              Thread.sleep(250);
            }
            admittedStillSending.decrementAndGet();
            return -1;
          }
        }));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (refused.get() + admittedStillSending.get() < uploads && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(admittedStillSending.get()).isEqualTo(BULK_IN_FLIGHT);
      assertThat(refused.get()).isEqualTo(uploads - BULK_IN_FLIGHT);

      // another tenant, while the bulk uploads trickle: every request is answered
      try (S3Client other = S3Clients.client(gateway.url())) {
        for (int i = 0; i < 10; i++) {
          assertThat(other.getObjectAsBytes(b -> b.bucket(BUCKET).key("small")).asUtf8String()).isEqualTo("small");
        }
      }
      assertThat(admittedStillSending.get()).as("the bulk uploads were still in flight").isEqualTo(BULK_IN_FLIGHT);
    } finally {
      stop.set(true);
      pool.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
    for (Future<Integer> result : results) {
      if (result.isDone() && !result.isCancelled()) {
        try {
          int status = result.get();
          assertThat(status).isIn(-1, 429);
        } catch (java.util.concurrent.ExecutionException interrupted) {
          // the trickle was stopped by the test
        }
      }
    }
  }

  @Test
  void uploadBelowTheMinimumDataRate_isCutOffWith400RequestTimeout() throws Exception {
    try (Socket socket = connect("127.0.0.1")) {
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      out.write(("PUT /" + WRITABLE_BUCKET + "/trickle HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      int status = 0;
      for (int i = 0; i < 600 && status == 0; i++) { // 100 bytes/s, far below 1 KiB/s
        try {
          out.write(new byte[10]);
          out.flush();
        } catch (IOException closed) {
          break;
        }
        Thread.sleep(100);
        if (in.available() > 0) {
          status = status(in);
        }
      }
      if (status == 0) {
        status = status(in);
      }
      assertThat(status).isEqualTo(400);
      assertThat(new String(in.readNBytes(4096), StandardCharsets.UTF_8)).contains("<Code>RequestTimeout</Code>");
    }
  }

  /**
   * As many clients as the gateway has connections to the backend (8) each read a large download
   * at 10 KiB/s, below the 64 KiB/s minimum here; another client's request is then served, because
   * the gateway gave those backend responses up and freed their connections. Before the fix the
   * slow readers held all 8 for as long as they kept reading (~40 minutes for this object), and the
   * other request waited behind them until the SDK gave up. (Their own connections stay open until
   * their writes fail, at the latest at Jetty's idle timeout: 5 minutes for this gateway.)
   */
  @Test
  void downloadsReadBelowTheMinimumRate_giveTheirBackendConnectionsUp() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch started = new CountDownLatch(8);
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 8; r++) {
      Thread reader = new Thread(() -> {
        try (Socket socket = new Socket()) {
          socket.setReceiveBufferSize(4096);
          socket.connect(new InetSocketAddress("127.0.0.1", gateway.httpPort), 5_000);
          socket.setSoTimeout(30_000);
          OutputStream out = socket.getOutputStream();
          out.write(("GET /" + PUBLIC_BUCKET + "/large HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          out.flush();
          InputStream in = socket.getInputStream();
          if (status(in) == 200) {
            started.countDown();
          }
          byte[] buffer = new byte[1024];
          while (!stop.get() && in.read(buffer) >= 0) {
            Thread.sleep(100);
          }
        } catch (IOException | InterruptedException ended) {
          // given up, or stopped by the test
        }
      }, "slow-reader-" + r);
      reader.start();
      readers.add(reader);
    }
    try {
      assertThat(started.await(30, TimeUnit.SECONDS)).as("all 8 slow downloads started").isTrue();
      try (S3Client other = S3Clients.noRetries(gateway.url())) {
        assertThat(other.getObjectAsBytes(b -> b.bucket(BUCKET).key("small")).asUtf8String()).isEqualTo("small");
      }
    } finally {
      stop.set(true);
      for (Thread reader : readers) {
        reader.join(35_000);
      }
    }
  }

  @Test
  void requestHeadSentAByteAtATime_isClosedAtTheHeadDeadline() throws Exception {
    try (Socket socket = connect("127.0.0.2")) {
      socket.setSoTimeout(1_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      byte[] head = "GET /slow/small HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ".getBytes(StandardCharsets.US_ASCII);
      boolean closed = false;
      for (int i = 0; i < 30 && !closed; i++) { // the head never completes; 2 s deadline, 30 s bound
        try {
          out.write(head[i % head.length]);
          out.flush();
          closed = in.read() == -1;
        } catch (SocketTimeoutException stillOpen) {
          // no answer yet: send the next byte
        } catch (IOException reset) {
          closed = true;
        }
      }
      assertThat(closed).as("the gateway closed the connection").isTrue();
    }
  }

  @Test
  void connectionCapFilledBySlowHeads_aNormalClientIsServedOnceTheDeadlineShedsThem() throws Exception {
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 45; i++) { // more than the cap of 40
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.3"), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", gateway.httpPort), 5_000);
        socket.getOutputStream().write("GET /".getBytes(StandardCharsets.US_ASCII));
        slow.add(socket);
      }
      try (JMXConnector jmx = JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl()), gateway.jmxEnvironment())) {
        MBeanServerConnection server = jmx.getMBeanServerConnection();
        ObjectName limit = server.queryNames(new ObjectName("org.eclipse.jetty.server:type=networkconnectionlimit,*"),
            null).iterator().next();
        assertThat(server.getAttribute(limit, "maxNetworkConnectionCount")).isEqualTo(40);
        int connected = 0;
        for (int i = 0; i < 50 && connected < 40; i++) { // bounded: 5 s
          connected = (Integer) server.getAttribute(limit, "networkConnectionCount");
          Thread.sleep(100);
        }
        assertThat(connected).as("the slow heads filled the cap").isEqualTo(40);
      }
      try (S3Client normal = S3Clients.client(gateway.url())) {
        assertThat(normal.getObjectAsBytes(b -> b.bucket(BUCKET).key("small")).asUtf8String()).isEqualTo("small");
      }
    } finally {
      for (Socket socket : slow) {
        socket.close();
      }
    }
  }
}
