package org.s3gate.admit;

import java.util.List;

import org.s3gate.policy.Cidr;

/**
 * The client's address: the TCP peer, or, when the peer is in {@code trusted.proxies}, the
 * right-most {@code X-Forwarded-For} hop that is not itself a trusted proxy. A client can never
 * choose its own address: every hop to the right of the one chosen was appended by a trusted proxy,
 * and an untrusted peer's {@code X-Forwarded-For} is never read.
 *
 * <p>A hop that is not an IP literal ends the walk: the address is then the nearest trusted hop
 * (the proxy that passed it on), so a malformed or hostile header never becomes a key. When every
 * hop is trusted, it is the left-most one.
 *
 * <p>Immutable (static functions only); thread-safe. Allocates nothing for an untrusted peer.
 */
public final class ClientAddress {
  private ClientAddress() {}

  /**
   * @param peer the TCP peer's address, as the container reports it
   * @param forwardedFor every {@code X-Forwarded-For} header value, in order (each may hold
   *     several comma-separated hops); read only when {@code peer} is trusted
   */
  public static String resolve(String peer, List<String> forwardedFor, List<Cidr> trustedProxies) {
    if (trustedProxies.isEmpty() || !Cidr.anyContains(trustedProxies, peer)) {
      return peer;
    }
    String nearestTrusted = peer;
    for (int v = forwardedFor.size() - 1; v >= 0; v--) {
      String[] hops = forwardedFor.get(v).split(",");
      for (int h = hops.length - 1; h >= 0; h--) {
        String hop = hops[h].strip();
        if (!Cidr.isLiteral(hop)) {
          return nearestTrusted;
        }
        if (!Cidr.anyContains(trustedProxies, hop)) {
          return hop;
        }
        nearestTrusted = hop;
      }
    }
    return nearestTrusted;
  }

  /** The client of {@code request}: see {@link #resolve}. */
  static String of(RequestFacts request, List<Cidr> trustedProxies) {
    String peer = request.remoteAddress();
    if (trustedProxies.isEmpty() || !Cidr.anyContains(trustedProxies, peer)) {
      return peer;
    }
    return resolve(peer, request.headerValues("X-Forwarded-For"), trustedProxies);
  }
}
