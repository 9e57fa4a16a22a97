package org.s3gate;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import jakarta.servlet.ServletContext;

import org.s3gate.accesslog.AccessLog;
import org.s3gate.config.ConfigReloader;
import org.s3gate.limit.CounterTable;
import org.s3gate.metrics.GatewayMetrics;
import org.s3gate.policy.Cidr;
import org.s3gate.policy.PolicySnapshot;
import org.s3gate.proxy.BackendPool;

/**
 * The running gateway's shared parts, built once by {@link GatewayLifecycle} and found by the
 * filter, the servlets and the MBeans through one servlet-context attribute.
 *
 * <p>Thread-safe: all fields are final; the parts are thread-safe themselves; totals are
 * {@link LongAdder}s (contention-free increments on the request path).
 */
public final class Gateway {
  /** The servlet-context attribute holding the gateway. */
  public static final String ATTRIBUTE = Gateway.class.getName();

  private final ConfigReloader config;
  private final CounterTable table;
  private final BackendPool backends;
  private final GatewayMetrics metrics;
  private final AccessLog accessLog;
  private final LongAdder requests = new LongAdder();
  private final LongAdder denied = new LongAdder();

  Gateway(ConfigReloader config, CounterTable table, BackendPool backends, GatewayMetrics metrics,
      AccessLog accessLog) {
    this.accessLog = accessLog;
    this.config = config;
    this.table = table;
    this.backends = backends;
    this.metrics = metrics;
  }

  /** The gateway of this webapp; fails clearly when the listener did not run. */
  public static Gateway from(ServletContext context) {
    Gateway gateway = (Gateway) context.getAttribute(ATTRIBUTE);
    if (gateway == null) {
      throw new IllegalStateException("no " + ATTRIBUTE + " in the servlet context: is "
          + GatewayLifecycle.class.getName() + " registered in web.xml, and did it start?");
    }
    return gateway;
  }

  public ConfigReloader config() {
    return config;
  }

  /** The policy in force now; read it once per request. */
  public PolicySnapshot policy() {
    return config.store().current();
  }

  public CounterTable table() {
    return table;
  }

  public BackendPool backends() {
    return backends;
  }

  /** The Prometheus metrics served at {@code /_s3gate/metrics}. */
  public GatewayMetrics metrics() {
    return metrics;
  }

  /** The access log ({@code s3gate.access}). */
  public AccessLog accessLog() {
    return accessLog;
  }

  /** Requests seen by the rate-limit filter (admitted and denied). */
  public LongAdder requests() {
    return requests;
  }

  /** Requests denied by the rate-limit filter. */
  public LongAdder denied() {
    return denied;
  }

  /** Whether {@code address} (a literal IP) is in one of {@code ranges}. */
  public static boolean inAny(List<Cidr> ranges, String address) {
    for (Cidr range : ranges) {
      if (range.contains(address)) {
        return true;
      }
    }
    return false;
  }
}
