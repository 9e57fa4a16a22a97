package org.s3gate;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

import org.s3gate.accesslog.AccessLog;
import org.s3gate.admit.Admission;
import org.s3gate.admit.ConnectionLimiterBridge;
import org.s3gate.admit.CounterStore;
import org.s3gate.admit.LocalCounterStore;
import org.s3gate.admit.StoreStatus;
import org.s3gate.backend.BackendHealthChecker;
import org.s3gate.backend.BackendPool;
import org.s3gate.cluster.RedisCounterStore;
import org.s3gate.common.DaemonThreads;
import org.s3gate.config.ConfigDirectory;
import org.s3gate.config.ConfigException;
import org.s3gate.config.ConfigReloader;
import org.s3gate.limit.ByteBudgets;
import org.s3gate.limit.ByteTable;
import org.s3gate.limit.ClientIpTable;
import org.s3gate.limit.CounterTable;
import org.s3gate.limit.UsageTable;
import org.s3gate.management.ManagementBeans;
import org.s3gate.metrics.GatewayMetrics;
import org.s3gate.policy.ClusterSettings;
import org.s3gate.policy.GatewaySettings;
import org.s3gate.runtime.Gateway;
import org.s3gate.stats.GatewayStats;

/**
 * Builds the {@link Gateway} when the webapp starts and tears it down when it stops: configuration
 * (loaded and validated first: an invalid configuration fails the deployment with every error
 * listed), the counter table and its expiry, the backends and their health checks, and the JMX MBeans. Everything
 * started here is stopped in {@link #contextDestroyed}, so a redeploy leaks no thread.
 *
 * <p>Thread-safe: the container calls it once to start and once to stop.
 */
public final class GatewayLifecycle implements ServletContextListener {
  /** Context init-parameter with the configuration directory used when neither -D nor env names one. */
  public static final String CONF_DIR_DEFAULT_PARAMETER = "s3gate.conf.dir.default";

  private static final System.Logger LOG = System.getLogger(GatewayLifecycle.class.getName());
  private static final Duration EXPIRY_SWEEP_INTERVAL = Duration.ofSeconds(5);
  /** Access log lines queued for the writer before new ones are dropped (about 4 MB at most). */
  private static final int ACCESS_LOG_QUEUE = 16_384;

  private ConfigReloader config;
  private BackendHealthChecker healthChecker;
  private ScheduledExecutorService maintenance;
  private ManagementBeans managementBeans;
  private AccessLog accessLog;
  private RedisCounterStore redisStore;

  @Override
  public void contextInitialized(ServletContextEvent event) {
    ServletContext context = event.getServletContext();
    Path confDir = ConfigDirectory.resolve(context.getInitParameter(CONF_DIR_DEFAULT_PARAMETER));
    try {
      config = ConfigReloader.start(confDir, System.getenv());
    } catch (ConfigException e) {
      LOG.log(Level.ERROR, "s3gate cannot start: {0}", e.getMessage());
      throw e;
    }
    GatewaySettings settings = config.store().current().settings();
    CounterTable table = new CounterTable(settings.tableSize());
    ClientIpTable clientIps = new ClientIpTable(settings.ipTableSize(), settings.ipWindow());
    CounterTable buckets = new CounterTable(settings.tableSize()); // table.size and table.expire bound it too
    BackendPool pool = new BackendPool(settings.backendUrls(), settings.backendBackupUrls());
    accessLog = new AccessLog(ACCESS_LOG_QUEUE, accessLogFile(settings.accessLogFile()));
    ConfigReloader reloader = config;
    ConnectionLimiterBridge connections = new ConnectionLimiterBridge();
    GatewayMetrics metrics = new GatewayMetrics(table, clientIps, pool, reloader::status,
        () -> reloader.triggerHealth(Instant.now()), accessLog::dropped, connections);
    // the Jetty connection-rate component follows every published configuration (a no-op on Tomcat)
    config.store().onPublish(connections::apply);
    clientIps.connectionRates(connections.view()); // conn_rate of the client_ips table
    ClusterSettings cluster = settings.cluster();
    LocalCounterStore localStore = new LocalCounterStore(table, buckets);
    ByteTable bytes = new ByteTable(table.capacity()); // the bandwidth budgets; redis mode's local fallback
    CounterStore store = localStore;
    UsageTable usageTable = table;
    StoreStatus storeStatus = StoreStatus.LOCAL_ONLY;
    ByteBudgets bandwidthShown = bytes;
    if (cluster.store() == ClusterSettings.Store.REDIS) {
      redisStore = new RedisCounterStore(cluster, localStore, bytes, metrics.redisLatencyRecorder());
      store = redisStore;
      usageTable = redisStore.table();
      storeStatus = redisStore;
      bandwidthShown = redisStore.bandwidthView();
    }
    metrics.registerCounterStore(storeStatus, redisStore != null);
    Admission admission = new Admission(table, clientIps, store, System::currentTimeMillis, bytes);
    GatewayStats stats = new GatewayStats(System.nanoTime(), System.currentTimeMillis());
    Gateway gateway = new Gateway(config, table, clientIps, admission, pool, metrics, accessLog, stats, buckets,
        usageTable, storeStatus, bandwidthShown);

    healthChecker = new BackendHealthChecker(pool, () -> gateway.policy().settings());
    maintenance = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("s3gate-table-expiry"));
    maintenance.scheduleWithFixedDelay(() -> expireIdleKeys(gateway), EXPIRY_SWEEP_INTERVAL.toMillis(),
        EXPIRY_SWEEP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);

    context.setAttribute(Gateway.ATTRIBUTE, gateway);
    try {
      managementBeans = ManagementBeans.register(gateway);
    } catch (RuntimeException e) {
      // Limiting and proxying work without JMX; an operator sees this and the missing MBeans.
      LOG.log(Level.ERROR, "s3gate MBeans not registered; runtime management over JMX is unavailable", e);
    }
    LOG.log(Level.INFO, "s3gate started: configuration {0} (version {1}), table.size {2}, ip.table.size {3},"
        + " ip.window {4} ms, backends {5}, counters.store {6}", confDir, gateway.policy().version(), settings.tableSize(),
        settings.ipTableSize(), settings.ipWindow().toMillis(), pool.describe(),
        cluster.store() == ClusterSettings.Store.REDIS ? "redis (" + cluster.redisUriForDisplay() + ")" : "local");
  }

  private static void expireIdleKeys(Gateway gateway) {
    try {
      long idleNanos = gateway.policy().settings().tableExpire().toNanos();
      long nowNanos = System.nanoTime();
      int expired = gateway.table().expireIdle(idleNanos, nowNanos) + gateway.buckets().expireIdle(idleNanos, nowNanos)
          + gateway.bandwidth().expireIdle(idleNanos, nowNanos);
      if (expired > 0) {
        LOG.log(Level.DEBUG, "expired {0} idle keys", expired);
      }
      long ipIdleNanos = gateway.policy().settings().clientIps().tableExpire().toNanos();
      int expiredIps = gateway.clientIps().expireIdle(ipIdleNanos, System.nanoTime());
      if (expiredIps > 0) {
        LOG.log(Level.DEBUG, "expired {0} idle client IPs", expiredIps);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "table expiry failed", e); // never let it cancel the periodic task
    }
  }

  /**
   * {@code access.log.file} as a path: null when empty (the logger), a relative path resolved
   * against {@code jetty.base} (Jetty) or {@code catalina.base} (Tomcat), else the working directory.
   */
  static Path accessLogFile(String setting) {
    if (setting.isEmpty()) {
      return null;
    }
    Path path = Path.of(setting);
    if (path.isAbsolute()) {
      return path;
    }
    for (String base : new String[] {"jetty.base", "catalina.base"}) {
      String dir = System.getProperty(base);
      if (dir != null && !dir.isBlank()) {
        return Path.of(dir).resolve(path).toAbsolutePath().normalize();
      }
    }
    return path.toAbsolutePath().normalize();
  }

  @Override
  public void contextDestroyed(ServletContextEvent event) {
    if (managementBeans != null) {
      managementBeans.close();
    }
    if (maintenance != null) {
      maintenance.shutdownNow();
    }
    if (healthChecker != null) {
      healthChecker.close();
    }
    if (config != null) {
      config.close();
    }
    if (accessLog != null) {
      accessLog.close();
    }
    if (redisStore != null) {
      redisStore.close(); // the probe thread and Lettuce's threads end here
      redisStore = null;
    }
    event.getServletContext().removeAttribute(Gateway.ATTRIBUTE);
    LOG.log(Level.INFO, "s3gate stopped");
  }
}
