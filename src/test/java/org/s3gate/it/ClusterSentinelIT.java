package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.s3gate.cluster.RedisServer;
import org.s3gate.cluster.SentinelGroup;

/**
 * {@code redis.uri=redis-sentinel://127.0.0.1:S#mymaster} through the real gateway: across a
 * {@code SENTINEL FAILOVER} the gateway moves to the new master by itself and a key's budget of the
 * minute continues there (4 admitted before, exactly 6 of 10 after). {@code redis.failure=closed},
 * so no admission comes from a fallback.
 */
class ClusterSentinelIT {
  private static final String KEY = "CLUSTERSENTINEL00001";
  private static final int LIMIT_PER_MINUTE = 10;
  private static final int BEFORE = 4;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static SentinelGroup group;
  private static RecordingBackend backend;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    group = SentinelGroup.start();
    backend = new RecordingBackend();
    gateway = Gateway.builder("cluster-sentinel", backend.url())
        .setting("counters.store", "redis")
        .setting("redis.uri", group.uri())
        .setting("redis.timeout", "200ms")
        .setting("redis.failure", "closed")
        .appendConf("api_key_groups.map", KEY + " sentinel")
        .appendConf("rate_limits_per_second.map", "sentinel 1000")
        .appendConf("rate_limits_per_minute.map", "sentinel " + LIMIT_PER_MINUTE)
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend, group);
  }

  private static List<Integer> statuses(int n) throws Exception {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url() + "/bucket/object"))
          .timeout(Duration.ofSeconds(5)).header("Authorization", RateLimitIT.sigV4Header(KEY)).GET().build();
      out.add(HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
    }
    return out;
  }

  @Test
  void sentinelFailover_gatewayFollowsTheNewMaster_andTheMinutesBudgetContinuesThere() throws Exception {
    RedisServer first = group.master();
    assertThat(statuses(BEFORE)).containsOnly(200);
    assertThat(first.calls("fcall")).as("decided on the master Sentinel named").isEqualTo(BEFORE);
    group.awaitReplicated();

    RedisServer next = group.failover();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String moved = "to the new master 127.0.0.1:" + next.port();
    while (!gateway.output().contains(moved) && System.nanoTime() - deadline < 0) {
      Thread.sleep(50);
    }
    assertThat(gateway.output()).contains(moved);

    List<Integer> after = statuses(LIMIT_PER_MINUTE);
    assertThat(after.subList(0, LIMIT_PER_MINUTE - BEFORE)).as(after.toString()).containsOnly(200);
    assertThat(after.subList(LIMIT_PER_MINUTE - BEFORE, LIMIT_PER_MINUTE)).as(after.toString()).containsOnly(429);
    assertThat(next.calls("fcall")).as("decided on the new master").isPositive();
    assertThat(gateway.output()).doesNotContain("s3gate lost Redis");
  }
}
