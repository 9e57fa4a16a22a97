package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.s3gate.testsupport.FreePorts;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The same {@code target/s3gate.war} on a real Apache Tomcat 10.1 (the distribution from Maven
 * Central, unpacked by the build), deployed as {@code ROOT.war} in a CATALINA_BASE of its own with
 * the configuration directory given as {@code -Ds3gate.conf.dir}, in front of a real s3proxy: an S3
 * round trip, a 429 SlowDown, and the access log through Tomcat's logging.
 */
class TomcatIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static S3Backend backend;
  private static Path base;
  private static int port;
  private static ManagedProcess tomcat;

  @BeforeAll
  static void start() throws Exception {
    Path home = Path.of(System.getProperty("s3gate.tomcat.home", "target/apache-tomcat")).toAbsolutePath();
    assertThat(home.resolve("bin/bootstrap.jar")).as("Tomcat unpacked by the build (mvn verify)").exists();
    backend = S3Backend.start("tomcat-it-backend");
    port = FreePorts.next();
    base = Files.createTempDirectory("s3gate-tomcat-it-");
    for (String dir : List.of("conf", "logs", "temp", "work", "webapps")) {
      Files.createDirectories(base.resolve(dir));
    }
    try (Stream<Path> files = Files.list(home.resolve("conf"))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, base.resolve("conf").resolve(file.getFileName()));
      }
    }
    configureServerXml(base.resolve("conf/server.xml"));
    Files.copy(ManagedProcess.ROOT.resolve("target/s3gate.war"), base.resolve("webapps/ROOT.war"),
        StandardCopyOption.REPLACE_EXISTING);
    Path conf = base.resolve("s3gate-conf");
    Gateway.copyTree(ManagedProcess.ROOT.resolve("conf"), conf);
    Files.writeString(conf.resolve("api_key_groups.map"), "\nTOMCATKEY0000000001 tomcatgrp\n",
        java.nio.file.StandardOpenOption.APPEND);
    Files.writeString(conf.resolve("rate_limits_per_minute.map"), "\ntomcatgrp 2\n", java.nio.file.StandardOpenOption.APPEND);
    // The access log through the container's logging (Tomcat JULI), not a file of its own.
    Gateway.setSetting(conf.resolve("gateway.properties"), "access.log.file", "");
    // A tarpit only 127.0.0.2 reaches here: over 5 requests and 3 errors within 2 s.
    Gateway.setSetting(conf.resolve("gateway.properties"), "ip.window", "2s");
    Gateway.setSetting(conf.resolve("gateway.properties"), "ip.tarpit.requests", "5");
    Gateway.setSetting(conf.resolve("gateway.properties"), "ip.tarpit.errors", "3");
    Gateway.setSetting(conf.resolve("gateway.properties"), "tarpit.delay", "1s");

    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m",
        // what catalina.sh adds on Java 9+ (Tomcat's leak prevention reflects into these)
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
        "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED",
        "-Dcatalina.home=" + home, "-Dcatalina.base=" + base, "-Djava.io.tmpdir=" + base.resolve("temp"),
        "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
        "-Djava.util.logging.config.file=" + base.resolve("conf/logging.properties"),
        "-Ds3gate.conf.dir=" + conf,
        "-cp", home.resolve("bin/bootstrap.jar") + java.io.File.pathSeparator + home.resolve("bin/tomcat-juli.jar"),
        "org.apache.catalina.startup.Bootstrap", "start"));
    tomcat = ManagedProcess.start("tomcat-it-tomcat", command, Map.of("S3GATE_BACKEND", backend.url()));
    tomcat.awaitHttp(url() + "/_s3gate/health", 200, Duration.ofSeconds(90));
  }

  /**
   * The connector on a free loopback port, set up as README says for S3 (encoded slashes passed
   * through, the characters S3 keys may hold accepted); no shutdown port.
   */
  private static void configureServerXml(Path serverXml) throws Exception {
    String xml = Files.readString(serverXml);
    xml = xml.replace("<Server port=\"8005\"", "<Server port=\"-1\"");
    String connector = "<Connector port=\"8080\" protocol=\"HTTP/1.1\"";
    assertThat(xml).contains(connector);
    xml = xml.replace(connector, "<Connector port=\"" + port + "\" address=\"127.0.0.1\" protocol=\"HTTP/1.1\""
        + " encodedSolidusHandling=\"passthrough\""
        + " relaxedPathChars=\"[]|{}^&#x5c;&#x60;&quot;&lt;&gt;\" relaxedQueryChars=\"[]|{}^&#x5c;&#x60;&quot;&lt;&gt;\"");
    Files.writeString(serverXml, xml);
  }

  private static String url() {
    return "http://127.0.0.1:" + port;
  }

  @AfterAll
  static void stop() throws Exception {
    if (tomcat != null) {
      tomcat.close();
    }
    if (backend != null) {
      backend.close();
    }
    if (base != null) {
      try (Stream<Path> paths = Files.walk(base)) {
        paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(path -> path.toFile().delete());
      }
    }
  }

  @Test
  void proxyClient_onTomcat_isTheCopyBundledInTheWar() throws Exception {
    assertThat(tomcat.output()).containsPattern("proxy client: Jetty HTTP client \\S+ from the WAR");
  }

  @Test
  void sdk_throughTomcat_roundTripsObjects() {
    try (S3Client s3 = S3Clients.noRetries(url())) {
      s3.createBucket(b -> b.bucket("tomcat"));
      s3.putObject(b -> b.bucket("tomcat").key("dir/sp ace+plus ü"), RequestBody.fromString("on tomcat"));

      assertThat(s3.getObjectAsBytes(b -> b.bucket("tomcat").key("dir/sp ace+plus ü")).asUtf8String())
          .isEqualTo("on tomcat");
      assertThat(s3.listObjectsV2(b -> b.bucket("tomcat")).contents()).hasSize(1);
    }
  }

  /** Tomcat's conf/web.xml maps *.jsp and *.jspx to its JSP servlet; the WAR's own mapping sends them to the proxy. */
  @Test
  void jspSuffix_inKey_reachesTheBackend() throws Exception {
    for (String key : List.of("page.jsp", "page.jspx")) {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/tomcat/" + key)).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).as(key).isIn(403, 404);
      assertThat(response.body()).as(key).contains("<Error><Code>");
    }
  }

  @Test
  void encodedSlash_inKey_reachesTheBackend() throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/tomcat/a%2Fb")).build(),
        HttpResponse.BodyHandlers.ofString());

    // s3proxy answers the unsigned request with its S3 XML error (403 or 404 by bucket state): the
    // path reached it, and Tomcat did not reject it (400) or answer with its own error page.
    assertThat(response.statusCode()).isIn(403, 404);
    assertThat(response.body()).contains("<Error><Code>");
  }

  @Test
  void overLimit_throughTomcat_gets429SlowDownAndAnAccessLogLine() throws Exception {
    List<HttpResponse<String>> responses = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      responses.add(HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/tomcat/limited")).header("X-API-Key",
          "TOMCATKEY0000000001").build(), HttpResponse.BodyHandlers.ofString()));
    }

    HttpResponse<String> denied = responses.get(2);
    assertThat(responses.get(0).statusCode()).isNotEqualTo(429);
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/xml"));
    assertThat(denied.headers().firstValue("Retry-After")).isPresent();
    assertThat(denied.headers().firstValue("X-RateLimit-Group")).hasValue("tomcatgrp");
    assertThat(denied.body()).contains("<Code>SlowDown</Code>", "(2 requests/minute per API key)",
        "<ApiKey>TOMCATKEY0000000001</ApiKey>");

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!tomcat.output().contains("key=TOMCATKEY0000000001 group=tomcatgrp auth=custom_header decision=denied_per_minute")
        && System.nanoTime() - deadline < 0) {
      Thread.sleep(100);
    }
    assertThat(tomcat.output()).contains("key=TOMCATKEY0000000001 group=tomcatgrp auth=custom_header decision=denied_per_minute");
  }

  /** The tarpit is plain Servlet async: on Tomcat too a held request is answered 429 and closed after the delay. */
  @Test
  void tarpit_throughTomcat_holdsTheAbusiveIpThenAnswersSlowDownAndCloses() throws Exception {
    int port = TomcatIT.port;
    java.util.function.Supplier<List<String>> forged = () -> List.of("GET /tomcat-tarpit/ HTTP/1.1",
        "Host: 127.0.0.1:" + port,
        "Date: " + java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(java.time.ZonedDateTime.now(
            java.time.ZoneOffset.UTC)),
        "Authorization: AWS " + S3Backend.ACCESS_KEY + ":Zm9yZ2VkZm9yZ2VkZm9yZ2VkZm9yZ2U=");
    for (int i = 0; i < 5; i++) {
      assertThat(RawHttp.exchange("127.0.0.2", "127.0.0.1", port, forged.get(), new byte[0], false).status())
          .as("forged request %d", i).isEqualTo(403);
    }
    RawHttp.Response held = RawHttp.exchange("127.0.0.2", "127.0.0.1", port, forged.get(), new byte[0], false);

    assertThat(held.status()).as("%s", held).isEqualTo(429);
    assertThat(held.header("Connection")).isEqualTo("close");
    assertThat(held.bodyText()).contains("<Code>SlowDown</Code>", "per client IP: tarpit");
    String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/_s3gate/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(ObservabilityIT.value(metrics, "s3gate_denials_total", "rule=\"ip_tarpit\"")).isEqualTo(1);
  }

  @Test
  void postPolicyUpload_throughTomcat_identifiedFromTheFormAndStored() throws Exception {
    try (S3Client direct = S3Clients.noRetries(backend.url());
        TransparencyTarget through = new TransparencyTarget("tomcat", port, "tomcat-post", S3Clients.noRetries(url()),
            S3Clients.presigner(url()))) {
      String bucket = through.bucket(TransparencyTarget.BucketKind.PRIVATE);
      direct.createBucket(b -> b.bucket(bucket));

      RawHttp.Response response = RawRequest.post(null).anonymous()
          .form(PostForms.of(PostForms.Signing.V4, "posted", Map.of(), "via form")).send(through);

      assertThat(response.status()).as(response.toString()).isBetween(200, 204);
      assertThat(response.header("X-API-Key")).isEqualTo(S3Backend.ACCESS_KEY);
      assertThat(response.header("X-Auth-Method")).isEqualTo("post_policy");
      assertThat(direct.getObjectAsBytes(b -> b.bucket(bucket).key("posted")).asUtf8String()).isEqualTo("via form");
    }
  }
}
