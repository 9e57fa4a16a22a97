package org.s3gate.limit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The bounded in-memory table of per-key sliding-window counters (SPEC §6), with no object per key.
 *
 * <h2>Design</h2>
 * Every key's counters live in a slot of {@link CounterSlab}'s preallocated pages (both windows'
 * batched stamp rings, see {@link WindowRing}; clocks, totals, the in-flight count and the key's
 * bytes: 188 B, no header, no {@code String}, no map node); the decisions on a slot are
 * {@link SlotCounters}'. A key is found through one of {@value #SEGMENTS} {@link CounterSegment}s,
 * each an open-addressing index with its own lock, picked by the top 7 bits of the key's
 * {@link KeyHash} (SipHash-1-3 with a secret per-table seed, so clients cannot make keys collide;
 * {@code String.hashCode} collisions such as "Aa" / "BB" are unrelated here). Time is the
 * caller's {@code System.nanoTime()} value; nothing here reads a clock.
 *
 * <p><b>Memory.</b> 188 B per slot in pages of up to 4096 slots (752 KB), allocated as the table
 * first needs them and never freed, plus the index (between 5.3 and 10.7 B per key, 8.4 at one
 * million): ~196 B per tracked key all included for keys of up to 23 Latin-1 chars; a longer key
 * keeps its {@code String} in a side page (see {@link CounterSlab}). A table never allocates more
 * than {@code capacity + capacity / 64 + 256} slots (see Overshoot below). Nothing per key is
 * allocated by an insert, and eviction and expiry free nothing: a freed slot is reused.
 *
 * <p><b>Strictness.</b> In no sliding 1 s or 60 s window is a key admitted more often than the
 * limit passed with each request, as long as its slot is not evicted or cleared: every operation
 * on a key finds its slot and decides under the segment's lock, and the rings never under-count
 * ({@link WindowRing}), so "check both windows, then count in both" is atomic per key.
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
 * evicts, under one eviction lock, ~1% ({@code max(1, capacity / 100)}) of keys: first those
 * whose windows are empty (dropping them cannot let a key over its limit), least recently seen
 * first, then, only if there are not enough of those, the least recently seen live ones. One pass
 * over the slots copies every key's eviction rank (idle time, raised by
 * {@link #IDLE_RANK_BONUS_NANOS} above every live key's for an empty one; read without a lock when
 * the key is idle longer than the minute ring with nothing in flight, else under its segment's
 * lock) into a reused {@code long[]}, a quickselect finds the cutoff, a second pass removes keys
 * ranked at least that high, re-checked under the segment's lock (so a key touched meanwhile
 * survives). So a live key, one with requests still in its windows, is evicted only while more
 * than {@code capacity - capacity / 100} keys are live at once; a flood of new keys evicts the
 * empty ones first, and only then the live ones (which is what {@code anonymous@ADDRESS} budgets
 * of the admission core keep a single client from causing). That is O(capacity) per capacity/100
 * inserts: amortized O(100) per new key. Requests for keys already in the table never touch the
 * eviction lock; a new key that finds the table over capacity waits for a running eviction, then
 * re-checks. Overshoot: {@code size() <= capacity + t}, where t is the number of threads that have
 * inserted a new key and have not yet returned from {@code tryAcquire} or {@code tryEnter}; with
 * no concurrent insert, {@code size() <= capacity} whenever they return. A new key takes its slot
 * before it locks its segment; if {@code capacity / 64 + 256} threads at once hold slots so, the
 * next one waits (evicting if the table is over capacity, else yielding) until a slot is free.
 * {@link #expireIdle} drops idle keys whose windows are empty (so expiry never lets a key over
 * its limit).
 *
 * <p><b>Leaving the table.</b> A key leaves (eviction, expiry, {@link #clearKey}, {@link #clear})
 * by being removed from its segment's index and its slot freed in one hold of the segment's lock,
 * the lock every request of that key decides under; so no request is ever counted on a slot that
 * is no longer the key's, and a request after the removal starts from empty windows in a new slot
 * (the old design's retire-then-remove in one step). A freed slot's owner word is 0 before it is
 * on the free list, and a reader that found a slot without the lock (eviction, expiry) re-checks
 * its owner under the lock, so a slot reused by another key is never taken for the old one.
 *
 * <h2>Concurrency</h2>
 * One monitor per segment, held for a lookup and the decision, a few tens of nanoseconds with no
 * allocation besides the {@link Decision}: keys of different segments never contend, keys of one
 * segment (1/128 of them) only for that time. A lock per slot would cost a word or an object per
 * key; 128 stripes keep contention on two cores, or 32, far below the lock's cost. The segment
 * lock also covers the index's mutations (insert, backward-shift delete, growth), so a lookup
 * never meets a half-moved cell, and its key comparison is made under the lock of the segment
 * that owns the slot, so it never sees a slot's key half rewritten. Lock order: the eviction
 * lock, then one segment lock at a time; a segment holder takes no other lock but the slab's page
 * lock (which takes none), so no deadlock. Slot allocation and freeing are lock-free.
 *
 * <p>Thread-safe: one short monitor per segment of keys, one eviction lock taken only by inserts
 * into a full table.
 */
public final class CounterTable implements UsageTable {

  /** Segments: the hash's top 7 bits; owner ids 1..128 fit {@link CounterSlab}'s owner byte. */
  static final int SEGMENTS = 128;
  private static final int SEGMENT_SHIFT = 64 - 7;
  /** Added to the eviction rank of a key with empty windows: more than any idle time a live key can have. */
  static final long IDLE_RANK_BONUS_NANOS = 1L << 40; // ~18 minutes, far above the 60 s + 2 ms a live key can be idle
  private static final long GONE = Long.MIN_VALUE;

  private final CounterSegment[] segments = new CounterSegment[SEGMENTS];
  private final CounterSlab slab;
  private final KeyHash keyHash;
  private final int capacity;
  private final int evictionBatch;
  /** Keys in the indexes; changed under the segment lock of the key added or removed. */
  private final AtomicInteger size = new AtomicInteger();
  private final ReentrantLock evictionLock = new ReentrantLock();
  private final LongAdder evictions = new LongAdder();
  /** Eviction ranks of keys during an eviction; guarded by {@code evictionLock}. */
  private long[] rankScratch = new long[0];

  /**
   * @param capacity the most keys the table holds ({@code table.size}); fixed for its life
   * @throws IllegalArgumentException if {@code capacity < 1}
   */
  public CounterTable(int capacity) {
    this(capacity, new KeyHash());
  }

  /** With a given hash: for tests that need reproducible positions. */
  CounterTable(int capacity, KeyHash keyHash) {
    if (capacity < 1) {
      throw new IllegalArgumentException("table capacity must be >= 1, was " + capacity);
    }
    this.capacity = capacity;
    this.evictionBatch = Math.max(1, capacity / 100);
    this.keyHash = keyHash;
    this.slab = new CounterSlab((int) Math.min((long) capacity + capacity / 64 + 256, 1 << 30));
    int slotBits = 32 - Integer.numberOfLeadingZeros(slab.maxSlots()); // slot + 1 fits
    for (int i = 0; i < SEGMENTS; i++) {
      segments[i] = new CounterSegment(i + 1, slotBits);
    }
  }

  private CounterSegment segmentOf(long hash) {
    return segments[(int) (hash >>> SEGMENT_SHIFT)];
  }

  /**
   * Counts one request of {@code key} and decides whether it is admitted: it is when both windows
   * hold fewer requests than their limit. An admitted request is counted in both windows; a
   * denied one only if {@code countDenied}. A limit {@code <= 0} denies everything.
   */
  public Decision tryAcquire(String key, int limitPerSecond, int limitPerMinute,
      boolean countDenied, long nowNanos) {
    long[] probe = keyHash.probe(Objects.requireNonNull(key, "key"));
    long hash = probe[KeyHash.HASH];
    CounterSegment segment = segmentOf(hash);
    synchronized (segment) {
      int slot = segment.find(slab, probe, key);
      if (slot >= 0) {
        return SlotCounters.decide(slab, slot, limitPerSecond, limitPerMinute, countDenied, true, nowNanos);
      }
    }
    int fresh = allocateSlot(nowNanos);
    int slot;
    Decision decision;
    synchronized (segment) {
      slot = findOrClaim(segment, probe, key, fresh, nowNanos);
      decision = SlotCounters.decide(slab, slot, limitPerSecond, limitPerMinute, countDenied, true, nowNanos);
    }
    afterInsert(fresh, slot, nowNanos);
    return decision;
  }

  /**
   * Counts one more request of {@code key} in flight (from admission to its response's last byte)
   * if fewer than {@code limit} are; {@code limit <= 0} means no limit. Every {@code true} must be
   * followed by one {@link #exit}. Inserts the key if it is absent, like {@link #tryAcquire}.
   *
   * <p>The count lives in the key's slot, so a key with requests in flight is never expired and
   * is evicted only as a live key. Forgotten with the key by {@link #clearKey} and {@link #clear}
   * (their exits then find nothing to take back), like the window counts.
   */
  public boolean tryEnter(String key, int limit, long nowNanos) {
    long[] probe = keyHash.probe(Objects.requireNonNull(key, "key"));
    long hash = probe[KeyHash.HASH];
    CounterSegment segment = segmentOf(hash);
    synchronized (segment) {
      int slot = segment.find(slab, probe, key);
      if (slot >= 0) {
        return SlotCounters.tryEnter(slab, slot, limit) == SlotCounters.ENTERED;
      }
    }
    int fresh = allocateSlot(nowNanos);
    int slot;
    int entered;
    synchronized (segment) {
      slot = findOrClaim(segment, probe, key, fresh, nowNanos);
      entered = SlotCounters.tryEnter(slab, slot, limit);
    }
    afterInsert(fresh, slot, nowNanos);
    return entered == SlotCounters.ENTERED;
  }

  /** A free slot, taken before locking a segment (so a full slab can evict: see Overshoot). */
  private int allocateSlot(long nowNanos) {
    int slot;
    while ((slot = slab.allocate()) < 0) {
      if (size.get() > capacity) {
        evictLeastRecentlySeen(-1, nowNanos);
      } else {
        Thread.yield(); // every slot is held by a thread between allocate and claim
      }
    }
    return slot;
  }

  /** The key's slot: one another thread inserted meanwhile, or {@code fresh} claimed; under the lock. */
  private int findOrClaim(CounterSegment segment, long[] probe, String key, int fresh, long nowNanos) {
    int slot = segment.find(slab, probe, key);
    if (slot >= 0) {
      return slot;
    }
    long hash = probe[KeyHash.HASH]; // read before insert: a growth rehashes side keys
    slab.claim(fresh, key, segment.id, nowNanos);
    segment.insert(slab, keyHash, fresh, hash);
    size.incrementAndGet();
    return fresh;
  }

  /** Returns an unused {@code fresh} slot, or brings the table back to capacity after an insert. */
  private void afterInsert(int fresh, int slot, long nowNanos) {
    if (slot != fresh) {
      slab.free(fresh); // never claimed: owner 0 already
    } else if (size.get() > capacity) {
      evictLeastRecentlySeen(slot, nowNanos);
    }
  }

  /** One request of {@code key} counted by {@link #tryEnter} is complete. */
  public void exit(String key) {
    long[] probe = keyHash.probe(Objects.requireNonNull(key, "key"));
    long hash = probe[KeyHash.HASH];
    CounterSegment segment = segmentOf(hash);
    synchronized (segment) {
      int slot = segment.find(slab, probe, key);
      if (slot >= 0) {
        SlotCounters.exit(slab, slot);
      }
    }
  }

  /** Requests of {@code key} in flight now (0 for an absent key). */
  public int inFlight(String key) {
    long[] probe = keyHash.probe(Objects.requireNonNull(key, "key"));
    long hash = probe[KeyHash.HASH];
    CounterSegment segment = segmentOf(hash);
    synchronized (segment) {
      int slot = segment.find(slab, probe, key);
      return slot < 0 ? 0 : slab.inFlight(slot);
    }
  }

  /**
   * Takes back one request of {@code key} admitted by {@link #tryAcquire} at {@code chargedNanos},
   * because a later check of the same decision refused it: the key is as if that request had never
   * been counted (see {@link SlotCounters#refund} for why this can never let a key over its
   * limit). Returns false when there was nothing to take back (the key left the table meanwhile).
   */
  public boolean refund(String key, long chargedNanos) {
    long[] probe = keyHash.probe(Objects.requireNonNull(key, "key"));
    long hash = probe[KeyHash.HASH];
    CounterSegment segment = segmentOf(hash);
    synchronized (segment) {
      int slot = segment.find(slab, probe, key);
      return slot >= 0 && SlotCounters.refund(slab, slot, chargedNanos);
    }
  }

  /**
   * The denial {@link #tryAcquire} would give {@code key} at {@code nowNanos} with these limits,
   * counting and inserting nothing; null when it would admit (or the key is absent). For budgets
   * charged after the fact, such as a client address's forged requests, which are counted when the
   * backend has refused them and only checked at admission.
   */
  public Decision deniedAt(String key, int limitPerSecond, int limitPerMinute, long nowNanos) {
    long[] probe = keyHash.probe(Objects.requireNonNull(key, "key"));
    long hash = probe[KeyHash.HASH];
    CounterSegment segment = segmentOf(hash);
    synchronized (segment) {
      int slot = segment.find(slab, probe, key);
      if (slot < 0) {
        return null;
      }
      Decision decision =
          SlotCounters.decide(slab, slot, limitPerSecond, limitPerMinute, false, false, nowNanos);
      return decision.admitted() ? null : decision;
    }
  }

  /**
   * The key's counts at {@code nowNanos} without counting or inserting, for requests whose
   * method is not limited: always admitted (never deny on it), zero counts for an unknown key.
   */
  public Decision peek(String key, long nowNanos) {
    long[] probe = keyHash.probe(Objects.requireNonNull(key, "key"));
    long hash = probe[KeyHash.HASH];
    CounterSegment segment = segmentOf(hash);
    synchronized (segment) {
      int slot = segment.find(slab, probe, key);
      return slot < 0 ? Decision.admitted(0, 0) : SlotCounters.peek(slab, slot, nowNanos);
    }
  }

  /**
   * Drops keys not seen for at least {@code idleNanos} whose windows are empty at
   * {@code nowNanos} (a key is kept while anything it counted can still limit it, i.e. up to
   * 60 s and a 2 ms tick after its last counted request, even if {@code idleNanos} is shorter).
   *
   * @return how many keys were dropped
   */
  public int expireIdle(long idleNanos, long nowNanos) {
    int expired = 0;
    int end = slab.scanLimit();
    for (int slot = 0; slot < end; slot++) {
      int owner = slab.owner(slot);
      if (owner == 0 || nowNanos - slab.lastSeenRacy(slot) < idleNanos) {
        continue;
      }
      CounterSegment segment = segments[owner - 1];
      synchronized (segment) {
        if (slab.owner(slot) == owner && SlotCounters.expired(slab, slot, idleNanos, nowNanos)) {
          remove(segment, slot);
          expired++;
        }
      }
    }
    return expired;
  }

  /** Removes {@code slot} from {@code segment}, which owns it, and frees it; under its lock. */
  private void remove(CounterSegment segment, int slot) {
    segment.remove(slab, keyHash, slot, slab.hashOf(slot, keyHash));
    slab.free(slot);
    size.decrementAndGet();
  }

  /** Forgets {@code key}'s counts, so its next request is judged on an empty window. */
  @Override
  public boolean clearKey(String key) {
    long[] probe = keyHash.probe(Objects.requireNonNull(key, "key"));
    long hash = probe[KeyHash.HASH];
    CounterSegment segment = segmentOf(hash);
    synchronized (segment) {
      int slot = segment.find(slab, probe, key);
      if (slot < 0) {
        return false;
      }
      remove(segment, slot);
      return true;
    }
  }

  /** Forgets every key. */
  @Override
  public void clear() {
    for (CounterSegment segment : segments) {
      synchronized (segment) {
        for (int i = 0; i < segment.cells(); i++) {
          int slot = segment.slotAt(i);
          if (slot >= 0) {
            slab.free(slot);
          }
        }
        size.addAndGet(-segment.count());
        segment.reset();
      }
    }
  }

  /** Keys currently in the table (a moment's estimate while others insert or evict). */
  @Override
  public int size() {
    return size.get();
  }

  @Override
  public int capacity() {
    return capacity;
  }

  /** Keys evicted because the table was full (not those expired or cleared). */
  @Override
  public long evictions() {
    return evictions.sum();
  }

  /** Every key's usage at {@code nowNanos}, sorted by key; a consistent view per key. */
  @Override
  public List<KeyUsage> snapshot(long nowNanos) {
    List<KeyUsage> usages = new ArrayList<>(size.get());
    forEachUsage(nowNanos, usages::add);
    usages.sort(Comparator.comparing(KeyUsage::key));
    return usages;
  }

  /**
   * Hands every key's usage at {@code nowNanos} to {@code action}, in no order, without copying the
   * table: one segment's usages at a time are collected under its lock (1/128 of the keys), then
   * handed over after it is released, so {@code action} never runs under a table lock.
   */
  public void forEachUsage(long nowNanos, Consumer<KeyUsage> action) {
    List<KeyUsage> batch = new ArrayList<>();
    for (CounterSegment segment : segments) {
      batch.clear();
      synchronized (segment) {
        for (int i = 0; i < segment.cells(); i++) {
          int slot = segment.slotAt(i);
          if (slot >= 0) {
            batch.add(SlotCounters.usage(slab, slot, slab.key(slot), nowNanos));
          }
        }
      }
      batch.forEach(action);
    }
  }

  /** Brings the table back to at most capacity, keeping {@code keep} (the slot just added, or -1). */
  private void evictLeastRecentlySeen(int keep, long nowNanos) {
    evictionLock.lock();
    try {
      int excess;
      while ((excess = size.get() - capacity) > 0) {
        if (evictOldest(excess + evictionBatch - 1, keep, nowNanos) == 0) {
          return; // everything else was touched during the scan; the next insert retries
        }
      }
    } finally {
      evictionLock.unlock();
    }
  }

  /** Evicts up to {@code wanted} of the oldest keys other than {@code keep}'s; guarded. */
  private int evictOldest(int wanted, int keep, long nowNanos) {
    int end = slab.scanLimit();
    int n = 0;
    for (int slot = 0; slot < end; slot++) {
      long rank = slot == keep ? GONE : rank(slot, nowNanos);
      if (rank == GONE) {
        continue;
      }
      if (n == rankScratch.length) {
        rankScratch = Arrays.copyOf(rankScratch, Math.max(16, n + (n >> 1)));
      }
      rankScratch[n++] = rank;
    }
    if (n == 0) {
      return 0;
    }
    int target = Math.min(wanted, n);
    long cutoffRank = LongSelection.kthLargest(rankScratch, n, target);
    int evicted = 0;
    for (int slot = 0; slot < end && evicted < target; slot++) {
      int owner = slab.owner(slot);
      // a rank is at most idle + the bonus, and touching a key only lowers it
      if (slot == keep || owner == 0
          || nowNanos - slab.lastSeenRacy(slot) + IDLE_RANK_BONUS_NANOS < cutoffRank) {
        continue;
      }
      CounterSegment segment = segments[owner - 1];
      synchronized (segment) {
        if (slab.owner(slot) == owner && SlotCounters.evictionRank(slab, slot, nowNanos) >= cutoffRank) {
          remove(segment, slot);
          evicted++;
        }
      }
    }
    evictions.add(evicted);
    return evicted;
  }

  /**
   * {@link SlotCounters#evictionRank} of {@code slot}, or {@link #GONE} if it is free: without the
   * lock when the key is idle longer than any live key can be and has nothing in flight.
   */
  private long rank(int slot, long nowNanos) {
    int owner = slab.owner(slot);
    if (owner == 0) {
      return GONE;
    }
    long idle = nowNanos - slab.lastSeenRacy(slot);
    if (idle >= SlotCounters.longestLiveIdleNanos() && slab.inFlightRacy(slot) == 0) {
      return idle + IDLE_RANK_BONUS_NANOS;
    }
    CounterSegment segment = segments[owner - 1];
    synchronized (segment) {
      return slab.owner(slot) == owner ? SlotCounters.evictionRank(slab, slot, nowNanos) : GONE;
    }
  }
}
