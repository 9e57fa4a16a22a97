package org.s3gate.limit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded table of per-client-IP counters ({@code client_ips}): per IP, its requests and its
 * backend errors over the sliding {@code ip.window}, which the per-IP rules read
 * ({@code ip.limit.requests}, {@code ip.tarpit.requests} + {@code ip.tarpit.errors}). HAProxy's
 * {@code stick-table type ip size 200k expire 30m store http_req_rate(10s),http_err_rate(10s)}.
 *
 * <h2>Design</h2>
 * A {@link ConcurrentHashMap} from the client address (IPv4 or IPv6 literal, as
 * {@code ClientAddress} resolved it) to a {@link ClientIpEntry}: two rings of
 * {@value #WINDOW_SLOTS} slots of {@code ip.window / 10} (1 s for the default 10 s) in one
 * {@code int[22]}. The window's length is fixed for the table's life (the slots' geometry; it is a
 * restart setting); the rules' thresholds are arguments of every call, so a reload applies to the
 * next request and the live counts are kept: an IP with 150 requests in its window whose
 * {@code ip.limit.requests} drops from 200 to 100 is denied until at least 51 of them have left the
 * window (at most {@code ip.window + slot}, 11 s by default); raised, it has room at once.
 *
 * <p><b>Exactness</b> (see {@link SlotRing}): a rule never sees fewer requests or errors than the
 * IP really had in the last {@code ip.window}, and at most those of the last {@code ip.window + slot};
 * {@code ip.limit.requests} never admits more than its limit in any sliding window (check and count
 * are one step under the entry's lock).
 *
 * <p><b>Bound and eviction</b>, as in {@link CounterTable}: an insert that takes the table over
 * {@code capacity} ({@code ip.table.size}) evicts ~1% of the entries, those with empty windows first,
 * least recently seen first, then the least recently seen live ones; {@link #expireIdle} drops
 * entries idle for {@code ip.table.expire} whose windows are empty. So memory is at most
 * {@code capacity + t} entries (t threads inserting at the same moment), each measured in
 * docs/BENCHMARKS.md. An IP evicted while live is forgotten: its next request starts on empty
 * windows (that is what a full table costs; it takes more live IPs than {@code ip.table.size}).
 *
 * <p><b>Connections</b>: the connection rate ({@code conn_rate}) is counted where connections are
 * accepted, outside the webapp (the Jetty connection-rate component), and read through a
 * {@link ConnectionRates} view installed with {@link #connectionRates(ConnectionRates)}, only when
 * the table is shown.
 *
 * <h2>Concurrency</h2>
 * Lock-free across IPs (map reads are lock-free, inserts lock one bin), one short monitor per IP, the
 * eviction lock only for inserts into a full table. An entry is retired under its lock before it
 * leaves the map; a caller that finds its entry retired looks the address up again.
 *
 * <p>Thread-safe: as above; the connection-rate view is a volatile reference.
 */
public final class ClientIpTable {

  /** Slots per window: a request or error counts for {@code W} to {@code 1.1 W}. */
  public static final int WINDOW_SLOTS = 10;

  /** The connection rate per client IP, kept by whatever counts accepted connections. */
  @FunctionalInterface
  public interface ConnectionRates {
    /** Connections accepted from {@code address} in its window at {@code nowNanos}; 0 when unknown. */
    int connections(String address, long nowNanos);
  }

  private static final ConnectionRates NO_CONNECTION_RATES = (address, nowNanos) -> 0;

  private final ConcurrentHashMap<String, ClientIpEntry> entries;
  private final int capacity;
  private final int evictionBatch;
  private final Duration window;
  private final SlotRing requestsRing;
  private final SlotRing errorsRing;
  private final int slots;
  private final ReentrantLock evictionLock = new ReentrantLock();
  private final LongAdder evictions = new LongAdder();
  private long[] rankScratch = new long[0]; // guarded by evictionLock
  private volatile ConnectionRates connectionRates = NO_CONNECTION_RATES;

  /**
   * @param capacity the most IPs tracked ({@code ip.table.size}), fixed for the table's life
   * @param window the sliding window of both counts ({@code ip.window}), a whole number of
   *     milliseconds of at least 10 ms, fixed for the table's life
   * @throws IllegalArgumentException if {@code capacity < 1} or the window is not as above
   */
  public ClientIpTable(int capacity, Duration window) {
    if (capacity < 1) {
      throw new IllegalArgumentException("ip table capacity must be >= 1, was " + capacity);
    }
    long windowNanos = window.toNanos();
    if (windowNanos < 10_000_000L || windowNanos % 1_000_000L != 0) {
      throw new IllegalArgumentException("ip.window must be a whole number of milliseconds >= 10ms, was " + window);
    }
    this.capacity = capacity;
    this.evictionBatch = Math.max(1, capacity / 100);
    this.window = window;
    this.requestsRing = SlotRing.sliding(0, WINDOW_SLOTS, windowNanos);
    this.errorsRing = SlotRing.sliding(WINDOW_SLOTS + 1, WINDOW_SLOTS, windowNanos);
    this.slots = 2 * (WINDOW_SLOTS + 1);
    // Bins for the whole capacity from the start (2 MB at the default 200,000), as CounterTable
    // does: a map that grows doubles its bin array mid-flood (twice on the way to 200,000 from
    // 2^16), and the new array and the moved nodes survive the next young collection, a pause of
    // tens of ms under a flood of new addresses (the 71 ms resize of docs/BENCHMARKS.md, "Collector").
    this.entries = new ConcurrentHashMap<>(capacity);
  }

  /**
   * Decides one request of {@code address} by the IP rules (each off when {@code <= 0}) and counts
   * it if admitted (or always with {@code countDenied}); inserts the address when absent.
   */
  public IpDecision tryAcquire(String address, int limitRequests, int tarpitRequests, int tarpitErrors,
      boolean countDenied, long nowNanos) {
    Objects.requireNonNull(address, "address");
    while (true) {
      ClientIpEntry entry = entries.get(address);
      boolean inserted = false;
      if (entry == null) {
        ClientIpEntry fresh = new ClientIpEntry(slots, nowNanos);
        entry = entries.putIfAbsent(address, fresh);
        if (entry == null) {
          entry = fresh;
          inserted = true;
        }
      }
      IpDecision decision = entry.tryAcquire(requestsRing, errorsRing, limitRequests, tarpitRequests, tarpitErrors,
          countDenied, nowNanos);
      if (decision != null) {
        if (inserted && entries.size() > capacity) {
          evictLeastRecentlySeen(entry, nowNanos);
        }
        return decision;
      }
      entries.remove(address, entry); // retired by an eviction that has not removed it yet
    }
  }

  /** Counts one backend error of {@code address} (an answer in {@code ip.error.statuses}, or a forged request). */
  public void recordError(String address, long nowNanos) {
    Objects.requireNonNull(address, "address");
    while (true) {
      ClientIpEntry entry = entries.get(address);
      boolean inserted = false;
      if (entry == null) {
        ClientIpEntry fresh = new ClientIpEntry(slots, nowNanos);
        entry = entries.putIfAbsent(address, fresh);
        if (entry == null) {
          entry = fresh;
          inserted = true;
        }
      }
      if (entry.recordError(requestsRing, errorsRing, nowNanos)) {
        if (inserted && entries.size() > capacity) {
          evictLeastRecentlySeen(entry, nowNanos);
        }
        return;
      }
      entries.remove(address, entry);
    }
  }

  /** Takes back one request of {@code address} admitted at {@code chargedNanos} (a later limiter denied it). */
  public boolean refund(String address, long chargedNanos) {
    ClientIpEntry entry = entries.get(Objects.requireNonNull(address, "address"));
    return entry != null && entry.refund(requestsRing, chargedNanos);
  }

  /** The usage of {@code address} at {@code nowNanos}, or null when it is not tracked. */
  public ClientIpUsage usage(String address, long nowNanos) {
    ClientIpEntry entry = entries.get(Objects.requireNonNull(address, "address"));
    return entry == null ? null : entry.usage(requestsRing, errorsRing, address, nowNanos);
  }

  /** Every tracked IP's usage at {@code nowNanos}, sorted by address; a consistent view per IP. */
  public List<ClientIpUsage> snapshot(long nowNanos) {
    List<ClientIpUsage> usages = new ArrayList<>(entries.size());
    for (Map.Entry<String, ClientIpEntry> mapping : entries.entrySet()) {
      ClientIpUsage usage = mapping.getValue().usage(requestsRing, errorsRing, mapping.getKey(), nowNanos);
      if (usage != null) {
        usages.add(usage);
      }
    }
    usages.sort(Comparator.comparing(ClientIpUsage::address));
    return usages;
  }

  /** Installs the view of connections per IP (the connection-rate component's); null removes it. */
  public void connectionRates(ConnectionRates view) {
    connectionRates = view == null ? NO_CONNECTION_RATES : view;
  }

  /** Connections accepted from {@code address} in its window, from the installed view (0 without one). */
  public int connections(String address, long nowNanos) {
    return connectionRates.connections(address, nowNanos);
  }

  /**
   * Drops entries not seen for at least {@code idleNanos} ({@code ip.table.expire}) whose windows
   * are empty at {@code nowNanos}.
   *
   * @return how many entries were dropped
   */
  public int expireIdle(long idleNanos, long nowNanos) {
    int expired = 0;
    for (Map.Entry<String, ClientIpEntry> mapping : entries.entrySet()) {
      ClientIpEntry entry = mapping.getValue();
      if (nowNanos - entry.lastSeenNanos() >= idleNanos
          && entry.retireIfExpired(requestsRing, errorsRing, idleNanos, nowNanos)) {
        entries.remove(mapping.getKey(), entry);
        expired++;
      }
    }
    return expired;
  }

  /** Forgets {@code address}'s counts, so its next request is judged on empty windows. */
  public boolean clearKey(String address) {
    ClientIpEntry entry = entries.remove(Objects.requireNonNull(address, "address"));
    return entry != null && entry.retire();
  }

  /** Forgets every IP. */
  public void clear() {
    for (Map.Entry<String, ClientIpEntry> mapping : entries.entrySet()) {
      if (entries.remove(mapping.getKey(), mapping.getValue())) {
        mapping.getValue().retire();
      }
    }
  }

  /** IPs tracked now (a moment's estimate while others insert or evict). */
  public int size() {
    return entries.size();
  }

  public int capacity() {
    return capacity;
  }

  /** The sliding window of both counts ({@code ip.window}). */
  public Duration window() {
    return window;
  }

  /** Entries evicted because the table was full (not those expired or cleared). */
  public long evictions() {
    return evictions.sum();
  }

  private void evictLeastRecentlySeen(ClientIpEntry keep, long nowNanos) {
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

  /** Evicts up to {@code wanted} of the highest-ranked entries other than {@code keep}; guarded. */
  private int evictOldest(int wanted, ClientIpEntry keep, long nowNanos) {
    int n = 0;
    for (ClientIpEntry entry : entries.values()) {
      if (entry == keep) {
        continue;
      }
      if (n == rankScratch.length) {
        rankScratch = Arrays.copyOf(rankScratch, Math.max(16, n + (n >> 1)));
      }
      rankScratch[n++] = entry.evictionRank(requestsRing, errorsRing, nowNanos);
    }
    if (n == 0) {
      return 0;
    }
    int target = Math.min(wanted, n);
    long cutoffRank = LongSelection.kthLargest(rankScratch, n, target);
    int evicted = 0;
    for (Map.Entry<String, ClientIpEntry> mapping : entries.entrySet()) {
      ClientIpEntry entry = mapping.getValue();
      if (entry != keep && entry.retireIfRankAtLeast(requestsRing, errorsRing, cutoffRank, nowNanos)) {
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
