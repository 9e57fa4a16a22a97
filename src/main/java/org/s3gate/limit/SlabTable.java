package org.s3gate.limit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * What {@link CounterTable} (per key) and {@link ClientIpTable} (per client address) share: a
 * bounded table of counters with no object per entry, its slots in a {@link CounterSlab} of the
 * subclass's {@link SlotLayout}, found through {@value #SEGMENTS} {@link CounterSegment}s by a
 * keyed {@link KeyHash}, with insertion, eviction, expiry and clearing. The subclass owns what a
 * slot's counters mean (its decisions, its eviction rank, when it may expire) and calls the
 * insert helpers here in one fixed pattern: find under the segment's lock; if absent,
 * {@link #allocateSlot} without a lock, then {@link #findOrClaim} and decide under the lock, then
 * {@link #afterInsert}.
 *
 * <h2>Bound and eviction</h2>
 * Inserting a new key that takes the table over {@code capacity} evicts, under one eviction lock,
 * ~1% ({@code max(1, capacity / 100)}) of keys: first those the subclass ranks as empty (ranked
 * {@link #IDLE_RANK_BONUS_NANOS} above any live one: dropping them cannot let a key over its
 * limit), least recently seen first, then, only if there are not enough of those, the least
 * recently seen live ones. One pass over the slots copies every key's eviction rank (read
 * without a lock when the key is idle longer than {@link #longestLiveIdleNanos} with nothing in
 * flight, else under its segment's lock) into a reused {@code long[]}, a quickselect finds the
 * cutoff, a second pass removes keys ranked at least that high, re-checked under the segment's
 * lock (so a key touched meanwhile survives). That is O(capacity) per capacity/100 inserts:
 * amortized O(100) per new key. Requests for keys already in the table never touch the eviction
 * lock; a new key that finds the table over capacity waits for a running eviction, then
 * re-checks. Overshoot: {@code size() <= capacity + t}, where t is the number of threads that
 * have inserted a new key and not yet returned; with no concurrent insert, {@code size() <=
 * capacity} whenever they return. A new key takes its slot before it locks its segment; if
 * {@code capacity / 64 + 256} threads at once hold slots so, the next one waits (evicting if the
 * table is over capacity, else yielding) until a slot is free. {@link #expireIdle} drops idle
 * keys the subclass says may expire.
 *
 * <p><b>Leaving the table.</b> A key leaves (eviction, expiry, {@link #clearKey}, {@link #clear})
 * by being removed from its segment's index and its slot freed in one hold of the segment's lock,
 * the lock every request of that key decides under; so no request is ever counted on a slot that
 * is no longer the key's, and a request after the removal starts from empty counts in a new slot.
 * A freed slot's owner word is 0 before it is on the free list, and a reader that found a slot
 * without the lock (eviction, expiry) re-checks its owner under the lock, so a slot reused by
 * another key is never taken for the old one.
 *
 * <h2>Concurrency</h2>
 * One monitor per segment, held for a lookup and the decision: keys of different segments never
 * contend, keys of one segment (1/128 of them) only for that time. A lock per slot would cost a
 * word or an object per key; 128 stripes keep contention on two cores, or 32, far below the
 * lock's cost. The segment lock also covers the index's mutations (insert, backward-shift delete,
 * growth), so a lookup never meets a half-moved cell, and its key comparison is made under the
 * lock of the segment that owns the slot, so it never sees a slot's key half rewritten. Lock
 * order: the eviction lock, then one segment lock at a time; a segment holder takes no other lock
 * but the slab's page lock (which takes none), so no deadlock. Slot allocation and freeing are
 * lock-free.
 *
 * <p>Thread-safe: one short monitor per segment of keys, one eviction lock taken only by inserts
 * into a full table; subclasses' per-slot methods are called under the segment's monitor.
 */
abstract class SlabTable {

  /** Segments: the hash's top 7 bits; owner ids 1..128 fit {@link CounterSlab}'s owner byte. */
  static final int SEGMENTS = 128;
  private static final int SEGMENT_SHIFT = 64 - 7;
  /**
   * Added to the eviction rank of a key with empty windows: more than any idle time a live key can
   * have (60 s + 2 ms for the key windows, 1.1 x {@code ip.window}, up to 66 min, for client IPs),
   * and small enough that idle time + bonus never overflows (idle times up to 200 years).
   */
  static final long IDLE_RANK_BONUS_NANOS = 1L << 60; // ~36 years
  private static final long GONE = Long.MIN_VALUE;

  private final CounterSegment[] segments = new CounterSegment[SEGMENTS];
  final CounterSlab slab;
  final KeyHash keyHash;
  private final int capacity;
  private final int evictionBatch;
  /** Keys in the indexes; changed under the segment lock of the key added or removed. */
  private final AtomicInteger size = new AtomicInteger();
  private final ReentrantLock evictionLock = new ReentrantLock();
  private final LongAdder evictions = new LongAdder();
  /** Eviction ranks of keys during an eviction; guarded by {@code evictionLock}. */
  private long[] rankScratch = new long[0];

  /** Reads one slot's state into a value; called under the owner segment's lock. */
  @FunctionalInterface
  interface SlotReader<T> {
    T read(int slot);
  }

  /**
   * @param capacity the most keys the table holds; fixed for its life
   * @throws IllegalArgumentException if {@code capacity < 1} ({@code what} names the setting)
   */
  SlabTable(int capacity, KeyHash keyHash, SlotLayout layout, String what) {
    if (capacity < 1) {
      throw new IllegalArgumentException(what + " capacity must be >= 1, was " + capacity);
    }
    this.capacity = capacity;
    this.evictionBatch = Math.max(1, capacity / 100);
    this.keyHash = keyHash;
    this.slab = new CounterSlab((int) Math.min((long) capacity + capacity / 64 + 256, 1 << 30), layout);
    int slotBits = 32 - Integer.numberOfLeadingZeros(slab.maxSlots()); // slot + 1 fits
    for (int i = 0; i < SEGMENTS; i++) {
      segments[i] = new CounterSegment(i + 1, slotBits);
    }
  }

  /** How readily {@code slot} may be evicted at {@code nowNanos}, higher first; under its segment's lock. */
  abstract long evictionRank(int slot, long nowNanos);

  /** Whether {@code slot} may be dropped by {@link #expireIdle}; under its segment's lock. */
  abstract boolean expired(int slot, long idleNanos, long nowNanos);

  /** Longest idle time a key with anything in a window can have: one idle longer with nothing in flight is empty. */
  abstract long longestLiveIdleNanos();

  final CounterSegment segmentOf(long hash) {
    return segments[(int) (hash >>> SEGMENT_SHIFT)];
  }

  /** A free slot, taken before locking a segment (so a full slab can evict: see Overshoot). */
  final int allocateSlot(long nowNanos) {
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
  final int findOrClaim(CounterSegment segment, long[] probe, String key, int fresh, long nowNanos) {
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
  final void afterInsert(int fresh, int slot, long nowNanos) {
    if (slot != fresh) {
      slab.free(fresh); // never claimed: owner 0 already
    } else if (size.get() > capacity) {
      evictLeastRecentlySeen(slot, nowNanos);
    }
  }

  /** Removes {@code slot} from {@code segment}, which owns it, and frees it; under its lock. */
  private void remove(CounterSegment segment, int slot) {
    segment.remove(slab, keyHash, slot, slab.hashOf(slot, keyHash));
    slab.free(slot);
    size.decrementAndGet();
  }

  /**
   * Drops keys not seen for at least {@code idleNanos} that the subclass says may expire at
   * {@code nowNanos} (never one whose counts could still limit it).
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
        if (slab.owner(slot) == owner && expired(slot, idleNanos, nowNanos)) {
          remove(segment, slot);
          expired++;
        }
      }
    }
    return expired;
  }

  /** Forgets {@code key}'s counts, so its next request is judged on empty windows. */
  public boolean clearKey(String key) {
    long[] probe = keyHash.probe(Objects.requireNonNull(key, "key"));
    CounterSegment segment = segmentOf(probe[KeyHash.HASH]);
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
  public int size() {
    return size.get();
  }

  public int capacity() {
    return capacity;
  }

  /** Keys evicted because the table was full (not those expired or cleared). */
  public long evictions() {
    return evictions.sum();
  }

  /**
   * Hands {@code reader}'s value of every key to {@code action}, in no order, without copying the
   * table: one segment's values at a time are read under its lock (1/128 of the keys), then handed
   * over after it is released, so {@code action} never runs under a table lock.
   */
  final <T> void forEachSlot(SlotReader<T> reader, Consumer<? super T> action) {
    List<T> batch = new ArrayList<>();
    for (CounterSegment segment : segments) {
      batch.clear();
      synchronized (segment) {
        for (int i = 0; i < segment.cells(); i++) {
          int slot = segment.slotAt(i);
          if (slot >= 0) {
            batch.add(reader.read(slot));
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
        if (slab.owner(slot) == owner && evictionRank(slot, nowNanos) >= cutoffRank) {
          remove(segment, slot);
          evicted++;
        }
      }
    }
    evictions.add(evicted);
    return evicted;
  }

  /**
   * {@link #evictionRank} of {@code slot}, or {@link #GONE} if it is free: without the lock when
   * the key is idle longer than any live key can be and has nothing in flight.
   */
  private long rank(int slot, long nowNanos) {
    int owner = slab.owner(slot);
    if (owner == 0) {
      return GONE;
    }
    long idle = nowNanos - slab.lastSeenRacy(slot);
    if (idle >= longestLiveIdleNanos() && slab.inFlightRacy(slot) == 0) {
      return idle + IDLE_RANK_BONUS_NANOS;
    }
    CounterSegment segment = segments[owner - 1];
    synchronized (segment) {
      return slab.owner(slot) == owner ? evictionRank(slot, nowNanos) : GONE;
    }
  }
}
