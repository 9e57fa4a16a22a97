package org.s3gate.identify;

/**
 * What a trusted access key looks like, and the scanning helpers both key sources share (the
 * {@code Authorization} header in {@link AccessKeyExtractor}, presigned query strings in
 * {@link PresignedQuery}): 1 to {@value #MAX_LENGTH} characters, each printable ASCII other than
 * space ({@code 0x21..0x7E}), so a trusted key is safe in a response header and a log line, and
 * not starting with {@value #ADDRESS_COUNTER_PREFIX}.
 *
 * <p>Immutable (static functions only); thread-safe.
 */
final class KeyText {

  /** Longest access key that is trusted; longer values are treated as no key at all. */
  static final int MAX_LENGTH = 128;

  /**
   * The prefix of the counters charged per client address ({@code anonymous@203.0.113.7}); a
   * claimed key that starts with it is not trusted, so no request can name such a counter.
   */
  static final String ADDRESS_COUNTER_PREFIX = "anonymous@";

  /** Elements after the key in a V4 credential: date / region / service / "aws4_request". */
  static final int CREDENTIAL_SCOPE_ELEMENTS = 4;

  private KeyText() {}

  /** {@code s[from, to)} as a key, or null when it is not a trusted key. */
  static String plainKey(String s, int from, int to) {
    int length = to - from;
    if (length < 1 || length > MAX_LENGTH) {
      return null;
    }
    for (int i = from; i < to; i++) {
      if (!isKeyChar(s.charAt(i))) {
        return null;
      }
    }
    return s.startsWith(ADDRESS_COUNTER_PREFIX, from) ? null : s.substring(from, to);
  }

  /** Whether a decoded key is trusted as to its text (see {@link #ADDRESS_COUNTER_PREFIX}). */
  static boolean isReserved(String key) {
    return key.startsWith(ADDRESS_COUNTER_PREFIX);
  }

  /** Printable ASCII other than space: no control characters, whitespace or non-ASCII. */
  static boolean isKeyChar(int c) {
    return c > 0x20 && c < 0x7F;
  }

  /** First index of {@code ch} in {@code s[from, to)}, or -1; never looks past {@code to}. */
  static int indexOf(String s, char ch, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == ch) {
        return i;
      }
    }
    return -1;
  }
}
