package org.s3gate.config;

import org.s3gate.policy.MapFile;
import org.s3gate.policy.PolicySources;

/**
 * The files of the configuration directory, in the order they are read and reported.
 *
 * <p>Immutable.
 */
enum ConfFile {
  GATEWAY("gateway.properties"),
  KEY_GROUPS(MapFile.KEY_GROUPS.fileName()),
  LIMITS_PER_MINUTE(MapFile.LIMITS_PER_MINUTE.fileName()),
  LIMITS_PER_SECOND(MapFile.LIMITS_PER_SECOND.fileName()),
  ERROR_MESSAGES(MapFile.ERROR_MESSAGES.fileName()),
  CONCURRENT_REQUESTS(MapFile.CONCURRENT_REQUESTS.fileName()),
  BANDWIDTH_PER_MINUTE(MapFile.BANDWIDTH_PER_MINUTE.fileName()),
  BUCKET_LIMITS_PER_SECOND(MapFile.BUCKET_LIMITS_PER_SECOND.fileName()),
  BUCKET_LIMITS_PER_MINUTE(MapFile.BUCKET_LIMITS_PER_MINUTE.fileName()),
  /** Not a map: one address or CIDR block per line ({@link ListText}); edited on disk only. */
  ALLOWLIST(PolicySources.ALLOWLIST_FILE);

  final String fileName;

  ConfFile(String fileName) {
    this.fileName = fileName;
  }

  /** The file of {@code map}. */
  static ConfFile of(MapFile map) {
    return switch (map) {
      case KEY_GROUPS -> KEY_GROUPS;
      case LIMITS_PER_MINUTE -> LIMITS_PER_MINUTE;
      case LIMITS_PER_SECOND -> LIMITS_PER_SECOND;
      case ERROR_MESSAGES -> ERROR_MESSAGES;
      case CONCURRENT_REQUESTS -> CONCURRENT_REQUESTS;
      case BANDWIDTH_PER_MINUTE -> BANDWIDTH_PER_MINUTE;
      case BUCKET_LIMITS_PER_SECOND -> BUCKET_LIMITS_PER_SECOND;
      case BUCKET_LIMITS_PER_MINUTE -> BUCKET_LIMITS_PER_MINUTE;
    };
  }
}
