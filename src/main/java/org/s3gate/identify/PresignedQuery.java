package org.s3gate.identify;

/**
 * Access keys in presigned-URL query strings, read straight from the raw (percent-encoded)
 * query without splitting or decoding it whole: parameter names are compared while decoding,
 * and only the key is decoded into a string. See {@code AccessKeyExtractor} for the rules.
 *
 * <p>Thread-safe: stateless.
 */
final class PresignedQuery {

  /** What {@link #key} returns when occurrences of the parameter name different keys (compare by identity). */
  static final String CONFLICT = new String("conflicting keys");

  private PresignedQuery() {}

  /**
   * The key named by the parameter {@code name}, decoded: null when no occurrence is a well-formed
   * key, {@link #CONFLICT} when two well-formed occurrences name different keys (malformed
   * occurrences are ignored: no backend can authenticate them).
   */
  static String key(String query, String name, boolean isV4Credential) {
    int length = query.length();
    String found = null;
    int i = 0;
    while (i <= length) {
      int amp = query.indexOf('&', i);
      if (amp < 0) {
        amp = length;
      }
      int eq = KeyText.indexOf(query, '=', i, amp);
      int nameEnd = eq < 0 ? amp : eq;
      if (decodedEquals(query, i, nameEnd, name) && nameEnd < amp && isWellEncoded(query, nameEnd + 1, amp)) {
        String key = isV4Credential
            ? encodedCredentialKey(query, nameEnd + 1, amp)
            : encodedKey(query, nameEnd + 1, amp);
        if (key != null) {
          if (found != null && !found.equals(key)) {
            return CONFLICT;
          }
          found = key;
        }
      }
      i = amp + 1;
    }
    return found;
  }

  /** Key of a percent-encoded credential in {@code s[from, to)}, already checked well-encoded. */
  private static String encodedCredentialKey(String s, int from, int to) {
    // Walk back over decoded units; in a well-encoded string a '%' two chars back starts a triplet.
    int elementEnd = to;
    int i = to - 1;
    for (int n = 0; n < KeyText.CREDENTIAL_SCOPE_ELEMENTS; n++) {
      int slashStart = -1;
      while (i >= from) {
        int unitStart = i - 2 >= from && s.charAt(i - 2) == '%' ? i - 2 : i;
        if (decodeUnit(s, unitStart) == '/') {
          slashStart = unitStart;
          i = unitStart - 1;
          break;
        }
        i = unitStart - 1;
      }
      int slashEnd = slashStart < 0 ? -1 : slashStart + (s.charAt(slashStart) == '%' ? 3 : 1);
      if (slashStart < 0 || slashEnd >= elementEnd) {
        return null; // too few elements, or an empty one
      }
      elementEnd = slashStart;
    }
    return encodedKey(s, from, elementEnd);
  }

  /** The decoded key in {@code s[from, to)}, already checked well-encoded; null if untrusted. */
  private static String encodedKey(String s, int from, int to) {
    if (KeyText.indexOf(s, '%', from, to) < 0 && KeyText.indexOf(s, '+', from, to) < 0) {
      return KeyText.plainKey(s, from, to);
    }
    char[] key = new char[Math.min(KeyText.MAX_LENGTH, to - from)];
    int n = 0;
    for (int i = from; i < to; i += s.charAt(i) == '%' ? 3 : 1) {
      int c = decodeUnit(s, i);
      if (n == key.length || !KeyText.isKeyChar(c)) {
        return null;
      }
      key[n++] = (char) c;
    }
    if (n == 0) {
      return null;
    }
    String decoded = new String(key, 0, n);
    return KeyText.isReserved(decoded) ? null : decoded;
  }

  /** Whether the query has a parameter named {@code name} at all (well-formed or not). */
  static boolean names(String query, String name) {
    int length = query.length();
    int i = 0;
    while (i <= length) {
      int amp = query.indexOf('&', i);
      if (amp < 0) {
        amp = length;
      }
      int eq = KeyText.indexOf(query, '=', i, amp);
      if (decodedEquals(query, i, eq < 0 ? amp : eq, name)) {
        return true;
      }
      i = amp + 1;
    }
    return false;
  }

  /** Whether {@code s[from, to)} decodes to exactly {@code literal}. */
  private static boolean decodedEquals(String s, int from, int to, String literal) {
    int j = 0;
    int i = from;
    while (i < to) {
      if (j == literal.length()) {
        return false;
      }
      int c;
      if (s.charAt(i) == '%') {
        if (i + 2 >= to) {
          return false;
        }
        c = decodeUnit(s, i); // -1 for a bad triplet, which equals no literal char
        i += 3;
      } else {
        c = s.charAt(i) == '+' ? ' ' : s.charAt(i);
        i++;
      }
      if (c != literal.charAt(j++)) {
        return false;
      }
    }
    return j == literal.length();
  }

  /** Whether every '%' in {@code s[from, to)} starts a {@code %XX} triplet. */
  private static boolean isWellEncoded(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == '%') {
        if (i + 2 >= to || hex(s.charAt(i + 1)) < 0 || hex(s.charAt(i + 2)) < 0) {
          return false;
        }
        i += 2;
      }
    }
    return true;
  }

  /** The byte or char of the unit starting at {@code i}; -1 for a bad triplet. '+' is space. */
  private static int decodeUnit(String s, int i) {
    char c = s.charAt(i);
    if (c == '+') {
      return ' ';
    }
    if (c != '%') {
      return c;
    }
    if (i + 2 >= s.length()) {
      return -1;
    }
    int hi = hex(s.charAt(i + 1));
    int lo = hex(s.charAt(i + 2));
    return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  }
}
