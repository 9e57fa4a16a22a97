package org.s3gate.policy;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Cluster mode's settings (all restart-only, part of {@link StartupSettings}): where the counters
 * live ({@code counters.store}), the shared store's address ({@code redis.uri}), how long a
 * decision waits for it ({@code redis.timeout}), what the gateway does while it is unreachable
 * ({@code redis.failure}) and how many instances share it ({@code cluster.instances}, which
 * divides the limits of {@code redis.failure=local}).
 *
 * <p>{@link #redisUriForDisplay()} is the URI without its password: the one form logs, warnings
 * and JMX show.
 *
 * <p>Immutable.
 */
public record ClusterSettings(Store store, String redisUri, Duration redisTimeout, Failure redisFailure,
    int clusterInstances) {

  /** {@code counters.store}. */
  public enum Store {
    /** This instance's own {@code CounterTable}: each instance admits the full limit. */
    LOCAL,
    /** One Redis shared by every instance: the limits hold across all of them together. */
    REDIS;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** {@code redis.failure}: what a decision does while Redis cannot be reached. */
  public enum Failure {
    /** Admit every request (availability over limits). */
    OPEN,
    /** Deny every limited request (limits over availability). */
    CLOSED,
    /** Decide on this instance's own counters, each limit divided by {@code cluster.instances}. */
    LOCAL;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The settings of a gateway that keeps its counters to itself (what tests and tools use by default). */
  public static final ClusterSettings LOCAL_ONLY =
      new ClusterSettings(Store.LOCAL, "", Duration.ofMillis(20), Failure.LOCAL, 1);

  public ClusterSettings {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(redisUri, "redisUri");
    Objects.requireNonNull(redisTimeout, "redisTimeout");
    Objects.requireNonNull(redisFailure, "redisFailure");
    if (clusterInstances < 1) {
      throw new IllegalArgumentException("cluster.instances must be >= 1, was " + clusterInstances);
    }
  }

  /** {@code redis.uri} with any password replaced by {@code ***}, for logs and warnings. */
  public String redisUriForDisplay() {
    return redactPassword(redisUri);
  }

  static String redactPassword(String uri) {
    int scheme = uri.indexOf("://");
    if (scheme < 0) {
      return uri;
    }
    int at = uri.lastIndexOf('@');
    int hostStart = scheme + 3;
    if (at < hostStart) {
      return uri;
    }
    String userInfo = uri.substring(hostStart, at);
    int colon = userInfo.indexOf(':');
    String user = colon < 0 ? "" : userInfo.substring(0, colon);
    return uri.substring(0, hostStart) + (user.isEmpty() ? "" : user + ":") + "***" + uri.substring(at);
  }

  /** Whether {@code uri} has a scheme cluster mode can use (checked when the settings are read). */
  static boolean supportedScheme(String uri) {
    try {
      String scheme = URI.create(uri.contains(",") ? uri.substring(0, uri.indexOf(',')) : uri).getScheme();
      return scheme != null && switch (scheme) {
        case "redis", "rediss", "redis-sentinel", "rediss-sentinel", "redis-socket", "redis-cluster",
            "rediss-cluster" -> true;
        default -> false;
      };
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
