package org.s3gate.management;

/**
 * {@code s3gate:type=CounterStore}: where the request counters are decided now
 * ({@code counters.store}, and in cluster mode whether Redis or {@code redis.failure} decides), how
 * often Redis failed and how fast it answers.
 *
 * <p>Thread-safe (implementations read the thread-safe store status).
 */
@Description("The request counter store: local, or shared through Redis with its failure mode, failures and latency")
public interface CounterStoreMXBean {

  @Description("local (counters.store=local), shared (Redis decides), or while Redis is unreachable fallback_local,"
      + " fallback_open or fallback_closed (redis.failure)")
  String getMode();

  @Description("counters.store: local or redis")
  String getStore();

  @Description("redis.uri without its password (empty in local mode)")
  String getRedisUri();

  @Description("redis.failure: local, open or closed")
  String getFailureMode();

  @Description("Redis calls that failed (timed out, rejected while disconnected, or answered an error)")
  long getFailures();

  @Description("Times Redis became unreachable (one ERROR log line each)")
  long getOutages();

  @Description("Upper bounds, in microseconds, of the latency histogram's buckets (the last bucket is everything"
      + " slower)")
  long[] getLatencyBucketBoundsMicros();

  @Description("Redis calls per latency bucket, fastest first; one more entry than the bounds (slower than the last)")
  long[] getLatencyCounts();
}
