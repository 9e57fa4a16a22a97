package org.s3gate.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import org.s3gate.limit.CounterTable;
import org.s3gate.limit.KeyUsage;
import org.s3gate.limit.UsageTable;

/**
 * The JMX table ({@code s3gate:type=Table,name=api_keys}) in cluster mode: the counters every
 * instance shares, read from Redis with SCAN over the state keys ({@code s3gate:c:*}) and one
 * read-only {@code FCALL_RO s3gate_peek} per counter, pipelined.
 *
 * <p>Bounds: a listing stops after {@link #MAX_COUNTERS} counters or {@link #DEADLINE_NANOS} (5 s),
 * whichever comes first, so a JMX call never scans a huge Redis for long; {@link #size} counts at
 * most {@link #MAX_COUNTERS}. {@link #clearKey} and {@link #clear} also forget this instance's own
 * counts (the fallback's) and its deny shortcuts; other instances' shortcuts keep denying a cleared
 * key for at most its retry time (see {@link DenyShortcuts}).
 *
 * <p>Thread-safe: stateless besides the thread-safe link, table and shortcuts; runs on the JMX
 * caller's thread.
 */
final class SharedCounterTable implements UsageTable {
  static final int MAX_COUNTERS = 10_000;
  private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final int SCAN_BATCH = 1_000;

  private final RedisLink link;
  private final CounterTable local;
  private final DenyShortcuts shortcuts;
  private final long timeoutNanos;

  SharedCounterTable(RedisLink link, CounterTable local, DenyShortcuts shortcuts, long timeoutNanos) {
    this.link = link;
    this.local = local;
    this.shortcuts = shortcuts;
    this.timeoutNanos = Math.max(timeoutNanos, TimeUnit.MILLISECONDS.toNanos(500));
  }

  private RedisClusterAsyncCommands<String, String> commands() {
    RedisClusterAsyncCommands<String, String> c = link.commands();
    if (c == null) {
      throw new IllegalStateException("Redis is not connected; the shared table cannot be read");
    }
    return c;
  }

  /** The state keys of up to {@code max} counters, by SCAN, within the deadline. */
  private List<String> scan(String pattern, int max, long deadline) {
    RedisClusterAsyncCommands<String, String> c = commands();
    List<String> keys = new ArrayList<>();
    ScanArgs args = ScanArgs.Builder.matches(pattern).limit(SCAN_BATCH);
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = get(c.scan(cursor, args).toCompletableFuture(), deadline);
      for (String key : page.getKeys()) {
        if (keys.size() < max) {
          keys.add(key);
        }
      }
      cursor = page;
    } while (!cursor.isFinished() && keys.size() < max && System.nanoTime() - deadline < 0);
    return keys;
  }

  private <T> T get(CompletableFuture<T> future, long deadline) {
    try {
      return future.get(Math.max(timeoutNanos, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      throw new IllegalStateException("Redis did not answer: " + e, e);
    }
  }

  @Override
  public List<KeyUsage> snapshot(long nowNanos) {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    List<String> stateKeys = scan(RedisKeys.STATE_PATTERN, MAX_COUNTERS, deadline);
    List<String> counters = new ArrayList<>(stateKeys.size());
    List<CompletableFuture<List<Object>>> replies = new ArrayList<>(stateKeys.size());
    for (String stateKey : stateKeys) {
      String counter = RedisKeys.counterOf(stateKey);
      if (counter != null) {
        counters.add(counter);
        replies.add(link.fcallReadOnly("s3gate_peek", RedisKeys.of(counter), ""));
      }
    }
    List<KeyUsage> usages = new ArrayList<>(counters.size());
    for (int i = 0; i < counters.size(); i++) {
      List<Object> r = get(replies.get(i), deadline);
      long last = number(r.get(4));
      if (last < 0) {
        continue; // expired between SCAN and peek
      }
      long idleNanos = Math.max(0, number(r.get(5)) - last) * 1_000L;
      usages.add(new KeyUsage(counters.get(i), (int) number(r.get(0)), (int) number(r.get(1)), number(r.get(2)),
          number(r.get(3)), nowNanos - idleNanos));
    }
    usages.sort(Comparator.comparing(KeyUsage::key));
    return usages;
  }

  private static long number(Object value) {
    return ((Number) value).longValue();
  }

  @Override
  public boolean clearKey(String key) {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    shortcuts.forget(key);
    boolean localHad = local.clearKey(key);
    Long deleted = get(commands().del(RedisKeys.of(key)).toCompletableFuture(), deadline);
    return localHad || (deleted != null && deleted > 0);
  }

  @Override
  public void clear() {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    shortcuts.clear();
    local.clear();
    RedisClusterAsyncCommands<String, String> c = commands();
    List<CompletableFuture<Long>> pending = new ArrayList<>();
    for (String prefix : new String[] {"s3gate:c:*", "s3gate:s:*", "s3gate:m:*"}) {
      for (String key : scan(prefix, Integer.MAX_VALUE, deadline)) {
        pending.add(c.unlink(key).toCompletableFuture()); // one key per call: any slot on a cluster
      }
    }
    for (CompletableFuture<Long> p : pending) {
      get(p, deadline);
    }
  }

  @Override
  public int size() {
    return scan(RedisKeys.STATE_PATTERN, MAX_COUNTERS, System.nanoTime() + DEADLINE_NANOS).size();
  }

  /** Redis holds as many counters as its memory allows; each vanishes 61 s after its last request. */
  @Override
  public int capacity() {
    return Integer.MAX_VALUE;
  }

  @Override
  public long evictions() {
    return 0;
  }
}
