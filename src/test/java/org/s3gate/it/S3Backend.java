package org.s3gate.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.s3gate.testsupport.FreePorts;

/**
 * A real S3 server for integration tests: s3proxy (bin/s3gate-backend) with signature checking on
 * and the demo credentials, on a free loopback port. It uses jclouds' in-memory "transient" store,
 * which keeps object keys as opaque strings (the filesystem store maps keys to paths, so it cannot
 * hold keys such as {@code a/../b}).
 *
 * <p>Not thread-safe: owned by one test class.
 */
final class S3Backend implements AutoCloseable {
  static final String ACCESS_KEY = "5HQZO7EDOM4XBNO642GQ";
  static final String SECRET_KEY = "s3gate-demo-secret-key";

  private final int port;
  private final Path properties;
  private final String name;
  private ManagedProcess process;

  private S3Backend(String name, int port, Path properties) {
    this.name = name;
    this.port = port;
    this.properties = properties;
  }

  static S3Backend start(String name) throws IOException, InterruptedException {
    return start(name, null, "jclouds.provider=transient");
  }

  /**
   * The same on jclouds' filesystem store under {@code basedir}: for objects too large to keep in
   * the backend's heap (a 1 GiB upload); keys must be plain paths there. The caller deletes basedir.
   */
  static S3Backend startOnDisk(String name, Path basedir) throws IOException, InterruptedException {
    return start(name, null, "jclouds.provider=filesystem\njclouds.filesystem.basedir=" + basedir);
  }

  /**
   * The same, also serving virtual-hosted requests for buckets under {@code virtualHost}
   * ({@code s3proxy.virtual-host}: {@code bucket.VIRTUAL_HOST} in the Host header); null for none.
   */
  static S3Backend start(String name, String virtualHost) throws IOException, InterruptedException {
    return start(name, virtualHost, "jclouds.provider=transient");
  }

  private static S3Backend start(String name, String virtualHost, String store)
      throws IOException, InterruptedException {
    int port = FreePorts.next();
    Path properties = Files.createTempFile("s3gate-backend-", ".properties");
    Files.writeString(properties, String.join("\n",
        "s3proxy.endpoint=http://127.0.0.1:" + port,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + ACCESS_KEY,
        "s3proxy.credential=" + SECRET_KEY,
        store,
        "jclouds.region=us-east-1",
        virtualHost == null ? "" : "s3proxy.virtual-host=" + virtualHost,
        ""));
    S3Backend backend = new S3Backend(name, port, properties);
    backend.startProcess();
    return backend;
  }

  /** Starts the server again on the same port (after {@link #stop()}); its contents start empty. */
  void startProcess() throws IOException, InterruptedException {
    process = ManagedProcess.start(name, List.of("bin/s3gate-backend", properties.toString()),
        Map.of("S3GATE_BACKEND_JAVA_OPTS", "-Xmx1g"));
    process.awaitHttp(url() + "/healthz", 200, Duration.ofSeconds(60));
  }

  void stop() throws InterruptedException {
    process.close();
  }

  int port() {
    return port;
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public void close() throws InterruptedException, IOException {
    stop();
    Files.deleteIfExists(properties);
  }
}
