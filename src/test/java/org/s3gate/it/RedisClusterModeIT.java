package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.s3gate.cluster.RedisClusterNodes;

/**
 * Cluster mode on Redis Cluster end to end: two gateway instances on
 * {@code redis.uri=redis-cluster://...} of a real three-master cluster ({@link RedisClusterNodes}),
 * with {@code redis.failure=closed}, so that any Redis call that fails shows as a 429 (the failure
 * the first attempt at cluster mode saw: a fresh key's first request denied, outages counted in
 * shared mode under load). The backend answers 200 to everything: admitted means 200.
 *
 * <p>Per-minute limits, so that the counts do not depend on how fast this (shared, 2-core) machine
 * sends: every request of the test lies in one minute.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterModeIT {
  private static final int PER_MINUTE = 10;
  private static final int BUCKET_PER_MINUTE = 8;
  /**
   * redis.timeout: 2 s, far above any answer on loopback, so that a denial here is a real failure
   * of the client (a rejected or misrouted call), not a slow host; no request may wait longer
   * than it plus a generous bound.
   */
  private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration REQUEST_BOUND = REDIS_TIMEOUT.plusSeconds(3);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static RedisClusterNodes cluster;
  private static RecordingBackend backend;
  private static Gateway first;
  private static Gateway second;
  /** One fresh key per master (by the port of the master its counters live on), group {@code fresh}. */
  private static final Map<Integer, String> FRESH = new LinkedHashMap<>();
  /** One limited key per master, group {@code rcluster}: PER_MINUTE requests a minute. */
  private static final Map<Integer, String> LIMITED = new LinkedHashMap<>();
  /** Two keys of a roomy group that share one bucket limited to BUCKET_PER_MINUTE, on another master. */
  private static String bucket;
  private static final List<String> BUCKET_KEYS = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    cluster = RedisClusterNodes.start();
    pickKeys();
    backend = new RecordingBackend();
    first = gateway("rcluster-it-1");
    second = gateway("rcluster-it-2");
  }

  private static String counterKey(String accessKey) {
    return "s3gate:c:{" + accessKey + "}";
  }

  private static void pickKeys() {
    for (int i = 0; FRESH.size() < 3 || LIMITED.size() < 3; i++) {
      String key = String.format("RCLUSTERKEY%09d", i);
      int port = cluster.ownerOf(counterKey(key)).port();
      if (!FRESH.containsKey(port)) {
        FRESH.put(port, key);
      } else if (!LIMITED.containsKey(port)) {
        LIMITED.put(port, key);
      }
    }
    BUCKET_KEYS.add("RCLUSTERBKT000000001");
    BUCKET_KEYS.add("RCLUSTERBKT000000002");
    int keyPort = cluster.ownerOf(counterKey(BUCKET_KEYS.get(0))).port();
    for (int i = 0; bucket == null; i++) {
      if (cluster.ownerOf("s3gate:bc:{rcbucket-" + i + "}").port() != keyPort) {
        bucket = "rcbucket-" + i;
      }
    }
  }

  private static Gateway gateway(String name) throws Exception {
    List<String> groups = new ArrayList<>();
    FRESH.values().forEach(k -> groups.add(k + " fresh"));
    LIMITED.values().forEach(k -> groups.add(k + " rcluster"));
    BUCKET_KEYS.forEach(k -> groups.add(k + " roomy"));
    return Gateway.builder(name, backend.url())
        .setting("counters.store", "redis")
        .setting("redis.uri", cluster.uri())
        .setting("redis.failure", "closed")
        .setting("redis.timeout", REDIS_TIMEOUT.toMillis() + "ms")
        .setting("cluster.instances", "2")
        .appendConf("api_key_groups.map", groups.toArray(String[]::new))
        .appendConf("rate_limits_per_second.map", "fresh 100", "rcluster 100", "roomy 100")
        .appendConf("rate_limits_per_minute.map", "fresh 1000", "rcluster " + PER_MINUTE, "roomy 1000")
        .appendConf("bucket_limits_per_minute.map", bucket + " " + BUCKET_PER_MINUTE)
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(first, second, backend, cluster);
  }

  private static int status(Gateway gateway, String key, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url() + path)).timeout(REQUEST_BOUND)
        .header("Authorization", RateLimitIT.sigV4Header(key)).GET().build();
    return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode(); // a slow request times out: fails
  }

  @Test
  @Order(1)
  void freshKeys_onEveryMaster_firstRequestAdmittedOnBothGateways() throws Exception {
    for (Map.Entry<Integer, String> fresh : FRESH.entrySet()) {
      String key = fresh.getValue();
      assertThat(status(first, key, "/bucket/object")).as("first request of %s (master %d), gateway 1", key,
          fresh.getKey()).isEqualTo(200);
      assertThat(status(second, key, "/bucket/object")).as("first request of %s (master %d), gateway 2", key,
          fresh.getKey()).isEqualTo(200);
    }
  }

  @Test
  @Order(2)
  void concurrentLoadOnBothGateways_eachKeyAndTheBucketAdmittedExactlyTheirLimitInAll() throws Exception {
    // 3 keys (one per master) and 2 keys sharing a bucket, 3 threads on each gateway per key
    List<String> keys = new ArrayList<>(LIMITED.values());
    keys.addAll(BUCKET_KEYS);
    int threadsPerGateway = 3;
    int requestsPerThread = 6;
    ExecutorService pool = Executors.newFixedThreadPool(keys.size() * 2 * threadsPerGateway);
    Map<String, List<Future<List<Integer>>>> byKey = new LinkedHashMap<>();
    try {
      for (String key : keys) {
        String path = BUCKET_KEYS.contains(key) ? "/" + bucket + "/object" : "/bucket/object";
        List<Future<List<Integer>>> futures = new ArrayList<>();
        for (int t = 0; t < 2 * threadsPerGateway; t++) {
          Gateway gateway = t % 2 == 0 ? first : second;
          futures.add(pool.submit(() -> {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < requestsPerThread; i++) {
              statuses.add(status(gateway, key, path));
            }
            return statuses;
          }));
        }
        byKey.put(key, futures);
      }
      Map<String, Long> admitted = new LinkedHashMap<>();
      long bucketAdmitted = 0;
      for (Map.Entry<String, List<Future<List<Integer>>>> e : byKey.entrySet()) {
        List<Integer> statuses = new ArrayList<>();
        for (Future<List<Integer>> f : e.getValue()) {
          statuses.addAll(f.get(60, TimeUnit.SECONDS));
        }
        assertThat(statuses).as(e.getKey()).containsOnly(200, 429);
        long ok = statuses.stream().filter(s -> s == 200).count();
        admitted.put(e.getKey(), ok);
        if (BUCKET_KEYS.contains(e.getKey())) {
          bucketAdmitted += ok;
        }
      }
      for (String key : LIMITED.values()) {
        assertThat(admitted.get(key)).as("%s across both gateways (36 sent)", key).isEqualTo(PER_MINUTE);
      }
      assertThat(bucketAdmitted).as("bucket %s across both keys and gateways (72 sent)", bucket)
          .isEqualTo(BUCKET_PER_MINUTE);
    } finally {
      pool.shutdownNow();
    }
    for (Gateway g : List.of(first, second)) {
      assertThat(mode(g)).isEqualTo("shared");
      assertThat(metricValue(g, "s3gate_redis_outages_total")).as("outages on %s", g.url()).isZero();
    }
  }

  private static String metrics(Gateway gateway) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/_s3gate/metrics")).timeout(Duration.ofSeconds(5))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static String mode(Gateway gateway) throws Exception {
    Matcher m = Pattern.compile("(?m)^s3gate_counter_store_mode\\{mode=\"([a-z_]+)\"\\} 1(\\.0)?$").matcher(metrics(gateway));
    return m.find() ? m.group(1) : "none";
  }

  private static double metricValue(Gateway gateway, String name) throws Exception {
    Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.eE+]+)$").matcher(metrics(gateway));
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }
}
