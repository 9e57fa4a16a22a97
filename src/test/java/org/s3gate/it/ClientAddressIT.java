package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

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
 * Budgets per client address, against the real stack (Jetty + WAR + s3proxy with signatures on),
 * acting as several clients by binding to 127.0.0.2 and 127.0.0.3:
 * <ul>
 *   <li>unsigned requests are counted per client address, not under one key all anonymous readers
 *       of all public buckets share (issue 14, point 2);
 *   <li>a flood of invented keys from one address neither reaches the backend beyond that
 *       address's budget nor resets a spent key by evicting it from the table (issue 13, item 10);
 *   <li>behind a trusted proxy, the client is the forwarded address, for limiting, for
 *       {@code admin.allow} and in the access log (issue 13, item 12).
 * </ul>
 * The anonymous group here allows 5 requests a minute per address; the table holds 200 keys.
 */
class ClientAddressIT {
  private static final String BUCKET = "public";
  private static final int ANONYMOUS_PER_MINUTE = 5;
  private static final String SPENT_KEY = "SPENTKEY000000000001";

  private static S3Backend backend;
  private static Gateway gateway;
  private static Gateway proxied;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("client-address-it-backend");
    gateway = Gateway.builder("client-address-it-gateway", backend.url())
        .setting("anonymous.group", "public")
        .setting("table.size", "200")
        .appendConf("api_key_groups.map", SPENT_KEY + " spender")
        .appendConf("rate_limits_per_minute.map", "public " + ANONYMOUS_PER_MINUTE, "spender 100")
        .appendConf("rate_limits_per_second.map", "public 1000", "spender 1000")
        .start();
    proxied = Gateway.builder("client-address-it-proxied", backend.url())
        .setting("trusted.proxies", "127.0.0.1/32")
        .setting("admin.allow", "127.0.0.1/32")
        .setting("anonymous.group", "public")
        .appendConf("rate_limits_per_minute.map", "public " + ANONYMOUS_PER_MINUTE)
        .appendConf("rate_limits_per_second.map", "public 1000")
        .start();
    try (S3Client direct = S3Clients.client(backend.url())) {
      direct.createBucket(b -> b.bucket(BUCKET).acl("public-read"));
      direct.putObject(b -> b.bucket(BUCKET).key("readme").acl(ObjectCannedACL.PUBLIC_READ),
          RequestBody.fromString("hello"));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, proxied, backend);
  }

  private static RawHttp.Response get(Gateway to, String from, String target, String... headers) throws Exception {
    List<String> head = new java.util.ArrayList<>(List.of("GET " + target + " HTTP/1.1", "Host: 127.0.0.1:" + to.httpPort));
    head.addAll(List.of(headers));
    return RawHttp.exchange(from, "127.0.0.1", to.httpPort, head, new byte[0], false);
  }

  @Test
  void anonymousReaders_areCountedPerClientAddress_oneExhaustedAddressLeavesOthersTheirBudget() throws Exception {
    for (int i = 0; i < ANONYMOUS_PER_MINUTE; i++) {
      RawHttp.Response admitted = get(gateway, "127.0.0.2", "/" + BUCKET + "/readme");
      assertThat(admitted.status()).isEqualTo(200);
      assertThat(new String(admitted.body(), StandardCharsets.UTF_8)).isEqualTo("hello");
      assertThat(admitted.header("X-API-Key")).isEqualTo("anonymous");
      assertThat(admitted.header("X-Auth-Method")).isEqualTo("none");
      assertThat(admitted.header("X-RateLimit-Group")).isEqualTo("public");
    }
    RawHttp.Response denied = get(gateway, "127.0.0.2", "/" + BUCKET + "/readme");
    assertThat(denied.status()).isEqualTo(429);
    assertThat(new String(denied.body(), StandardCharsets.UTF_8))
        .contains("(" + ANONYMOUS_PER_MINUTE + " requests/minute per client address)");

    RawHttp.Response otherReader = get(gateway, "127.0.0.3", "/" + BUCKET + "/readme");
    assertThat(otherReader.status()).isEqualTo(200);

    try (JMXConnector jmx = JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl()), gateway.jmxEnvironment())) {
      TableMXBean table = JMX.newMXBeanProxy(jmx.getMBeanServerConnection(), ObjectNames.of(ObjectNames.TABLE),
          TableMXBean.class);
      assertThat(table.show()).contains("key=anonymous@127.0.0.2 group=public per_second=")
          .contains("key=anonymous@127.0.0.3 group=public");
    }
    assertThat(gateway.accessLog()).contains("client=127.0.0.2 method=GET path=/" + BUCKET + "/readme status=429")
        .contains("key=anonymous group=public auth=none decision=denied_per_minute");
  }

  @Test
  void floodOfInventedKeys_fromOneAddress_reachesTheBackendOnlyWithinItsBudget_andKeepsASpentKeySpent()
      throws Exception {
    String spent = "Authorization: AWS4-HMAC-SHA256 Credential=" + SPENT_KEY
        + "/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00";
    for (int i = 0; i < 97; i++) {
      assertThat(get(gateway, "127.0.0.1", "/" + BUCKET + "/readme", spent).status()).isNotEqualTo(429);
    }
    int forwarded = 0;
    for (int i = 0; i < 600; i++) { // three times the table: before the fix, this evicted the spent key
      String invented = "INV" + UUID.randomUUID().toString().replace("-", "").substring(0, 17).toUpperCase();
      RawHttp.Response response = get(gateway, "127.0.0.4", "/" + BUCKET + "/readme", "X-API-Key: " + invented);
      if (response.status() != 429) {
        forwarded++;
      }
    }
    assertThat(forwarded).isLessThanOrEqualTo(ANONYMOUS_PER_MINUTE);

    int admittedAfterFlood = 0;
    for (int i = 0; i < 10; i++) {
      if (get(gateway, "127.0.0.1", "/" + BUCKET + "/readme", spent).status() != 429) {
        admittedAfterFlood++;
      }
    }
    assertThat(admittedAfterFlood).isEqualTo(3); // 100 a minute, 97 spent: the table kept its count
  }

  @Test
  void behindATrustedProxy_theForwardedClientIsLimitedLoggedAndNotTakenForAnAdmin() throws Exception {
    for (int i = 0; i < ANONYMOUS_PER_MINUTE; i++) {
      assertThat(get(proxied, "127.0.0.1", "/" + BUCKET + "/readme", "X-Forwarded-For: 198.51.100.7").status())
          .isEqualTo(200);
    }
    assertThat(get(proxied, "127.0.0.1", "/" + BUCKET + "/readme", "X-Forwarded-For: 198.51.100.7").status())
        .isEqualTo(429);
    // another client behind the same proxy has its own budget; a spoofed hop left of it changes nothing
    assertThat(get(proxied, "127.0.0.1", "/" + BUCKET + "/readme",
        "X-Forwarded-For: 198.51.100.7, 198.51.100.8").status()).isEqualTo(200);

    assertThat(get(proxied, "127.0.0.1", "/_s3gate/metrics", "X-Forwarded-For: 203.0.113.9").status()).isEqualTo(403);
    assertThat(get(proxied, "127.0.0.1", "/_s3gate/metrics").status()).isEqualTo(200);
    assertThat(proxied.accessLog()).contains("client=198.51.100.7 method=GET")
        .contains("client=198.51.100.8 method=GET");

    // an untrusted client's X-Forwarded-For is ignored: it cannot choose its address
    assertThat(get(proxied, "127.0.0.2", "/_s3gate/metrics", "X-Forwarded-For: 127.0.0.1").status()).isEqualTo(403);
  }
}
