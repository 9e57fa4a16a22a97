package org.s3gate.limit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
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
 * <p><b>Bound and eviction</b>, leaving the table and locking: {@link SlabTable}, with this
 * table's ranks: a key's idle time, raised by {@link #IDLE_RANK_BONUS_NANOS} above every live
 * key's when its windows are empty and none of its requests is in flight. So a live key, one with
 * requests still in its windows, is evicted only while more than {@code capacity - capacity / 100}
 * keys are live at once; a flood of new keys evicts the empty ones first, and only then the live
 * ones (which is what {@code anonymous@ADDRESS} budgets of the admission core keep a single client
 * from causing). {@link #expireIdle} drops idle keys whose windows are empty and that have nothing
 * in flight (so expiry never lets a key over its limit); a key is kept while anything it counted
 * can still limit it, i.e. up to 60 s and a 2 ms tick after its last counted request, even if
 * {@code idleNanos} is shorter. Every lookup and decision holds the key's segment's monitor for a
 * few tens of nanoseconds, with no allocation besides the {@link Decision}.
 *
 * <p>Thread-safe: one short monitor per segment of keys, one eviction lock taken only by inserts
 * into a full table.
 */
public final class CounterTable extends SlabTable implements UsageTable {

  /**
   * @param capacity the most keys the table holds ({@code table.size}); fixed for its life
   * @throws IllegalArgumentException if {@code capacity < 1}
   */
  public CounterTable(int capacity) {
    this(capacity, new KeyHash());
  }

  /** With a given hash: for tests that need reproducible positions. */
  CounterTable(int capacity, KeyHash keyHash) {
    super(capacity, keyHash, SlotLayout.KEYS, "table");
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

  @Override
  boolean expired(int slot, long idleNanos, long nowNanos) {
    return SlotCounters.expired(slab, slot, idleNanos, nowNanos);
  }

  @Override
  long evictionRank(int slot, long nowNanos) {
    return SlotCounters.evictionRank(slab, slot, nowNanos);
  }

  @Override
  long longestLiveIdleNanos() {
    return SlotCounters.longestLiveIdleNanos();
  }

  /** Every key's usage at {@code nowNanos}, sorted by key; a consistent view per key. */
  @Override
  public List<KeyUsage> snapshot(long nowNanos) {
    List<KeyUsage> usages = new ArrayList<>(size());
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
    forEachSlot(slot -> SlotCounters.usage(slab, slot, slab.key(slot), nowNanos), action);
  }
}
