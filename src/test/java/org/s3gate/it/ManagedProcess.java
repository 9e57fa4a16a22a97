package org.s3gate.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child process a test started (Jetty with the WAR, or s3proxy), with its output in
 * {@code target/it-logs/NAME.log}. Stopped by PID when closed, and by a shutdown hook if the test
 * JVM ends first, so no test leaves a process behind.
 *
 * <p>Not thread-safe: owned by one test class.
 */
final class ManagedProcess implements AutoCloseable {
  static final Path ROOT = Path.of(System.getProperty("s3gate.root", ".")).toAbsolutePath().normalize();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Process process;
  private final Path log;
  private final long logStart;
  private final Thread shutdownHook;

  private ManagedProcess(String name, Process process, Path log, long logStart) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.logStart = logStart;
    this.shutdownHook = new Thread(process::destroyForcibly, "stop-" + name);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  static ManagedProcess start(String name, List<String> command, Map<String, String> environment) throws IOException {
    Path logDir = ROOT.resolve("target/it-logs");
    Files.createDirectories(logDir);
    Path log = logDir.resolve(name + ".log");
    long logStart = Files.exists(log) ? Files.size(log) : 0;
    ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().remove("S3GATE_BACKEND");
    builder.environment().remove("S3GATE_CONF");
    builder.environment().putAll(environment);
    return new ManagedProcess(name, builder.start(), log, logStart);
  }

  /** Polls {@code url} until it answers {@code expectedStatus}, failing with the log's tail after {@code timeout}. */
  void awaitHttp(String url, int expectedStatus, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int last = -1;
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail());
      }
      try {
        last = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        if (last == expectedStatus) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(name + " did not answer " + expectedStatus + " at " + url + " within " + timeout
        + " (last " + last + "):\n" + tail());
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Everything this run printed so far (the log file is appended to across runs; earlier runs are left out). */
  String output() throws IOException {
    byte[] bytes = Files.readAllBytes(log);
    int from = (int) Math.min(logStart, bytes.length);
    return new String(bytes, from, bytes.length - from, java.nio.charset.StandardCharsets.UTF_8);
  }

  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running already
    }
  }
}
