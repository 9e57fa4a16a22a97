package org.s3gate.identify;

/**
 * Finds the access key a request claims (SPEC §5). Pure functions of the request's header values
 * and raw query string; nothing here verifies a signature, the backend does that.
 *
 * <h2>Design</h2>
 * Sources are tried in the SPEC's order and the first one that yields a trusted key wins, except
 * that the caller is never counted under one key while the backend may authenticate another:
 * the signature sources (the Authorization header, every {@code X-Amz-Credential} and
 * {@code AWSAccessKeyId} query parameter) must not name two different keys, and an
 * {@code AWS4-}/{@code AWS} Authorization header must parse unambiguously; otherwise the result is
 * a {@link CallerIdentity.Refusal} and the request is answered 400.
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
 * do ({@code x-amz-credential} is not the parameter); every occurrence of a name is read, and two
 * well-formed occurrences naming different keys are a conflict (a backend may read the first or
 * the last).
 * Presence of the credential parameter alone marks a presigned request, as in MinIO; the
 * {@code Signature} and {@code Expires} parameters are the backend's business.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>A malformed query parameter or custom header does not match and the next source is
 *       tried (a backend cannot authenticate a malformed credential either); a malformed
 *       {@code AWS4-}/{@code AWS} Authorization header is a refusal; an Authorization header of
 *       another scheme (e.g. {@code Bearer}) names no key. No input throws (bad percent-encoding,
 *       truncation, 10 KB values, control characters, non-ASCII).
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
  private static final String SIGNED_HEADERS_PREFIX = "SignedHeaders=";
  private static final String SIGNATURE_PREFIX = "Signature=";
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
   * @return the identity; {@link CallerIdentity#ANONYMOUS} when the request names no key at all,
   *     {@link CallerIdentity#UNKNOWN} when it names one that is not a trusted key; a refusal when
   *     the Authorization header is malformed or the request names two keys
   */
  public static CallerIdentity identify(
      String authorization, String rawQuery, String xApiKey, String xAccessKeyId) {
    String headerKey = null;
    AuthMethod headerMethod = null;
    if (authorization != null) {
      int start = skipOws(authorization, 0, authorization.length());
      if (authorization.startsWith(V4_ALGORITHM_PREFIX, start)) {
        headerKey = fromV4Header(authorization);
        headerMethod = AuthMethod.V4_HEADER;
      } else if (authorization.startsWith(V2_PREFIX, start)) {
        headerKey = fromV2Header(authorization);
        headerMethod = AuthMethod.V2_HEADER;
      }
      if (headerMethod != null && headerKey == null) {
        return CallerIdentity.MALFORMED;
      }
    }
    String v4Key = null;
    String v2Key = null;
    if (rawQuery != null && !rawQuery.isEmpty()) {
      v4Key = PresignedQuery.key(rawQuery, V4_QUERY_NAME, true);
      v2Key = PresignedQuery.key(rawQuery, V2_QUERY_NAME, false);
      if (v4Key == PresignedQuery.CONFLICT || v2Key == PresignedQuery.CONFLICT
          || differ(headerKey, v4Key) || differ(headerKey, v2Key) || differ(v4Key, v2Key)) {
        return CallerIdentity.CONFLICTING;
      }
    }
    if (headerKey != null) {
      return new CallerIdentity(headerKey, headerMethod);
    }
    if (v4Key != null) {
      return new CallerIdentity(v4Key, AuthMethod.V4_PRESIGNED);
    }
    if (v2Key != null) {
      return new CallerIdentity(v2Key, AuthMethod.V2_PRESIGNED);
    }
    String key;
    if ((key = fromPlainHeader(xApiKey)) != null
        || (key = fromPlainHeader(xAccessKeyId)) != null) {
      return new CallerIdentity(key, AuthMethod.CUSTOM_HEADER);
    }
    boolean namesAKey = authorization != null || xApiKey != null || xAccessKeyId != null
        || (rawQuery != null && (PresignedQuery.names(rawQuery, V4_QUERY_NAME)
            || PresignedQuery.names(rawQuery, V2_QUERY_NAME)));
    return namesAKey ? CallerIdentity.UNKNOWN : CallerIdentity.ANONYMOUS;
  }

  /** Whether two signature sources both name a key and the keys differ. */
  private static boolean differ(String a, String b) {
    return a != null && b != null && !a.equals(b);
  }

  // ---- Authorization header ---------------------------------------------------------------

  /**
   * {@code AWS4-<alg> Credential=KEY/scope, SignedHeaders=..., Signature=...}; null if malformed.
   * Components are separated by {@code ,} and optional whitespace; each must be one of
   * {@code Credential}, {@code SignedHeaders}, {@code Signature}, none twice, none empty, and
   * {@code Credential} must be there. Anything else (an unknown component such as
   * {@code X=Credential=...}, a second Credential, a trailing comma) is malformed: servers split
   * such headers differently (MinIO takes the first of exactly three fields, others search for the
   * first {@code Credential=} substring), so the key counted here could differ from the one the
   * backend authenticates. A missing SignedHeaders or Signature names no second key; the backend
   * refuses it.
   */
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
    String key = null;
    boolean signedHeaders = false;
    boolean signature = false;
    while (i <= length) {
      i = skipOws(header, i, length);
      int end = header.indexOf(',', i);
      if (end < 0) {
        end = length;
      }
      int componentEnd = trimOwsEnd(header, i, end);
      if (header.startsWith(CREDENTIAL_PREFIX, i) && key == null) {
        key = credentialKey(header, i + CREDENTIAL_PREFIX.length(), componentEnd);
        if (key == null) {
          return null;
        }
      } else if (header.startsWith(SIGNED_HEADERS_PREFIX, i) && !signedHeaders) {
        signedHeaders = true;
      } else if (header.startsWith(SIGNATURE_PREFIX, i) && !signature) {
        signature = true;
      } else {
        return null; // unknown, repeated or empty component
      }
      i = end + 1;
    }
    return key;
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
  static String credentialKey(String s, int from, int to) {
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
