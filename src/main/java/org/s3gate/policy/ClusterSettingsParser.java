package org.s3gate.policy;

import java.time.Duration;
import java.util.Locale;

/**
 * Reads cluster mode's settings ({@link ClusterSettings}) from the merged settings; every bad
 * value is an error naming the file, line, key, value and rule. {@code redis.uri} must be set when
 * {@code counters.store=redis}; its value is never echoed with a password in it.
 *
 * <p>Not thread-safe; one instance per compile, confined to its thread.
 */
final class ClusterSettingsParser {
  /** A decision never waits less than 1 ms (below that every call fails) nor more than 5 s for Redis. */
  static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
  static final Duration MAX_TIMEOUT = Duration.ofSeconds(5);

  private final SettingsReader reader;

  ClusterSettingsParser(SettingsReader reader) {
    this.reader = reader;
  }

  /** The settings, or null when one is missing or invalid (reported). */
  ClusterSettings parse() {
    ClusterSettings.Store store = store();
    String uri = uri(store);
    Duration timeout = reader.duration(SettingKeys.REDIS_TIMEOUT, MIN_TIMEOUT);
    if (timeout != null && timeout.compareTo(MAX_TIMEOUT) > 0) {
      reader.bad(SettingKeys.REDIS_TIMEOUT, timeout.toMillis() + "ms", "must be at most 5s: a request waits this long"
          + " for Redis before its failure mode decides");
      timeout = null;
    }
    ClusterSettings.Failure failure = failure();
    Integer instances = reader.limit(SettingKeys.CLUSTER_INSTANCES);
    if (instances != null && instances < 1) {
      reader.bad(SettingKeys.CLUSTER_INSTANCES, String.valueOf(instances), "must be at least 1");
      instances = null;
    }
    if (store == null || uri == null || timeout == null || failure == null || instances == null) {
      return null;
    }
    return new ClusterSettings(store, uri, timeout, failure, instances);
  }

  private ClusterSettings.Store store() {
    RawEntry e = reader.entry(SettingKeys.COUNTERS_STORE);
    if (e == null) {
      return null;
    }
    return switch (e.value().trim().toLowerCase(Locale.ROOT)) {
      case "local" -> ClusterSettings.Store.LOCAL;
      case "redis" -> ClusterSettings.Store.REDIS;
      default -> {
        reader.bad(SettingKeys.COUNTERS_STORE, e.value(), "must be local or redis");
        yield null;
      }
    };
  }

  private String uri(ClusterSettings.Store store) {
    RawEntry e = reader.entry(SettingKeys.REDIS_URI);
    if (e == null) {
      return null;
    }
    String uri = e.value().trim();
    if (Values.hasControlChar(uri) || uri.contains(" ")) {
      reader.bad(SettingKeys.REDIS_URI, ClusterSettings.redactPassword(uri), "must be a URI without spaces or control"
          + " characters");
      return null;
    }
    if (uri.isEmpty()) {
      if (store == ClusterSettings.Store.REDIS) {
        reader.bad(SettingKeys.REDIS_URI, "", "must name the Redis server when counters.store=redis (e.g."
            + " redis://127.0.0.1:6379, redis-sentinel://host:26379#mymaster, redis-cluster://host1:7000,host2:7000)");
        return null;
      }
      return uri;
    }
    if (!ClusterSettings.supportedScheme(uri)) {
      reader.bad(SettingKeys.REDIS_URI, ClusterSettings.redactPassword(uri), "must start with redis://, rediss://,"
          + " redis-sentinel://, rediss-sentinel://, redis-socket://, redis-cluster:// or rediss-cluster://");
      return null;
    }
    return uri;
  }

  private ClusterSettings.Failure failure() {
    RawEntry e = reader.entry(SettingKeys.REDIS_FAILURE);
    if (e == null) {
      return null;
    }
    return switch (e.value().trim().toLowerCase(Locale.ROOT)) {
      case "open" -> ClusterSettings.Failure.OPEN;
      case "closed" -> ClusterSettings.Failure.CLOSED;
      case "local" -> ClusterSettings.Failure.LOCAL;
      default -> {
        reader.bad(SettingKeys.REDIS_FAILURE, e.value(), "must be open, closed or local");
        yield null;
      }
    };
  }
}
