package org.s3gate.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.s3gate.testsupport.FreePorts;

/**
 * A real three-master Redis Cluster (no replicas, or {@link #start(int)} per master) for tests:
 * {@code redis-server}s with
 * {@code --cluster-enabled yes}, each with its {@code nodes-PORT.conf} in its own temp directory,
 * joined by {@code redis-cli --cluster create ... --cluster-yes}.
 *
 * <p>{@link #start} returns only once <b>every</b> node reports {@code cluster_state:ok} and
 * {@code cluster_slots_assigned:16384} in {@code CLUSTER INFO}: {@code redis-cli} returns as soon as
 * it has sent the slot assignments, while the nodes may still gossip them, and a client that
 * connects then may read a topology with slots missing. Tests of a gateway that starts before its
 * cluster is formed use {@link #startUnjoined} and {@link #join}.
 *
 * <p>Each node's cluster bus listens on its port + 10000, so a port is taken only when that one is
 * free too. {@link #kill} and {@link #restart} take one master away and bring it back on the same
 * port with the same {@code nodes.conf} (its id and slots; its data and functions are gone).
 * {@link #close} stops every node by its PID and deletes the directories.
 *
 * <p>Not thread-safe: owned by one test.
 */
public final class RedisClusterNodes implements AutoCloseable {
  private static final int MASTERS = 3;
  private static final int BUS_OFFSET = 10_000;
  private static final int SLOTS = 16_384;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  /**
   * cluster-node-timeout with replicas: 2 s, so a replica takes over a killed master's slots within
   * a test; without replicas Redis's default 15 s, so a busy host's stall does not mark a node failed.
   */
  private static final String FAILOVER_NODE_TIMEOUT_MILLIS = "2000";
  private static final String DEFAULT_NODE_TIMEOUT_MILLIS = "15000";

  private final List<RedisServer> nodes = new ArrayList<>();
  private final List<Path> dirs = new ArrayList<>();
  private final int replicasPerMaster;

  private RedisClusterNodes(int replicasPerMaster) {
    this.replicasPerMaster = replicasPerMaster;
  }

  /** Starts and joins three masters and waits until every node agrees that all slots are served. */
  public static RedisClusterNodes start() throws IOException, InterruptedException {
    return start(0);
  }

  /**
   * Three masters with {@code replicasPerMaster} replicas each ({@code --cluster-replicas}), ready
   * when every node serves or knows all slots and every replica's link to its master is up.
   */
  public static RedisClusterNodes start(int replicasPerMaster) throws IOException, InterruptedException {
    RedisClusterNodes cluster = startUnjoined(replicasPerMaster);
    try {
      cluster.join();
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** Starts three cluster-enabled nodes that know nothing of each other yet: {@link #join} makes them a cluster. */
  static RedisClusterNodes startUnjoined() throws IOException, InterruptedException {
    return startUnjoined(0);
  }

  private static RedisClusterNodes startUnjoined(int replicasPerMaster) throws IOException, InterruptedException {
    RedisClusterNodes cluster = new RedisClusterNodes(replicasPerMaster);
    try {
      for (int i = 0; i < MASTERS * (1 + replicasPerMaster); i++) {
        Path dir = Files.createTempDirectory("s3gate-redis-cluster-");
        cluster.dirs.add(dir);
        cluster.nodes.add(RedisServer.startClusterNode(portWithFreeBus(), dir,
            replicasPerMaster > 0 ? FAILOVER_NODE_TIMEOUT_MILLIS : DEFAULT_NODE_TIMEOUT_MILLIS));
      }
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** {@code redis-cli --cluster create} over the nodes, then {@link #awaitReady}. */
  void join() throws IOException, InterruptedException {
    create();
    awaitReady();
  }

  /** A port from {@link FreePorts} whose cluster bus port (+10000) is free too. */
  private static int portWithFreeBus() {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = FreePorts.next();
      if (port + BUS_OFFSET <= 65_535 && isFree(port + BUS_OFFSET)) {
        return port;
      }
    }
    throw new IllegalStateException("no port of 127.0.0.1 with a free cluster bus port in 50 tries");
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  private void create() throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("--cluster", "create"));
    for (RedisServer node : nodes) {
      command.add("127.0.0.1:" + node.port());
    }
    command.add("--cluster-replicas");
    command.add(String.valueOf(replicasPerMaster));
    command.add("--cluster-yes");
    redisCli(command);
  }

  /** Runs {@code redis-cli ARGS} (bounded), failing with its output when it fails. */
  private static void redisCli(List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("redis-cli");
    command.addAll(args);
    Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
    cli.getOutputStream().close();
    byte[] output;
    try {
      if (!cli.waitFor(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        cli.destroyForcibly();
        cli.waitFor(5, TimeUnit.SECONDS);
        throw new IllegalStateException(String.join(" ", command) + " did not finish within " + READY_TIMEOUT);
      }
    } finally {
      output = cli.getInputStream().readAllBytes();
    }
    if (cli.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed (" + cli.exitValue() + "): "
          + new String(output, StandardCharsets.UTF_8));
    }
  }

  /**
   * Starts one more node, joins it as a master without slots ({@code redis-cli --cluster add-node})
   * and waits until every node knows it.
   */
  public RedisServer addMaster() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("s3gate-redis-cluster-");
    dirs.add(dir);
    RedisServer node = RedisServer.startClusterNode(portWithFreeBus(), dir,
        replicasPerMaster > 0 ? FAILOVER_NODE_TIMEOUT_MILLIS : DEFAULT_NODE_TIMEOUT_MILLIS);
    nodes.add(node);
    RedisServer existing = nodes.stream().filter(RedisServer::alive).findFirst().orElseThrow();
    redisCli(List.of("--cluster", "add-node", "127.0.0.1:" + node.port(), "127.0.0.1:" + existing.port()));
    awaitReady();
    return node;
  }

  /**
   * Moves {@code slots} slots from {@code from} to {@code to} with their keys
   * ({@code redis-cli --cluster reshard}: MIGRATE under the hood, so a client sees MOVED and ASK),
   * then waits until every node agrees.
   */
  public void moveSlots(RedisServer from, RedisServer to, int slots) throws IOException, InterruptedException {
    redisCli(List.of("--cluster", "reshard", "127.0.0.1:" + from.port(), "--cluster-from", nodeId(from),
        "--cluster-to", nodeId(to), "--cluster-slots", String.valueOf(slots), "--cluster-yes"));
    awaitReady();
  }

  /** {@code CLUSTER MYID}. */
  public static String nodeId(RedisServer node) {
    return node.bulk("CLUSTER MYID").trim();
  }

  /** Waits until every running node reports {@code cluster_state:ok} with all 16384 slots assigned. */
  public void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (!ready()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("the cluster did not become ready within " + READY_TIMEOUT + ": "
            + nodes.stream().map(n -> n.port() + ": " + clusterInfo(n).replace("\r\n", " "))
                .collect(Collectors.joining(" | ")));
      }
      Thread.sleep(50);
    }
  }

  private boolean ready() {
    for (RedisServer node : nodes) {
      if (!node.alive()) {
        continue; // killed by the test: the others must agree without it
      }
      String info = clusterInfo(node);
      if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_assigned:" + SLOTS)
          || !info.contains("cluster_known_nodes:" + nodes.size())) {
        return false;
      }
      String replication = replicationInfo(node);
      if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
        return false;
      }
    }
    return true;
  }

  private static String replicationInfo(RedisServer node) {
    try {
      return node.bulk("INFO replication");
    } catch (IllegalStateException notAnswering) {
      return "";
    }
  }

  /** Whether {@code node} is a master now ({@code INFO replication}: after a failover, a promoted replica is). */
  public boolean isMaster(RedisServer node) {
    return replicationInfo(node).contains("role:master");
  }

  private static String clusterInfo(RedisServer node) {
    try {
      return node.bulk("CLUSTER INFO");
    } catch (IllegalStateException notAnswering) {
      return "";
    }
  }

  /** {@code redis-cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3}. */
  public String uri() {
    return "redis-cluster://" + nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
  }

  /** Every node, in start order (the masters first, as {@code redis-cli --cluster create} assigns them). */
  public List<RedisServer> nodes() {
    return List.copyOf(nodes);
  }

  /** The running node that serves {@code key}'s slot: {@code CLUSTER KEYSLOT}, then each node's own line of {@code CLUSTER NODES}. */
  public RedisServer ownerOf(String key) {
    int slot = slot(key);
    for (RedisServer node : nodes) {
      if (node.alive() && servesSlot(node, slot)) {
        return node;
      }
    }
    throw new IllegalStateException("no running node serves slot " + slot + " of " + key);
  }

  /** {@code CLUSTER KEYSLOT key}, asked of the first running node. */
  public int slot(String key) {
    RedisServer any = nodes.stream().filter(RedisServer::alive).findFirst().orElseThrow();
    String reply = any.command("CLUSTER KEYSLOT \"" + key.replace("\"", "\\\"") + "\"");
    if (reply == null || !reply.startsWith(":")) {
      throw new IllegalStateException("CLUSTER KEYSLOT " + key + " answered " + reply);
    }
    return Integer.parseInt(reply.substring(1));
  }

  /** Whether {@code node}'s own line of {@code CLUSTER NODES} ("myself") lists {@code slot}. */
  private static boolean servesSlot(RedisServer node, int slot) {
    for (String line : node.bulk("CLUSTER NODES").split("\n")) {
      String[] fields = line.trim().split(" ");
      if (fields.length < 8 || !fields[2].contains("myself")) {
        continue;
      }
      for (int i = 8; i < fields.length; i++) {
        String range = fields[i];
        if (range.startsWith("[")) {
          continue; // a slot being migrated
        }
        int dash = range.indexOf('-');
        int low = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
        int high = dash < 0 ? low : Integer.parseInt(range.substring(dash + 1));
        if (slot >= low && slot <= high) {
          return true;
        }
      }
    }
    return false;
  }

  /** SIGKILL of one master: its slots are unserved until {@link #restart}. */
  public void kill(RedisServer node) throws InterruptedException {
    node.kill();
  }

  /** Starts a killed master again (same port, same {@code nodes.conf}) and waits until the cluster is ready. */
  public void restart(RedisServer node) throws IOException, InterruptedException {
    node.restart();
    awaitReady();
  }

  @Override
  public void close() throws InterruptedException {
    for (RedisServer node : nodes) {
      node.close();
    }
    for (Path dir : dirs) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException ignored) {
        // a temp directory
      }
    }
  }
}
