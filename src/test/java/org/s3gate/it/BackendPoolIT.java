package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.s3gate.testsupport.FreePorts;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Bucket;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Several backends: two real s3proxy servers and one URL nobody listens on, balanced round-robin
 * with active health checks and passive ejection; a backup used only while all primaries are down.
 * The client does not retry, except once on a 5xx the backend itself sent (s3proxy answers 503 while
 * it shuts down, and every S3 client retries that): every failure the gateway makes or lets through
 * is seen.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackendPoolIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static S3Backend first;
  private static S3Backend second;
  private static String deadUrl;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    first = S3Backend.start("pool-it-backend-1");
    second = S3Backend.start("pool-it-backend-2");
    deadUrl = "http://127.0.0.1:" + FreePorts.next();
    gateway = Gateway.builder("pool-it-gateway", first.url() + "," + second.url() + "," + deadUrl).start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, first, second);
  }

  @Test
  @Order(1)
  void health_deadUrl_isMarkedDownAndTheOthersUp() throws Exception {
    String body = awaitHealth(gateway, h -> h.contains(state(deadUrl, "primary", "DOWN")));

    assertThat(body).startsWith("{\"status\":\"UP\"")
        .contains(state(first.url(), "primary", "UP"), state(second.url(), "primary", "UP"));
  }

  @Test
  @Order(2)
  void requests_oneBackendStoppedAndStartedAgain_keepSucceeding() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger succeeded = new AtomicInteger();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Thread load = new Thread(() -> {
      try (S3Client s3 = S3Clients.noRetries(gateway.url())) {
        while (running.get()) {
          try {
            listBuckets(s3);
            succeeded.incrementAndGet();
            Thread.sleep(40); // well below the demo key's 50 requests/second
          } catch (RuntimeException e) {
            failures.add(e);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }, "pool-it-load");
    load.start();
    try {
      Thread.sleep(500);
      first.stop();
      awaitHealth(gateway, h -> h.contains(state(first.url(), "primary", "DOWN")));
      int whileDown = succeeded.get();
      Thread.sleep(1000);
      assertThat(succeeded.get()).as("requests served by the other backend").isGreaterThan(whileDown);

      first.startProcess();
      awaitHealth(gateway, h -> h.contains(state(first.url(), "primary", "UP")));
      Thread.sleep(500);
    } finally {
      running.set(false);
      load.join(30_000);
    }
    assertThat(failures).as("no request failed while a backend went away and came back").isEmpty();
    assertThat(succeeded.get()).isGreaterThan(10);

    // Round-robin reaches the restarted backend again: of 6 buckets created, some land on it.
    try (S3Client s3 = S3Clients.noRetries(gateway.url()); S3Client direct = S3Clients.noRetries(first.url())) {
      for (int i = 0; i < 6; i++) {
        int n = i;
        s3.createBucket(b -> b.bucket("after-restart-" + n));
      }
      assertThat(direct.listBuckets().buckets()).extracting(Bucket::name).anyMatch(name -> name.startsWith("after-restart-"));
    }
  }

  @Test
  @Order(3)
  void requests_allBackendsDown_get503S3XmlAndHealthIsDown() throws Exception {
    first.stop();
    second.stop();
    try {
      HttpResponse<String> down = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/bucket/key")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(down.statusCode()).isEqualTo(503);
      assertThat(down.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/xml"));
      assertThat(down.body()).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
          .contains("<Code>ServiceUnavailable</Code>", "<Resource>/bucket/key</Resource>");

      String health = awaitHealth(gateway, h -> h.startsWith("{\"status\":\"DOWN\""));
      assertThat(health).contains(state(first.url(), "primary", "DOWN"), state(second.url(), "primary", "DOWN"));
    } finally {
      first.startProcess();
      second.startProcess();
    }
  }

  @Test
  @Order(4)
  void backup_allPrimariesDown_servesThroughBackupOnly() throws Exception {
    awaitHealth(gateway, h -> h.contains(state(second.url(), "primary", "UP")));
    try (Gateway withBackup = Gateway.builder("pool-it-backup-gateway", deadUrl)
        .setting("backend.backup.urls", second.url()).start();
        S3Client s3 = S3Clients.noRetries(withBackup.url())) {
      String health = awaitHealth(withBackup, h -> h.contains(state(deadUrl, "primary", "DOWN")));
      assertThat(health).startsWith("{\"status\":\"UP\"").contains(state(second.url(), "backup", "UP"));

      s3.createBucket(b -> b.bucket("via-backup"));
      try (S3Client direct = S3Clients.noRetries(second.url())) {
        assertThat(direct.listBuckets().buckets()).extracting(Bucket::name).contains("via-backup");
      }
    }
  }

  /**
   * One ListBuckets, retried once only if the backend itself answered 5xx (s3proxy answers 503
   * to requests in flight while it shuts down; every S3 client retries that). Errors the gateway
   * produces (its own ServiceUnavailable, a failed connect) are never retried here.
   */
  private static void listBuckets(S3Client s3) {
    try {
      s3.listBuckets();
    } catch (S3Exception e) {
      if (e.statusCode() < 500 || e.getMessage().contains("The gateway has no backend")) {
        throw e;
      }
      s3.listBuckets();
    }
  }

  private static String state(String url, String role, String status) {
    return "{\"url\":\"" + url + "\",\"role\":\"" + role + "\",\"status\":\"" + status + "\"";
  }

  static String awaitHealth(Gateway gateway, Predicate<String> condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String body = null;
    while (System.nanoTime() - deadline < 0) {
      body = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/_s3gate/health")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      if (condition.test(body)) {
        return body;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("health never matched; last: " + body);
  }
}
