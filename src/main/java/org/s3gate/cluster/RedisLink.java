package org.s3gate.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

import org.s3gate.common.DaemonThreads;

/**
 * The webapp's one connection to Redis (Lettuce), shared by every request: a single multiplexed
 * connection pipelines all requests' commands, so there is no pool to size and no request holds a
 * connection.
 *
 * <h2>Design</h2>
 * {@code redis.uri} is parsed by Lettuce ({@code redis://}, {@code rediss://} for TLS,
 * {@code redis-sentinel://} for Sentinel, {@code redis-socket://}; password, database and TLS
 * options as the URI allows), except {@code redis-cluster://h1:p1,h2:p2} (and
 * {@code rediss-cluster://}), which names Redis Cluster seed nodes and connects a
 * {@link RedisClusterClient}. Options chosen so that no request waits for a Redis that is not there:
 * on a standalone Redis commands are <b>rejected, not queued</b>, while disconnected
 * ({@code DisconnectedBehavior.REJECT_COMMANDS}); on Redis Cluster they are queued on a node's
 * connection while it is being (re)opened, because Lettuce's cluster writer rejects a command for a
 * node connection still being opened too (a MOVED to a node not connected yet would fail), and
 * they wait there at most {@code redis.timeout} like any other (the store's circuit then stops
 * sending); every command times out after
 * {@code redis.timeout}; the connection reconnects by itself every 100 ms
 * ({@code autoReconnect}, constant delay instead of Lettuce's exponential one up to 30 s, so
 * shared mode can return within a second of Redis coming back).
 *
 * <p>Sentinel ({@code redis-sentinel://}): Lettuce asks Sentinel for the master when it connects
 * and when it reconnects; {@link #followSentinel} (from the store's probe) also moves the link as
 * soon as Sentinel names another master, since the former one keeps taking writes, which are then
 * lost, until Sentinel demotes it ({@link SentinelWatch}). A node that refuses the counter functions
 * (READONLY: it went replica) gets a new connection on the next attempt instead of the same one again.
 *
 * <p>Threads: Lettuce's I/O and computation pools (2 + 1 daemon threads named
 * {@code s3gate-redis-...}) and its timer; {@link #close} shuts the client and its resources down
 * and waits for them, so an undeploy leaves none behind. A standalone or Sentinel link starts one
 * I/O thread (one connection); the second serves Redis Cluster's connection per primary. On Linux
 * x86-64 the I/O threads run Netty's native epoll transport, which the WAR packs and Lettuce picks
 * by itself (less CPU per call than Java NIO: docs/BENCHMARKS.md section 4; elsewhere, or with
 * {@code -Dio.lettuce.core.epoll=false}, NIO). Netty extracts its library into
 * {@code java.io.tmpdir} and deletes the file once loaded; the mapping lives as long as the webapp's
 * class loader.
 *
 * <p>Thread-safe: the connection is thread-safe (Lettuce); {@link #connect} and {@link #close}
 * are synchronized.
 */
final class RedisLink implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RedisCounterStore.class.getName());
  static final String LIBRARY = loadLibrary();
  private static final Duration RECONNECT_DELAY = Duration.ofMillis(100);

  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final boolean cluster;
  private final Duration timeout;
  /** Non-null for {@code redis-sentinel://} and {@code rediss-sentinel://}: who is master now. */
  private final SentinelWatch sentinel;
  private volatile StatefulConnection<String, String> connection;
  private volatile RedisClusterAsyncCommands<String, String> commands;
  /** The primaries {@link #connectAndLoad} last loaded the functions on ({@link ClusterTopology#fingerprint}). */
  private volatile String loadedTopology = "";
  /** When {@link #refreshAfterFailedLoad} last refreshed; guarded by this. */
  private long lastFailedLoadRefreshNanos = System.nanoTime() - ClusterTopology.ADAPTIVE_MIN_INTERVAL.toNanos();

  RedisLink(String uri, Duration timeout) {
    this.timeout = timeout;
    this.resources = ClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(1)
        .reconnectDelay(Delay.constant(RECONNECT_DELAY))
        .threadFactoryProvider(pool -> DaemonThreads.named("s3gate-redis-" + pool))
        .build();
    SocketOptions socket = SocketOptions.builder()
        .connectTimeout(Duration.ofMillis(Math.max(200, timeout.toMillis())))
        .keepAlive(true)
        .build();
    TimeoutOptions timeouts = TimeoutOptions.builder().timeoutCommands(true).timeoutSource(new RequestPathTimeouts(timeout))
        .build();
    String scheme = uri.substring(0, Math.max(0, uri.indexOf("://")));
    this.cluster = scheme.endsWith("-cluster");
    if (cluster) {
      RedisClusterClient clusterClient = RedisClusterClient.create(resources, ClusterSeeds.of(uri));
      clusterClient.setOptions(ClusterClientOptions.builder()
          .topologyRefreshOptions(ClusterTopology.refreshOptions())
          .autoReconnect(true)
          // not REJECT_COMMANDS: Lettuce's cluster writer then also rejects a command whose node
          // connection is still being opened, so every MOVED to a node not connected yet (slots
          // moved to a new primary) failed, and opened the circuit after a quiet spell
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
          .socketOptions(socket)
          .timeoutOptions(timeouts)
          .build());
      this.client = clusterClient;
      this.sentinel = null;
    } else {
      RedisURI redisUri = RedisURI.create(uri);
      RedisClient redisClient = RedisClient.create(resources, redisUri);
      redisClient.setOptions(ClientOptions.builder()
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .socketOptions(socket)
          .timeoutOptions(timeouts)
          .build());
      this.client = redisClient;
      this.sentinel = redisUri.getSentinelMasterId() != null ? new SentinelWatch(redisClient, redisUri) : null;
    }
  }

  /**
   * Lettuce's own command timeout: {@code redis.timeout} for the request path's {@code FCALL}s (a
   * request waits no longer in any case: the store waits for its future at most that long), and
   * {@link #ADMIN_TIMEOUT} for everything else (SCAN, DEL, FUNCTION LOAD, PING, the JMX table's
   * reads), which runs on JMX and probe threads, never on a request.
   */
  private static final class RequestPathTimeouts extends TimeoutOptions.TimeoutSource {
    private final long requestMillis;

    RequestPathTimeouts(Duration timeout) {
      this.requestMillis = Math.max(1, timeout.toMillis());
    }

    @Override
    public long getTimeout(io.lettuce.core.protocol.RedisCommand<?, ?, ?> command) {
      return command.getType() == io.lettuce.core.protocol.CommandType.FCALL ? requestMillis : ADMIN_TIMEOUT.toMillis();
    }
  }

  static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(5);

  private static String loadLibrary() {
    try (InputStream in = RedisLink.class.getResourceAsStream("s3gate-counters.lua")) {
      if (in == null) {
        throw new IllegalStateException("s3gate-counters.lua missing from the WAR");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  boolean cluster() {
    return cluster;
  }

  /**
   * Connects if not connected yet and (re)loads the counter functions on every primary: they
   * are lost when a Redis without persistence restarts, so every return to shared mode loads them
   * again (FUNCTION LOAD REPLACE is idempotent). Blocks up to a few timeouts; never called on a
   * request thread.
   *
   * <p>On Redis Cluster it also checks that the topology it holds serves all 16384 slots (a client
   * that connects while the nodes still gossip the slots of a new cluster sees some unassigned;
   * it refreshes once, then gives up until the next probe), and it loads the functions through
   * each primary's <em>write connection by host and port</em>: the one Lettuce routes a key's
   * commands over (not {@code getConnection(nodeId)}, which opens another). Lettuce opens those
   * lazily, so without this warm-up the first request of every primary waited for a TCP connect,
   * and with {@code REJECT_COMMANDS}, which this client used before, failed at once ("Currently not
   * connected": seen as a fresh key's first request denied with {@code redis.failure=closed}, and
   * outages counted in shared mode under load). A primary whose connection is down fails the call
   * at once instead of queueing the load on it.
   *
   * @throws RuntimeException when Redis cannot be reached or refuses
   */
  synchronized void connectAndLoad() {
    if (connection == null) {
      if (client instanceof RedisClusterClient clusterClient) {
        StatefulRedisClusterConnection<String, String> c = clusterClient.connect();
        connection = c;
        commands = c.async();
      } else {
        StatefulRedisConnection<String, String> c = ((RedisClient) client).connect();
        connection = c;
        commands = c.async();
      }
    }
    try {
      load(connection, commands);
      if (sentinel != null) { // connected (or Lettuce reconnected) to the master Sentinel names now
        sentinel.remember(System.nanoTime());
      }
    } catch (RuntimeException e) {
      if (client instanceof RedisClusterClient clusterClient) {
        refreshAfterFailedLoad(clusterClient);
      } else if (connection.isOpen() && refusedByRedis(e)) {
        // Redis answered and refused (e.g. READONLY: the node Sentinel named went replica since):
        // Lettuce keeps an open connection as it is, so start the next attempt from a new one.
        // Not on a timeout: a slow Redis is not helped by a new connection every probe.
        dropConnection();
      }
      throw e;
    }
  }

  private void load(StatefulConnection<String, String> on, RedisClusterAsyncCommands<String, String> commandsOn) {
    Duration wait = timeout.multipliedBy(10).plusMillis(500);
    if (on instanceof StatefulRedisClusterConnection<String, String> c) {
      RedisClusterClient clusterClient = (RedisClusterClient) client;
      List<RedisClusterNode> primaries = ClusterTopology.primaries(c.getPartitions());
      if (primaries.isEmpty() || ClusterTopology.servedSlots(c.getPartitions()) < ClusterTopology.SLOTS) {
        clusterClient.refreshPartitions(); // bounded by the connect timeout and ADMIN_TIMEOUT per node
        primaries = ClusterTopology.primaries(c.getPartitions());
      }
      int served = ClusterTopology.servedSlots(c.getPartitions());
      if (served < ClusterTopology.SLOTS) {
        throw new IllegalStateException("Redis Cluster serves " + served + " of " + ClusterTopology.SLOTS
            + " slots (nodes still joining, or a primary without slots)");
      }
      for (RedisClusterNode node : primaries) {
        RedisURI at = node.getUri();
        StatefulRedisConnection<String, String> primary = openPrimary(c, at);
        if (primary == null) { // down: its commands would wait in its queue; try again on the next probe
          throw new IllegalStateException("Redis Cluster primary " + at.getHost() + ":" + at.getPort()
              + " is not connected");
        }
        await(primary.async().functionLoad(LIBRARY, true).toCompletableFuture(), wait);
      }
      loadedTopology = ClusterTopology.fingerprint(c.getPartitions());
    } else {
      await(commandsOn.functionLoad(LIBRARY, true).toCompletableFuture(), wait);
    }
    await(commandsOn.ping().toCompletableFuture(), wait);
  }

  /** The write connection to the primary at {@code at} if it is open (opening it if Lettuce has none yet), else null. */
  private static StatefulRedisConnection<String, String> openPrimary(StatefulRedisClusterConnection<String, String> c,
      RedisURI at) {
    try {
      StatefulRedisConnection<String, String> primary = c.getConnection(at.getHost(), at.getPort());
      return primary.isOpen() ? primary : null;
    } catch (RuntimeException refused) { // never connected, and cannot be now
      return null;
    }
  }

  /**
   * After a failed load on Redis Cluster: asks Lettuce for the cluster's current topology, at most
   * once per {@link ClusterTopology#ADAPTIVE_MIN_INTERVAL}, since the failure may come from a stale
   * view (a primary that died, a node listed as primary that is a replica: READONLY). Lettuce
   * corrects its view by itself only on a redirect, on reconnect attempts to a node it once
   * reached, or by its periodic refresh (30 s); a link that connected after the primary died, or
   * from a node whose gossip was behind, has none of the first two, and so stayed in its failure
   * mode for those 30 s (RedisClusterStoreTest, the failover test). Lettuce reuses its view for a
   * new connection, so dropping the connection does not help here. Probe thread (or start),
   * under this link's monitor; bounded by the connect timeout and ADMIN_TIMEOUT per node.
   */
  private void refreshAfterFailedLoad(RedisClusterClient clusterClient) {
    long now = System.nanoTime();
    if (now - lastFailedLoadRefreshNanos < ClusterTopology.ADAPTIVE_MIN_INTERVAL.toNanos()) {
      return;
    }
    lastFailedLoadRefreshNanos = now;
    try {
      clusterClient.refreshPartitions();
    } catch (RuntimeException e) { // the load's own failure is the one to report; the next probe tries again
      LOG.log(System.Logger.Level.DEBUG, "Redis Cluster topology refresh failed: {0}", e);
    }
  }

  private static boolean refusedByRedis(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof RedisCommandExecutionException) {
        return true;
      }
    }
    return false;
  }

  private void dropConnection() {
    StatefulConnection<String, String> c = connection;
    connection = null;
    commands = null;
    if (c != null) {
      c.close();
    }
  }

  /**
   * Sentinel only: when Sentinel names another master than the one connected to, connects to it,
   * loads the functions there and only then switches the requests over (no request meets a
   * missing connection), closing the old one. Probe thread only; bounded like
   * {@link #connectAndLoad}.
   *
   * @return the new master's address, or null when nothing moved (or not Sentinel)
   * @throws RuntimeException when the new master cannot be reached (tried again on the next call)
   */
  synchronized String followSentinel() {
    if (sentinel == null || connection == null) {
      return null;
    }
    String movedTo = sentinel.movedTo(System.nanoTime());
    if (movedTo == null) {
      return null;
    }
    StatefulRedisConnection<String, String> next = ((RedisClient) client).connect(); // Lettuce asks Sentinel again
    try {
      load(next, next.async());
    } catch (RuntimeException e) {
      next.close();
      throw e;
    }
    StatefulConnection<String, String> old = connection;
    connection = next;
    commands = next.async();
    sentinel.remember(movedTo);
    old.close();
    return movedTo;
  }

  /**
   * Whether the cluster's primaries (as Lettuce's topology refresh last saw them) differ from the
   * ones {@link #connectAndLoad} last loaded: a new primary (added, or a replica promoted by a
   * failover) then needs its write connection warmed and, if it is new to the cluster, the
   * functions. Always false on a standalone Redis. Cheap (a few nodes); called every probe tick.
   */
  boolean topologyChanged() {
    if (connection instanceof StatefulRedisClusterConnection<String, String> c) {
      return !ClusterTopology.fingerprint(c.getPartitions()).equals(loadedTopology);
    }
    return false;
  }

  private static void await(CompletableFuture<?> future, Duration wait) {
    try {
      future.get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      future.cancel(false);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      // a command queued on a node connection being re-opened (Redis Cluster) must not stay there
      // until it reconnects: the probe sends one every 100 ms while Redis is away
      future.cancel(false);
      // Redis's own error (NOPERM, READONLY, ...) as it is, so the outage's log line names it first
      throw e instanceof RuntimeException r ? r : e.getCause() instanceof RuntimeException cause ? cause
          : new IllegalStateException(e.getCause() != null ? e.getCause() : e);
    }
  }

  /**
   * Whether the connection is up now (Lettuce reconnects a lost one by itself); on Redis Cluster,
   * also the write connection of every primary the topology names. The cluster connection's own
   * {@code isOpen} is its seed node's: a primary lost while no request was routed to it (idle, or
   * every request shortcut by a remembered denial) would otherwise be noticed only by requests
   * waiting {@code redis.timeout} on its queue ({@code ACCEPT_COMMANDS}). Probe thread only: the
   * connections exist after {@link #connectAndLoad}'s warm-up, so this reads a few flags; one
   * missing (a primary that appeared since) is opened here, bounded by the connect timeout, and
   * one that cannot be opened counts as down.
   */
  boolean connected() {
    StatefulConnection<String, String> c = connection;
    if (c == null || !c.isOpen()) {
      return false;
    }
    if (c instanceof StatefulRedisClusterConnection<String, String> clusterConnection) {
      for (RedisClusterNode node : ClusterTopology.primaries(clusterConnection.getPartitions())) {
        if (openPrimary(clusterConnection, node.getUri()) == null) {
          return false;
        }
      }
    }
    return true;
  }

  /** The shared commands, or null before the first connection. */
  RedisClusterAsyncCommands<String, String> commands() {
    return commands;
  }

  /** {@code FCALL name keys args}, not waited for; null before the first connection. */
  CompletableFuture<List<Object>> fcall(String function, String[] keys, String... args) {
    RedisClusterAsyncCommands<String, String> c = commands;
    if (c == null) {
      return null;
    }
    return c.<List<Object>>fcall(function, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
  }

  /** {@code FCALL_RO name keys args}, not waited for; null before the first connection. */
  CompletableFuture<List<Object>> fcallReadOnly(String function, String[] keys, String... args) {
    RedisClusterAsyncCommands<String, String> c = commands;
    if (c == null) {
      return null;
    }
    return c.<List<Object>>fcallReadOnly(function, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
  }

  @Override
  public synchronized void close() {
    dropConnection();
    if (sentinel != null) {
      sentinel.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3_000);
  }
}
