package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.s3gate.cluster.RedisServer;

/**
 * {@code redis.failure=open} and {@code redis.failure=closed} with Redis killed and restarted, and
 * the Redis client's threads (on Linux x86-64 its event loop on Netty's native epoll transport, which
 * the WAR packs) and that none is left after the webapp stops. Two gateways share one {@code redis-server}:
 * one fails open, one fails closed, with a limit of 3 requests per second.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFailureModesIT {
  private static final String KEY = "FAILUREMODES00000001";
  private static final Duration REQUEST_BOUND = Duration.ofMillis(20 + 1_500);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static RedisServer redis;
  private static RecordingBackend backend;
  private static Gateway open;
  private static Gateway closed;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisServer.start();
    backend = new RecordingBackend();
    open = gateway("cluster-open", "open");
    closed = gateway("cluster-closed", "closed");
  }

  private static Gateway gateway(String name, String failure) throws Exception {
    return Gateway.builder(name, backend.url())
        .setting("counters.store", "redis")
        .setting("redis.uri", redis.uri())
        .setting("redis.failure", failure)
        .setting("cluster.instances", "2")
        .appendConf("api_key_groups.map", KEY + " failuremodes")
        .appendConf("rate_limits_per_second.map", "failuremodes 3")
        .appendConf("rate_limits_per_minute.map", "failuremodes 1000")
        // the thread test stops the webapp context and lists the JVM's threads over JMX
        .jettyProperty("s3gate.jmx.writableDomains=s3gate,org.eclipse.jetty.ee10.webapp,java.lang")
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(open, closed, backend, redis);
  }

  private static int status(Gateway gateway) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url() + "/bucket/object")).timeout(REQUEST_BOUND)
        .header("Authorization", RateLimitIT.sigV4Header(KEY)).GET().build();
    return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode(); // a slow request times out: fails
  }

  private static List<Integer> statuses(Gateway gateway, int n) throws Exception {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(status(gateway));
    }
    return out;
  }

  private static String mode(Gateway gateway) throws Exception {
    String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/_s3gate/metrics"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^s3gate_counter_store_mode\\{mode=\"([a-z_]+)\"\\} 1(\\.0)?$").matcher(metrics);
    return m.find() ? m.group(1) : "none";
  }

  private static void awaitMode(Gateway gateway, String wanted) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!wanted.equals(mode(gateway)) && System.nanoTime() - deadline < 0) {
      Thread.sleep(20);
    }
    assertThat(mode(gateway)).isEqualTo(wanted);
  }

  @Test
  @Order(1)
  void redisDown_openAdmitsEverything_closedDeniesEverything_andBothReturnToSharedWhenItIsBack() throws Exception {
    // shared: 3 per second across both instances
    List<Integer> shared = statuses(open, 3);
    shared.addAll(statuses(closed, 3));
    assertThat(shared).filteredOn(s -> s == 200).hasSizeLessThanOrEqualTo(3);

    redis.kill();
    statuses(open, 3); // the failures that open the circuit (each decided by redis.failure already)
    statuses(closed, 3);
    awaitMode(open, "fallback_open");
    awaitMode(closed, "fallback_closed");
    assertThat(statuses(open, 12)).as("open: no limit while Redis is away").containsOnly(200);
    assertThat(statuses(closed, 12)).as("closed: every limited request denied").containsOnly(429);

    redis.restart();
    awaitMode(open, "shared");
    awaitMode(closed, "shared");
    Thread.sleep(1_100); // let the pre-outage window pass
    List<Integer> after = statuses(closed, 3);
    after.addAll(statuses(open, 3));
    assertThat(after).as("the shared budget again: 3 per second across both").filteredOn(s -> s == 200)
        .hasSize(3);
  }

  @Test
  @Order(2)
  void webappStopped_leavesNoRedisClientThread() throws Exception {
    try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(open.jmxUrl()), open.jmxEnvironment())) {
      MBeanServerConnection mbeans = connector.getMBeanServerConnection();
      List<String> running = redisThreads(mbeans);
      assertThat(running).as("while running").isNotEmpty();
      if (linuxX86_64()) { // the WAR packs Netty's native epoll transport for it, and Lettuce picks it up
        assertThat(running).as("Lettuce's event loop on epoll").anyMatch(name -> name.contains("epollEventLoop"));
      }
      Set<ObjectName> contexts = mbeans.queryNames(new ObjectName("*:type=webappcontext,*"), null);
      assertThat(contexts).hasSize(1);
      mbeans.invoke(contexts.iterator().next(), "stop", new Object[0], new String[0]);
      assertThat(redisThreads(mbeans)).as("after the webapp stopped").isEmpty();
    }
  }

  /** Whether this JVM (and so the gateway's, on the same machine) runs where the WAR's epoll library loads. */
  private static boolean linuxX86_64() {
    return System.getProperty("os.name").equals("Linux")
        && (System.getProperty("os.arch").equals("amd64") || System.getProperty("os.arch").equals("x86_64"));
  }

  /** Names of the gateway JVM's live threads that belong to the Redis client or its probe. */
  private static List<String> redisThreads(MBeanServerConnection mbeans) throws Exception {
    CompositeData[] threads = (CompositeData[]) mbeans.invoke(new ObjectName("java.lang:type=Threading"),
        "dumpAllThreads", new Object[] {false, false}, new String[] {"boolean", "boolean"});
    List<String> names = new ArrayList<>();
    for (CompositeData thread : threads) {
      String name = (String) thread.get("threadName");
      if (name.contains("redis") || name.contains("lettuce")) {
        names.add(name);
      }
    }
    return names;
  }
}
