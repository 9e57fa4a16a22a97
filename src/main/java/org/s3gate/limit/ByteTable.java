package org.s3gate.limit;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The local {@link ByteBudgets}: a bounded {@link ConcurrentHashMap} from counter (an access key,
 * or {@code anonymous@ADDRESS}) to that caller's {@link ByteWindow}s, one per direction it uses.
 * Only callers whose group has a {@code GROUP:in} or {@code GROUP:out} entry are ever looked up,
 * so a gateway without {@code bandwidth_per_minute.map} entries keeps this table empty.
 *
 * <h2>Design</h2>
 * Each entry decides under its own monitor (one short lock per key, like {@link CounterTable}); a
 * window is allocated on the first transfer of its direction (21 longs, about 200 bytes, so an
 * entry with both directions costs about 500 bytes with its map node). Time is the caller's
 * {@code System.nanoTime()} value; nothing here reads a clock.
 *
 * <p><b>Exactness.</b> In no sliding minute are more bytes charged to a caller than the limit it
 * was admitted under, as long as its entry is not evicted, expired or cleared (see
 * {@link ByteWindow}); bytes stop counting 60 to 63 s after they were charged.
 *
 * <p><b>Limits changing live.</b> Limits are arguments, not state: counted bytes stay, and the
 * new limit applies from the next transfer. A caller with 8 MiB counted whose {@code in} limit
 * drops from 10 MiB to 5 MiB is refused uploads until at least 3 MiB plus the upload have left
 * the window (at most 63 s); raised to 20 MiB it may upload 12 MiB at once.
 *
 * <p><b>Bound and eviction.</b> At most {@code capacity} entries (plus one per thread inserting at
 * the same moment). An insert that takes the table over capacity evicts, under one lock, about 1%
 * of the entries: empty ones first (dropping them cannot let anyone over its budget), least
 * recently seen first, and only when there are not enough of those the least recently seen live
 * ones. {@link #expireIdle} drops entries with nothing counted that were idle for its argument.
 *
 * <p>Thread-safe: lock-free map reads, one short monitor per entry, one eviction lock taken only
 * by inserts into a full table.
 */
public final class ByteTable implements ByteBudgets {

  /** Added to the rank of an empty entry so every empty one is evicted before any live one. */
  private static final long EMPTY_RANK_BONUS = Long.MAX_VALUE / 2;

  /** One caller's windows; guarded by its own monitor. */
  private static final class Entry {
    private final long originNanos;
    private ByteWindow in;
    private ByteWindow out;
    private long lastSeenNanos;
    private boolean retired;

    Entry(long nowNanos) {
      this.originNanos = nowNanos;
      this.lastSeenNanos = nowNanos;
    }

    /** The direction's window, created when {@code create}; null when absent and not created. */
    ByteWindow window(ByteDirection direction, boolean create) {
      ByteWindow w = direction == ByteDirection.IN ? in : out;
      if (w == null && create) {
        w = new ByteWindow(originNanos);
        if (direction == ByteDirection.IN) {
          in = w;
        } else {
          out = w;
        }
      }
      return w;
    }

    boolean isEmpty(long nowNanos) {
      return (in == null || in.isEmpty(nowNanos)) && (out == null || out.isEmpty(nowNanos));
    }

    long rank(long nowNanos) {
      long idle = Math.max(0, nowNanos - lastSeenNanos);
      return isEmpty(nowNanos) ? idle + EMPTY_RANK_BONUS : idle;
    }
  }

  private final ConcurrentHashMap<String, Entry> entries;
  private final int capacity;
  private final int evictionBatch;
  private final ReentrantLock evictionLock = new ReentrantLock();
  /** Ranks during an eviction; guarded by {@code evictionLock}. */
  private long[] rankScratch = new long[0];

  /** @param capacity the most callers the table holds; fixed for its life */
  public ByteTable(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("table capacity must be >= 1, was " + capacity);
    }
    this.capacity = capacity;
    this.evictionBatch = Math.max(1, capacity / 100);
    this.entries = new ConcurrentHashMap<>(16);
  }

  /** What one call does with an entry under its lock; returns null when the entry was retired. */
  private interface Action<T> {
    T apply(Entry entry);
  }

  /** Runs {@code action} on the counter's entry under its lock, inserting it when {@code insert}. */
  private <T> T withEntry(String counter, boolean insert, long nowNanos, Action<T> action, T absent) {
    Objects.requireNonNull(counter, "counter");
    while (true) {
      Entry entry = entries.get(counter);
      boolean inserted = false;
      if (entry == null) {
        if (!insert) {
          return absent;
        }
        Entry fresh = new Entry(nowNanos);
        entry = entries.putIfAbsent(counter, fresh);
        if (entry == null) {
          entry = fresh;
          inserted = true;
        }
      }
      T result;
      synchronized (entry) {
        result = entry.retired ? null : action.apply(entry);
      }
      if (result != null) {
        if (inserted && entries.size() > capacity) {
          evict(entry, nowNanos);
        }
        return result;
      }
      entries.remove(counter, entry); // retired by an eviction that has not removed it yet
    }
  }

  @Override
  public ByteDecision tryCharge(String counter, ByteDirection direction, long limitBytes, long bytes, long nowNanos) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
    }
    long need = Math.max(bytes, 1L);
    return withEntry(counter, true, nowNanos, entry -> {
      entry.lastSeenNanos = nowNanos;
      ByteWindow window = entry.window(direction, true);
      long used = window.used(nowNanos);
      if (limitBytes >= need && used <= limitBytes - need) {
        window.add(bytes, nowNanos);
        return new ByteDecision(true, used + bytes, limitBytes, 0L);
      }
      return new ByteDecision(false, used, limitBytes, window.retryAfterNanos(need, limitBytes, nowNanos));
    }, null);
  }

  @Override
  public void charge(String counter, ByteDirection direction, long bytes, long nowNanos) {
    if (bytes <= 0) {
      return;
    }
    withEntry(counter, true, nowNanos, entry -> {
      entry.lastSeenNanos = nowNanos;
      entry.window(direction, true).add(bytes, nowNanos);
      return Boolean.TRUE;
    }, null);
  }

  @Override
  public void refund(String counter, ByteDirection direction, long bytes, long chargedNanos, long nowNanos) {
    if (bytes <= 0) {
      return;
    }
    withEntry(counter, false, nowNanos, entry -> {
      ByteWindow window = entry.window(direction, false);
      if (window != null) {
        window.takeBack(bytes, chargedNanos, nowNanos);
      }
      return Boolean.TRUE;
    }, Boolean.FALSE);
  }

  @Override
  public long used(String counter, ByteDirection direction, long nowNanos) {
    return withEntry(counter, false, nowNanos, entry -> {
      ByteWindow window = entry.window(direction, false);
      return window == null ? 0L : window.used(nowNanos);
    }, 0L);
  }

  /**
   * Drops entries not seen for at least {@code idleNanos} with nothing counted at {@code nowNanos}
   * (so expiry never lets a caller over its budget).
   *
   * @return how many were dropped
   */
  @Override
  public int expireIdle(long idleNanos, long nowNanos) {
    int expired = 0;
    for (Map.Entry<String, Entry> mapping : entries.entrySet()) {
      Entry entry = mapping.getValue();
      boolean drop;
      synchronized (entry) {
        drop = !entry.retired && nowNanos - entry.lastSeenNanos >= idleNanos && entry.isEmpty(nowNanos);
        if (drop) {
          entry.retired = true;
        }
      }
      if (drop) {
        entries.remove(mapping.getKey(), entry);
        expired++;
      }
    }
    return expired;
  }

  /** Forgets the counter's bytes, so its next transfer is judged on an empty window. */
  @Override
  public boolean clearKey(String counter) {
    Entry entry = entries.remove(Objects.requireNonNull(counter, "counter"));
    if (entry == null) {
      return false;
    }
    synchronized (entry) {
      entry.retired = true;
    }
    return true;
  }

  /** Forgets every counter. */
  @Override
  public void clear() {
    for (String counter : entries.keySet()) {
      clearKey(counter);
    }
  }

  /** Callers in the table now (a moment's estimate while others insert or evict). */
  @Override
  public int size() {
    return entries.size();
  }

  public int capacity() {
    return capacity;
  }

  /** Brings the table back to at most capacity, keeping {@code keep} (the entry just added). */
  private void evict(Entry keep, long nowNanos) {
    evictionLock.lock();
    try {
      int excess = entries.size() - capacity;
      if (excess <= 0) {
        return;
      }
      int n = 0;
      for (Entry entry : entries.values()) {
        if (entry == keep) {
          continue;
        }
        if (n == rankScratch.length) {
          rankScratch = Arrays.copyOf(rankScratch, Math.max(16, n + (n >> 1)));
        }
        synchronized (entry) {
          rankScratch[n++] = entry.rank(nowNanos);
        }
      }
      if (n == 0) {
        return;
      }
      int target = Math.min(excess + evictionBatch - 1, n);
      long cutoff = LongSelection.kthLargest(rankScratch, n, target);
      int evicted = 0;
      for (Map.Entry<String, Entry> mapping : entries.entrySet()) {
        Entry entry = mapping.getValue();
        if (entry == keep) {
          continue;
        }
        boolean drop;
        synchronized (entry) {
          drop = !entry.retired && entry.rank(nowNanos) >= cutoff;
          if (drop) {
            entry.retired = true;
          }
        }
        if (drop) {
          entries.remove(mapping.getKey(), entry);
          if (++evicted == target) {
            break;
          }
        }
      }
    } finally {
      evictionLock.unlock();
    }
  }
}
