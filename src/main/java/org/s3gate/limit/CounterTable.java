package org.s3gate.limit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The bounded in-memory table of per-key sliding-window counters (SPEC §6).
 *
 * <h2>Design</h2>
 * A {@link ConcurrentHashMap} from access key to {@link CounterEntry}; each entry holds a
 * per-second and a per-minute batched stamp ring (13 and 16 cells) and decides under its own lock
 * (see {@link WindowRing} for the arithmetic, {@link CounterEntry} for the 200-byte layout).
 * Time is the caller's {@code System.nanoTime()} value; nothing here reads a clock.
 *
 * <p><b>Strictness.</b> In no sliding 1 s or 60 s window is a key admitted more often than the
 * limit passed with each request, as long as its entry is not evicted or cleared.
 *
 * <p><b>Under-admission bound.</b> A key is denied only when, for a window of length W with
 * limit L, its counted requests in {@code (t - W - T, t]} are at least {@code L - (g - 1)}, where
 * T is the ring's tick (32 us, 2 ms) and {@code g = ceil(L / cells)} its batch (1 for limits up to
 * 13/s and 16/min: an exact log up to the tick; 4 at 50/s, 125 at 2000/min). After a live limit
 * change g is that of the largest limit in force while the oldest cell filled. The one exception
 * is a window holding more than about {@code cells / 2 * 65535} requests at once (see
 * {@link WindowRing}). So a sender of bursts of exactly its limit once per window gets every
 * burst if each is made within one tick, and loses at most about one batch a window otherwise
 * (FairnessPropertyTest measures 0.91 to 1.0 of an exact sliding log at the demo limits).
 *
 * <p><b>Limits changing live.</b> Limits are arguments, not state: a key's counts are kept and
 * the new limit applies from the next request. A key with 40 requests in the last minute whose
 * limit drops from 50 to 30/min is denied until at least 11 of them have left the window (their
 * cells were filled in batches of 4, so up to 3 more may leave with the 11th, a little later);
 * raised to 100/min it gets 60 more at once. {@code count.denied} likewise applies per call.
 *
 * <p><b>Bound and eviction.</b> Inserting a new key that takes the table over {@code capacity}
 * evicts, under one eviction lock, ~1% ({@code max(1, capacity / 100)}) of entries: first those
 * whose windows are empty (dropping them cannot let a key over its limit), least recently seen
 * first, then, only if there are not enough of those, the least recently seen live ones. One pass
 * copies every entry's eviction rank ({@link CounterEntry#evictionRank}: idle time, raised above
 * every live entry's for an empty one) into a reused {@code long[]}, a quickselect finds the
 * cutoff, a second pass retires and removes entries ranked at least that high (re-checked under
 * each entry's lock, so an entry touched meanwhile survives). So a live entry, one with requests
 * still in its windows, is evicted only while more than {@code capacity - capacity / 100} entries
 * are live at once; a flood of new keys evicts the empty entries first, and only then the live
 * ones (which is what {@code anonymous@ADDRESS} budgets of the admission core keep a single
 * client from causing). That is O(capacity) per
 * capacity/100 inserts: amortized O(100) per new key, about 0.5 ms per eviction at 100 000
 * entries. Requests for keys already in the table never touch the eviction lock; a new key that
 * finds the table over capacity waits for a running eviction, then re-checks.
 * Overshoot: {@code size() <= capacity + t}, where t is the number of threads that have inserted
 * a new key and have not yet returned from {@code tryAcquire}; with no concurrent insert,
 * {@code size() <= capacity} whenever {@code tryAcquire} returns. {@link #expireIdle} drops idle
 * entries whose windows are empty (so expiry never lets a key over its limit).
 *
 * <h2>Concurrency</h2>
 * Lock-free across keys (map reads are lock-free; inserts lock one bin); one short monitor per
 * key; the eviction lock only for inserts into a full table. An entry is retired under its lock
 * before it leaves the map; a thread that finds its entry retired looks the key up again, so no
 * request is counted on an entry that is no longer in the table, except one that took the lock
 * before {@link #clearKey} or {@link #clear}, which forget counts by design.
 *
 * <p>Thread-safe: lock-free map reads, one short monitor per key, one eviction lock taken only
 * by inserts into a full table.
 */
public final class CounterTable implements UsageTable {

  private final ConcurrentHashMap<String, CounterEntry> entries;
  private final int capacity;
  private final int evictionBatch;
  private final ReentrantLock evictionLock = new ReentrantLock();
  private final LongAdder evictions = new LongAdder();
  /** Eviction ranks of entries during an eviction; guarded by {@code evictionLock}. */
  private long[] rankScratch = new long[0];

  /**
   * @param capacity the most entries the table holds ({@code table.size}); fixed for its life
   * @throws IllegalArgumentException if {@code capacity < 1}
   */
  public CounterTable(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("table capacity must be >= 1, was " + capacity);
    }
    this.capacity = capacity;
    this.evictionBatch = Math.max(1, capacity / 100);
    // Bins for the whole capacity from the start (about 6-8 B per key of capacity, 32 MB at
    // 5,000,000), because a map that grows doubles its bin array mid-flood: at 1,570,000 keys the
    // resize of the 2^21-bin array (8 MB, and a 16 MB one made) and its node copies all survive
    // the next young collection, a 71 ms pause in bench/e2e.sh's gcnew row where its neighbours
    // took 3-10 ms (docs/BENCHMARKS.md, "Collector"). A table that never fills pays the array too.
    this.entries = new ConcurrentHashMap<>(capacity);
  }

  /**
   * Counts one request of {@code key} and decides whether it is admitted: it is when both windows
   * hold fewer requests than their limit. An admitted request is counted in both windows; a
   * denied one only if {@code countDenied}. A limit {@code <= 0} denies everything.
   */
  public Decision tryAcquire(String key, int limitPerSecond, int limitPerMinute,
      boolean countDenied, long nowNanos) {
    Objects.requireNonNull(key, "key");
    while (true) {
      CounterEntry entry = entries.get(key);
      boolean inserted = false;
      if (entry == null) {
        CounterEntry fresh = new CounterEntry(nowNanos);
        entry = entries.putIfAbsent(key, fresh);
        if (entry == null) {
          entry = fresh;
          inserted = true;
        }
      }
      Decision decision = entry.tryAcquire(limitPerSecond, limitPerMinute, countDenied, nowNanos);
      if (decision != null) {
        if (inserted && entries.size() > capacity) {
          evictLeastRecentlySeen(entry, nowNanos);
        }
        return decision;
      }
      entries.remove(key, entry); // retired by an eviction that has not removed it yet
    }
  }

  /**
   * Counts one more request of {@code key} in flight (from admission to its response's last byte)
   * if fewer than {@code limit} are; {@code limit <= 0} means no limit. Every {@code true} must be
   * followed by one {@link #exit}. Inserts the key if it is absent, like {@link #tryAcquire}.
   *
   * <p>The count lives in the key's entry, so an entry with requests in flight is never expired and
   * is evicted only as a live entry. Forgotten with the entry by {@link #clearKey} and {@link #clear}
   * (their exits then find nothing to take back), like the window counts.
   */
  public boolean tryEnter(String key, int limit, long nowNanos) {
    Objects.requireNonNull(key, "key");
    while (true) {
      CounterEntry entry = entries.get(key);
      boolean inserted = false;
      if (entry == null) {
        CounterEntry fresh = new CounterEntry(nowNanos);
        entry = entries.putIfAbsent(key, fresh);
        if (entry == null) {
          entry = fresh;
          inserted = true;
        }
      }
      int entered = entry.tryEnter(limit);
      if (entered != CounterEntry.GONE) {
        if (inserted && entries.size() > capacity) {
          evictLeastRecentlySeen(entry, nowNanos);
        }
        return entered == CounterEntry.ENTERED;
      }
      entries.remove(key, entry); // retired by an eviction that has not removed it yet
    }
  }

  /** One request of {@code key} counted by {@link #tryEnter} is complete. */
  public void exit(String key) {
    CounterEntry entry = entries.get(Objects.requireNonNull(key, "key"));
    if (entry != null) {
      entry.exit();
    }
  }

  /** Requests of {@code key} in flight now (0 for an absent key). */
  public int inFlight(String key) {
    CounterEntry entry = entries.get(Objects.requireNonNull(key, "key"));
    return entry == null ? 0 : entry.inFlight();
  }

  /**
   * Takes back one request of {@code key} admitted by {@link #tryAcquire} at {@code chargedNanos},
   * because a later check of the same decision refused it: the key is as if that request had never
   * been counted (see {@link CounterEntry#refund} for why this can never let a key over its
   * limit). Returns false when there was nothing to take back (the key left the table meanwhile).
   */
  public boolean refund(String key, long chargedNanos) {
    CounterEntry entry = entries.get(Objects.requireNonNull(key, "key"));
    return entry != null && entry.refund(chargedNanos);
  }

  /**
   * The denial {@link #tryAcquire} would give {@code key} at {@code nowNanos} with these limits,
   * counting and inserting nothing; null when it would admit (or the key is absent). For budgets
   * charged after the fact, such as a client address's forged requests, which are counted when the
   * backend has refused them and only checked at admission.
   */
  public Decision deniedAt(String key, int limitPerSecond, int limitPerMinute, long nowNanos) {
    CounterEntry entry = entries.get(Objects.requireNonNull(key, "key"));
    return entry == null ? null : entry.deniedAt(limitPerSecond, limitPerMinute, nowNanos);
  }

  /**
   * The key's counts at {@code nowNanos} without counting or inserting, for requests whose
   * method is not limited: always admitted (never deny on it), zero counts for an unknown key.
   */
  public Decision peek(String key, long nowNanos) {
    CounterEntry entry = entries.get(Objects.requireNonNull(key, "key"));
    Decision decision = entry == null ? null : entry.peek(nowNanos);
    return decision == null ? Decision.admitted(0, 0) : decision;
  }

  /**
   * Drops entries not seen for at least {@code idleNanos} whose windows are empty at
   * {@code nowNanos} (an entry is kept while anything it counted can still limit it, i.e. up to
   * 60 s and a 2 ms tick after its last counted request, even if {@code idleNanos} is shorter).
   *
   * @return how many entries were dropped
   */
  public int expireIdle(long idleNanos, long nowNanos) {
    int expired = 0;
    for (Map.Entry<String, CounterEntry> mapping : entries.entrySet()) {
      CounterEntry entry = mapping.getValue();
      if (nowNanos - entry.lastSeenNanos() >= idleNanos
          && entry.retireIfExpired(idleNanos, nowNanos)) {
        entries.remove(mapping.getKey(), entry);
        expired++;
      }
    }
    return expired;
  }

  /** Forgets {@code key}'s counts, so its next request is judged on an empty window. */
  @Override
  public boolean clearKey(String key) {
    CounterEntry entry = entries.remove(Objects.requireNonNull(key, "key"));
    return entry != null && entry.retire();
  }

  /** Forgets every key. */
  @Override
  public void clear() {
    for (Map.Entry<String, CounterEntry> mapping : entries.entrySet()) {
      if (entries.remove(mapping.getKey(), mapping.getValue())) {
        mapping.getValue().retire();
      }
    }
  }

  /** Entries currently in the table (a moment's estimate while others insert or evict). */
  @Override
  public int size() {
    return entries.size();
  }

  @Override
  public int capacity() {
    return capacity;
  }

  /** Entries evicted because the table was full (not those expired or cleared). */
  @Override
  public long evictions() {
    return evictions.sum();
  }

  /** Every key's usage at {@code nowNanos}, sorted by key; a consistent view per key. */
  @Override
  public List<KeyUsage> snapshot(long nowNanos) {
    List<KeyUsage> usages = new ArrayList<>(entries.size());
    for (Map.Entry<String, CounterEntry> mapping : entries.entrySet()) {
      KeyUsage usage = mapping.getValue().usage(mapping.getKey(), nowNanos);
      if (usage != null) {
        usages.add(usage);
      }
    }
    usages.sort(Comparator.comparing(KeyUsage::key));
    return usages;
  }

  /**
   * Hands every key's usage at {@code nowNanos} to {@code action}, in no order, without copying the
   * table (one short lock per entry, like {@link #snapshot}): for summaries that keep only a few
   * keys, such as the stats page's top keys.
   */
  public void forEachUsage(long nowNanos, Consumer<KeyUsage> action) {
    for (Map.Entry<String, CounterEntry> mapping : entries.entrySet()) {
      KeyUsage usage = mapping.getValue().usage(mapping.getKey(), nowNanos);
      if (usage != null) {
        action.accept(usage);
      }
    }
  }

  /** Brings the table back to at most capacity, keeping {@code keep} (the entry just added). */
  private void evictLeastRecentlySeen(CounterEntry keep, long nowNanos) {
    evictionLock.lock();
    try {
      int excess;
      while ((excess = entries.size() - capacity) > 0) {
        if (evictOldest(excess + evictionBatch - 1, keep, nowNanos) == 0) {
          return; // everything else was touched during the scan; the next insert retries
        }
      }
    } finally {
      evictionLock.unlock();
    }
  }

  /** Evicts up to {@code wanted} of the oldest entries other than {@code keep}; guarded. */
  private int evictOldest(int wanted, CounterEntry keep, long nowNanos) {
    int n = 0;
    for (CounterEntry entry : entries.values()) {
      if (entry == keep) {
        continue;
      }
      if (n == rankScratch.length) {
        rankScratch = Arrays.copyOf(rankScratch, Math.max(16, n + (n >> 1)));
      }
      rankScratch[n++] = entry.evictionRank(nowNanos);
    }
    if (n == 0) {
      return 0;
    }
    int target = Math.min(wanted, n);
    long cutoffRank = LongSelection.kthLargest(rankScratch, n, target);
    int evicted = 0;
    for (Map.Entry<String, CounterEntry> mapping : entries.entrySet()) {
      CounterEntry entry = mapping.getValue();
      if (entry != keep
          && entry.retireIfRankAtLeast(cutoffRank, nowNanos)) {
        entries.remove(mapping.getKey(), entry);
        if (++evicted == target) {
          break;
        }
      }
    }
    evictions.add(evicted);
    return evicted;
  }
}
