package org.s3gate.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A private CA and a server certificate it signed, made with {@code openssl} in a directory the
 * test owns: what an operator has when their Redis uses an internal CA. The server certificate names
 * {@code IP:127.0.0.1} and {@code DNS:localhost}, so full peer verification (Lettuce's default
 * for {@code rediss://}) passes once the CA is trusted. {@link #truststore} is the CA as a PKCS12
 * truststore made by {@code keytool} as docs/OPERATIONS.md shows, the form
 * {@code -Djavax.net.ssl.trustStore} takes.
 *
 * <p>Immutable after {@link #create}.
 */
public final class TestCertificates {
  public static final String TRUSTSTORE_PASSWORD = "s3gate-test";

  private final Path dir;

  private TestCertificates(Path dir) {
    this.dir = dir;
  }

  /** Writes {@code ca.crt}, {@code ca.key}, {@code server.crt}, {@code server.key} and {@code truststore.p12} into {@code dir}. */
  public static TestCertificates create(Path dir) throws IOException, InterruptedException {
    return create(dir, "IP:127.0.0.1,DNS:localhost");
  }

  /** As {@link #create(Path)}, with the server certificate naming {@code subjectAltNames} (e.g. {@code DNS:redis.internal}). */
  public static TestCertificates create(Path dir, String subjectAltNames) throws IOException, InterruptedException {
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=" + subjectAltNames + "\n"
        + "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
    openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=s3gate test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout", "ca.key", "-out", "ca.crt");
    openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
        "-out", "server.csr");
    openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "server.ext", "-out", "server.crt");
    TestCertificates certificates = new TestCertificates(dir);
    certificates.writeTruststore();
    return certificates;
  }

  private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    run(dir, command);
  }

  private static void run(Path dir, List<String> command) throws IOException, InterruptedException {
    Path out = dir.resolve("tools.log");
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(command.get(0) + " did not finish within 30 s");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + Files.readString(out, StandardCharsets.UTF_8));
    }
  }

  /** The CA into a new PKCS12 truststore with {@code keytool}, the command docs/OPERATIONS.md gives operators. */
  private void writeTruststore() throws IOException, InterruptedException {
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(dir, List.of(keytool, "-importcert", "-noprompt", "-alias", "redis-ca", "-file", caCert().toString(),
        "-keystore", truststore().toString(), "-storetype", "PKCS12", "-storepass", TRUSTSTORE_PASSWORD));
  }

  /** A client TLS context that trusts only this CA (for the test's own connections to the server). */
  SSLContext clientContext() {
    try (InputStream in = Files.newInputStream(truststore())) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, TRUSTSTORE_PASSWORD.toCharArray());
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public Path caCert() {
    return dir.resolve("ca.crt");
  }

  public Path serverCert() {
    return dir.resolve("server.crt");
  }

  public Path serverKey() {
    return dir.resolve("server.key");
  }

  /** The CA as a PKCS12 truststore, password {@link #TRUSTSTORE_PASSWORD}. */
  public Path truststore() {
    return dir.resolve("truststore.p12");
  }

  /** The JVM options that make a gateway trust this CA (what {@code S3GATE_JAVA_OPTS} would carry). */
  public String trustStoreJavaOptions() {
    return "-Djavax.net.ssl.trustStore=" + truststore() + " -Djavax.net.ssl.trustStorePassword=" + TRUSTSTORE_PASSWORD
        + " -Djavax.net.ssl.trustStoreType=PKCS12";
  }
}
