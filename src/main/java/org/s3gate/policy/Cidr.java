package org.s3gate.policy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * An IPv4 or IPv6 address block ({@code 10.0.0.0/8}, {@code ::1/128}); a bare address is a
 * single-host block ({@code 127.0.0.1} = {@code /32}). Host bits set in the text are cleared, so
 * {@code 127.0.0.1/8} is {@code 127.0.0.0/8}.
 *
 * <p>Design: nothing here resolves host names. {@link #parse} and {@link #contains(String)} accept
 * literals only: IPv4 is parsed by hand (strict dotted quad), IPv6 is handed to
 * {@link InetAddress#getByName} only after checking it holds nothing but hex digits, {@code :} and
 * {@code .}, which the JDK parses as a literal without DNS. IPv4-mapped IPv6 addresses
 * ({@code ::ffff:10.1.2.3}) match IPv4 blocks, because that is how a dual-stack socket reports an
 * IPv4 client.
 *
 * <p>Immutable.
 */
public final class Cidr {

  private final byte[] network;
  private final int prefixLength;

  private Cidr(byte[] network, int prefixLength) {
    this.network = network;
    this.prefixLength = prefixLength;
  }

  /**
   * Parses {@code address[/prefix]}.
   *
   * @throws IllegalArgumentException with a reason fit for an error message
   */
  public static Cidr parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty address");
    }
    String trimmed = text.strip();
    int slash = trimmed.indexOf('/');
    String addressText = slash < 0 ? trimmed : trimmed.substring(0, slash);
    byte[] address = parseLiteral(addressText);
    if (address == null) {
      throw new IllegalArgumentException("not an IPv4 or IPv6 address");
    }
    int maxPrefix = address.length * 8;
    int prefix = maxPrefix;
    if (slash >= 0) {
      String prefixText = trimmed.substring(slash + 1);
      if (prefixText.isEmpty() || prefixText.length() > 3 || !prefixText.chars().allMatch(Character::isDigit)) {
        throw new IllegalArgumentException("prefix length must be a number 0.." + maxPrefix);
      }
      prefix = Integer.parseInt(prefixText);
      if (prefix > maxPrefix) {
        throw new IllegalArgumentException("prefix length must be 0.." + maxPrefix);
      }
    }
    return new Cidr(mask(address, prefix), prefix);
  }

  /** Whether the address lies in this block; an IPv4 block never holds a (non-mapped) IPv6 address. */
  public boolean contains(InetAddress a) {
    return a != null && matches(a.getAddress());
  }

  /** Whether {@code text} is an IPv4 or IPv6 literal (never a host name; nothing is resolved). */
  public static boolean isLiteral(String text) {
    return parseLiteral(text) != null;
  }

  /** Whether {@code literalIp} is in one of {@code ranges} (false for an empty list or a non-literal). */
  public static boolean anyContains(List<Cidr> ranges, String literalIp) {
    for (Cidr range : ranges) {
      if (range.contains(literalIp)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the literal address (as a servlet container reports the remote address: IPv6 possibly
   * in brackets or with a {@code %zone}) lies in this block. Anything that is not a literal
   * address is not contained; never throws, never resolves a name.
   */
  public boolean contains(String literalIp) {
    byte[] address = parseLiteral(literalIp);
    return address != null && matches(address);
  }

  /** Whether the address bytes of {@link #parseLiteral} lie in this block. */
  boolean containsAddress(byte[] address) {
    return matches(address);
  }

  private boolean matches(byte[] address) {
    byte[] candidate = address;
    if (candidate.length == 16 && network.length == 4 && isIpv4Mapped(candidate)) {
      candidate = Arrays.copyOfRange(candidate, 12, 16);
    }
    if (candidate.length != network.length) {
      return false;
    }
    int fullBytes = prefixLength / 8;
    for (int i = 0; i < fullBytes; i++) {
      if (candidate[i] != network[i]) {
        return false;
      }
    }
    int restBits = prefixLength % 8;
    if (restBits == 0) {
      return true;
    }
    int byteMask = (0xFF << (8 - restBits)) & 0xFF;
    return (candidate[fullBytes] & byteMask) == (network[fullBytes] & 0xFF);
  }

  private static boolean isIpv4Mapped(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
  }

  private static byte[] mask(byte[] address, int prefix) {
    byte[] masked = address.clone();
    for (int bit = prefix; bit < masked.length * 8; bit++) {
      masked[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return masked;
  }

  /**
   * Literal IPv4/IPv6 to bytes (4 for IPv4 and IPv4-mapped IPv6, else 16; brackets and a
   * {@code %zone} dropped), or null for anything else. Never resolves a name; a new array per call.
   */
  public static byte[] parseLiteral(String text) {
    if (text == null) {
      return null;
    }
    String s = text.strip();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    if (s.indexOf(':') < 0) {
      return parseIpv4(s);
    }
    int zone = s.indexOf('%');
    if (zone >= 0) {
      s = s.substring(0, zone);
    }
    if (s.length() < 2 || s.length() > 45) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!ok) {
        return null;
      }
    }
    try {
      return InetAddress.getByName(s).getAddress(); // a literal with ':' is never looked up
    } catch (UnknownHostException | SecurityException e) {
      return null;
    }
  }

  private static byte[] parseIpv4(String s) {
    byte[] out = new byte[4];
    int part = 0;
    int value = -1;
    int digits = 0;
    for (int i = 0; i <= s.length(); i++) {
      char c = i < s.length() ? s.charAt(i) : '.';
      if (c >= '0' && c <= '9') {
        if (digits == 3 || (digits > 0 && value == 0)) {
          return null; // more than 3 digits, or a leading zero (octal in some parsers)
        }
        value = (digits == 0 ? 0 : value * 10) + (c - '0');
        digits++;
      } else if (c == '.') {
        if (digits == 0 || value > 255 || part == 4) {
          return null;
        }
        out[part++] = (byte) value;
        digits = 0;
        value = -1;
      } else {
        return null;
      }
    }
    return part == 4 ? out : null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr other && prefixLength == other.prefixLength && Arrays.equals(network, other.network);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(network) + prefixLength;
  }

  /** Canonical form, e.g. {@code 127.0.0.0/8} or {@code 0:0:0:0:0:0:0:1/128}. */
  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // cannot happen: length is 4 or 16
    }
  }
}
