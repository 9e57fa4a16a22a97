package org.s3gate.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A Sentinel-managed Redis for tests: a master, one replica ({@code --replicaof}) and one Sentinel
 * (quorum 1, {@code down-after-milliseconds 1000}), all real {@code redis-server} processes on
 * loopback. {@link #failover} ({@code SENTINEL FAILOVER}) and {@link #killMaster} (SIGKILL, then
 * Sentinel's own failover) move the master to the replica and return once Sentinel names it;
 * every wait is bounded.
 *
 * <p>Not thread-safe: owned by one test.
 */
public final class SentinelGroup implements AutoCloseable {
  public static final String MASTER_NAME = "mymaster";
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final RedisServer first;
  private final RedisServer second;
  private final RedisServer sentinel;

  private SentinelGroup(RedisServer first, RedisServer second, RedisServer sentinel) {
    this.first = first;
    this.second = second;
    this.sentinel = sentinel;
  }

  /** Starts master and replica, waits for the replica's link, then the Sentinel, and waits until it knows the replica. */
  public static SentinelGroup start() throws IOException, InterruptedException {
    return start(null);
  }

  /** As {@link #start()}, with master and replica requiring {@code password} (null: none); the Sentinel has none. */
  public static SentinelGroup start(String password) throws IOException, InterruptedException {
    RedisServer master = RedisServer.builder().password(password).start();
    RedisServer replica = null;
    RedisServer sentinel = null;
    try {
      replica = RedisServer.builder().password(password).replicaOf(master).start();
      RedisServer r = replica;
      await("replica linked to the master", () -> r.bulk("INFO replication").contains("master_link_status:up"));
      sentinel = RedisServer.builder().sentinelOf(master, MASTER_NAME).start();
      SentinelGroup group = new SentinelGroup(master, replica, sentinel);
      await("Sentinel knows a healthy replica", group::replicaKnown);
      return group;
    } catch (IOException | InterruptedException | RuntimeException e) {
      closeAll(sentinel, replica, master);
      throw e;
    }
  }

  /** {@code redis-sentinel://127.0.0.1:S#mymaster}: what {@code redis.uri} says to reach this group. */
  public String uri() {
    return "redis-sentinel://127.0.0.1:" + sentinel.port() + "#" + MASTER_NAME;
  }

  /**
   * {@code redis-sentinel://127.0.0.1:D,127.0.0.1:S#mymaster}: a list of two Sentinels whose first
   * ({@code D}, a port nothing listens on) is down.
   */
  public String uriWithADownSentinelFirst() {
    return "redis-sentinel://127.0.0.1:" + org.s3gate.testsupport.FreePorts.next() + ",127.0.0.1:" + sentinel.port()
        + "#" + MASTER_NAME;
  }

  /** The server Sentinel names as master now. */
  public RedisServer master() {
    return masterPort() == first.port() ? first : second;
  }

  /** The server that is not {@link #master}. */
  public RedisServer replica() {
    return master() == first ? second : first;
  }

  public RedisServer sentinel() {
    return sentinel;
  }

  private int masterPort() {
    List<?> address = (List<?>) sentinel.call("SENTINEL", "get-master-addr-by-name", MASTER_NAME);
    return Integer.parseInt((String) address.get(1));
  }

  private boolean replicaKnown() {
    List<?> replicas = (List<?>) sentinel.call("SENTINEL", "replicas", MASTER_NAME);
    for (Object entry : replicas) {
      List<?> fields = (List<?>) entry;
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        if ("flags".equals(fields.get(i)) && "slave".equals(fields.get(i + 1))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Waits (bounded) until the replica has processed every write the master has made so far: its
   * replication offset reaches the master's. Not {@code WAIT 1}: WAIT waits for the writes of the
   * connection that sends it, and this one (the test's own) wrote nothing, so it returned at once
   * while the store's writes could still be on their way (seen: the replica promoted without them).
   */
  public void awaitReplicated() throws InterruptedException {
    RedisServer master = master();
    RedisServer replica = replica();
    long written = offset(master, "master_repl_offset");
    await("the replica reaches the master's replication offset " + written,
        () -> offset(replica, "master_repl_offset") >= written);
  }

  private static long offset(RedisServer server, String field) {
    for (String line : server.bulk("INFO replication").split("\r?\n")) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim());
      }
    }
    throw new IllegalStateException("no " + field + " in INFO replication of port " + server.port());
  }

  /**
   * {@code SENTINEL FAILOVER}: returns once Sentinel names the former replica as master. The former
   * master still runs as a master then (Sentinel reconfigures it as a replica, and closes its
   * clients, some seconds later).
   *
   * @return the new master
   */
  public RedisServer failover() throws InterruptedException {
    RedisServer next = replica();
    Object reply = sentinel.call("SENTINEL", "FAILOVER", MASTER_NAME);
    if (!"OK".equals(reply)) {
      throw new IllegalStateException("SENTINEL FAILOVER answered " + reply);
    }
    await("Sentinel names the replica as master", () -> masterPort() == next.port());
    return next;
  }

  /** SIGKILL of the master; returns once Sentinel (after {@code down-after-milliseconds}) names the replica as master. */
  public RedisServer killMaster() throws InterruptedException {
    RedisServer oldMaster = master();
    RedisServer next = replica();
    oldMaster.kill();
    await("Sentinel fails over to the replica", () -> masterPort() == next.port());
    await("the new master accepts writes", () -> next.bulk("INFO replication").contains("role:master"));
    return next;
  }

  /** Waits (bounded by 20 s) until {@code condition} holds, else fails naming {@code what}. */
  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("not within " + WAIT.toSeconds() + " s: " + what);
      }
      Thread.sleep(20);
    }
  }

  private static void closeAll(RedisServer... servers) throws InterruptedException {
    for (RedisServer server : servers) {
      if (server != null) {
        server.close();
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    closeAll(sentinel, second, first);
  }
}
