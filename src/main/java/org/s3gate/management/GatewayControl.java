package org.s3gate.management;

import org.s3gate.Gateway;
import org.s3gate.proxy.Backend;

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
    return gateway.requests().sum();
  }

  @Override
  public long getDenied() {
    return gateway.denied().sum();
  }

  @Override
  public long getConfigVersion() {
    return gateway.policy().version();
  }

  @Override
  public String[] getBackends() {
    return gateway.backends().backends().stream().map(GatewayControl::describe).toArray(String[]::new);
  }

  private static String describe(Backend backend) {
    Backend.Health health = backend.health();
    String line = backend.origin() + " " + (health.up() ? "UP" : "DOWN") + " since " + health.since();
    return health.lastError() == null ? line : line + " error: " + health.lastError();
  }

  @Override
  public String reloadAll() {
    return Reloads.describe(gateway.config().reloadNow());
  }
}
