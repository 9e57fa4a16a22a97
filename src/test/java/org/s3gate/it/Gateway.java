package org.s3gate.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.s3gate.testsupport.FreePorts;

/**
 * The real gateway for integration tests: jetty-home (unpacked by the build) running
 * {@code jetty-base} with the built {@code target/s3gate.war}, started through
 * {@code bin/s3gate-jetty} exactly as {@code make run} does, on free loopback ports, with its own
 * copy of {@code conf/} (so tests may edit maps) and its own keystore, logs and work directory, and
 * its own JMX password and access files, which the gateway generates on its start as it does on the
 * first {@code make run} (JMX authentication is on by default): {@link #jmxEnvironment()} and
 * {@link #adminEnvironment()} hand its credentials to JMX clients and {@code bin/s3gate-admin}.
 *
 * <p>Not thread-safe: owned by one test class.
 */
final class Gateway implements AutoCloseable {
  final int httpPort;
  final int httpsPort;
  final int jmxPort;
  final Path dir;
  final Path confDir;
  /** The JMX password file the gateway uses (generated on its start unless a test provides one). */
  final Path jmxPasswordFile;
  private final ManagedProcess process;

  private Gateway(Builder builder) throws IOException, InterruptedException {
    this.httpPort = FreePorts.next();
    this.httpsPort = FreePorts.next();
    this.jmxPort = FreePorts.next();
    this.dir = Files.createTempDirectory("s3gate-it-");
    this.confDir = dir.resolve("conf");
    this.jmxPasswordFile = builder.jmxPasswordFile != null ? builder.jmxPasswordFile : dir.resolve("jmxremote.password");
    Path jmxAccessFile = builder.jmxAccessFile != null ? builder.jmxAccessFile : dir.resolve("jmxremote.access");
    copyTree(ManagedProcess.ROOT.resolve("conf"), confDir);
    setSetting(confDir.resolve("gateway.properties"), "access.log.file", dir.resolve("access.log").toString());
    for (Map.Entry<String, String> setting : builder.settings.entrySet()) {
      setSetting(confDir.resolve("gateway.properties"), setting.getKey(), setting.getValue());
    }
    for (Map.Entry<String, java.util.function.UnaryOperator<String>> edit : builder.confEdits) {
      Path file = confDir.resolve(edit.getKey());
      Files.writeString(file, edit.getValue().apply(Files.exists(file) ? Files.readString(file) : ""));
    }
    List<String> command = new ArrayList<>(List.of("bin/s3gate-jetty",
        "jetty.http.port=" + httpPort,
        "jetty.ssl.port=" + httpsPort,
        "jetty.jmxremote.rmiserverport=" + jmxPort,
        "jetty.jmxremote.rmiregistryport=" + jmxPort,
        "jetty.sslContext.keyStorePath=" + dir.resolve("keystore.p12"),
        "jetty.requestlog.dir=" + dir.resolve("logs"),
        "s3gate.work.dir=" + dir.resolve("work"),
        "s3gate.jmx.passwordFile=" + jmxPasswordFile,
        "s3gate.jmx.accessFile=" + jmxAccessFile));
    command.addAll(builder.jettyProperties);
    String javaOpts = "-Xmx" + builder.heap + " -Ds3gate.conf.dir=" + confDir + " " + builder.javaOpts;
    this.process = ManagedProcess.start(builder.name, command,
        Map.of("S3GATE_BACKEND", builder.backendUrls, "S3GATE_JAVA_OPTS", javaOpts.trim()));
    process.awaitHttp(url() + "/_s3gate/health", builder.expectHealthStatus, Duration.ofSeconds(60));
  }

  static Builder builder(String name, String backendUrls) {
    return new Builder(name, backendUrls);
  }

  String url() {
    return "http://127.0.0.1:" + httpPort;
  }

  String httpsUrl() {
    return "https://localhost:" + httpsPort;
  }

  String jmxUrl() {
    return "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi";
  }

  /** What {@code bin/s3gate-admin} needs, besides {@code --jmx}, to manage this gateway: its password file. */
  Map<String, String> adminEnvironment() {
    return Map.of("S3GATE_JMX_PASSWORD_FILE", jmxPasswordFile.toString());
  }

  /** The first user of the JMX password file and its password ({@code admin} and the generated one by default). */
  String[] jmxCredentials() throws IOException {
    for (String line : Files.readAllLines(jmxPasswordFile)) {
      String[] fields = line.strip().split("\\s+");
      if (fields.length == 2 && !fields[0].startsWith("#")) {
        return fields;
      }
    }
    throw new IllegalStateException("no user in " + jmxPasswordFile);
  }

  /** The environment for {@code JMXConnectorFactory.connect}: this gateway's credentials. */
  Map<String, Object> jmxEnvironment() throws IOException {
    return Map.of(javax.management.remote.JMXConnector.CREDENTIALS, jmxCredentials());
  }

  long pid() {
    return process.pid();
  }

  /** Everything the gateway printed (Jetty's console: server log and the s3gate.access lines). */
  String output() throws IOException {
    return process.output();
  }

  /** The access log this gateway writes ({@code access.log.file} points into its temp directory). */
  String accessLog() throws IOException {
    Path file = dir.resolve("access.log");
    return Files.exists(file) ? Files.readString(file) : "";
  }

  /**
   * The access log once a line matches {@code regex}, polled for up to 10 s: a line is written by a
   * background writer after the response has gone out, so a client can read the answer first.
   * Returns the log as it is then, matching or not (the caller's assertion says what was missing).
   */
  String accessLogOnceItContains(String regex) throws IOException, InterruptedException {
    java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(regex);
    long deadline = System.nanoTime() + 10_000_000_000L;
    String log = accessLog();
    while (!pattern.matcher(log).find() && System.nanoTime() < deadline) {
      Thread.sleep(50);
      log = accessLog();
    }
    return log;
  }

  String logTail() {
    return process.tail();
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(path -> path.toFile().delete());
    } catch (IOException ignored) {
      // best effort: it is a temp directory
    }
  }

  /** Replaces the line of {@code key} in a properties file (appends one if there is none). */
  static void setSetting(Path file, String key, String value) throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    boolean replaced = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.startsWith(key + "=") || line.startsWith(key + " ") || line.equals(key)) {
        lines.set(i, key + "=" + value);
        replaced = true;
      }
    }
    if (!replaced) {
      lines.add(key + "=" + value);
    }
    Files.write(file, lines);
  }

  static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes) throws IOException {
        String name = directory.getFileName().toString();
        if (!directory.equals(from) && name.equals("backups")) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        Files.createDirectories(to.resolve(from.relativize(directory)));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        try {
          if (!file.getFileName().toString().equals("audit.log")) {
            Files.copy(file, to.resolve(from.relativize(file)), StandardCopyOption.REPLACE_EXISTING);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  static final class Builder {
    private final String name;
    private final String backendUrls;
    private String heap = "256m";
    private String javaOpts = "";
    private int expectHealthStatus = 200;
    private final List<String> jettyProperties = new ArrayList<>();
    private final List<Map.Entry<String, java.util.function.UnaryOperator<String>>> confEdits = new ArrayList<>();
    private final Map<String, String> settings = new java.util.LinkedHashMap<>();
    private Path jmxPasswordFile;
    private Path jmxAccessFile;

    private Builder(String name, String backendUrls) {
      this.name = name;
      this.backendUrls = backendUrls;
    }

    Builder heap(String heap) {
      this.heap = heap;
      return this;
    }

    Builder javaOpts(String javaOpts) {
      this.javaOpts = javaOpts;
      return this;
    }

    Builder expectHealthStatus(int status) {
      this.expectHealthStatus = status;
      return this;
    }

    /** JMX password and access files of the test's own, instead of the ones the gateway generates. */
    Builder jmxFiles(Path passwordFile, Path accessFile) {
      this.jmxPasswordFile = passwordFile;
      this.jmxAccessFile = accessFile;
      return this;
    }

    Builder jettyProperty(String property) {
      jettyProperties.add(property);
      return this;
    }

    /** Rewrites {@code file} of the gateway's copy of conf/ before it starts. */
    Builder editConf(String file, java.util.function.UnaryOperator<String> edit) {
      confEdits.add(Map.entry(file, edit));
      return this;
    }

    /** Appends lines to {@code file} of the gateway's copy of conf/ (for a duplicate key the first line wins). */
    Builder appendConf(String file, String... lines) {
      return editConf(file, text -> text + "\n" + String.join("\n", lines) + "\n");
    }

    /** Sets {@code key=value} in the copy of gateway.properties before the gateway starts. */
    Builder setting(String key, String value) {
      settings.put(key, value);
      return this;
    }

    Gateway start() throws IOException, InterruptedException {
      return new Gateway(this);
    }
  }
}
