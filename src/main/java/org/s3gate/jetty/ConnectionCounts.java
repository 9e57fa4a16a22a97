package org.s3gate.jetty;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * New connections per client IP over a sliding window: the counts behind
 * {@link ConnectionRateLimiter}. It lives in Jetty's server class loader and so uses nothing of the
 * webapp's counters.
 *
 * <h2>Design</h2>
 * Per IP, a ring of {@link #SLOTS} slots, each one tenth of the window wide; a connection is counted
 * in the slot of its time, and the IP's rate is the sum of the slots of the last ten tenths. So a
 * connection counts for between 0.9 and 1.0 windows: in any sliding window an IP gets at most its
 * limit plus what it opened in the first tenth of that window, and never more than twice its limit.
 * A connection over the limit is not counted (a client refused every connection gets in again once
 * its accepted ones age out, as for the access keys' budgets).
 *
 * <h2>Bounds</h2>
 * At most {@code maxIps} IPs are tracked (about 150 bytes each: the map entry, the address and 10
 * ints). An IP seen when the table is full is first made room for by dropping IPs idle for a whole
 * window (at most once per tenth of a window, so a flood of new IPs costs one sweep per tenth). If
 * the table is still full, the least busy of up to {@link #EVICTION_SAMPLE} tracked IPs (lowest
 * rate, then longest unseen) is evicted for it, provided that IP is under the limit: losing its
 * counts then gives it at most one more limit's worth in this window, and the IPs nearest their
 * limit (the abusers) are the last to go. If every sampled IP is at its limit (the table is full of
 * abusers), the newcomer is counted in one shared overflow budget of {@code limit} per window,
 * counted in {@link #untracked()}.
 *
 * <p>Why not fail open (accept untracked, as before): an attacker who first spreads over
 * {@code maxIps} addresses (cheap with IPv6) would then disable the rule for everyone. Why not
 * refuse every newcomer: the same attacker would lock everyone else out. With eviction an attacker
 * needs {@code maxIps} addresses <em>each at its limit</em> at once to push newcomers into the
 * overflow budget, and even then no address gets more than its limit plus the shared budget.
 * {@link #expireIdle} is also called periodically by the limiter, so idle IPs do not pile up.
 *
 * <h2>Time</h2>
 * A parameter ({@code nowNanos}, from {@link System#nanoTime()}), compared by subtraction; nothing
 * here reads the clock.
 *
 * <p>Thread-safe: a {@link ConcurrentHashMap} of entries, each updated under its own monitor (a few
 * array writes); acceptor threads of all connectors share one instance.
 */
final class ConnectionCounts {
  static final int SLOTS = 10;
  /** How many tracked IPs are looked at to pick one to evict: bounds the cost of an insert into a full table. */
  static final int EVICTION_SAMPLE = 32;

  private final int maxIps;
  private final long windowNanos;
  private final long slotNanos;
  private final ConcurrentHashMap<InetAddress, Entry> entries = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();
  private volatile long lastSweepNanos;
  private volatile long untracked;
  private volatile long evictions;
  /** The budget newcomers share when the table is full of IPs at their limit. */
  private final Entry overflow = emptyEntry(0);

  /** One IP's slots. Guarded by its own monitor. */
  private static final class Entry {
    final int[] counts = new int[SLOTS];
    /** The slot index (time / slot width) each slot's count belongs to. */
    final long[] slotOf = new long[SLOTS];
    long lastSlot;

    int rate(long slot) {
      int sum = 0;
      for (int i = 0; i < SLOTS; i++) {
        if (slot - slotOf[i] < SLOTS) {
          sum += counts[i];
        }
      }
      return sum;
    }
  }

  /**
   * @param maxIps how many IPs are tracked at most (>= 1)
   * @param windowNanos the window (>= 10 ns; one tenth of it is a slot)
   */
  ConnectionCounts(int maxIps, long windowNanos) {
    if (maxIps < 1 || windowNanos < SLOTS) {
      throw new IllegalArgumentException("maxIps must be >= 1 and the window >= 10 ns: " + maxIps + ", " + windowNanos);
    }
    this.maxIps = maxIps;
    this.windowNanos = windowNanos;
    this.slotNanos = windowNanos / SLOTS;
  }

  long windowNanos() {
    return windowNanos;
  }

  /**
   * Counts a new connection from {@code ip} if its rate is under {@code limit}; returns whether it
   * was (false: over the limit, nothing counted). An IP the full table cannot take is counted in the
   * shared overflow budget (see the class comment).
   */
  boolean tryAcquire(InetAddress ip, int limit, long nowNanos) {
    long slot = Math.floorDiv(nowNanos, slotNanos);
    Entry entry = entries.get(ip);
    if (entry == null) {
      entry = insert(ip, limit, nowNanos);
      if (entry == null) {
        untracked++; // racy increments may be lost: a diagnostic, not an accounting total
        entry = overflow;
      }
    }
    return charge(entry, limit, slot);
  }

  private static boolean charge(Entry entry, int limit, long slot) {
    synchronized (entry) {
      if (entry.rate(slot) >= limit) {
        return false;
      }
      int i = (int) Math.floorMod(slot, (long) SLOTS);
      if (entry.slotOf[i] != slot) {
        entry.slotOf[i] = slot;
        entry.counts[i] = 0;
      }
      entry.counts[i]++;
      entry.lastSlot = slot;
      return true;
    }
  }

  /** The new entry for {@code ip}, or null when the table is full of IPs at their limit. */
  private Entry insert(InetAddress ip, int limit, long nowNanos) {
    if (size.get() >= maxIps && nowNanos - lastSweepNanos >= slotNanos) {
      lastSweepNanos = nowNanos;
      expireIdle(nowNanos);
    }
    while (size.incrementAndGet() > maxIps) {
      size.decrementAndGet();
      Entry raced = entries.get(ip); // another thread may have added it meanwhile
      if (raced != null) {
        return raced;
      }
      if (!evictOne(limit, Math.floorDiv(nowNanos, slotNanos))) {
        return null;
      }
    }
    Entry fresh = emptyEntry(Math.floorDiv(nowNanos, slotNanos));
    Entry raced = entries.putIfAbsent(ip, fresh);
    if (raced != null) {
      size.decrementAndGet();
      return raced;
    }
    return fresh;
  }

  private static Entry emptyEntry(long slot) {
    Entry fresh = new Entry();
    fresh.lastSlot = slot;
    for (int i = 0; i < SLOTS; i++) {
      fresh.slotOf[i] = Long.MIN_VALUE / 2; // empty: never within SLOTS of a real slot
    }
    return fresh;
  }

  /**
   * Evicts the least busy of up to {@link #EVICTION_SAMPLE} tracked IPs if it is under {@code limit};
   * returns whether one was evicted (or another thread freed room meanwhile).
   */
  private boolean evictOne(int limit, long slot) {
    InetAddress victim = null;
    Entry victimEntry = null;
    int victimRate = Integer.MAX_VALUE;
    long victimLast = Long.MAX_VALUE;
    int looked = 0;
    for (Map.Entry<InetAddress, Entry> mapping : entries.entrySet()) {
      if (looked++ >= EVICTION_SAMPLE) {
        break;
      }
      Entry entry = mapping.getValue();
      int rate;
      long last;
      synchronized (entry) {
        rate = entry.rate(slot);
        last = entry.lastSlot;
      }
      if (rate < victimRate || (rate == victimRate && last < victimLast)) {
        victim = mapping.getKey();
        victimEntry = entry;
        victimRate = rate;
        victimLast = last;
      }
    }
    if (victim == null) {
      return size.get() < maxIps; // emptied by a clear meanwhile
    }
    if (victimRate >= limit) {
      return false;
    }
    if (entries.remove(victim, victimEntry)) {
      size.decrementAndGet();
      evictions++; // racy: a diagnostic
    }
    return true;
  }

  /** The IP's new connections in the window ending at {@code nowNanos} (0 for an untracked IP). */
  int rate(InetAddress ip, long nowNanos) {
    Entry entry = entries.get(ip);
    if (entry == null) {
      return 0;
    }
    synchronized (entry) {
      return entry.rate(Math.floorDiv(nowNanos, slotNanos));
    }
  }

  /** Every tracked IP with a non-zero rate, as text, with its rate: what {@code connectionRates()} shows. */
  Map<String, Integer> rates(long nowNanos, java.util.function.Function<InetAddress, String> nameOf) {
    long slot = Math.floorDiv(nowNanos, slotNanos);
    Map<String, Integer> rates = new LinkedHashMap<>();
    entries.forEach((ip, entry) -> {
      int rate;
      synchronized (entry) {
        rate = entry.rate(slot);
      }
      if (rate > 0) {
        rates.put(nameOf.apply(ip), rate);
      }
    });
    return rates;
  }

  /** Drops IPs that opened nothing in the window ending at {@code nowNanos}; returns how many. */
  int expireIdle(long nowNanos) {
    long slot = Math.floorDiv(nowNanos, slotNanos);
    int dropped = 0;
    for (Map.Entry<InetAddress, Entry> mapping : entries.entrySet()) {
      Entry entry = mapping.getValue();
      boolean idle;
      synchronized (entry) {
        idle = slot - entry.lastSlot >= SLOTS;
      }
      // a connection counted between the check and the removal is lost: at most one per IP per sweep
      if (idle && entries.remove(mapping.getKey(), entry)) {
        size.decrementAndGet();
        dropped++;
      }
    }
    return dropped;
  }

  /** Forgets one IP's counts (an operator's clear). */
  boolean clear(InetAddress ip) {
    if (entries.remove(ip) != null) {
      size.decrementAndGet();
      return true;
    }
    return false;
  }

  /** Forgets every IP's counts and the overflow budget (an operator's clear of the whole table). */
  int clearAll() {
    int cleared = 0;
    for (InetAddress ip : entries.keySet()) {
      if (clear(ip)) {
        cleared++;
      }
    }
    synchronized (overflow) {
      java.util.Arrays.fill(overflow.counts, 0);
    }
    return cleared;
  }

  int size() {
    return size.get();
  }

  int capacity() {
    return maxIps;
  }

  /** Connections counted in the shared overflow budget because the table was full of IPs at their limit. */
  long untracked() {
    return untracked;
  }

  /** IPs evicted (under their limit) to make room for a new one in the full table. */
  long evictions() {
    return evictions;
  }
}
