package org.s3gate.management;

import java.time.Instant;

import org.s3gate.config.ReloadTriggerHealth;
import org.s3gate.runtime.Gateway;

/**
 * The {@link GatewayMXBean} over the running gateway.
 *
 * <p>Thread-safe: stateless; reads thread-safe counters and immutable snapshots.
 */
final class GatewayControl implements GatewayMXBean {

  private final Gateway gateway;

  GatewayControl(Gateway gateway) {
    this.gateway = gateway;
  }

  @Override
  public long getRequests() {
    return gateway.metrics().requestsTotal();
  }

  @Override
  public long getDenied() {
    return gateway.metrics().deniedTotal();
  }

  @Override
  public long getConfigVersion() {
    return gateway.policy().version();
  }

  @Override
  public String getReloadState() {
    return gateway.config().triggerHealth(Instant.now()).state().name();
  }

  @Override
  public String getLastReloadCheck() {
    return gateway.config().triggerHealth(Instant.now()).lastCheck().toString();
  }

  @Override
  public String getReloadFailure() {
    ReloadTriggerHealth health = gateway.config().triggerHealth(Instant.now());
    return health.lastFailure() == null ? null : health.lastFailureAt() + " " + health.lastFailure();
  }

  @Override
  public String[] getBackends() {
    return gateway.backends().describe().toArray(String[]::new);
  }

  @Override
  public String reloadAll() {
    return Reloads.describe(gateway.config().reloadNow());
  }
}
