package org.s3gate.config;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.s3gate.policy.PolicySnapshot;

/**
 * The four map files that JMX and {@code bin/s3gate-admin} can show and edit ({@code gateway.properties}
 * is not a map and is edited on disk only).
 *
 * <p>Immutable.
 */
public enum MapFile {
  KEY_GROUPS(ConfFile.KEY_GROUPS),
  LIMITS_PER_MINUTE(ConfFile.LIMITS_PER_MINUTE),
  LIMITS_PER_SECOND(ConfFile.LIMITS_PER_SECOND),
  ERROR_MESSAGES(ConfFile.ERROR_MESSAGES);

  final ConfFile confFile;

  MapFile(ConfFile confFile) {
    this.confFile = confFile;
  }

  /** The file name, e.g. {@code rate_limits_per_minute.map}. */
  public String fileName() {
    return confFile.fileName;
  }

  /** The file name without {@code .map}: the {@code name} key of its JMX ObjectName. */
  public String baseName() {
    return fileName().substring(0, fileName().length() - ".map".length());
  }

  /** The entries of this map in force in {@code snapshot}, in file order, values as text. */
  public Map<String, String> entries(PolicySnapshot snapshot) {
    Map<String, ?> values = switch (this) {
      case KEY_GROUPS -> snapshot.keyGroups();
      case LIMITS_PER_MINUTE -> snapshot.limitsPerMinute();
      case LIMITS_PER_SECOND -> snapshot.limitsPerSecond();
      case ERROR_MESSAGES -> snapshot.errorMessages();
    };
    Map<String, String> text = new LinkedHashMap<>();
    values.forEach((k, v) -> text.put(k, String.valueOf(v)));
    return text;
  }

  /**
   * The map named by its file name ({@code rate_limits_per_minute.map}) or base name.
   *
   * @throws IllegalArgumentException naming the maps there are
   */
  public static MapFile byName(String name) {
    for (MapFile m : values()) {
      if (m.fileName().equals(name) || m.baseName().equals(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("no map named '" + name + "'; the maps are "
        + Arrays.stream(values()).map(MapFile::fileName).collect(Collectors.joining(", ")));
  }
}
