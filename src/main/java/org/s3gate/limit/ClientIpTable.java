package org.s3gate.limit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The bounded table of per-client-IP counters ({@code client_ips}): per IP, its requests and its
 * backend errors over the sliding {@code ip.window}, which the per-IP rules read
 * ({@code ip.limit.requests}, {@code ip.tarpit.requests} + {@code ip.tarpit.errors}). HAProxy's
 * {@code stick-table type ip size 200k expire 30m store http_req_rate(10s),http_err_rate(10s)}.
 *
 * <h2>Design</h2>
 * A {@link SlabTable} of {@link SlotLayout#CLIENT_IPS} slots, as {@link CounterTable} is for
 * keys: no object per IP. The client address (IPv4 or IPv6 literal, as {@code ClientAddress}
 * resolved it and {@code ClientIpLimiter} canonicalised it) is stored as its chars in the slot's
 * 48 key bytes (up to 46 chars: every IPv4 and {@code InetAddress}-form IPv6 literal; a longer
 * one, only with a long {@code %zone}, keeps its {@code String} in a side page) and found by its
 * keyed SipHash ({@link KeyHash}, a random seed per table, so a client choosing addresses, as
 * anyone with an IPv6 /64 can, cannot make them collide). A slot holds two rings of
 * {@value #WINDOW_SLOTS} + 1 slots of {@code ip.window / 10} (1 s for the default 10 s), the
 * clocks and the totals: 168 B, 180 B per tracked IP with the index and partly filled pages (measured:
 * docs/BENCHMARKS.md); the decisions are {@link IpSlotCounters}'. The window's length is fixed
 * for the table's life (the slots' geometry; it is a restart setting); the rules' thresholds are
 * arguments of every call, so a reload applies to the next request and the live counts are kept:
 * an IP with 150 requests in its window whose {@code ip.limit.requests} drops from 200 to 100 is
 * denied until at least 51 of them have left the window (at most {@code ip.window + slot}, 11 s by
 * default); raised, it has room at once.
 *
 * <p><b>What the collector sees</b>, as for {@link CounterSlab}: a new address writes into a
 * preallocated page and allocates nothing that outlives its request (the page itself, 672 KB per
 * 4096 slots, once, when the table first grows into it); an evicted or expired one frees nothing.
 * So a flood of new addresses neither promotes objects nor leaves old-generation garbage, however
 * long it lasts.
 *
 * <p><b>Exactness</b> (see {@link SlotRing}): a rule never sees fewer requests or errors than the
 * IP really had in the last {@code ip.window}, and at most those of the last {@code ip.window + slot};
 * {@code ip.limit.requests} never admits more than its limit in any sliding window (check and count
 * are one step under the lock of the address's segment).
 *
 * <p><b>Bound and eviction</b>, as in {@link SlabTable}: an insert that takes the table over
 * {@code capacity} ({@code ip.table.size}) evicts ~1% of the entries, those with empty windows first,
 * least recently seen first, then the least recently seen live ones; {@link #expireIdle} drops
 * entries idle for {@code ip.table.expire} whose windows are empty. So the table holds at most
 * {@code capacity + t} addresses (t threads inserting at the same moment) and never allocates
 * more than {@code capacity + capacity / 64 + 256} slots. An IP evicted while live is forgotten:
 * its next request starts on empty windows (that is what a full table costs; it takes more live
 * IPs than {@code ip.table.size}). An address cleared or evicted and seen again gets a fresh slot
 * whose origin is its new first request, so a refund of a charge made before that takes nothing.
 *
 * <p><b>Connections</b>: the connection rate ({@code conn_rate}) is counted where connections are
 * accepted, outside the webapp (the Jetty connection-rate component), and read through a
 * {@link ConnectionRates} view installed with {@link #connectionRates(ConnectionRates)}, only when
 * the table is shown.
 *
 * <h2>Concurrency</h2>
 * As {@link SlabTable}: one monitor per segment of addresses (1/128 of them), held for a lookup and
 * the decision; the eviction lock only for inserts into a full table.
 *
 * <p>Thread-safe: as above; the connection-rate view is a volatile reference.
 */
public final class ClientIpTable extends SlabTable {

  /** Slots per window: a request or error counts for {@code W} to {@code 1.1 W}. */
  public static final int WINDOW_SLOTS = 10;

  /** The connection rate per client IP, kept by whatever counts accepted connections. */
  @FunctionalInterface
  public interface ConnectionRates {
    /** Connections accepted from {@code address} in its window at {@code nowNanos}; 0 when unknown. */
    int connections(String address, long nowNanos);
  }

  private static final ConnectionRates NO_CONNECTION_RATES = (address, nowNanos) -> 0;

  private final Duration window;
  private final IpSlotCounters counters;
  private volatile ConnectionRates connectionRates = NO_CONNECTION_RATES;

  /**
   * @param capacity the most IPs tracked ({@code ip.table.size}), fixed for the table's life
   * @param window the sliding window of both counts ({@code ip.window}), a whole number of
   *     milliseconds of at least 10 ms, fixed for the table's life
   * @throws IllegalArgumentException if {@code capacity < 1} or the window is not as above
   */
  public ClientIpTable(int capacity, Duration window) {
    this(capacity, window, new KeyHash());
  }

  /** With a given hash: for tests that need reproducible positions. */
  ClientIpTable(int capacity, Duration window, KeyHash keyHash) {
    super(capacity, keyHash, SlotLayout.CLIENT_IPS, "ip table");
    long windowNanos = window.toNanos();
    if (windowNanos < 10_000_000L || windowNanos % 1_000_000L != 0) {
      throw new IllegalArgumentException("ip.window must be a whole number of milliseconds >= 10ms, was " + window);
    }
    this.window = window;
    this.counters = new IpSlotCounters(windowNanos);
  }

  /**
   * Decides one request of {@code address} by the IP rules (each off when {@code <= 0}) and counts
   * it if admitted (or always with {@code countDenied}); inserts the address when absent.
   */
  public IpDecision tryAcquire(String address, int limitRequests, int tarpitRequests, int tarpitErrors,
      boolean countDenied, long nowNanos) {
    long[] probe = keyHash.probe(Objects.requireNonNull(address, "address"));
    CounterSegment segment = segmentOf(probe[KeyHash.HASH]);
    synchronized (segment) {
      int slot = segment.find(slab, probe, address);
      if (slot >= 0) {
        return counters.tryAcquire(slab, slot, limitRequests, tarpitRequests, tarpitErrors, countDenied, nowNanos);
      }
    }
    int fresh = allocateSlot(nowNanos);
    int slot;
    IpDecision decision;
    synchronized (segment) {
      slot = findOrClaim(segment, probe, address, fresh, nowNanos);
      decision = counters.tryAcquire(slab, slot, limitRequests, tarpitRequests, tarpitErrors, countDenied, nowNanos);
    }
    afterInsert(fresh, slot, nowNanos);
    return decision;
  }

  /** Counts one backend error of {@code address} (an answer in {@code ip.error.statuses}, or a forged request). */
  public void recordError(String address, long nowNanos) {
    long[] probe = keyHash.probe(Objects.requireNonNull(address, "address"));
    CounterSegment segment = segmentOf(probe[KeyHash.HASH]);
    synchronized (segment) {
      int slot = segment.find(slab, probe, address);
      if (slot >= 0) {
        counters.recordError(slab, slot, nowNanos);
        return;
      }
    }
    int fresh = allocateSlot(nowNanos);
    int slot;
    synchronized (segment) {
      slot = findOrClaim(segment, probe, address, fresh, nowNanos);
      counters.recordError(slab, slot, nowNanos);
    }
    afterInsert(fresh, slot, nowNanos);
  }

  /** Takes back one request of {@code address} admitted at {@code chargedNanos} (a later limiter denied it). */
  public boolean refund(String address, long chargedNanos) {
    long[] probe = keyHash.probe(Objects.requireNonNull(address, "address"));
    CounterSegment segment = segmentOf(probe[KeyHash.HASH]);
    synchronized (segment) {
      int slot = segment.find(slab, probe, address);
      return slot >= 0 && counters.refund(slab, slot, chargedNanos);
    }
  }

  /** The usage of {@code address} at {@code nowNanos}, or null when it is not tracked. */
  public ClientIpUsage usage(String address, long nowNanos) {
    long[] probe = keyHash.probe(Objects.requireNonNull(address, "address"));
    CounterSegment segment = segmentOf(probe[KeyHash.HASH]);
    synchronized (segment) {
      int slot = segment.find(slab, probe, address);
      return slot < 0 ? null : counters.usage(slab, slot, address, nowNanos);
    }
  }

  /** Every tracked IP's usage at {@code nowNanos}, sorted by address; a consistent view per IP. */
  public List<ClientIpUsage> snapshot(long nowNanos) {
    List<ClientIpUsage> usages = new ArrayList<>(size());
    forEachSlot(slot -> counters.usage(slab, slot, slab.key(slot), nowNanos), usages::add);
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

  /** The sliding window of both counts ({@code ip.window}). */
  public Duration window() {
    return window;
  }

  @Override
  boolean expired(int slot, long idleNanos, long nowNanos) {
    return counters.expired(slab, slot, idleNanos, nowNanos);
  }

  @Override
  long evictionRank(int slot, long nowNanos) {
    return counters.evictionRank(slab, slot, nowNanos);
  }

  @Override
  long longestLiveIdleNanos() {
    return counters.ringNanos();
  }
}
