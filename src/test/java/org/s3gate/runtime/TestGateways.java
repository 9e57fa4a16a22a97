package org.s3gate.runtime;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.s3gate.accesslog.AccessLog;
import org.s3gate.admit.Admission;
import org.s3gate.backend.BackendPool;
import org.s3gate.config.ConfigReloader;
import org.s3gate.limit.CounterTable;
import org.s3gate.metrics.GatewayMetrics;
import org.s3gate.stats.GatewayStats;

/**
 * Builds a {@link Gateway} over a small configuration directory, for unit tests of other packages.
 *
 * <p>Immutable (static functions only).
 */
public final class TestGateways {
  private TestGateways() {}

  /** Writes a demo configuration (reload trigger every hour) into {@code dir} and starts a gateway on it. */
  public static Gateway start(Path dir, int tableSize) throws IOException {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\n");
    Files.writeString(dir.resolve("api_key_groups.map"), "K1 premium\nK3 basic\n");
    Files.writeString(dir.resolve("rate_limits_per_minute.map"), "premium 2000\nbasic 100\n");
    Files.writeString(dir.resolve("rate_limits_per_second.map"), "premium 50\nbasic 10\n");
    Files.writeString(dir.resolve("error_messages.map"), "premium Premium\nbasic Basic\n");
    ConfigReloader config = ConfigReloader.start(dir, Map.of());
    CounterTable table = new CounterTable(tableSize);
    BackendPool pool = new BackendPool(List.of(URI.create("http://127.0.0.1:9")), List.of());
    AccessLog accessLog = new AccessLog(16, null);
    org.s3gate.limit.ClientIpTable clientIps = new org.s3gate.limit.ClientIpTable(1000, java.time.Duration.ofSeconds(10));
    return new Gateway(config, table, clientIps, new Admission(table, clientIps), pool,
        new GatewayMetrics(table, clientIps, pool, config::status, () -> config.triggerHealth(java.time.Instant.now()),
            accessLog::dropped), accessLog,
        new GatewayStats(System.nanoTime(), System.currentTimeMillis()));
  }
}
