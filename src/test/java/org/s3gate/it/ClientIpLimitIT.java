package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.JMX;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.s3gate.management.GatewayMXBean;
import org.s3gate.management.ObjectNames;
import org.s3gate.management.TableMXBean;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * The per-client-IP request limit against the real stack (Jetty + WAR + s3proxy with signature
 * checking on): {@code ip.limit.requests} denies an IP over it with S3's SlowDown, whatever key
 * (or none) it uses; the client IP is the TCP peer, and behind a trusted proxy
 * ({@code trusted.proxies}, here 127.0.0.5) the right-most X-Forwarded-For hop that is not
 * trusted; the {@code client_ips} table over JMX and {@code bin/s3gate-admin}; a hot reload of the
 * limit applies to the next request.
 */
class ClientIpLimitIT {
  private static final String BUCKET = "public";
  private static final int LIMIT = 3;
  private static final String PROXY = "127.0.0.5";

  private static S3Backend backend;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("client-ip-it-backend");
    gateway = Gateway.builder("client-ip-it-gateway", backend.url())
        .setting("ip.limit.requests", String.valueOf(LIMIT))
        .setting("ip.window", "60s") // no count leaves the window during the test
        .setting("trusted.proxies", PROXY + "/32")
        .start();
    try (S3Client direct = S3Clients.client(backend.url())) {
      direct.createBucket(b -> b.bucket(BUCKET).acl("public-read"));
      direct.putObject(b -> b.bucket(BUCKET).key("readme").acl(ObjectCannedACL.PUBLIC_READ),
          RequestBody.fromString("hello"));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  private static RawHttp.Response get(String from, String... headers) throws Exception {
    List<String> head = new ArrayList<>(List.of("GET /" + BUCKET + "/readme HTTP/1.1",
        "Host: 127.0.0.1:" + gateway.httpPort));
    head.addAll(List.of(headers));
    return RawHttp.exchange(from, "127.0.0.1", gateway.httpPort, head, new byte[0], false);
  }

  private static TableMXBean clientIps(JMXConnector jmx) throws Exception {
    return JMX.newMXBeanProxy(jmx.getMBeanServerConnection(), ObjectNames.of(ObjectNames.table(ObjectNames.CLIENT_IPS)),
        TableMXBean.class);
  }

  private static JMXConnector jmx() throws Exception {
    return JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl()), gateway.jmxEnvironment());
  }

  @Test
  void ipOverItsLimit_getsSlowDown_otherIpsAreServed_andTheTableShowsAndClearsIt() throws Exception {
    for (int i = 0; i < LIMIT; i++) {
      assertThat(get("127.0.0.2").status()).as("request %d", i).isEqualTo(200);
    }
    RawHttp.Response denied = get("127.0.0.2", "X-API-Key: SOMEOTHERKEY00000001"); // another key changes nothing

    assertThat(denied.status()).isEqualTo(429);
    assertThat(denied.header("Content-Type")).startsWith("application/xml");
    String body = denied.bodyText();
    assertThat(body).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>")
        .contains("(" + LIMIT + " requests/60s per client IP)</Message><Resource>/" + BUCKET + "/readme</Resource>")
        .endsWith("</Error>");
    Matcher requestId = Pattern.compile("<RequestId>([^<]+)</RequestId>").matcher(body);
    assertThat(requestId.find()).isTrue();
    assertThat(denied.header("x-amz-request-id")).isEqualTo(requestId.group(1));
    assertThat(Long.parseLong(denied.header("Retry-After"))).isBetween(1L, 66L);
    assertThat(Long.parseLong(denied.header("x-amz-retry-after"))).isPositive();
    assertThat(get("127.0.0.3").status()).as("another client IP").isEqualTo(200);

    try (JMXConnector connector = jmx()) {
      TableMXBean table = clientIps(connector);
      assertThat(table.show()).containsPattern("(?m)^# table: client_ips, size: \\d+, capacity: 200000, "
          + "window_millis: 60000, shown: \\d+$")
          .containsPattern("(?m)^key=127\\.0\\.0\\.2 http_req_rate=3 http_err_rate=0 conn_rate=0 admitted_total=3 "
              + "denied_total=1 idle_millis=\\d+$");
      assertThat(table.show("http_req_rate", "ge", LIMIT)).contains("key=127.0.0.2 ").doesNotContain("key=127.0.0.3 ");
      assertThat(table.getCapacity()).isEqualTo(200000);

      assertThat(table.clearKey("127.0.0.2")).isTrue();
      assertThat(get("127.0.0.2").status()).as("cleared: judged on empty windows").isEqualTo(200);
    }
  }

  @Test
  void forwardedFor_fromAnUntrustedClient_changesNothing_fromTheTrustedProxy_picksTheClient() throws Exception {
    for (int i = 0; i < LIMIT; i++) { // a new X-Forwarded-For each time: ignored, the peer is counted
      assertThat(get("127.0.0.4", "X-Forwarded-For: 198.51.100." + i).status()).isEqualTo(200);
    }
    assertThat(get("127.0.0.4", "X-Forwarded-For: 198.51.100.99").status()).isEqualTo(429);

    for (int i = 0; i < LIMIT; i++) {
      assertThat(get(PROXY, "X-Forwarded-For: 203.0.113.7").status()).isEqualTo(200);
    }
    assertThat(get(PROXY, "X-Forwarded-For: 203.0.113.7").status()).isEqualTo(429);
    // the right-most hop the trusted proxy appended is the client; a hop left of it is the client's own claim
    assertThat(get(PROXY, "X-Forwarded-For: 203.0.113.7, 203.0.113.8").status()).as("another client").isEqualTo(200);
    assertThat(get(PROXY, "X-Forwarded-For: 203.0.113.8, 203.0.113.7").status()).as("a spoofed hop on the left")
        .isEqualTo(429);
    assertThat(get(PROXY, "X-Forwarded-For: 203.0.113.9, " + PROXY).status()).as("a trusted hop is skipped")
        .isEqualTo(200);

    try (JMXConnector connector = jmx()) {
      String shown = clientIps(connector).show();
      assertThat(shown).contains("key=127.0.0.4 http_req_rate=3 ", "key=203.0.113.7 http_req_rate=3 ",
          "key=203.0.113.8 http_req_rate=1 ", "key=203.0.113.9 http_req_rate=1 ")
          .doesNotContain("198.51.100.").doesNotContain("key=" + PROXY + " ");
    }
  }

  @Test
  void adminCli_showsFiltersAndClearsTheClientIpTable() throws Exception {
    for (int i = 0; i < 2; i++) {
      assertThat(get("127.0.0.6").status()).isEqualTo(200);
    }
    AdminProcess.Run shown = AdminProcess.admin(gateway.jmxPort, gateway.adminEnvironment(), "show-table", "--table",
        ObjectNames.CLIENT_IPS, "--filter", "http_req_rate", "gt", "1");
    assertThat(shown.exit()).as(shown.err()).isZero();
    assertThat(shown.out()).contains("key=127.0.0.6 http_req_rate=2 ");

    AdminProcess.Run cleared = AdminProcess.admin(gateway.jmxPort, gateway.adminEnvironment(), "clear-table", "--table",
        ObjectNames.CLIENT_IPS, "127.0.0.6");
    assertThat(cleared.exit()).as(cleared.err()).isZero();
    assertThat(cleared.out()).contains("cleared 127.0.0.6");
    AdminProcess.Run after = AdminProcess.admin(gateway.jmxPort, gateway.adminEnvironment(), "show-table", "--table",
        ObjectNames.CLIENT_IPS);
    assertThat(after.out()).doesNotContain("key=127.0.0.6 ");
  }

  @Test
  void limitChangedInGatewayProperties_appliesToTheNextRequest() throws Exception {
    for (int i = 0; i < LIMIT; i++) {
      assertThat(get("127.0.0.7").status()).isEqualTo(200);
    }
    assertThat(get("127.0.0.7").status()).isEqualTo(429);
    try (JMXConnector connector = jmx()) {
      GatewayMXBean control = JMX.newMXBeanProxy(connector.getMBeanServerConnection(),
          ObjectNames.of(ObjectNames.GATEWAY), GatewayMXBean.class);
      Gateway.setSetting(gateway.confDir.resolve("gateway.properties"), "ip.limit.requests", "0");
      control.reloadAll();
      try {
        assertThat(get("127.0.0.7").status()).as("ip.limit.requests=0: off").isEqualTo(200);
      } finally {
        Gateway.setSetting(gateway.confDir.resolve("gateway.properties"), "ip.limit.requests", String.valueOf(LIMIT));
        control.reloadAll();
      }
    }
    assertThat(get("127.0.0.7").status()).as("on again, the counts kept").isEqualTo(429);
  }

  @Test
  void ipv6Client_rotatingAddressesOfItsSlash64_isOneClient_shownAndClearedAsItsNetwork() throws Exception {
    // behind the trusted proxy, a client hopping through its /64 (as privacy addresses do, or a forger on purpose)
    for (int i = 0; i < LIMIT; i++) {
      assertThat(get(PROXY, "X-Forwarded-For: 2001:db8:6:6::" + Integer.toHexString(i + 1)).status()).isEqualTo(200);
    }
    assertThat(get(PROXY, "X-Forwarded-For: 2001:db8:6:6:ffff:1:2:3").status()).as("a fresh address of the /64")
        .isEqualTo(429);
    assertThat(get(PROXY, "X-Forwarded-For: [2001:db8:6:7::1]").status()).as("the next /64").isEqualTo(200);

    AdminProcess.Run shown = AdminProcess.admin(gateway.jmxPort, gateway.adminEnvironment(), "show-table", "--table",
        ObjectNames.CLIENT_IPS, "--filter", "http_req_rate", "ge", String.valueOf(LIMIT));
    assertThat(shown.exit()).as(shown.err()).isZero();
    assertThat(shown.out()).contains("key=2001:db8:6:6:0:0:0:0/64 http_req_rate=3 ").doesNotContain("2001:db8:6:6::");

    AdminProcess.Run cleared = AdminProcess.admin(gateway.jmxPort, gateway.adminEnvironment(), "clear-table", "--table",
        ObjectNames.CLIENT_IPS, "2001:db8:6:6::42");
    assertThat(cleared.exit()).as(cleared.err()).isZero();
    assertThat(get(PROXY, "X-Forwarded-For: 2001:db8:6:6::1").status()).as("an address clears its /64").isEqualTo(200);

    try (JMXConnector connector = jmx()) {
      GatewayMXBean control = JMX.newMXBeanProxy(connector.getMBeanServerConnection(),
          ObjectNames.of(ObjectNames.GATEWAY), GatewayMXBean.class);
      Gateway.setSetting(gateway.confDir.resolve("gateway.properties"), "ip.ipv6.prefix", "128");
      control.reloadAll();
      try {
        assertThat(get(PROXY, "X-Forwarded-For: 2001:db8:6:6::2").status()).as("ip.ipv6.prefix=128").isEqualTo(200);
        assertThat(clientIps(connector).show()).as("counted per address")
            .contains("key=2001:db8:6:6:0:0:0:2 http_req_rate=1 ");
      } finally {
        Gateway.setSetting(gateway.confDir.resolve("gateway.properties"), "ip.ipv6.prefix", "64");
        control.reloadAll();
      }
      assertThat(clientIps(connector).show()).as("per /64 again, its counts kept")
          .contains("key=2001:db8:6:6:0:0:0:0/64 http_req_rate=1 ");
    }
  }
}
