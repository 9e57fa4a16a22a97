package org.s3gate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.admit.Budget;
import org.s3gate.admit.StoreStatus;
import org.s3gate.config.ConfigReloader;
import org.s3gate.policy.ClusterSettings;
import org.s3gate.policy.GatewaySettings;

/**
 * {@code rediss://} against a real TLS-only {@code redis-server} whose certificate a private CA
 * (made with openssl by the test) signed: trusted through the JVM's truststore
 * ({@code javax.net.ssl.trustStore}, what {@code S3GATE_JAVA_OPTS} sets for a gateway) it shares
 * exact decisions; not trusted, it fails closed to {@code redis.failure} with one ERROR line that
 * says the certificate is the problem. No new setting: Lettuce's default for {@code rediss://} is
 * full verification (chain and host name) against the JVM's default trust managers.
 */
@Timeout(60)
class RedisTlsTest {
  private static final String[] TRUST_PROPERTIES = {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword",
      "javax.net.ssl.trustStoreType"};
  private static TestCertificates certificates;
  private static RedisServer redis;
  private static GatewaySettings settings;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\n");
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      settings = config.store().current().settings();
    }
    certificates = TestCertificates.create(dir);
    redis = RedisServer.builder().tls(certificates).start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (redis != null) {
      redis.close();
    }
  }

  /** Sets the JVM's truststore properties to {@code certificates}' truststore, and restores them on close. */
  private static final class TrustedCa implements AutoCloseable {
    private final String[] previous = new String[TRUST_PROPERTIES.length];

    TrustedCa(TestCertificates certificates) {
      String[] values = {certificates.truststore().toString(), TestCertificates.TRUSTSTORE_PASSWORD, "PKCS12"};
      for (int i = 0; i < TRUST_PROPERTIES.length; i++) {
        previous[i] = System.setProperty(TRUST_PROPERTIES[i], values[i]);
      }
    }

    @Override
    public void close() {
      for (int i = 0; i < TRUST_PROPERTIES.length; i++) {
        if (previous[i] == null) {
          System.clearProperty(TRUST_PROPERTIES[i]);
        } else {
          System.setProperty(TRUST_PROPERTIES[i], previous[i]);
        }
      }
    }
  }

  @Test
  void rediss_withThePrivateCaInTheJvmTruststore_sharesExactDecisions() {
    try (TrustedCa trusted = new TrustedCa(certificates);
        RedisCounterStore store = RedisAuthTest.store(redis.uri(), ClusterSettings.Failure.CLOSED)) {
      RedisAuthTest.assertExactlyLimitAdmitted(store, settings, "TLSTRUSTED");
    }
    assertThat(redis.calls("fcall")).as("decided by the TLS server").isPositive();
  }

  @Test
  void rediss_withACertificateTheJvmDoesNotTrust_failsClosed_withOneErrorLineNamingTheCertificate() throws Exception {
    long fcalls = redis.calls("fcall");
    try (LogCapture log = LogCapture.of(RedisCounterStore.class);
        RedisCounterStore store = RedisAuthTest.store(redis.uri(), ClusterSettings.Failure.CLOSED)) {
      assertThat(store.mode()).isEqualTo(StoreStatus.FALLBACK_CLOSED);
      Budget budget = new Budget("TLSUNTRUSTED", 1_000, 1_000);
      assertThat(store.tryAcquire(new Budget[] {budget}, 1, settings, 0).admitted()).as("redis.failure=closed").isFalse();
      RedisAuthTest.awaitProbeFailures(log, 3);
      assertThat(log.errors()).as(String.join("\n", log.all())).hasSize(1);
      assertThat(log.errors().get(0)).contains("rediss://127.0.0.1:" + redis.port()).contains("certificate")
          .contains("javax.net.ssl.trustStore");
      assertThat(store.mode()).isEqualTo(StoreStatus.FALLBACK_CLOSED);
    }
    assertThat(redis.calls("fcall")).as("nothing sent over an unverified connection").isEqualTo(fcalls);
  }

  @Test
  void rediss_toACertificateOfATrustedCaThatNamesAnotherHost_failsClosed(@TempDir Path otherDir) throws Exception {
    TestCertificates elsewhere = TestCertificates.create(otherDir, "DNS:redis.internal");
    try (RedisServer misnamed = RedisServer.builder().tls(elsewhere).start();
        TrustedCa trusted = new TrustedCa(elsewhere);
        LogCapture log = LogCapture.of(RedisCounterStore.class);
        RedisCounterStore store = RedisAuthTest.store(misnamed.uri(), ClusterSettings.Failure.CLOSED)) {
      assertThat(store.mode()).as("the CA is trusted, but the certificate does not name 127.0.0.1")
          .isEqualTo(StoreStatus.FALLBACK_CLOSED);
      assertThat(log.errors()).singleElement().asString().contains("127.0.0.1").contains("certificate");
      assertThat(misnamed.calls("fcall")).isZero();
    }
  }

  @Test
  void plainRedisUri_toATlsPort_isOneErrorLine_andTheFailureModeDecides() throws Exception {
    try (LogCapture log = LogCapture.of(RedisCounterStore.class);
        RedisCounterStore store = RedisAuthTest.store("redis://127.0.0.1:" + redis.port(), ClusterSettings.Failure.OPEN)) {
      assertThat(store.mode()).isEqualTo(StoreStatus.FALLBACK_OPEN);
      RedisAuthTest.awaitProbeFailures(log, 3);
      assertThat(log.errors()).as(String.join("\n", log.all())).hasSize(1);
    }
  }
}
