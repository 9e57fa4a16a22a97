package org.s3gate.identify;

/**
 * Finds the access key a request claims (SPEC §5). Pure functions of the request's header values
 * and raw query string; nothing here verifies a signature, the backend does that.
 *
 * <h2>Design</h2>
 * Sources are tried in the SPEC's order and the first one that yields a trusted key wins:
 * <ol>
 *   <li>{@code Authorization: AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request,
 *       SignedHeaders=..., Signature=...} gives {@link AuthMethod#V4_HEADER}. Any {@code AWS4-}
 *       algorithm is accepted, so SigV4a ({@code AWS4-ECDSA-P256-SHA256}) is identified too.
 *   <li>{@code Authorization: AWS KEY:SIGNATURE} gives {@link AuthMethod#V2_HEADER}.
 *   <li>Query parameter {@code X-Amz-Credential}, percent-decoded, gives
 *       {@link AuthMethod#V4_PRESIGNED}.
 *   <li>Query parameter {@code AWSAccessKeyId}, percent-decoded, gives
 *       {@link AuthMethod#V2_PRESIGNED}.
 *   <li>{@code X-API-Key}, else {@code X-Access-Key-Id}, gives {@link AuthMethod#CUSTOM_HEADER}.
 * </ol>
 * A V4 credential is split the way MinIO (the production backend) splits it: the last four
 * {@code /}-separated elements are the scope and must be non-empty; everything before them is
 * the key. {@code Credential=KEY} without a scope, or a truncated scope, is malformed.
 * Query parameter names are compared case-sensitively after percent-decoding, as AWS and MinIO
 * do ({@code x-amz-credential} is not the parameter); the first occurrence of a name is used.
 * Presence of the credential parameter alone marks a presigned request, as in MinIO; the
 * {@code Signature} and {@code Expires} parameters are the backend's business.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>A malformed source does not match and the next source is tried; no input throws
 *       (bad percent-encoding, truncation, 10 KB values, control characters, non-ASCII).
 *   <li>A trusted key is 1 to {@value #MAX_KEY_LENGTH} characters, each printable ASCII other
 *       than space ({@code 0x21..0x7E}); anything else is not a key and its source does not match.
 *       A trusted key is therefore safe in a response header and a log line.
 *   <li>Work is linear in the input length, uses no regular expressions and allocates only the
 *       key string (plus, for a percent-encoded key, one char buffer of at most 128 chars).
 * </ul>
 *
 * <p>Thread-safe: stateless.
 */
public final class AccessKeyExtractor {

  /** Longest access key that is trusted; longer values are treated as no key at all. */
  public static final int MAX_KEY_LENGTH = KeyText.MAX_LENGTH;

  private static final String V4_ALGORITHM_PREFIX = "AWS4-";
  private static final String SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";
  private static final String V2_PREFIX = "AWS ";
  private static final String CREDENTIAL_PREFIX = "Credential=";
  private static final String V4_QUERY_NAME = "X-Amz-Credential";
  private static final String V2_QUERY_NAME = "AWSAccessKeyId";

  private AccessKeyExtractor() {}

  /**
   * Identifies the caller of one request.
   *
   * @param authorization the {@code Authorization} header, or null
   * @param rawQuery the query string as received, still percent-encoded
   *     ({@code HttpServletRequest.getQueryString()}), or null
   * @param xApiKey the {@code X-API-Key} header, or null
   * @param xAccessKeyId the {@code X-Access-Key-Id} header, or null
   * @return the identity; {@link CallerIdentity#UNKNOWN} when no source yields a trusted key
   */
  public static CallerIdentity identify(
      String authorization, String rawQuery, String xApiKey, String xAccessKeyId) {
    String key;
    if (authorization != null) {
      if ((key = fromV4Header(authorization)) != null) {
        return new CallerIdentity(key, AuthMethod.V4_HEADER);
      }
      if ((key = fromV2Header(authorization)) != null) {
        return new CallerIdentity(key, AuthMethod.V2_HEADER);
      }
    }
    if (rawQuery != null && !rawQuery.isEmpty()) {
      if ((key = PresignedQuery.key(rawQuery, V4_QUERY_NAME, true)) != null) {
        return new CallerIdentity(key, AuthMethod.V4_PRESIGNED);
      }
      if ((key = PresignedQuery.key(rawQuery, V2_QUERY_NAME, false)) != null) {
        return new CallerIdentity(key, AuthMethod.V2_PRESIGNED);
      }
    }
    if ((key = fromPlainHeader(xApiKey)) != null
        || (key = fromPlainHeader(xAccessKeyId)) != null) {
      return new CallerIdentity(key, AuthMethod.CUSTOM_HEADER);
    }
    return CallerIdentity.UNKNOWN;
  }

  // ---- Authorization header ---------------------------------------------------------------

  /** {@code AWS4-<alg> Credential=KEY/scope, SignedHeaders=..., Signature=...}; null if malformed. */
  static String fromV4Header(String header) {
    int length = header.length();
    int start = skipOws(header, 0, length);
    if (!header.startsWith(V4_ALGORITHM_PREFIX, start)) {
      return null;
    }
    int i = endOfToken(header, start, length);
    if (i == length) {
      return null;
    }
    // Components are separated by ',' and optional whitespace; only the first Credential counts.
    while (i < length) {
      i = skipOws(header, i, length);
      int end = header.indexOf(',', i);
      if (end < 0) {
        end = length;
      }
      if (header.startsWith(CREDENTIAL_PREFIX, i)) {
        return credentialKey(header, i + CREDENTIAL_PREFIX.length(), trimOwsEnd(header, i, end));
      }
      i = end + 1;
    }
    return null;
  }

  /**
   * End of the algorithm token starting at {@code start}: the first OWS after it, or
   * {@code length}. Nearly every client signs with {@value #SIGV4_ALGORITHM}, which is recognised
   * without a per-character scan.
   */
  private static int endOfToken(String header, int start, int length) {
    int end = start + SIGV4_ALGORITHM.length();
    if (end < length && isOws(header.charAt(end)) && header.startsWith(SIGV4_ALGORITHM, start)) {
      return end;
    }
    int i = start;
    while (i < length && !isOws(header.charAt(i))) {
      i++;
    }
    return i;
  }

  /** Key of {@code KEY/date/region/service/aws4_request} in {@code s[from, to)}, not encoded. */
  private static String credentialKey(String s, int from, int to) {
    int elementEnd = to;
    for (int n = 0; n < KeyText.CREDENTIAL_SCOPE_ELEMENTS; n++) {
      // String.lastIndexOf scans the string's bytes directly (no per-character charAt checks);
      // a slash before from means too few elements (only that last search reads before from).
      int slash = s.lastIndexOf('/', elementEnd - 1);
      if (slash < from || slash + 1 >= elementEnd) {
        return null; // too few elements, or an empty one
      }
      elementEnd = slash;
    }
    return KeyText.plainKey(s, from, elementEnd);
  }

  /** {@code AWS KEY:SIGNATURE}; null if malformed. */
  static String fromV2Header(String header) {
    int length = header.length();
    int start = skipOws(header, 0, length);
    if (!header.startsWith(V2_PREFIX, start)) {
      return null;
    }
    int keyStart = skipOws(header, start + V2_PREFIX.length(), length);
    int colon = header.indexOf(':', keyStart);
    if (colon < 0 || trimOwsEnd(header, colon + 1, length) == colon + 1) {
      return null; // no signature
    }
    return KeyText.plainKey(header, keyStart, colon);
  }

  // ---- Plain values -----------------------------------------------------------------------

  /** A custom header's value, surrounding whitespace ignored; null if absent or untrusted. */
  static String fromPlainHeader(String value) {
    if (value == null) {
      return null;
    }
    int from = skipOws(value, 0, value.length());
    return KeyText.plainKey(value, from, trimOwsEnd(value, from, value.length()));
  }

  private static boolean isOws(char c) {
    return c == ' ' || c == '\t';
  }

  private static int skipOws(String s, int from, int to) {
    while (from < to && isOws(s.charAt(from))) {
      from++;
    }
    return from;
  }

  private static int trimOwsEnd(String s, int from, int to) {
    while (to > from && isOws(s.charAt(to - 1))) {
      to--;
    }
    return to;
  }
}
