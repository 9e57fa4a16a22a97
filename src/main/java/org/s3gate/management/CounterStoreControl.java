package org.s3gate.management;

import org.s3gate.admit.LatencyHistogram;
import org.s3gate.policy.ClusterSettings;
import org.s3gate.runtime.Gateway;

/**
 * The {@link CounterStoreMXBean} over the gateway's counter store status and its cluster settings
 * (read from the snapshot in force on each call).
 *
 * <p>Thread-safe: stateless.
 */
final class CounterStoreControl implements CounterStoreMXBean {

  private final Gateway gateway;

  CounterStoreControl(Gateway gateway) {
    this.gateway = gateway;
  }

  private ClusterSettings cluster() {
    return gateway.policy().settings().cluster();
  }

  @Override
  public String getMode() {
    return gateway.storeStatus().mode();
  }

  @Override
  public String getStore() {
    return cluster().store().label();
  }

  @Override
  public String getRedisUri() {
    return cluster().redisUriForDisplay();
  }

  @Override
  public String getFailureMode() {
    return cluster().redisFailure().label();
  }

  @Override
  public long getFailures() {
    return gateway.storeStatus().failures();
  }

  @Override
  public long getOutages() {
    return gateway.storeStatus().outages();
  }

  @Override
  public long[] getLatencyBucketBoundsMicros() {
    return LatencyHistogram.BOUNDS_MICROS.clone();
  }

  @Override
  public long[] getLatencyCounts() {
    return gateway.storeStatus().latencyCounts();
  }
}
