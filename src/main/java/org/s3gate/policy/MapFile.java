package org.s3gate.policy;

/**
 * The map files, by the names operators see: the file ({@code rate_limits_per_minute.map}) and its
 * base name, which is the {@code name} key of its JMX ObjectName
 * ({@code s3gate:type=Map,name=rate_limits_per_minute}). The one list of map names: the loader,
 * the MBeans and {@code bin/s3gate-admin} all take them from here. {@code gateway.properties} is not
 * a map (it is edited on disk only).
 *
 * <p>Immutable. Depends on nothing, so the admin CLI's jar can carry it alone.
 */
public enum MapFile {
  KEY_GROUPS("api_key_groups"),
  LIMITS_PER_MINUTE("rate_limits_per_minute"),
  LIMITS_PER_SECOND("rate_limits_per_second"),
  ERROR_MESSAGES("error_messages"),
  CONCURRENT_REQUESTS("concurrent_requests"),
  BANDWIDTH_PER_MINUTE("bandwidth_per_minute"),
  /** Per-bucket limits across all callers: bucket name (or {@code *}) to requests per sliding second. */
  BUCKET_LIMITS_PER_SECOND("bucket_limits_per_second"),
  /** Per-bucket limits across all callers: bucket name (or {@code *}) to requests per sliding minute. */
  BUCKET_LIMITS_PER_MINUTE("bucket_limits_per_minute");

  private final String baseName;

  MapFile(String baseName) {
    this.baseName = baseName;
  }

  /** The file name, e.g. {@code rate_limits_per_minute.map}. */
  public String fileName() {
    return baseName + ".map";
  }

  /** The file name without {@code .map}: the {@code name} key of its JMX ObjectName. */
  public String baseName() {
    return baseName;
  }
}
