package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import javax.management.JMX;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.s3gate.management.MapMXBean;
import org.s3gate.management.TableMXBean;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Per-bucket limits and conditioned limits end to end (issue 16 items 2 and 4): real Jetty + WAR +
 * s3proxy (signature checking on, virtual-hosted buckets under {@code s3.example.test}), the real
 * AWS SDK v2 path-style and virtual-hosted (its connections resolved to 127.0.0.1), raw requests
 * from 127.0.0.1 (a trusted proxy here) and 127.0.0.2 (not one), and the buckets table over JMX.
 *
 * <p>s3proxy knows one identity, so the second tenant's requests name their key in
 * {@code X-API-Key} without a signature: the gateway counts them under that key, and s3proxy
 * answers them 403 {@code AccessDenied} (anonymous), which, unlike a forged signature, is no
 * refund (or 404 for a key that does not exist). Admitted means "not 429" for them.
 */
class BucketAndConditionIT {
  private static final String DOMAIN = "s3.example.test";
  private static final String TENANT_B = "TENANTBKEY0000000002";
  private static final String TENANT_C = "TENANTCKEY0000000003";
  private static final int HOT_PER_MINUTE = 6;

  private static S3Backend backend;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("bucket-it-backend", DOMAIN);
    try (S3Client direct = client(backend.port(), true)) {
      direct.createBucket(b -> b.bucket("hot"));
      direct.createBucket(b -> b.bucket("cold"));
    }
    gateway = Gateway.builder("bucket-it-gateway", backend.url())
        .setting("s3.domain", DOMAIN)
        .setting("trusted.proxies", "127.0.0.1/32")
        .setting("limit.header.country", "CF-IPCountry")
        .setting("limit.schedule.always", "* 00:00-24:00")
        .appendConf("api_key_groups.map", TENANT_B + " beta", TENANT_C + " gamma")
        .appendConf("rate_limits_per_second.map", "beta 100", "beta@country=CN 3", "gamma 5", "gamma@always 7")
        .appendConf("rate_limits_per_minute.map", "beta 1000", "gamma 1000")
        .editConf("bucket_limits_per_minute.map", text -> "# per-bucket limits of this test\nhot " + HOT_PER_MINUTE + "\n")
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  /**
   * The SDK at {@code http://s3.example.test:PORT}, its connections resolved to 127.0.0.1: path-style
   * ({@code Host: s3.example.test:PORT}, {@code /hot/key}) or virtual-hosted
   * ({@code Host: hot.s3.example.test:PORT}, {@code /key}). s3proxy with a virtual host takes any
   * other Host as a bucket's own name, so path-style requests name the domain too.
   */
  private static S3Client client(int port, boolean pathStyle) {
    return S3Client.builder()
        .endpointOverride(URI.create("http://" + DOMAIN + ":" + port))
        .region(Region.US_EAST_1)
        .credentialsProvider(S3Clients.credentials(S3Backend.ACCESS_KEY, S3Backend.SECRET_KEY))
        .forcePathStyle(pathStyle)
        .httpClientBuilder(ApacheHttpClient.builder().socketTimeout(Duration.ofSeconds(30))
            .dnsResolver(host -> new InetAddress[] {InetAddress.getLoopbackAddress()}))
        .overrideConfiguration(ClientOverrideConfiguration.builder().retryStrategy(DefaultRetryStrategy.doNotRetry())
            .apiCallTimeout(Duration.ofMinutes(1)).build())
        .build();
  }

  private static RawHttp.Response raw(String from, String host, String path, String... headers) throws Exception {
    List<String> head = new java.util.ArrayList<>(List.of("GET " + path + " HTTP/1.1", "Host: " + host,
        "Connection: close"));
    head.addAll(List.of(headers));
    return RawHttp.exchange(from, "127.0.0.1", gateway.httpPort, head, new byte[0], false);
  }

  @Test
  void tenantsShareABucketsLimit_pathStyleAndVirtualHosted_anotherBucketIsUnaffected() throws Exception {
    String hostPort = DOMAIN + ":" + gateway.httpPort;
    try (S3Client pathStyle = client(gateway.httpPort, true); S3Client virtualHosted = client(gateway.httpPort, false)) {
      pathStyle.putObject(b -> b.bucket("hot").key("a"), RequestBody.fromString("path-style"));
      pathStyle.putObject(b -> b.bucket("hot").key("b"), RequestBody.fromString("path-style"));
      virtualHosted.putObject(b -> b.bucket("hot").key("c"), RequestBody.fromString("virtual-hosted"));
      assertThat(virtualHosted.getObjectAsBytes(b -> b.bucket("hot").key("a")).asUtf8String()).isEqualTo("path-style");
      RawHttp.Response otherTenant = raw(null, hostPort, "/hot/a", "X-API-Key: " + TENANT_B);
      assertThat(otherTenant.status()).isEqualTo(403); // admitted; s3proxy refuses the unsigned request
      assertThat(otherTenant.header("X-RateLimit-Group")).isEqualTo("beta");
      assertThat(otherTenant.header("X-RateLimit-Bucket-Limit-Per-Minute")).isEqualTo(String.valueOf(HOT_PER_MINUTE));
      assertThat(otherTenant.header("X-RateLimit-Bucket-Current-Per-Minute")).isEqualTo("5");
      RawHttp.Response otherTenantVirtual = raw(null, "hot." + DOMAIN + ":" + gateway.httpPort, "/a",
          "X-API-Key: " + TENANT_B);
      assertThat(otherTenantVirtual.status()).isEqualTo(403);
      assertThat(otherTenantVirtual.header("X-RateLimit-Bucket-Current-Per-Minute")).isEqualTo("6");

      RawHttp.Response denied = raw(null, hostPort, "/hot/a", "X-API-Key: " + TENANT_B);
      assertThat(denied.status()).isEqualTo(429);
      assertThat(denied.bodyText()).contains("<Code>SlowDown</Code>")
          .contains("(" + HOT_PER_MINUTE + " requests/minute for bucket hot)");
      assertThat(denied.header("Retry-After")).isNotNull();
      S3Exception sdkDenied = null;
      try {
        virtualHosted.getObjectAsBytes(b -> b.bucket("hot").key("a"));
      } catch (S3Exception e) {
        sdkDenied = e;
      }
      assertThat(sdkDenied).isNotNull();
      assertThat(sdkDenied.statusCode()).isEqualTo(429);
      assertThat(sdkDenied.awsErrorDetails().errorCode()).isEqualTo("SlowDown");
      assertThat(sdkDenied.awsErrorDetails().errorMessage()).endsWith("(" + HOT_PER_MINUTE + " requests/minute for bucket hot)");

      // another bucket, both styles, both tenants: unaffected, and has no bucket headers
      pathStyle.putObject(b -> b.bucket("cold").key("a"), RequestBody.fromString("x"));
      virtualHosted.putObject(b -> b.bucket("cold").key("b"), RequestBody.fromString("y"));
      RawHttp.Response cold = raw(null, hostPort, "/cold/a", "X-API-Key: " + TENANT_B);
      assertThat(cold.status()).isEqualTo(403);
      assertThat(cold.header("X-RateLimit-Bucket-Limit-Per-Minute")).isNull();
      assertThat(pathStyle.listBuckets().buckets()).extracting(b -> b.name()).contains("hot", "cold"); // no bucket
    }

    try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl()), gateway.jmxEnvironment())) {
      MBeanServerConnection mbeans = connector.getMBeanServerConnection();
      TableMXBean buckets = JMX.newMXBeanProxy(mbeans, new ObjectName("s3gate:type=Table,name=buckets"), TableMXBean.class);
      String table = buckets.show();
      assertThat(table).contains("# table: buckets, size: 1,");
      assertThat(table).containsPattern("key=hot limit=hot per_second=\\d+ per_minute=" + HOT_PER_MINUTE
          + " admitted_total=" + HOT_PER_MINUTE + " denied_total=2 ");
      // the new maps are managed like the others: an edit is in force for the next request
      MapMXBean coldLimits = JMX.newMXBeanProxy(mbeans, new ObjectName("s3gate:type=Map,name=bucket_limits_per_minute"),
          MapMXBean.class);
      coldLimits.set("cold", "1");
      assertThat(coldLimits.get("cold")).isEqualTo("1");
    }
    RawHttp.Response coldFirst = raw(null, hostPort, "/cold/a", "X-API-Key: " + TENANT_B);
    assertThat(coldFirst.header("X-RateLimit-Bucket-Limit-Per-Minute")).isEqualTo("1");
    assertThat(raw(null, hostPort, "/cold/a", "X-API-Key: " + TENANT_B).status()).isEqualTo(429);

    AdminProcess.Run cli = AdminProcess.admin(gateway.jmxPort, gateway.adminEnvironment(), "show-table", "--table", "buckets");
    cli.assertOk();
    assertThat(cli.out()).contains("# table: buckets, size: 2,").contains("key=hot limit=hot ").contains("key=cold limit=cold ");
  }

  @Test
  void countryHeader_fromTheTrustedProxy_selectsTheOverride_fromAnotherClient_isIgnored() throws Exception {
    String hostPort = DOMAIN + ":" + gateway.httpPort;
    RawHttp.Response trusted = raw("127.0.0.1", hostPort, "/warm/x", "X-API-Key: " + TENANT_B, "CF-IPCountry: CN");
    assertThat(trusted.status()).isNotEqualTo(429); // admitted (s3proxy answers the unsigned request)
    assertThat(trusted.header("X-RateLimit-Group")).isEqualTo("beta@country=CN");
    assertThat(trusted.header("X-RateLimit-Limit-Per-Second")).isEqualTo("3");

    RawHttp.Response untrusted = raw("127.0.0.2", hostPort, "/warm/x", "X-API-Key: " + TENANT_B, "CF-IPCountry: CN");
    assertThat(untrusted.status()).isNotEqualTo(429); // admitted (s3proxy answers the unsigned request)
    assertThat(untrusted.header("X-RateLimit-Group")).isEqualTo("beta");
    assertThat(untrusted.header("X-RateLimit-Limit-Per-Second")).isEqualTo("100");

    RawHttp.Response otherCountry = raw("127.0.0.1", hostPort, "/warm/x", "X-API-Key: " + TENANT_B, "CF-IPCountry: DE");
    assertThat(otherCountry.header("X-RateLimit-Group")).isEqualTo("beta");
  }

  @Test
  void schedule_thatHolds_selectsItsVariant() throws Exception {
    RawHttp.Response response = raw(null, DOMAIN + ":" + gateway.httpPort, "/warm/x", "X-API-Key: " + TENANT_C);
    assertThat(response.header("X-RateLimit-Group")).isEqualTo("gamma@always");
    assertThat(response.header("X-RateLimit-Limit-Per-Second")).isEqualTo("7");
  }
}
