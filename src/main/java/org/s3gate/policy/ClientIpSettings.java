package org.s3gate.policy;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The hot-reloaded per-client-IP settings of {@code gateway.properties}: the rules' thresholds
 * (each off when 0), what counts as an error, the tarpit's delay and bound, and how long an idle IP
 * is remembered. The table's size and window ({@code ip.table.size}, {@code ip.window}) shape the
 * table itself and are restart settings ({@link StartupSettings}).
 *
 * <p>Immutable.
 */
public final class ClientIpSettings {
  /** Highest status {@code ip.error.statuses} may name. */
  static final int MAX_STATUS = 599;

  private final int limitRequests;
  private final int tarpitRequests;
  private final int tarpitErrors;
  private final Duration tarpitDelay;
  private final int tarpitMax;
  private final Duration tableExpire;
  private final int ipv6PrefixBits;
  private final boolean[] errorStatus = new boolean[MAX_STATUS + 1];

  /**
   * @param limitRequests {@code ip.limit.requests}: most requests per IP per window, 0 = off
   * @param tarpitRequests {@code ip.tarpit.requests}: the tarpit's request threshold, 0 = off
   * @param tarpitErrors {@code ip.tarpit.errors}: the tarpit's error threshold, 0 = off
   * @param tarpitDelay {@code tarpit.delay}: how long a tarpitted request is held
   * @param tarpitMax {@code tarpit.max}: most requests held at once; beyond, an immediate 429
   * @param tableExpire {@code ip.table.expire}: an IP idle this long is forgotten
   * @param errorStatuses {@code ip.error.statuses}: backend statuses counted as the IP's errors (400..599)
   * @param ipv6PrefixBits {@code ip.ipv6.prefix}: IPv6 clients are counted per network of this many bits (1..128)
   */
  public ClientIpSettings(int limitRequests, int tarpitRequests, int tarpitErrors, Duration tarpitDelay, int tarpitMax,
      Duration tableExpire, Set<Integer> errorStatuses, int ipv6PrefixBits) {
    if (ipv6PrefixBits < 1 || ipv6PrefixBits > 128) {
      throw new IllegalArgumentException("not an IPv6 prefix length 1..128: " + ipv6PrefixBits);
    }
    this.ipv6PrefixBits = ipv6PrefixBits;
    this.limitRequests = limitRequests;
    this.tarpitRequests = tarpitRequests;
    this.tarpitErrors = tarpitErrors;
    this.tarpitDelay = Objects.requireNonNull(tarpitDelay, "tarpitDelay");
    this.tarpitMax = tarpitMax;
    this.tableExpire = Objects.requireNonNull(tableExpire, "tableExpire");
    for (int status : errorStatuses) {
      if (status < 100 || status > MAX_STATUS) {
        throw new IllegalArgumentException("not an HTTP status 100..599: " + status);
      }
      errorStatus[status] = true;
    }
  }

  public int limitRequests() {
    return limitRequests;
  }

  public int tarpitRequests() {
    return tarpitRequests;
  }

  public int tarpitErrors() {
    return tarpitErrors;
  }

  /** Whether the tarpit rule is on: both of its thresholds are set. */
  public boolean tarpitOn() {
    return tarpitRequests > 0 && tarpitErrors > 0;
  }

  public Duration tarpitDelay() {
    return tarpitDelay;
  }

  public int tarpitMax() {
    return tarpitMax;
  }

  public Duration tableExpire() {
    return tableExpire;
  }

  /** {@code ip.ipv6.prefix}: the bits of an IPv6 client address that name its client (128 = the whole address). */
  public int ipv6PrefixBits() {
    return ipv6PrefixBits;
  }

  /** Whether a backend answer with {@code status} counts as an error of its client IP (an array read). */
  public boolean isError(int status) {
    return status >= 0 && status <= MAX_STATUS && errorStatus[status];
  }

  /** {@code ip.error.statuses}, sorted. */
  public Set<Integer> errorStatuses() {
    Set<Integer> statuses = new TreeSet<>();
    for (int s = 0; s <= MAX_STATUS; s++) {
      if (errorStatus[s]) {
        statuses.add(s);
      }
    }
    return statuses;
  }

  @Override
  public String toString() {
    return "ClientIpSettings[ip.limit.requests=" + limitRequests + ", ip.tarpit.requests=" + tarpitRequests
        + ", ip.tarpit.errors=" + tarpitErrors + ", tarpit.delay=" + tarpitDelay.toMillis() + "ms, tarpit.max="
        + tarpitMax + ", ip.table.expire=" + tableExpire.toMillis() + "ms, ip.error.statuses=" + errorStatuses() + "]";
  }
}
