package org.s3gate.admit;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import org.s3gate.limit.ClientIpTable;
import org.s3gate.policy.Cidr;
import org.s3gate.policy.EnforcementSettings;
import org.s3gate.policy.PolicySnapshot;

/**
 * The webapp's side of the Jetty connection-rate component ({@code org.s3gate.jetty.ConnectionRateLimiter},
 * jetty-base module {@code s3gate-connection-limit}), which lives in the server's class loader and so
 * shares no class with us: we talk to it through the platform MBean server, by name
 * ({@code s3gate:type=ConnectionLimiter}). {@link #apply} hands it the settings of each published
 * snapshot ({@code ip.limit.connections}, {@code ip.window}, {@code mode}, {@code allowlist.lst}) in
 * one call; the metrics read its totals when scraped, and the per-IP table reads its
 * {@link #connectionRates()} when shown, never per request.
 *
 * <p>Where the component is absent (Tomcat, or a jetty-base without the module) every method is a
 * no-op and the totals read 0; {@link #present()} says which. A failed call is logged and never
 * reaches a request or a reload: the configuration is published whatever the component does.
 *
 * <p>Thread-safe: stateless besides the MBean server's own thread-safety.
 */
public final class ConnectionLimiterBridge {
  /** The component's MBean, registered by the Jetty server. */
  public static final String OBJECT_NAME = "s3gate:type=ConnectionLimiter";

  private static final System.Logger LOG = System.getLogger(ConnectionLimiterBridge.class.getName());

  private final MBeanServer mbeans;
  private final ObjectName name;

  public ConnectionLimiterBridge() {
    this(ManagementFactory.getPlatformMBeanServer());
  }

  /** Over {@code mbeans} instead of the platform MBean server (tests; a server registering elsewhere). */
  public ConnectionLimiterBridge(MBeanServer mbeans) {
    this.mbeans = mbeans;
    try {
      this.name = new ObjectName(OBJECT_NAME);
    } catch (MalformedObjectNameException e) {
      throw new IllegalStateException(e); // a constant
    }
  }

  /** Whether the Jetty component is running in this server. */
  public boolean present() {
    return mbeans.isRegistered(name);
  }

  /** Hands the component the connection-rate settings of {@code policy} (called for every published snapshot). */
  public void apply(PolicySnapshot policy) {
    if (!present()) {
      EnforcementSettings enforcement = policy.settings().enforcement();
      if (enforcement.ipLimitConnections() > 0) {
        LOG.log(System.Logger.Level.WARNING, "ip.limit.connections={0} has no effect: the Jetty component is not"
            + " running (jetty-base module s3gate-connection-limit; Jetty only)", enforcement.ipLimitConnections());
      }
      return;
    }
    EnforcementSettings enforcement = policy.settings().enforcement();
    String[] allowlist = policy.allowlist().blocks().stream().map(Cidr::toString).toArray(String[]::new);
    try {
      mbeans.invoke(name, "configure",
          new Object[] {enforcement.ipLimitConnections(), policy.settings().ipWindow().toMillis(), enforcement.shadow(),
              allowlist, policy.settings().clientIps().ipv6PrefixBits()},
          new String[] {int.class.getName(), long.class.getName(), boolean.class.getName(), String[].class.getName(),
              int.class.getName()});
    } catch (JMException | RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "cannot configure the connection-rate component "
          + OBJECT_NAME + "; it keeps its previous settings", e);
    }
  }

  /** Connections the component closed at accept since it started; 0 without it. */
  public long rejected() {
    return longAttribute("Rejected");
  }

  /** Connections it would have closed in shadow mode; 0 without it. */
  public long shadowRejected() {
    return longAttribute("ShadowRejected");
  }

  /** Each tracked IP's new connections in the current window; empty without the component. */
  public Map<String, Integer> connectionRates() {
    Map<String, Integer> rates = new LinkedHashMap<>();
    if (!present()) {
      return rates;
    }
    try {
      Object result = mbeans.invoke(name, "connectionRates", new Object[0], new String[0]);
      if (result instanceof TabularData table) {
        for (Object row : table.values()) {
          CompositeData entry = (CompositeData) row;
          rates.put((String) entry.get("key"), (Integer) entry.get("value"));
        }
      }
    } catch (JMException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot read connection rates from " + OBJECT_NAME, e);
    }
    return rates;
  }

  /**
   * The component's connections per IP as the {@code client_ips} table shows them ({@code conn_rate}):
   * one MBean call per half second at most, however many rows are shown, and none per request.
   */
  public ClientIpTable.ConnectionRates view() {
    return new ClientIpTable.ConnectionRates() {
      private volatile Map<String, Integer> rates;
      private volatile long readNanos;

      @Override
      public int connections(String address, long nowNanos) {
        Map<String, Integer> current = rates;
        if (current == null || nowNanos - readNanos > 500_000_000L) {
          current = connectionRates();
          rates = current;
          readNanos = nowNanos;
        }
        return current.getOrDefault(address, 0);
      }
    };
  }

  /** Forgets one IP's connection counts; false without the component or when it was not tracked. */
  public boolean clearIp(String ip) {
    if (!present()) {
      return false;
    }
    try {
      return Boolean.TRUE.equals(mbeans.invoke(name, "clearIp", new Object[] {ip}, new String[] {String.class.getName()}));
    } catch (JMException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot clear " + ip + " in " + OBJECT_NAME, e);
      return false;
    }
  }

  /** Forgets every IP's connection counts; returns how many were tracked (0 without the component). */
  public int clearAll() {
    if (!present()) {
      return 0;
    }
    try {
      Object cleared = mbeans.invoke(name, "clearAll", new Object[0], new String[0]);
      return cleared instanceof Integer n ? n : 0;
    } catch (JMException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot clear the connection counts in " + OBJECT_NAME, e);
      return 0;
    }
  }

  private long longAttribute(String attribute) {
    if (!present()) {
      return 0;
    }
    try {
      return ((Number) mbeans.getAttribute(name, attribute)).longValue();
    } catch (JMException | RuntimeException e) {
      return 0;
    }
  }
}
