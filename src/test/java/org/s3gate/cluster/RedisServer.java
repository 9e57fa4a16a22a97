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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.s3gate.testsupport.FreePorts;

/**
 * A real {@code redis-server} (Debian's package, see {@code .ci/run}) for tests: started on a free
 * loopback port with no persistence ({@code --save '' --appendonly no}) in a temp directory of its
 * own ({@code --dir}: a replica still writes its sync's RDB there), its output in a temp file,
 * stopped by its own PID only. {@link #kill} (SIGKILL) and {@link #restart} (same port) let a test
 * take Redis away mid-run and bring it back.
 *
 * <p>{@link #builder} adds what a production Redis has: a password ({@code --requirepass}), TLS
 * only ({@code --port 0 --tls-port P} with {@link TestCertificates}), a replica
 * ({@code --replicaof}), or a Sentinel ({@code redis-server sentinel.conf --sentinel}). The helper's
 * own connections ({@link #command}, {@link #call}) authenticate and speak TLS as the server needs.
 *
 * <p>Not thread-safe: owned by one test.
 */
public final class RedisServer implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
  private static final int SOCKET_TIMEOUT_MILLIS = 2_000;

  private final int port;
  private final Path log;
  /** The server's working directory: a replica writes the RDB of its full sync there ({@code dump.rdb}). */
  private final Path dir;
  private final Builder options;
  private Path sentinelConf;
  private Process process;
  /** The cluster node file's directory of a {@link #startSingleNodeCluster} server, else null. */
  private Path clusterDir;

  private RedisServer(int port, Builder options) throws IOException {
    this.port = port;
    this.options = options;
    this.log = Files.createTempFile("s3gate-redis-", ".log");
    this.dir = Files.createTempDirectory("s3gate-redis-dir-");
  }

  /** Starts a plain server on a free port of 127.0.0.1 and waits until it answers PING. */
  public static RedisServer start() throws IOException, InterruptedException {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of a server to start; each a flag of {@code redis-server}. Not thread-safe. */
  public static final class Builder {
    private String password;
    private TestCertificates tls;
    private RedisServer replicaOf;
    private RedisServer sentinelOf;
    private String masterName;
    private final List<String> extra = new ArrayList<>();

    private Builder() {}

    /** {@code --requirepass}: every client must AUTH (the default user's password). */
    public Builder password(String password) {
      this.password = password;
      return this;
    }

    /** TLS only: {@code --port 0 --tls-port P}, the server certificate of {@code certificates}, no client certificates. */
    public Builder tls(TestCertificates certificates) {
      this.tls = certificates;
      return this;
    }

    /** {@code --replicaof 127.0.0.1 PORT}: a replica of plain {@code master}, with {@code --masterauth} when it has a password. */
    public Builder replicaOf(RedisServer master) {
      this.replicaOf = master;
      return this;
    }

    /**
     * A Sentinel monitoring {@code master} as {@code name} with a quorum of 1, deciding fast:
     * {@code down-after-milliseconds 1000}, {@code failover-timeout 5000}; {@code auth-pass} with
     * the master's password, if it has one (the Sentinel itself has none).
     */
    public Builder sentinelOf(RedisServer master, String name) {
      this.sentinelOf = master;
      this.masterName = name;
      return this;
    }

    /** Further {@code --name value} arguments. */
    public Builder arg(String... args) {
      extra.addAll(List.of(args));
      return this;
    }

    public RedisServer start() throws IOException, InterruptedException {
      RedisServer server = new RedisServer(FreePorts.next(), this);
      server.launch();
      return server;
    }
  }

  private List<String> commandLine() throws IOException {
    List<String> args = new ArrayList<>(List.of("redis-server"));
    if (options.sentinelOf != null) {
      if (sentinelConf == null) { // Sentinel rewrites its conf: a file of its own
        sentinelConf = Files.createTempFile("s3gate-sentinel-", ".conf");
      }
      Path conf = sentinelConf;
      Files.writeString(conf, "port " + port + "\nbind 127.0.0.1\nprotected-mode no\n"
          + "sentinel monitor " + options.masterName + " 127.0.0.1 " + options.sentinelOf.port() + " 1\n"
          + "sentinel down-after-milliseconds " + options.masterName + " 1000\n"
          + "sentinel failover-timeout " + options.masterName + " 5000\n"
          + (options.sentinelOf.options.password == null ? ""
              : "sentinel auth-pass " + options.masterName + " " + options.sentinelOf.options.password + "\n"));
      args.addAll(List.of(conf.toString(), "--sentinel"));
      return args;
    }
    if (options.tls != null) {
      TestCertificates t = options.tls;
      args.addAll(List.of("--port", "0", "--tls-port", String.valueOf(port), "--tls-cert-file", t.serverCert().toString(),
          "--tls-key-file", t.serverKey().toString(), "--tls-ca-cert-file", t.caCert().toString(),
          "--tls-auth-clients", "no"));
    } else {
      args.addAll(List.of("--port", String.valueOf(port)));
    }
    // repl-diskless-sync-delay 0: a master starts a replica's full sync at once (Redis 7 waits 5 s for more replicas)
    args.addAll(List.of("--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes",
        "--dir", dir.toString(), "--repl-diskless-sync-delay", "0"));
    if (options.password != null) {
      args.addAll(List.of("--requirepass", options.password));
    }
    if (options.replicaOf != null) {
      args.addAll(List.of("--replicaof", "127.0.0.1", String.valueOf(options.replicaOf.port())));
      if (options.replicaOf.options.password != null) {
        args.addAll(List.of("--masterauth", options.replicaOf.options.password));
      }
    }
    args.addAll(options.extra);
    return args;
  }

  /**
   * Starts a Redis Cluster node on {@code port} (its bus on {@code port + 10000}) whose
   * {@code nodes.conf} lives in {@code dir}: a {@link #restart} reads it back, so the node rejoins
   * with its id and slots (its data is gone: no persistence).
   */
  static RedisServer startClusterNode(int port, Path dir, String nodeTimeoutMillis)
      throws IOException, InterruptedException {
    RedisServer server = new RedisServer(port, builder().arg("--cluster-enabled", "yes", "--cluster-config-file",
        dir.resolve("nodes-" + port + ".conf").toString(), "--dir", dir.toString(), "--cluster-node-timeout",
        nodeTimeoutMillis));
    server.launch();
    return server;
  }

  /**
   * A Redis Cluster of one node owning every slot ({@code redis-cluster://} URI, {@link #clusterUri}):
   * Redis then refuses any command whose keys hash to different slots (CROSSSLOT), as a real
   * cluster does, so code that must split calls by hash tag is tested on one process.
   */
  public static RedisServer startSingleNodeCluster() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("s3gate-redis-cluster-");
    RedisServer server = new RedisServer(FreePorts.next(), builder().arg("--cluster-enabled", "yes",
        "--cluster-announce-ip", "127.0.0.1", "--cluster-config-file", dir.resolve("nodes.conf").toString()));
    server.clusterDir = dir;
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

  /** The server's log so far (for failure messages). */
  String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  private void launch() throws IOException, InterruptedException {
    process = new ProcessBuilder(commandLine())
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

  /** The URI that reaches this server: {@code redis://127.0.0.1:P} or {@code rediss://} (no password in it). */
  public String uri() {
    return (options.tls != null ? "rediss" : "redis") + "://127.0.0.1:" + port;
  }

  /** A connection as the server wants it: TLS trusting the test CA, then AUTH with the password. */
  private Socket open() throws IOException {
    Socket socket = options.tls != null ? options.tls.clientContext().getSocketFactory().createSocket() : new Socket();
    try {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), SOCKET_TIMEOUT_MILLIS);
      socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
      if (options.password != null) {
        Resp.write(socket.getOutputStream(), "AUTH", options.password);
        Object reply = Resp.read(socket.getInputStream());
        if (!"OK".equals(reply)) {
          throw new IOException("AUTH refused: " + reply);
        }
      }
      return socket;
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * Sends one inline command and returns the first line of the reply (e.g. {@code +PONG}), or null
   * when the server does not answer within two seconds.
   */
  public String command(String line) {
    try (Socket socket = open()) {
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

  /**
   * Sends one command (arguments may hold spaces) and returns its whole reply as {@link Resp} reads
   * it: String, Long, List, null or {@link Resp.Error}.
   *
   * @throws IllegalStateException when the server does not answer within two seconds
   */
  public Object call(String... args) {
    try (Socket socket = open()) {
      Resp.write(socket.getOutputStream(), args);
      return Resp.read(socket.getInputStream());
    } catch (IOException e) {
      throw new IllegalStateException("redis-server on port " + port + " did not answer " + args[0], e);
    }
  }

  /** {@code INFO commandstats}'s {@code calls=} of {@code command} (e.g. {@code fcall}), 0 if never called. */
  public long calls(String command) {
    return infoField("commandstats", "cmdstat_" + command + ":calls=", ",");
  }

  /**
   * A number of {@code INFO section}: the digits after {@code prefix} up to {@code end} (or the line's
   * end when {@code end} is empty), 0 when the line is missing.
   */
  public long infoField(String section, String prefix, String end) {
    String text = bulk("INFO " + section);
    for (String line : text.split("\r\n")) {
      if (line.startsWith(prefix)) {
        int stop = end.isEmpty() ? line.length() : line.indexOf(end, prefix.length());
        return Long.parseLong(line.substring(prefix.length(), stop < 0 ? line.length() : stop));
      }
    }
    return 0;
  }

  /** The whole bulk-string reply of an inline command such as {@code INFO}. */
  public String bulk(String line) {
    Object reply = call(line.split(" "));
    if (!(reply instanceof String text)) {
      throw new IllegalStateException("redis-server on port " + port + " answered " + line + " with " + reply);
    }
    return text;
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

  /** The server's output so far (for a failure message). */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
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
      try (var files = Files.list(dir)) {
        for (Path file : files.toList()) {
          Files.deleteIfExists(file);
        }
      }
      Files.deleteIfExists(dir);
      if (sentinelConf != null) {
        Files.deleteIfExists(sentinelConf);
      }
      if (clusterDir != null) {
        Files.deleteIfExists(clusterDir.resolve("nodes.conf"));
        Files.deleteIfExists(clusterDir);
      }
    } catch (IOException ignored) {
      // a temp file
    }
  }
}
