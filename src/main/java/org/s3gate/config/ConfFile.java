package org.s3gate.config;

/**
 * The files of the configuration directory, in the order they are read and reported.
 *
 * <p>Immutable.
 */
enum ConfFile {
  GATEWAY("gateway.properties"),
  KEY_GROUPS("api_key_groups.map"),
  LIMITS_PER_MINUTE("rate_limits_per_minute.map"),
  LIMITS_PER_SECOND("rate_limits_per_second.map"),
  ERROR_MESSAGES("error_messages.map");

  final String fileName;

  ConfFile(String fileName) {
    this.fileName = fileName;
  }
}
