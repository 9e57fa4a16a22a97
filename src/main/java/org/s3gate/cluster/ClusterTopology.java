package org.s3gate.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

/**
 * What s3gate needs to know of a Redis Cluster's topology (Lettuce's {@link Partitions}): how
 * Lettuce keeps it fresh, which nodes are primaries, whether every slot is served.
 *
 * <h2>Why the refresh options</h2>
 * Lettuce refreshes the topology of a cluster connection only when told to: by default it never
 * does, follows each MOVED on its own, and keeps routing a slot to its old node for ever. So that
 * a failover, a resharding or a cluster that was still forming at connect is followed:
 * <ul>
 *   <li>adaptive refresh on every trigger (MOVED, ASK, persistent reconnects, an uncovered or
 *       unknown slot or node), at most once per {@link #ADAPTIVE_MIN_INTERVAL}: a failover is
 *       followed within about a second of the first redirect, and a MOVED storm costs one refresh;
 *   <li>a periodic refresh every {@link #PERIODIC} for changes no command runs into (a new primary
 *       with no traffic yet);
 *   <li>reconnect attempts before a refresh: {@link #RECONNECTS_BEFORE_REFRESH} at the 100 ms
 *       reconnect delay, so a master that has been unreachable for half a second triggers one.
 * </ul>
 * A refresh runs on Lettuce's threads, never on a request's; a command in flight is still answered
 * within {@code redis.timeout}, MOVED and ASK redirects included (they are followed inside the
 * same command, so their round trips count against that timeout).
 *
 * <p>Immutable (static helpers only).
 */
final class ClusterTopology {
  static final int SLOTS = 16_384;
  static final Duration PERIODIC = Duration.ofSeconds(30);
  static final Duration ADAPTIVE_MIN_INTERVAL = Duration.ofSeconds(1);
  static final int RECONNECTS_BEFORE_REFRESH = 5;

  private ClusterTopology() {}

  static ClusterTopologyRefreshOptions refreshOptions() {
    return ClusterTopologyRefreshOptions.builder()
        .enablePeriodicRefresh(PERIODIC)
        .enableAllAdaptiveRefreshTriggers()
        .adaptiveRefreshTriggersTimeout(ADAPTIVE_MIN_INTERVAL)
        .refreshTriggersReconnectAttempts(RECONNECTS_BEFORE_REFRESH)
        .build();
  }

  /**
   * The primaries, with or without slots (a node just added has none yet, and gets the functions
   * before slots move to it), except those the cluster has marked failed: their slots count as
   * unserved until a replica takes them over.
   */
  static List<RedisClusterNode> primaries(Partitions partitions) {
    List<RedisClusterNode> out = new ArrayList<>();
    for (RedisClusterNode node : partitions) {
      if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.is(RedisClusterNode.NodeFlag.FAIL)) {
        out.add(node);
      }
    }
    return out;
  }

  /** How many of the 16384 slots a primary of {@code partitions} serves. */
  static int servedSlots(Partitions partitions) {
    int served = 0;
    for (RedisClusterNode node : primaries(partitions)) {
      served += node.getSlots().size();
    }
    return served;
  }

  /** The primaries' ids and addresses, sorted: equal while the set of primaries is the same. */
  static String fingerprint(Partitions partitions) {
    return primaries(partitions).stream()
        .map(n -> n.getNodeId() + "@" + n.getUri().getHost() + ":" + n.getUri().getPort())
        .sorted()
        .collect(Collectors.joining(","));
  }
}
