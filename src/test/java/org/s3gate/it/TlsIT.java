package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * S3 over HTTPS on the jetty-base's TLS connector, with the self-signed keystore bin/s3gate-jetty
 * generated on first start: the AWS SDK trusts exactly that certificate (loaded from the keystore),
 * TLS 1.2 and 1.3 are negotiated, TLS 1.1 is refused by the server, and HSTS is sent over HTTPS.
 */
class TlsIT {
  private static final String KEYSTORE_PASSWORD = "s3gate-self-signed"; // jetty-base/start.d/https.ini
  private static S3Backend backend;
  private static Gateway gateway;
  private static TrustManagerFactory trust;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("tls-it-backend");
    gateway = Gateway.builder("tls-it-gateway", backend.url()).start();
    KeyStore keystore = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(gateway.dir.resolve("keystore.p12"))) {
      keystore.load(in, KEYSTORE_PASSWORD.toCharArray());
    }
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("s3gate", keystore.getCertificate("s3gate"));
    trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  @Test
  void sdk_overHttpsTrustingGeneratedCertificate_roundTripsAnObject() {
    try (S3Client s3 = S3Client.builder()
        .endpointOverride(URI.create(gateway.httpsUrl()))
        .region(Region.US_EAST_1)
        .credentialsProvider(S3Clients.credentials(S3Backend.ACCESS_KEY, S3Backend.SECRET_KEY))
        .forcePathStyle(true)
        .httpClientBuilder(ApacheHttpClient.builder().tlsTrustManagersProvider(trust::getTrustManagers))
        .build()) {
      s3.createBucket(b -> b.bucket("tls"));
      s3.putObject(b -> b.bucket("tls").key("secret/object"), RequestBody.fromString("over TLS"));

      assertThat(s3.getObjectAsBytes(b -> b.bucket("tls").key("secret/object")).asUtf8String()).isEqualTo("over TLS");
    }
  }

  @Test
  void https_response_carriesHstsAndNosniff() throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    HttpClient https = HttpClient.newBuilder().sslContext(context).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    HttpResponse<Void> response = https.send(HttpRequest.newBuilder(URI.create(gateway.httpsUrl() + "/_s3gate/health")).build(),
        HttpResponse.BodyHandlers.discarding());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().allValues("Strict-Transport-Security")).containsExactly("max-age=31536000");
    assertThat(response.headers().allValues("X-Content-Type-Options")).containsExactly("nosniff");
  }

  @Test
  void handshake_tls12And13_areNegotiated() throws Exception {
    assertThat(probe("TLSv1.2")).startsWith("OK TLSv1.2 TLS_ECDHE_");
    assertThat(probe("TLSv1.3")).startsWith("OK TLSv1.3 TLS_");
  }

  @Test
  void handshake_tls11Only_isRefusedByTheServer() throws Exception {
    String result = probe("TLSv1.1");

    // "Received fatal alert" proves the ClientHello went out and the server refused it (a client
    // that could not offer TLS 1.1 would fail locally with "No appropriate protocol").
    assertThat(result).startsWith("FAILED javax.net.ssl.SSLHandshakeException").contains("Received fatal alert");
  }

  /** Runs {@link TlsProbe} in a JVM whose security properties allow TLS 1.0/1.1 on the client side. */
  private static String probe(String protocol) throws Exception {
    Path security = Files.createTempFile("tls-probe-", ".security");
    Files.writeString(security, "jdk.tls.disabledAlgorithms=SSLv3, RC4, DES, MD5withRSA, DH keySize < 1024, "
        + "EC keySize < 224, 3DES_EDE_CBC, anon, NULL\n");
    try {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process process = new ProcessBuilder(List.of(java, "-Djava.security.properties=" + security,
          "-cp", ManagedProcess.ROOT.resolve("target/test-classes").toString(), TlsProbe.class.getName(),
          "127.0.0.1", Integer.toString(gateway.httpsPort), protocol)).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      return output;
    } finally {
      Files.deleteIfExists(security);
    }
  }
}
