package org.s3gate.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.s3gate.testsupport.FreePorts;

/**
 * A real {@code redis-server} (Debian's package, see {@code .ci/run}) for tests: started on a free
 * loopback port with no persistence ({@code --save '' --appendonly no}), its output in a temp file,
 * stopped by its own PID only. {@link #kill} (SIGKILL) and {@link #restart} (same port) let a test
 * take Redis away mid-run and bring it back.
 *
 * <p>Not thread-safe: owned by one test.
 */
public final class RedisServer implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private final int port;
  private final Path log;
  private Process process;
  /** The cluster node file's directory of a {@link #startSingleNodeCluster} server, else null. */
  private Path clusterDir;

  private RedisServer(int port) throws IOException {
    this.port = port;
    this.log = Files.createTempFile("s3gate-redis-", ".log");
  }

  /** Starts a server on a free port of 127.0.0.1 and waits until it answers PING. */
  public static RedisServer start() throws IOException, InterruptedException {
    RedisServer server = new RedisServer(FreePorts.next());
    server.launch();
    return server;
  }

  /**
   * A Redis Cluster of one node owning every slot ({@code redis-cluster://} URI, {@link #clusterUri}):
   * Redis then refuses any command whose keys hash to different slots (CROSSSLOT), as a real
   * cluster does, so code that must split calls by hash tag is tested on one process.
   */
  public static RedisServer startSingleNodeCluster() throws IOException, InterruptedException {
    RedisServer server = new RedisServer(FreePorts.next());
    server.clusterDir = Files.createTempDirectory("s3gate-redis-cluster-");
    server.launch();
    server.command("CLUSTER ADDSLOTSRANGE 0 16383");
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!server.bulk("CLUSTER INFO").contains("cluster_state:ok")) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("single-node cluster on port " + server.port + " not ok");
      }
      Thread.sleep(20);
    }
    return server;
  }

  public String clusterUri() {
    return "redis-cluster://127.0.0.1:" + port;
  }

  private void launch() throws IOException, InterruptedException {
    List<String> args = new java.util.ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--bind",
        "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"));
    if (clusterDir != null) {
      args.addAll(List.of("--cluster-enabled", "yes", "--cluster-announce-ip", "127.0.0.1", "--cluster-config-file",
          clusterDir.resolve("nodes.conf").toString()));
    }
    process = new ProcessBuilder(args)
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!"+PONG".equals(command("PING"))) {
      if (!process.isAlive() || System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("redis-server did not start on port " + port + ": " + Files.readString(log));
      }
      Thread.sleep(20);
    }
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /**
   * Sends one inline command and returns the first line of the reply (e.g. {@code +PONG}), or null
   * when the server does not answer within a second.
   */
  public String command(String line) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
      socket.setSoTimeout(1_000);
      OutputStream out = socket.getOutputStream();
      out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder reply = new StringBuilder();
      for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
        if (b != '\r') {
          reply.append((char) b);
        }
      }
      return reply.toString();
    } catch (IOException e) {
      return null;
    }
  }

  /** {@code INFO commandstats}'s {@code calls=} of {@code command} (e.g. {@code fcall}), 0 if never called. */
  public long calls(String command) {
    String stats = bulk("INFO commandstats");
    String prefix = "cmdstat_" + command + ":calls=";
    for (String line : stats.split("\r\n")) {
      if (line.startsWith(prefix)) {
        return Long.parseLong(line.substring(prefix.length(), line.indexOf(',')));
      }
    }
    return 0;
  }

  /** The whole bulk-string reply of an inline command such as {@code INFO}. */
  public String bulk(String line) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
      socket.setSoTimeout(2_000);
      socket.getOutputStream().write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
        if (b != '\r') {
          head.append((char) b);
        }
      }
      if (head.length() == 0 || head.charAt(0) != '$') {
        return head.toString();
      }
      int length = Integer.parseInt(head.substring(1));
      byte[] body = in.readNBytes(length);
      return new String(body, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("redis-server on port " + port + " did not answer " + line, e);
    }
  }

  public long pid() {
    return process.pid();
  }

  /** SIGKILL: Redis is gone at once, connections reset, nothing saved. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Starts the server again on the same port (empty: no persistence) after {@link #kill}. */
  public void restart() throws IOException, InterruptedException {
    if (process.isAlive()) {
      kill();
    }
    launch();
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
    try {
      Files.deleteIfExists(log);
      if (clusterDir != null) {
        Files.deleteIfExists(clusterDir.resolve("nodes.conf"));
        Files.deleteIfExists(clusterDir);
      }
    } catch (IOException ignored) {
      // a temp file
    }
  }
}
