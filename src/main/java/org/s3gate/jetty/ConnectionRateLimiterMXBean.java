package org.s3gate.jetty;

import java.util.Map;

/**
 * {@code s3gate:type=ConnectionLimiter}: the connection-rate rule of {@link ConnectionRateLimiter}.
 * The webapp sets its settings from each published configuration ({@code ip.limit.connections},
 * {@code ip.window}, {@code mode}, {@code allowlist.lst}, {@code ip.ipv6.prefix}) with {@link #configure}, and reads its
 * totals when the metrics are scraped; an operator can read everything here in JConsole.
 *
 * <p>Implementations are thread-safe.
 */
public interface ConnectionRateLimiterMXBean {

  /** New connections one client IP may open per window; 0 = the rule is off (nothing tracked). */
  int getLimit();

  /** The sliding window, in milliseconds. */
  long getWindowMillis();

  /** Whether over-limit connections are only counted ({@code mode=shadow}), not closed. */
  boolean isShadow();

  /** The allow-listed blocks ({@code allowlist.lst}), never limited or tracked. */
  String[] getAllowlist();

  /** Connections closed at accept because their IP was over the limit, since start. */
  long getRejected();

  /** Connections that would have been closed in shadow mode, since start. */
  long getShadowRejected();

  /** Client IPs tracked now. */
  int getTrackedIps();

  /** The most client IPs tracked at once ({@code s3gate.connectionLimit.maxTrackedIps}). */
  int getCapacity();

  /** Connections accepted without being tracked because the table of IPs was full, since start. */
  long getUntracked();

  /**
   * Replaces every setting at once (so a connection never sees half a change); a changed window
   * restarts the counts. Called by the webapp on each published configuration.
   *
   * @param limit new connections per window and IP, 0 = off
   * @param windowMillis the window, >= 100 ms
   * @param shadow count over-limit connections instead of closing them
   * @param allowlist IP literals or CIDR blocks whose connections are never limited
   * @param ipv6PrefixBits IPv6 clients are counted per network of this many bits, 1..128
   *     ({@code ip.ipv6.prefix}; 128 = each address alone); a changed value restarts the counts
   */
  void configure(int limit, long windowMillis, boolean shadow, String[] allowlist, int ipv6PrefixBits);

  /**
   * Each tracked IP's new connections in the current window (non-zero ones only), an IPv6 network
   * as {@code 2001:db8:1:2:0:0:0:0/64} (the form of the {@code client_ips} table).
   */
  Map<String, Integer> connectionRates();

  /** Forgets the counts of one IP (or of its IPv6 network: an address of it or its {@code ADDRESS/BITS} form); whether it was tracked. */
  boolean clearIp(String ip);

  /** Forgets every IP's counts (and the shared overflow budget); returns how many IPs were tracked. */
  int clearAll();

  /** IPs evicted (under their limit) to make room for new ones in the full table, since the last configure. */
  long getEvictions();
}
