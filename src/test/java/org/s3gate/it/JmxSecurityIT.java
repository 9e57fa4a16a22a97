package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What docs/OPERATIONS.md documents for non-loopback JMX, on the real gateway: the s3gate-jmx-auth
 * module with the operator's own password and access files (nothing is generated over them) and the
 * s3gate-jmx-ssl module (TLS with the HTTPS certificate), exercised with bin/s3gate-admin --ssl
 * --user.
 */
class JmxSecurityIT {
  private static final String KEYSTORE_PASSWORD = "s3gate-self-signed";

  private static S3Backend backend;
  private static Gateway gateway;
  private static Path secrets;
  private static Path keystore;

  private static String trustStoreOptions() {
    return "-Djavax.net.ssl.trustStore=" + keystore + " -Djavax.net.ssl.trustStorePassword=" + KEYSTORE_PASSWORD
        + " -Djavax.net.ssl.trustStoreType=PKCS12";
  }

  record Run(int exit, String out, String err) {}

  @BeforeAll
  static void startStack() throws Exception {
    secrets = Files.createTempDirectory("s3gate-jmx-secrets-");
    Path passwords = secrets.resolve("jmxremote.password");
    Path access = secrets.resolve("jmxremote.access");
    Files.writeString(passwords, "operator op-secret\nviewer view-secret\n");
    Files.writeString(access, "operator readwrite\nviewer readonly\n");
    // The gateway's own JVM connects to its TLS registry when it binds the connector, so it needs
    // the certificate in its trust store too: a keystore made up front serves both (as documented).
    keystore = secrets.resolve("keystore.p12");
    Process keytool = new ProcessBuilder("keytool", "-genkeypair", "-noprompt", "-alias", "s3gate", "-keyalg", "EC",
        "-groupname", "secp256r1", "-validity", "30", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
        "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", KEYSTORE_PASSWORD)
        .inheritIO().start();
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0).as("keytool").isTrue();
    backend = S3Backend.start("jmx-security-it-backend");
    gateway = Gateway.builder("jmx-security-it-gateway", backend.url())
        .javaOpts(trustStoreOptions())
        .jettyProperty("jetty.sslContext.keyStorePath=" + keystore)
        .jmxFiles(passwords, access)
        .jettyProperty("--module=s3gate-jmx-ssl")
        .start();
  }

  @AfterAll
  static void stopStack() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (backend != null) {
      backend.close();
    }
    if (secrets != null) {
      try (var files = Files.list(secrets)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(secrets);
    }
  }

  private static Run admin(String password, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bin/s3gate-admin", "--jmx", "127.0.0.1:" + gateway.jmxPort, "--ssl"));
    command.addAll(List.of(args));
    Path out = Files.createTempFile("s3gate-admin", ".out");
    Path err = Files.createTempFile("s3gate-admin", ".err");
    try {
      ProcessBuilder builder = new ProcessBuilder(command).directory(ManagedProcess.ROOT.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      Map<String, String> env = builder.environment();
      env.put("S3GATE_ADMIN_JAVA_OPTS", trustStoreOptions());
      env.put("S3GATE_JMX_PASSWORD_FILE", ""); // no password file: only what each test passes
      if (password != null) {
        env.put("S3GATE_JMX_PASSWORD", password);
      }
      Process process = builder.start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("s3gate-admin did not finish: " + command);
      }
      return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  @Test
  void readWriteUser_overTls_changesLimit_andAuditNamesThePrincipal() throws Exception {
    Run run = admin("op-secret", "--user", "operator", "set-second-limit", "basic", "7");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(Files.readAllLines(gateway.confDir.resolve("audit.log"))).last().asString()
        .contains("op=set key=basic old=10 new=7 who=operator ");
  }

  @Test
  void readOnlyUser_canReadAttributesButNotChange() throws Exception {
    // JMX "readonly" allows attributes only; show() and the changes are operations.
    Run info = admin("view-secret", "--user", "viewer", "info");
    assertThat(info.exit()).as(info.err()).isZero();
    assertThat(info.out()).contains("config version: ");
    Run set = admin("view-secret", "--user", "viewer", "set-minute-limit", "basic", "1");
    assertThat(set.exit()).isEqualTo(1);
    assertThat(set.err().strip()).startsWith("s3gate-admin: ").containsIgnoringCase("access denied").doesNotContain("\n");
  }

  @Test
  void wrongPasswordOrNoCredentials_refused() throws Exception {
    Run wrong = admin("guess", "--user", "operator", "info");
    assertThat(wrong.exit()).isEqualTo(1);
    assertThat(wrong.err().strip()).startsWith("s3gate-admin: cannot connect").containsIgnoringCase("authentication failed")
        .doesNotContain("\n");
    Run anonymous = admin(null, "info");
    assertThat(anonymous.exit()).isEqualTo(1);
    assertThat(anonymous.err()).startsWith("s3gate-admin: cannot connect");
  }

  @Test
  void plainConnection_withoutTls_refused() {
    assertThatThrownBy(() -> JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl()),
        Map.of("jmx.remote.credentials", new String[] {"operator", "op-secret"})).close())
        .isInstanceOf(IOException.class);
  }

  @Test
  void operatorsOwnFiles_usedAsWritten_nothingGeneratedOverThem() throws Exception {
    assertThat(Files.readString(secrets.resolve("jmxremote.password"))).isEqualTo("operator op-secret\nviewer view-secret\n");
    assertThat(Files.readString(secrets.resolve("jmxremote.access"))).isEqualTo("operator readwrite\nviewer readonly\n");
    assertThat(gateway.dir.resolve("jmxremote.password")).doesNotExist();
  }
}
