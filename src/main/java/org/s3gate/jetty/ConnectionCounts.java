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
 * window (at most once per tenth of a window, so a flood of new IPs costs one sweep per tenth); if
 * the table is still full, the connection is accepted untracked and counted in
 * {@link #untracked()}: it fails open, because refusing every new client IP would let an attacker
 * with {@code maxIps} addresses lock everyone else out. {@link #expireIdle} is called periodically
 * by the limiter, so idle IPs do not pile up.
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

  private final int maxIps;
  private final long windowNanos;
  private final long slotNanos;
  private final ConcurrentHashMap<InetAddress, Entry> entries = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();
  private volatile long lastSweepNanos;
  private volatile long untracked;

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
   * was (false: over the limit, nothing counted). An IP the full table cannot take is accepted.
   */
  boolean tryAcquire(InetAddress ip, int limit, long nowNanos) {
    long slot = Math.floorDiv(nowNanos, slotNanos);
    Entry entry = entries.get(ip);
    if (entry == null) {
      entry = insert(ip, nowNanos);
      if (entry == null) {
        untracked++; // racy increments may be lost: a diagnostic, not an accounting total
        return true;
      }
    }
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

  private Entry insert(InetAddress ip, long nowNanos) {
    if (size.get() >= maxIps && nowNanos - lastSweepNanos >= slotNanos) {
      lastSweepNanos = nowNanos;
      expireIdle(nowNanos);
    }
    if (size.incrementAndGet() > maxIps) {
      size.decrementAndGet();
      return entries.get(ip); // another thread may have added it meanwhile
    }
    Entry fresh = new Entry();
    fresh.lastSlot = Math.floorDiv(nowNanos, slotNanos);
    fresh.slotOf[0] = Long.MIN_VALUE / 2; // empty: never within SLOTS of a real slot
    for (int i = 1; i < SLOTS; i++) {
      fresh.slotOf[i] = Long.MIN_VALUE / 2;
    }
    Entry raced = entries.putIfAbsent(ip, fresh);
    if (raced != null) {
      size.decrementAndGet();
      return raced;
    }
    return fresh;
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
  Map<String, Integer> rates(long nowNanos) {
    long slot = Math.floorDiv(nowNanos, slotNanos);
    Map<String, Integer> rates = new LinkedHashMap<>();
    entries.forEach((ip, entry) -> {
      int rate;
      synchronized (entry) {
        rate = entry.rate(slot);
      }
      if (rate > 0) {
        rates.put(ip.getHostAddress(), rate);
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

  int size() {
    return size.get();
  }

  int capacity() {
    return maxIps;
  }

  /** Connections accepted untracked because the table was full. */
  long untracked() {
    return untracked;
  }
}
