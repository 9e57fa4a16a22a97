package org.s3gate.policy;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The raw inputs of one compile: the built-in defaults, the operator's {@code gateway.properties},
 * every map file (a missing one is an empty {@link RawFile}), the {@link #BACKEND_OVERRIDE_VARIABLE}
 * override (null or blank when unset) and {@code allowlist.lst} (one address or block per entry key).
 *
 * <p>Immutable.
 */
public record PolicySources(RawFile defaults, RawFile gateway, Map<MapFile, RawFile> maps, String backendOverride,
    RawFile allowlist) {

  /** The file name of the allow-list, in the configuration directory. */
  public static final String ALLOWLIST_FILE = "allowlist.lst";

  /**
   * The environment variable whose backend URLs override {@code backend.urls}; errors about its
   * value name it as their source.
   */
  public static final String BACKEND_OVERRIDE_VARIABLE = "S3GATE_BACKEND";

  public PolicySources {
    Objects.requireNonNull(defaults, "defaults");
    Objects.requireNonNull(gateway, "gateway");
    allowlist = allowlist == null ? RawFile.empty(ALLOWLIST_FILE) : allowlist;
    Map<MapFile, RawFile> all = new EnumMap<>(MapFile.class);
    for (MapFile map : MapFile.values()) {
      all.put(map, maps.getOrDefault(map, RawFile.empty(map.fileName())));
    }
    maps = Map.copyOf(all);
  }

  /** Without an allow-list. */
  public PolicySources(RawFile defaults, RawFile gateway, Map<MapFile, RawFile> maps, String backendOverride) {
    this(defaults, gateway, maps, backendOverride, null);
  }

  /** The four maps of the first release; the others are empty. */
  public PolicySources(RawFile defaults, RawFile gateway, RawFile keyGroups, RawFile limitsPerMinute,
      RawFile limitsPerSecond, RawFile errorMessages, String backendOverride) {
    this(defaults, gateway, Map.of(MapFile.KEY_GROUPS, keyGroups, MapFile.LIMITS_PER_MINUTE, limitsPerMinute,
        MapFile.LIMITS_PER_SECOND, limitsPerSecond, MapFile.ERROR_MESSAGES, errorMessages), backendOverride);
  }

  public RawFile map(MapFile map) {
    return maps.get(map);
  }

  public RawFile keyGroups() {
    return map(MapFile.KEY_GROUPS);
  }

  public RawFile limitsPerMinute() {
    return map(MapFile.LIMITS_PER_MINUTE);
  }

  public RawFile limitsPerSecond() {
    return map(MapFile.LIMITS_PER_SECOND);
  }

  public RawFile errorMessages() {
    return map(MapFile.ERROR_MESSAGES);
  }

  public RawFile concurrentRequests() {
    return map(MapFile.CONCURRENT_REQUESTS);
  }

  public RawFile bandwidthPerMinute() {
    return map(MapFile.BANDWIDTH_PER_MINUTE);
  }
}
