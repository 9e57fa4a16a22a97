package org.s3gate.cluster;

import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.RedisURI;

/**
 * {@code redis-cluster://} and {@code rediss-cluster://} URIs, which Lettuce's {@link RedisURI}
 * does not parse: a list of seed nodes sharing one user info and path, turned into one
 * {@code redis://} (or {@code rediss://}) URI per seed for {@code RedisClusterClient}.
 *
 * <p>Stateless; thread-safe.
 */
final class ClusterSeeds {
  private ClusterSeeds() {}

  /** {@code redis-cluster://[user:pass@]h1:p1,h2:p2[/?opts]} as one {@code redis://} URI per seed. */
  static List<RedisURI> of(String uri) {
    int schemeEnd = uri.indexOf("://");
    String scheme = uri.startsWith("rediss-") ? "rediss://" : "redis://";
    String rest = uri.substring(schemeEnd + 3);
    int at = rest.lastIndexOf('@');
    String userInfo = at < 0 ? "" : rest.substring(0, at + 1);
    String hostsAndPath = rest.substring(at + 1);
    int pathStart = indexOfAny(hostsAndPath, "/?");
    String hosts = pathStart < 0 ? hostsAndPath : hostsAndPath.substring(0, pathStart);
    String path = pathStart < 0 ? "" : hostsAndPath.substring(pathStart);
    List<RedisURI> seeds = new ArrayList<>();
    for (String host : hosts.split(",")) {
      if (!host.isBlank()) {
        RedisURI seed = RedisURI.create(scheme + userInfo + host.strip() + path);
        if (!path.contains("timeout=")) {
          // what the topology refresh (CLUSTER NODES of every node, on the probe's and Lettuce's
          // threads) waits for a node: Lettuce's default is 60 s; requests have their own timeout
          seed.setTimeout(RedisLink.ADMIN_TIMEOUT);
        }
        seeds.add(seed);
      }
    }
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("redis.uri names no cluster node");
    }
    return seeds;
  }

  private static int indexOfAny(String text, String chars) {
    for (int i = 0; i < text.length(); i++) {
      if (chars.indexOf(text.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }
}
