package org.s3gate.admit;

import org.s3gate.policy.Cidr;

/**
 * What the per-address rules count a client address as: an IPv4 address as itself, an IPv6 address
 * as its network of {@code ip.ipv6.prefix} bits ({@code 2001:db8:1:2:0:0:0:0/64}). The per-client-IP
 * rules and the tarpit ({@link ClientIpLimiter}) and the budgets of unlisted keys and anonymous
 * requests ({@code anonymous@NETWORK}, {@link AddressRateLimiter}) all count this one text.
 *
 * <p>Why a network and not the address: one IPv6 subscriber gets at least a /64 (RFC 6177; usually
 * a /56 or /48), and any host on it can send from as many of its 2^64 addresses as it likes (privacy
 * addresses rotate by themselves). Counted per address, such a client gets a fresh tarpit allowance
 * and a fresh anonymous budget with every address: the forger the tarpit stops from one address goes
 * on from the next. Counted per /64 it has the one budget an IPv4 client has. An IPv4 client cannot
 * choose among many addresses, so it keeps its own (a NAT's clients share theirs, as they do in
 * HAProxy).
 *
 * <p>The text is canonical, so no spelling of an address gets a second budget: IPv6 as eight
 * lower-case hexadecimal groups without leading zeros or {@code ::} (the JDK's form, which the
 * counters used before), brackets and a {@code %zone} dropped, an IPv4-mapped IPv6 address as its
 * IPv4 address; {@code /BITS} is appended below 128. A text that is no address literal is returned
 * as it is (the container's peer address always is one; {@link ClientAddress} never picks another).
 *
 * <p>Immutable (static functions only); thread-safe. IPv4 costs one scan and no allocation.
 */
public final class ClientNetwork {
  /** Bits of an IPv6 address: the prefix that counts every address alone. */
  public static final int IPV6_BITS = 128;

  private ClientNetwork() {}

  /** The network {@code address} is counted as, with IPv6 addresses grouped by {@code ipv6PrefixBits} (1..128). */
  public static String of(String address, int ipv6PrefixBits) {
    if (address.indexOf(':') < 0) {
      return address; // IPv4: the container's and ClientAddress's form is canonical already
    }
    byte[] bytes = Cidr.parseLiteral(address);
    if (bytes == null) {
      return address;
    }
    if (bytes.length == 4) { // IPv4-mapped
      return (bytes[0] & 0xFF) + "." + (bytes[1] & 0xFF) + "." + (bytes[2] & 0xFF) + "." + (bytes[3] & 0xFF);
    }
    int prefix = Math.max(1, Math.min(IPV6_BITS, ipv6PrefixBits));
    for (int bit = prefix; bit < IPV6_BITS; bit++) {
      bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    StringBuilder text = new StringBuilder(44);
    for (int group = 0; group < 8; group++) {
      if (group > 0) {
        text.append(':');
      }
      text.append(Integer.toHexString(((bytes[2 * group] & 0xFF) << 8) | (bytes[2 * group + 1] & 0xFF)));
    }
    return prefix == IPV6_BITS ? text.toString() : text.append('/').append(prefix).toString();
  }
}
