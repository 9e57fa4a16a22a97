package org.s3gate.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import org.s3gate.limit.ByteBudgets;
import org.s3gate.limit.ByteDecision;
import org.s3gate.limit.ByteDirection;

/**
 * What JMX's {@code api_keys} table shows and clears of the bandwidth budgets in redis mode: the
 * shared byte counts in Redis ({@code s3gate_peek_bytes}, one read per shown key and direction,
 * bounded by {@code redis.timeout}; this instance's own counts, the local fallback's, when Redis
 * does not answer), and {@code clearKey} / {@code clear} delete the byte keys in Redis (and this
 * instance's byte denials and local counts). The request path never comes here: the admission
 * keeps the local table, and the Redis store decides the shared bytes itself.
 *
 * <p>Thread-safe: stateless besides the thread-safe link, table and denials; runs on the JMX
 * threads.
 */
final class SharedByteView implements ByteBudgets {
  private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final RedisLink link;
  private final RedisBytes bytes;
  private final ByteBudgets local;
  private final ByteDenials denials;
  private final long timeoutNanos;

  SharedByteView(RedisLink link, RedisBytes bytes, ByteBudgets local, ByteDenials denials, long timeoutNanos) {
    this.link = link;
    this.bytes = bytes;
    this.local = local;
    this.denials = denials;
    this.timeoutNanos = timeoutNanos;
  }

  // The request path's three calls go to the local table (never used through this view by the admission).

  @Override
  public ByteDecision tryCharge(String counter, ByteDirection direction, long limitBytes, long count, long nowNanos) {
    return local.tryCharge(counter, direction, limitBytes, count, nowNanos);
  }

  @Override
  public void charge(String counter, ByteDirection direction, long count, long nowNanos) {
    local.charge(counter, direction, count, nowNanos);
  }

  @Override
  public void refund(String counter, ByteDirection direction, long count, long chargedNanos, long nowNanos) {
    local.refund(counter, direction, count, chargedNanos, nowNanos);
  }

  @Override
  public long used(String counter, ByteDirection direction, long nowNanos) {
    long[] shared = bytes.used(counter, timeoutNanos);
    return shared != null ? shared[direction.ordinal()] : local.used(counter, direction, nowNanos);
  }

  @Override
  public boolean clearKey(String counter) {
    denials.forget(counter);
    boolean localHad = local.clearKey(counter);
    RedisClusterAsyncCommands<String, String> c = link.commands();
    if (c == null) {
      return localHad;
    }
    long deleted = 0;
    for (ByteDirection d : ByteDirection.values()) {
      Long n = get(c.del(RedisKeys.bytes(counter, d)).toCompletableFuture());
      deleted += n == null ? 0 : n;
    }
    return localHad || deleted > 0;
  }

  @Override
  public void clear() {
    denials.clear();
    local.clear();
    RedisClusterAsyncCommands<String, String> c = link.commands();
    if (c == null) {
      return;
    }
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    List<CompletableFuture<Long>> pending = new ArrayList<>();
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = get(c.scan(cursor, ScanArgs.Builder.matches(RedisKeys.BYTES_PREFIX + "*")
          .limit(1_000)).toCompletableFuture());
      if (page == null) {
        break;
      }
      for (String key : page.getKeys()) {
        pending.add(c.unlink(key).toCompletableFuture()); // one key per call: any slot on a cluster
      }
      cursor = page;
    } while (!cursor.isFinished() && System.nanoTime() - deadline < 0);
    for (CompletableFuture<Long> p : pending) {
      get(p);
    }
  }

  @Override
  public int expireIdle(long idleNanos, long nowNanos) {
    return local.expireIdle(idleNanos, nowNanos); // Redis expires its byte keys itself (64 s TTL)
  }

  @Override
  public int size() {
    return local.size();
  }

  private <T> T get(CompletableFuture<T> future) {
    try {
      return future.get(DEADLINE_NANOS, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      return null;
    }
  }
}
