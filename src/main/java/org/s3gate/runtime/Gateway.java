package org.s3gate.runtime;

import jakarta.servlet.ServletContext;

import org.s3gate.accesslog.AccessLog;
import org.s3gate.admit.Admission;
import org.s3gate.admit.StoreStatus;
import org.s3gate.backend.BackendPool;
import org.s3gate.config.ConfigReloader;
import org.s3gate.limit.ByteBudgets;
import org.s3gate.limit.ClientIpTable;
import org.s3gate.limit.CounterTable;
import org.s3gate.limit.UsageTable;
import org.s3gate.metrics.GatewayMetrics;
import org.s3gate.policy.PolicySnapshot;
import org.s3gate.stats.GatewayStats;

/**
 * The running gateway's shared parts, built once when the webapp starts and found by the filter,
 * the servlets and the MBeans through one servlet-context attribute: the configuration and its
 * reloader, the admission core and the counter table it charges, the backends, the metrics and
 * the access log, and the recent activity the stats page shows.
 *
 * <p>Request code reads the policy once per request ({@link #policy()}) and passes that snapshot
 * along with the request; nothing reads it again for the same request.
 *
 * <p>Thread-safe: all fields are final and the parts are thread-safe themselves.
 */
public final class Gateway {
  /** The servlet-context attribute holding the gateway. */
  public static final String ATTRIBUTE = Gateway.class.getName();

  private final ConfigReloader config;
  private final CounterTable table;
  private final ClientIpTable clientIps;
  private final Admission admission;
  private final BackendPool backends;
  private final GatewayMetrics metrics;
  private final AccessLog accessLog;
  private final GatewayStats stats;
  private final CounterTable buckets;
  private final UsageTable usageTable;
  private final StoreStatus storeStatus;
  /** What JMX shows of the bandwidth budgets: the admission's own, or the shared ones in Redis. */
  private final ByteBudgets bandwidthShown;

  /** A gateway whose bucket table is one of its own, not the admission's (for tests that do not look at it). */
  public Gateway(ConfigReloader config, CounterTable table, ClientIpTable clientIps, Admission admission,
      BackendPool backends, GatewayMetrics metrics, AccessLog accessLog, GatewayStats stats) {
    this(config, table, clientIps, admission, backends, metrics, accessLog, stats, new CounterTable(table.capacity()));
  }

  /** @param buckets the per-bucket counters {@code admission} charges ({@code counters.store=local}) */
  public Gateway(ConfigReloader config, CounterTable table, ClientIpTable clientIps, Admission admission,
      BackendPool backends, GatewayMetrics metrics, AccessLog accessLog, GatewayStats stats, CounterTable buckets) {
    this(config, table, clientIps, admission, backends, metrics, accessLog, stats, buckets, table,
        StoreStatus.LOCAL_ONLY);
  }

  /**
   * @param usageTable what JMX's {@code api_keys} table shows: {@code table}, or the counters shared through Redis
   * @param storeStatus the counter store's mode, failures and latency
   */
  public Gateway(ConfigReloader config, CounterTable table, ClientIpTable clientIps, Admission admission,
      BackendPool backends, GatewayMetrics metrics, AccessLog accessLog, GatewayStats stats, CounterTable buckets,
      UsageTable usageTable, StoreStatus storeStatus) {
    this(config, table, clientIps, admission, backends, metrics, accessLog, stats, buckets, usageTable, storeStatus,
        admission.bandwidthBudgets());
  }

  /** @param bandwidthShown what JMX shows and clears of the bandwidth budgets (the shared ones in redis mode) */
  public Gateway(ConfigReloader config, CounterTable table, ClientIpTable clientIps, Admission admission,
      BackendPool backends, GatewayMetrics metrics, AccessLog accessLog, GatewayStats stats, CounterTable buckets,
      UsageTable usageTable, StoreStatus storeStatus, ByteBudgets bandwidthShown) {
    this.bandwidthShown = bandwidthShown;
    this.buckets = buckets;
    this.usageTable = usageTable;
    this.storeStatus = storeStatus;
    this.config = config;
    this.table = table;
    this.clientIps = clientIps;
    this.admission = admission;
    this.backends = backends;
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.stats = stats;
  }

  /** The gateway of this webapp; fails clearly when the webapp's listener did not run. */
  public static Gateway from(ServletContext context) {
    Gateway gateway = (Gateway) context.getAttribute(ATTRIBUTE);
    if (gateway == null) {
      throw new IllegalStateException("no " + ATTRIBUTE + " in the servlet context: is "
          + "org.s3gate.GatewayLifecycle registered in web.xml, and did it start?");
    }
    return gateway;
  }

  public ConfigReloader config() {
    return config;
  }

  /** Whether hot reload is alive at {@code now}, for {@code /_s3gate/health}. */
  public ReloadHealth reloadHealth(java.time.Instant now) {
    return ReloadHealth.of(config, now);
  }

  /** The policy in force now; read it once per request. */
  public PolicySnapshot policy() {
    return config.store().current();
  }

  /** The access keys' counters (what JMX shows and clears). */
  public CounterTable table() {
    return table;
  }

  /** The per-bucket counters (what JMX {@code s3gate:type=Table,name=buckets} shows and clears). */
  public CounterTable buckets() {
    return buckets;
  }

  /** The client IPs' counters (JMX {@code client_ips}). */
  public ClientIpTable clientIps() {
    return clientIps;
  }

  /**
   * The request counters JMX's {@code api_keys} table shows and clears: {@link #table()} in local
   * mode, the counters every instance shares in cluster mode.
   */
  public UsageTable usageTable() {
    return usageTable;
  }

  /** Which counter store decides now ({@code counters.store}, the Redis circuit), for metrics and JMX. */
  public StoreStatus storeStatus() {
    return storeStatus;
  }

  /**
   * The bandwidth budgets of {@code bandwidth_per_minute.map} as JMX shows and clears them: the
   * admission core's own table, or in redis mode a view of the shared byte counts (whose expiry
   * sweep reaches the local fallback's table).
   */
  public ByteBudgets bandwidth() {
    return bandwidthShown;
  }

  /** Decides every S3 request. */
  public Admission admission() {
    return admission;
  }

  public BackendPool backends() {
    return backends;
  }

  /** The Prometheus metrics served at {@code /_s3gate/metrics}, and the request totals JMX shows. */
  public GatewayMetrics metrics() {
    return metrics;
  }

  /** The access log ({@code s3gate.access}). */
  public AccessLog accessLog() {
    return accessLog;
  }

  /** Requests per second and recent denials for {@code /_s3gate/stats.json}. */
  public GatewayStats stats() {
    return stats;
  }
}
