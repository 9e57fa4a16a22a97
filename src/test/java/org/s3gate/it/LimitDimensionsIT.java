package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3-aware limit dimensions end to end (issue 16), real Jetty + WAR + s3proxy with signature
 * checking, real AWS SDK v2: method classes ({@code GROUP:write} in the per-second map).
 */
class LimitDimensionsIT {
  /** In a group of its own without class entries; its requests are signed with a fake signature (403 when admitted). */
  private static final String PLAIN_KEY = "PLAINKEY000000000001";

  private static final int GROUP_PER_MINUTE = 20;

  private static S3Backend backend;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("dimensions-it-backend");
    gateway = Gateway.builder("dimensions-it-gateway", backend.url())
        .appendConf("api_key_groups.map", PLAIN_KEY + " plain")
        // the backend's own key: 2 writes a second (written as SPEC has it), 20 requests a minute
        .editConf("rate_limits_per_second.map", text -> text.replace("premium 50", "premium 50\npremium:write 2"))
        .editConf("rate_limits_per_minute.map", text -> text.replace("premium 2000", "premium " + GROUP_PER_MINUTE))
        .appendConf("rate_limits_per_second.map", "plain 3")
        .appendConf("rate_limits_per_minute.map", "plain 1000")
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  @Test
  void writeClass_thirdPutInASecondIsDenied_whileGetsPassUpToTheGroupLimit() throws Exception {
    try (S3Client s3 = S3Clients.noRetries(gateway.url())) {
      s3.createBucket(b -> b.bucket("classes"));
      int admitted = 1; // in the group's minute
      S3Exception thirdPut = null;
      for (int attempt = 0; attempt < 3 && thirdPut == null; attempt++) {
        Thread.sleep(1200); // an empty per-second window
        long started = System.nanoTime();
        List<Object> puts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          puts.add(call(() -> s3.putObject(b -> b.bucket("classes").key("k"), RequestBody.fromString("x"))));
        }
        admitted += (int) puts.stream().filter(r -> !(r instanceof S3Exception)).count();
        if (System.nanoTime() - started < Duration.ofMillis(800).toNanos()) {
          assertThat(puts.subList(0, 2)).allSatisfy(r -> assertThat(r).isNotInstanceOf(S3Exception.class));
          thirdPut = (S3Exception) puts.get(2);
        }
      }
      assertThat(thirdPut).as("3 PUTs within 0.8 s (machine too slow 3 times in a row)").isNotNull();
      assertThat(thirdPut.statusCode()).isEqualTo(429);
      assertThat(thirdPut.awsErrorDetails().errorCode()).isEqualTo("SlowDown");
      assertThat(thirdPut.awsErrorDetails().errorMessage()).endsWith("(2 write requests/second per API key)");
      assertThat(thirdPut.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("X-RateLimit-Class")).hasValue("write");
      assertThat(thirdPut.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("X-RateLimit-Class-Limit-Per-Second"))
          .hasValue("2");

      // GETs are limited by the group only; the denied PUTs were charged to nothing
      int gets = 0;
      S3Exception overGroup = null;
      while (overGroup == null && gets < 20) {
        Object result = call(() -> s3.getObject(b -> b.bucket("classes").key("k")).readAllBytes());
        if (result instanceof S3Exception e) {
          overGroup = e;
        } else {
          gets++;
        }
      }
      assertThat(gets).isEqualTo(GROUP_PER_MINUTE - admitted);
      assertThat(overGroup.statusCode()).isEqualTo(429);
      assertThat(overGroup.awsErrorDetails().errorMessage()).endsWith("(" + GROUP_PER_MINUTE + " requests/minute per API key)");
    }
  }

  @Test
  void groupWithoutClassEntries_behavesAsBefore() throws Exception {
    List<HttpResponse<String>> burst = null;
    for (int attempt = 0; attempt < 3 && burst == null; attempt++) {
      Thread.sleep(1200);
      long started = System.nanoTime();
      List<HttpResponse<String>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        results.add(SigV4Requests.get(gateway.url(), "/classes/k", PLAIN_KEY));
      }
      if (System.nanoTime() - started < Duration.ofMillis(800).toNanos()) {
        burst = results;
      }
    }
    assertThat(burst).as("4 requests within 0.8 s (machine too slow 3 times in a row)").isNotNull();
    assertThat(burst.subList(0, 3)).allSatisfy(r -> assertThat(r.statusCode()).isNotEqualTo(429));
    assertThat(burst.get(3).statusCode()).isEqualTo(429);
    assertThat(burst.get(3).body()).contains("(3 requests/second per API key)");
    assertThat(burst.get(0).headers().firstValue("X-RateLimit-Class")).isEmpty();
    assertThat(burst.get(0).headers().firstValue("X-RateLimit-Limit-Per-Second")).hasValue("3");
  }

  private interface Call {
    Object run() throws Exception;
  }

  /** The call's result, or the S3Exception it threw. */
  private static Object call(Call call) throws Exception {
    try {
      return call.run();
    } catch (S3Exception e) {
      return e;
    }
  }
}
