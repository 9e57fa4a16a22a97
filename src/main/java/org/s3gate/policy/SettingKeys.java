package org.s3gate.policy;

import java.util.List;

/**
 * The keys of {@code gateway.properties}, in the order the documentation and the shipped file list
 * them. The one list of what a setting is called; the parsers, the restart-only rule
 * ({@link StartupSettings#KEYS}) and the unknown-key warning all read it from here.
 *
 * <p>Immutable (constants only).
 */
final class SettingKeys {
  static final String DEFAULT_GROUP = "default.group";
  static final String ANONYMOUS_GROUP = "anonymous.group";
  static final String POST_IDENTIFY_MAX_BYTES = "post.identify.max_bytes";
  static final String DEFAULT_LIMIT_PER_MINUTE = "default.limit.per_minute";
  static final String DEFAULT_LIMIT_PER_SECOND = "default.limit.per_second";
  static final String DEFAULT_LIMIT_CONCURRENT = "default.limit.concurrent";
  static final String DEFAULT_ERROR_MESSAGE = "default.error_message";
  static final String DENY_STATUS = "deny.status";
  static final String COUNT_DENIED = "count.denied";
  static final String LIMIT_METHODS = "limit.methods";
  static final String HEADERS_ENABLED = "headers.enabled";
  static final String TABLE_SIZE = "table.size";
  static final String TABLE_EXPIRE = "table.expire";
  static final String RELOAD_INTERVAL = "reload.interval";
  static final String EXEMPT_PATHS = "exempt.paths";
  static final String RELOAD_MAX_FILE_BYTES = "reload.max_file_bytes";
  static final String ADMIN_ALLOW = "admin.allow";
  static final String TRUSTED_PROXIES = "trusted.proxies";
  static final String BACKEND_URLS = "backend.urls";
  static final String BACKEND_HEALTH_PATH = "backend.health.path";
  static final String BACKEND_BACKUP_URLS = "backend.backup.urls";
  static final String BACKEND_MAX_CONNECTIONS = "backend.max_connections";
  static final String BACKEND_HEALTH_INTERVAL = "backend.health.interval";
  static final String BACKEND_HEALTH_TIMEOUT = "backend.health.timeout";
  static final String BACKEND_HEALTH_RISE = "backend.health.rise";
  static final String BACKEND_HEALTH_FALL = "backend.health.fall";
  static final String REQUEST_MIN_RATE = "request.min_rate";
  static final String RESPONSE_MIN_RATE = "response.min_rate";
  static final String MIN_RATE_WINDOW = "min_rate.window";
  static final String ACCESS_LOG_ENABLED = "access.log.enabled";
  static final String ACCESS_LOG_FORMAT = "access.log.format";
  static final String ACCESS_LOG_FILE = "access.log.file";
  static final String SECURITY_HSTS = "security.hsts";
  // per-client-IP limits and the tarpit (issue 15 part A)
  static final String IP_TABLE_SIZE = "ip.table.size";
  static final String IP_TABLE_EXPIRE = "ip.table.expire";
  static final String IP_WINDOW = "ip.window";
  static final String IP_ERROR_STATUSES = "ip.error.statuses";
  static final String IP_LIMIT_REQUESTS = "ip.limit.requests";
  static final String IP_TARPIT_REQUESTS = "ip.tarpit.requests";
  static final String IP_TARPIT_ERRORS = "ip.tarpit.errors";
  static final String IP_IPV6_PREFIX = "ip.ipv6.prefix";
  static final String TARPIT_DELAY = "tarpit.delay";
  static final String TARPIT_MAX = "tarpit.max";
  // enforcement mode, allow-list, informing the backend, connection-rate rejection (issue 15 part B)
  static final String MODE = "mode";
  static final String ALLOWLIST_SKIP_KEY_LIMITS = "allowlist.skip_key_limits";
  static final String INFORM_BACKEND = "inform.backend";
  static final String IP_LIMIT_CONNECTIONS = "ip.limit.connections";
  static final String S3_DOMAIN = "s3.domain";
  static final String LIMIT_TIMEZONE = "limit.timezone";
  /** Prefix of {@code limit.schedule.NAME=DAYS HH:MM-HH:MM} keys: one schedule condition each. */
  static final String LIMIT_SCHEDULE_PREFIX = "limit.schedule.";
  /** Prefix of {@code limit.header.NAME=HEADER} keys: one header condition each. */
  static final String LIMIT_HEADER_PREFIX = "limit.header.";
  static final String COUNTERS_STORE = "counters.store";
  static final String REDIS_URI = "redis.uri";
  static final String REDIS_TIMEOUT = "redis.timeout";
  static final String REDIS_FAILURE = "redis.failure";
  static final String CLUSTER_INSTANCES = "cluster.instances";
  /** Prefix of {@code security.header.NAME=value} keys: one response header each. */
  static final String SECURITY_HEADER_PREFIX = "security.header.";

  /** The families of keys named by a prefix ({@code security.header.NAME}, {@code limit.schedule.NAME}, ...). */
  static final List<String> PREFIXES = List.of(SECURITY_HEADER_PREFIX, LIMIT_SCHEDULE_PREFIX, LIMIT_HEADER_PREFIX);

  /** Every known key (besides the {@link #PREFIXES} families), in documentation order. */
  static final List<String> KNOWN = List.of(
      DEFAULT_GROUP, ANONYMOUS_GROUP, POST_IDENTIFY_MAX_BYTES, DEFAULT_LIMIT_PER_MINUTE, DEFAULT_LIMIT_PER_SECOND, DEFAULT_LIMIT_CONCURRENT, DEFAULT_ERROR_MESSAGE,
      DENY_STATUS, COUNT_DENIED, LIMIT_METHODS, HEADERS_ENABLED, TABLE_SIZE, TABLE_EXPIRE,
      RELOAD_INTERVAL, RELOAD_MAX_FILE_BYTES, EXEMPT_PATHS, ADMIN_ALLOW, TRUSTED_PROXIES, BACKEND_URLS, BACKEND_HEALTH_PATH,
      BACKEND_BACKUP_URLS, BACKEND_MAX_CONNECTIONS, BACKEND_HEALTH_INTERVAL, BACKEND_HEALTH_TIMEOUT, BACKEND_HEALTH_RISE,
      BACKEND_HEALTH_FALL, REQUEST_MIN_RATE, RESPONSE_MIN_RATE, MIN_RATE_WINDOW, ACCESS_LOG_ENABLED, ACCESS_LOG_FORMAT, ACCESS_LOG_FILE, SECURITY_HSTS,
      IP_TABLE_SIZE, IP_TABLE_EXPIRE, IP_WINDOW, IP_ERROR_STATUSES, IP_LIMIT_REQUESTS, IP_TARPIT_REQUESTS, IP_TARPIT_ERRORS,
      IP_IPV6_PREFIX, TARPIT_DELAY, TARPIT_MAX, MODE, ALLOWLIST_SKIP_KEY_LIMITS, INFORM_BACKEND, IP_LIMIT_CONNECTIONS,
      S3_DOMAIN, LIMIT_TIMEZONE,
      COUNTERS_STORE, REDIS_URI, REDIS_TIMEOUT, REDIS_FAILURE, CLUSTER_INSTANCES);

  private SettingKeys() {}
}
