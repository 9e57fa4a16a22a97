package org.s3gate.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import org.s3gate.admit.ConnectionLimiterBridge;
import org.s3gate.admit.DenialRule;
import org.s3gate.admit.Outcome;
import org.s3gate.admit.Verdict;
import org.s3gate.backend.Backend;
import org.s3gate.backend.BackendPool;
import org.s3gate.config.ReloadStatus;
import org.s3gate.config.ReloadTriggerHealth;
import org.s3gate.limit.ClientIpTable;
import org.s3gate.limit.CounterTable;

/**
 * The gateway's Prometheus metrics (client_java), scraped at {@code GET /_s3gate/metrics}:
 * <ul>
 *   <li>{@code s3gate_requests_total{group,decision}}: every limited request, decision
 *       {@code admitted}, {@code denied_per_second}, {@code denied_per_minute},
 *       {@code denied_concurrent} or {@code rejected}
 *       (refused as malformed or ambiguous before anything was counted);
 *   <li>{@code s3gate_request_duration_seconds{decision}}: time from the filter to the last byte
 *       of the response (histogram, also {@code exempt} for MinIO health paths);
 *   <li>{@code s3gate_backend_responses_total{backend,class}}: backend answers by status class
 *       {@code 1xx}..{@code 5xx}, and {@code error} for attempts that got no answer;
 *   <li>{@code s3gate_backend_up{backend,role}}: 1 while the backend is in rotation;
 *   <li>{@code s3gate_table_keys}, {@code s3gate_table_capacity}, {@code s3gate_table_evictions_total};
 *   <li>{@code s3gate_config_reloads_total}, {@code s3gate_config_reload_failures_total},
 *       {@code s3gate_config_last_reload_errors} (errors of the last attempt: non-zero while the
 *       files on disk are rejected), {@code s3gate_config_version},
 *       {@code s3gate_config_last_success_timestamp_seconds};
 *   <li>{@code s3gate_config_reload_last_check_timestamp_seconds}, {@code s3gate_config_reload_stuck},
 *       {@code s3gate_config_reload_trigger_failures_total}: whether hot reload is alive;
 *   <li>{@code s3gate_access_log_dropped_total}: access log lines dropped because the writer fell behind;
 *   <li>{@code s3gate_refunds_total}: requests refunded to their key because the backend refused
 *       their credentials (forged under someone's key).
 *   <li>{@code s3gate_denials_total{rule}}: denied requests by the rule that refused them
 *       ({@link DenialRule} labels: {@code key_second}, {@code key_minute}, {@code class_second},
 *       {@code class_minute}, {@code address_second}, {@code address_minute}, {@code concurrent},
 *       {@code ip_requests}, {@code ip_tarpit} (held), {@code ip_tarpit_full} (answered at once:
 *       {@code tarpit.max} held), {@code ip_connections});
 *   <li>{@code s3gate_tarpit_held} (requests held now), {@code s3gate_tarpit_holds_total};
 *   <li>{@code s3gate_client_ips}, {@code s3gate_client_ips_capacity},
 *       {@code s3gate_client_ips_evictions_total}: the per-client-IP table;
 *   <li>{@code s3gate_shadow_denials_total{rule}}: in {@code mode=shadow}, requests (and, rule
 *       {@code ip_connections}, connections) that a rule would have denied, by {@link DenialRule} label;
 *   <li>{@code s3gate_connections_rejected_total}: connections the Jetty connection-rate component
 *       closed at accept ({@code ip.limit.connections}; read from its MBean when scraped, 0 without
 *       it); they are also the {@code ip_connections} denials of {@code s3gate_denials_total}, brought
 *       up to date at each scrape.
 * </ul>
 *
 * <p>Request path cost: counters are bound to their label values ahead of time (per group on the
 * group's first request, per backend and status class at construction), so recording is one map
 * lookup by group name plus lock-free increments, with no label arrays or registry lookups built
 * per request. Everything else is read from the gateway's parts when scraped (callbacks).
 *
 * <p>Thread-safe: client_java's data points are thread-safe; the per-group map is a
 * {@link ConcurrentHashMap}; the callbacks read thread-safe parts.
 */
public final class GatewayMetrics {
  /** {@code text/plain; version=0.0.4; charset=utf-8}. */
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx", "error"};
  private static final int ERROR_CLASS = 5;
  /** Seconds: from a denied request's sub-millisecond answer to multi-GB transfers. */
  private static final double[] LATENCY_BOUNDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
      5, 10, 30, 60, 300};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Counter requests;
  private final ConcurrentHashMap<String, CounterDataPoint[]> requestsByGroup = new ConcurrentHashMap<>();
  private final DistributionDataPoint[] durationByVerdict;
  private final CounterDataPoint[][] backendResponses;
  private final Counter refunds;
  private final CounterDataPoint[] denialsByRule;
  private volatile IntSupplier tarpitHeldNow = () -> 0;
  private volatile LongSupplier tarpitHeldTotal = () -> 0;
  /** Would-be denials by {@link DenialRule#ordinal()}; ip_connections is read from the Jetty component instead. */
  private final LongAdder[] shadowByRule = new LongAdder[DenialRule.values().length];
  /** The Jetty connection-rate component's bridge, or null. */
  private final ConnectionLimiterBridge connections;
  /** Its rejections already added to s3gate_denials_total{rule="ip_connections"}; guarded by this. */
  private long connectionRejectionsCounted;

  /** Metrics without a client-IP table (unit tests). */
  public GatewayMetrics(CounterTable table, BackendPool pool, Supplier<ReloadStatus> reloads,
      Supplier<ReloadTriggerHealth> trigger, LongSupplier accessLogDropped) {
    this(table, null, pool, reloads, trigger, accessLogDropped);
  }

  public GatewayMetrics(CounterTable table, ClientIpTable clientIps, BackendPool pool, Supplier<ReloadStatus> reloads,
      Supplier<ReloadTriggerHealth> trigger, LongSupplier accessLogDropped) {
    this(table, clientIps, pool, reloads, trigger, accessLogDropped, null);
  }

  /** @param connections the Jetty connection-rate component's bridge, or null where there is none */
  public GatewayMetrics(CounterTable table, ClientIpTable clientIps, BackendPool pool, Supplier<ReloadStatus> reloads,
      Supplier<ReloadTriggerHealth> trigger, LongSupplier accessLogDropped, ConnectionLimiterBridge connections) {
    this.connections = connections;
    requests = Counter.builder().name("s3gate_requests_total")
        .help("Requests checked by the rate limiter, by group and decision")
        .labelNames("group", "decision").withoutExemplars().register(registry);

    Histogram duration = Histogram.builder().name("s3gate_request_duration_seconds")
        .help("Time from the rate limiter to the response's completion, by decision")
        .labelNames("decision").classicOnly().classicUpperBounds(LATENCY_BOUNDS).withoutExemplars()
        .register(registry);
    Verdict[] verdicts = Verdict.values();
    durationByVerdict = new DistributionDataPoint[verdicts.length];
    for (Verdict verdict : verdicts) {
      durationByVerdict[verdict.ordinal()] = duration.labelValues(verdict.label());
    }

    Counter responses = Counter.builder().name("s3gate_backend_responses_total")
        .help("Backend answers by status class; error = the attempt got no answer (connect failure, reset, timeout)")
        .labelNames("backend", "class").withoutExemplars().register(registry);
    List<Backend> backends = pool.backends();
    backendResponses = new CounterDataPoint[backends.size()][STATUS_CLASSES.length];
    for (Backend backend : backends) {
      for (int c = 0; c < STATUS_CLASSES.length; c++) {
        backendResponses[backend.index()][c] = responses.labelValues(backend.origin(), STATUS_CLASSES[c]);
      }
    }
    GaugeWithCallback.builder().name("s3gate_backend_up").help("1 while the backend is in rotation, else 0")
        .labelNames("backend", "role")
        .callback(cb -> backends.forEach(b -> cb.call(b.isUp() ? 1 : 0, b.origin(), b.role().label())))
        .register(registry);

    GaugeWithCallback.builder().name("s3gate_table_keys").help("Access keys tracked in the counter table")
        .callback(cb -> cb.call(table.size())).register(registry);
    GaugeWithCallback.builder().name("s3gate_table_capacity").help("Most access keys the table holds (table.size)")
        .callback(cb -> cb.call(table.capacity())).register(registry);
    CounterWithCallback.builder().name("s3gate_table_evictions_total")
        .help("Keys evicted from the full table (least recently seen first)")
        .callback(cb -> cb.call(table.evictions())).register(registry);

    CounterWithCallback.builder().name("s3gate_config_reloads_total")
        .help("Configuration loads that read a settled set of files (published, unchanged or rejected)")
        .callback(cb -> cb.call(reloads.get().totalReloads())).register(registry);
    CounterWithCallback.builder().name("s3gate_config_reload_failures_total")
        .help("Configuration reloads rejected as invalid (the previous configuration stayed in force)")
        .callback(cb -> cb.call(reloads.get().failedReloads())).register(registry);
    GaugeWithCallback.builder().name("s3gate_config_last_reload_errors")
        .help("Errors of the last reload attempt; 0 once an attempt publishes or finds the files in force")
        .callback(cb -> cb.call(reloads.get().lastErrors().size())).register(registry);
    GaugeWithCallback.builder().name("s3gate_config_version").help("Version of the configuration in force")
        .callback(cb -> cb.call(reloads.get().configVersion())).register(registry);
    GaugeWithCallback.builder().name("s3gate_config_last_success_timestamp_seconds")
        .help("When the configuration in force was published (Unix time)")
        .callback(cb -> {
          ReloadStatus status = reloads.get();
          if (status.lastSuccessfulReload() != null) {
            cb.call(status.lastSuccessfulReload().toEpochMilli() / 1000.0);
          }
        }).register(registry);
    GaugeWithCallback.builder().name("s3gate_config_reload_last_check_timestamp_seconds")
        .help("When the reload trigger last completed a check of the files (Unix time)")
        .callback(cb -> cb.call(trigger.get().lastCheck().toEpochMilli() / 1000.0)).register(registry);
    GaugeWithCallback.builder().name("s3gate_config_reload_stuck")
        .help("1 while no check of the files has completed for 3 x reload.interval + 5 s (hot reload is not running)")
        .callback(cb -> cb.call(trigger.get().state() == ReloadTriggerHealth.State.STUCK ? 1 : 0)).register(registry);
    CounterWithCallback.builder().name("s3gate_config_reload_trigger_failures_total")
        .help("Checks of the files that failed unexpectedly (e.g. OutOfMemoryError); the trigger kept running")
        .callback(cb -> cb.call(trigger.get().failures())).register(registry);
    refunds = Counter.builder().name("s3gate_refunds_total")
        .help("Requests refunded to their access key because the backend refused their credentials "
            + "(403 InvalidAccessKeyId or SignatureDoesNotMatch): counted against the client address instead")
        .withoutExemplars().register(registry);
    Counter denials = Counter.builder().name("s3gate_denials_total")
        .help("Denied requests by the rule that refused them (ip_tarpit: held tarpit.delay first; ip_tarpit_full:"
            + " answered at once because tarpit.max were held)")
        .labelNames("rule").withoutExemplars().register(registry);
    DenialRule[] rules = DenialRule.values();
    denialsByRule = new CounterDataPoint[rules.length];
    for (DenialRule rule : rules) {
      denialsByRule[rule.ordinal()] = denials.labelValues(rule.label());
    }
    GaugeWithCallback.builder().name("s3gate_tarpit_held").help("Requests held by the tarpit now (at most tarpit.max)")
        .callback(cb -> cb.call(tarpitHeldNow.getAsInt())).register(registry);
    CounterWithCallback.builder().name("s3gate_tarpit_holds_total").help("Requests held by the tarpit since start")
        .callback(cb -> cb.call(tarpitHeldTotal.getAsLong())).register(registry);
    if (clientIps != null) {
      GaugeWithCallback.builder().name("s3gate_client_ips").help("Client IPs tracked in the client_ips table")
          .callback(cb -> cb.call(clientIps.size())).register(registry);
      GaugeWithCallback.builder().name("s3gate_client_ips_capacity")
          .help("Most client IPs the client_ips table holds (ip.table.size)")
          .callback(cb -> cb.call(clientIps.capacity())).register(registry);
      CounterWithCallback.builder().name("s3gate_client_ips_evictions_total")
          .help("Client IPs evicted from the full client_ips table (least recently seen first)")
          .callback(cb -> cb.call(clientIps.evictions())).register(registry);
    }
    CounterWithCallback.builder().name("s3gate_access_log_dropped_total")
        .help("Access log lines dropped because the log writer fell behind")
        .callback(cb -> cb.call(accessLogDropped.getAsLong())).register(registry);
    for (int r = 0; r < shadowByRule.length; r++) {
      shadowByRule[r] = new LongAdder();
    }
    CounterWithCallback.builder().name("s3gate_shadow_denials_total")
        .help("mode=shadow: requests (rule ip_connections: connections) a rule would have denied, by rule")
        .labelNames("rule")
        .callback(cb -> {
          for (DenialRule rule : DenialRule.values()) {
            long value = rule == DenialRule.IP_CONNECTIONS
                ? (connections == null ? 0 : connections.shadowRejected()) : shadowByRule[rule.ordinal()].sum();
            cb.call(value, rule.label());
          }
        }).register(registry);
    CounterWithCallback.builder().name("s3gate_connections_rejected_total")
        .help("Connections closed at accept because their client IP was over ip.limit.connections per ip.window"
            + " (Jetty component s3gate-connection-limit; 0 without it)")
        .callback(cb -> cb.call(connections == null ? 0 : connections.rejected())).register(registry);
  }

  /** Counts a would-be denial of {@code mode=shadow}: an admitted outcome with a {@link Outcome#shadowRule()}. */
  public void recordShadowDenial(DenialRule rule) {
    shadowByRule[rule.ordinal()].increment();
  }

  /** Would-be denials of one rule since start (not {@code ip_connections}: the Jetty component counts those). */
  public long shadowDenials(DenialRule rule) {
    return shadowByRule[rule.ordinal()].sum();
  }

  /** Adds the connections the Jetty component closed since the last scrape to the ip_connections denials. */
  private synchronized void countConnectionRejections() {
    if (connections == null) {
      return;
    }
    long now = connections.rejected();
    if (now > connectionRejectionsCounted) {
      denialsByRule[DenialRule.IP_CONNECTIONS.ordinal()].inc(now - connectionRejectionsCounted);
      connectionRejectionsCounted = now;
    }
  }

  /** Counts one denied request by the rule that refused it; a null rule is not counted. */
  public void recordDenial(DenialRule rule) {
    if (rule != null) {
      denialsByRule[rule.ordinal()].inc();
    }
  }

  /** Where the tarpit's counts are read when scraped (the tarpit lives in the filter). */
  public void tarpit(IntSupplier heldNow, LongSupplier heldTotal) {
    tarpitHeldNow = heldNow;
    tarpitHeldTotal = heldTotal;
  }

  /** Counts one request refunded to its key because the backend refused its credentials. */
  public void recordRefund() {
    refunds.inc();
  }

  /** Counts one limited request of {@code group} with its verdict (never {@link Verdict#EXEMPT}). */
  public void recordDecision(String group, Verdict verdict) {
    CounterDataPoint[] counters = requestsByGroup.get(group);
    if (counters == null) {
      counters = requestsByGroup.computeIfAbsent(group, g -> {
        CounterDataPoint[] byVerdict = new CounterDataPoint[Verdict.EXEMPT.ordinal()];
        for (int v = 0; v < byVerdict.length; v++) {
          byVerdict[v] = requests.labelValues(g, Verdict.values()[v].label());
        }
        return byVerdict;
      });
    }
    counters[verdict.ordinal()].inc();
  }

  /** Limited requests since start, admitted and denied: the sum of {@code s3gate_requests_total} (JMX {@code Requests}). */
  public long requestsTotal() {
    long total = 0;
    for (CounterDataPoint[] counters : requestsByGroup.values()) {
      for (CounterDataPoint counter : counters) {
        total += counter.getLongValue();
      }
    }
    return total;
  }

  /**
   * Limited requests since start of each group that had any, indexed by {@link Verdict#ordinal()}
   * ({@code admitted}, {@code denied_per_second}, {@code denied_per_minute}): the stats page's totals.
   */
  public Map<String, long[]> totalsByGroup() {
    Map<String, long[]> totals = new TreeMap<>();
    requestsByGroup.forEach((group, counters) -> {
      long[] values = new long[counters.length];
      for (int i = 0; i < counters.length; i++) {
        values[i] = counters[i].getLongValue();
      }
      totals.put(group, values);
    });
    return totals;
  }

  /** Denied requests since start: the denied part of {@code s3gate_requests_total} (JMX {@code Denied}). */
  public long deniedTotal() {
    long total = 0;
    for (CounterDataPoint[] counters : requestsByGroup.values()) {
      total += counters[Verdict.DENIED_PER_SECOND.ordinal()].getLongValue()
          + counters[Verdict.DENIED_PER_MINUTE.ordinal()].getLongValue()
          + counters[Verdict.DENIED_CONCURRENT.ordinal()].getLongValue()
          + counters[Verdict.DENIED_CLIENT_IP.ordinal()].getLongValue();
    }
    return total;
  }

  /** Records a completed request's duration. */
  public void recordDuration(Verdict verdict, long durationNanos) {
    durationByVerdict[verdict.ordinal()].observe(durationNanos / 1e9);
  }

  /** Counts a backend's answer by its status class. */
  public void recordBackendResponse(Backend backend, int status) {
    int statusClass = status / 100 - 1;
    backendResponses[backend.index()][statusClass >= 0 && statusClass < ERROR_CLASS ? statusClass : ERROR_CLASS].inc();
  }

  /** Counts an attempt on a backend that got no answer. */
  public void recordBackendFailure(Backend backend) {
    backendResponses[backend.index()][ERROR_CLASS].inc();
  }

  /** Writes every metric in the Prometheus text format ({@link #CONTENT_TYPE}). */
  public void scrape(OutputStream out) throws IOException {
    countConnectionRejections();
    writer.write(out, registry.scrape());
  }
}
