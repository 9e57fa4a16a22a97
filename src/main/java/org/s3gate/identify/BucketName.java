package org.s3gate.identify;

/**
 * Which bucket a request addresses, for the per-bucket limits: from a virtual-hosted {@code Host}
 * ({@code bucket.s3.example.com}) when {@code s3.domain} is set and the host is under it, else from
 * the path (path-style: the first segment of the raw path).
 *
 * <h2>Design</h2>
 * The bucket is read the way a backend resolves it, erring on the side of counting: a request can
 * never reach a bucket without being counted against it.
 * <ul>
 *   <li>Host: the port and one trailing dot are dropped, the rest is compared to
 *       {@code .s3.domain} ignoring ASCII case (DNS is case-insensitive); the labels before it are
 *       the bucket ({@code my.bucket.s3.example.com} is {@code my.bucket}). A host equal to the
 *       domain, or not under it (an IP literal, another name), means path-style.
 *   <li>Path: leading slashes are skipped ({@code //hot/key} is counted against {@code hot}: a
 *       backend that collapses slashes serves it from there), the segment ends at the next
 *       {@code /}, {@code ?} or {@code ;}, percent-escapes are decoded ({@code /h%6Ft/k} is
 *       {@code hot}; a decoded {@code /} ends it too, as a backend that decodes before splitting
 *       sees it), and the result is lower-cased: S3 bucket names are lower case, so an upper-case
 *       spelling is either refused by the backend or the same bucket.
 *   <li>No bucket: the path {@code /} (ListBuckets) and names no bucket can have (over 255
 *       characters, or characters outside letters, digits, {@code .}, {@code -} and {@code _}):
 *       a backend refuses those, so they need no bucket counter (and a flood of invented names
 *       cannot fill the bucket table with them).
 * </ul>
 * Allocates the bucket string only (one substring, plus one lower-cased copy when the request
 * wrote upper case or escapes).
 *
 * <p>Immutable (static functions only); thread-safe.
 */
public final class BucketName {

  /** The longest bucket name counted (S3's legacy rules allow 255; today's, 63). */
  public static final int MAX_LENGTH = 255;

  private BucketName() {}

  /**
   * The bucket the request addresses, lower case, or null when it names none.
   *
   * @param rawPath the path as received, still percent-encoded
   * @param host the {@code Host} header as received, or null
   * @param s3Domain {@code s3.domain} in lower case, or null when unset
   */
  public static String of(String rawPath, String host, String s3Domain) {
    if (s3Domain != null && host != null) {
      String fromHost = fromHost(host, s3Domain);
      if (fromHost != null) {
        return valid(fromHost);
      }
    }
    return fromPath(rawPath);
  }

  /** The bucket labels of a virtual-hosted host, or null when the host is not under the domain. */
  static String fromHost(String host, String s3Domain) {
    int end = host.length();
    if (end > 0 && host.charAt(0) == '[') {
      return null; // an IPv6 literal
    }
    int colon = host.lastIndexOf(':');
    if (colon >= 0) {
      end = colon;
    }
    if (end > 0 && host.charAt(end - 1) == '.') {
      end--;
    }
    int start = end - s3Domain.length();
    if (start < 2 || host.charAt(start - 1) != '.' || !host.regionMatches(true, start, s3Domain, 0, s3Domain.length())) {
      return null;
    }
    return lower(host.substring(0, start - 1));
  }

  static String fromPath(String rawPath) {
    int start = 0;
    int length = rawPath.length();
    while (start < length && rawPath.charAt(start) == '/') {
      start++;
    }
    int end = start;
    boolean escaped = false;
    while (end < length) {
      char c = rawPath.charAt(end);
      if (c == '/' || c == '?' || c == ';') {
        break;
      }
      escaped |= c == '%';
      end++;
    }
    if (end == start) {
      return null;
    }
    String segment = rawPath.substring(start, end);
    if (escaped) {
      segment = decode(segment);
      int slash = segment.indexOf('/');
      if (slash == 0) {
        return null;
      }
      if (slash > 0) {
        segment = segment.substring(0, slash);
      }
    }
    return valid(lower(segment));
  }

  /** {@code name} when a bucket can have it, else null. */
  private static String valid(String name) {
    if (name.isEmpty() || name.length() > MAX_LENGTH) {
      return null;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
        return null;
      }
    }
    return name;
  }

  /** ASCII lower case; the same instance when there is nothing to change. */
  private static String lower(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        char[] chars = s.toCharArray();
        for (int j = i; j < chars.length; j++) {
          if (chars[j] >= 'A' && chars[j] <= 'Z') {
            chars[j] = (char) (chars[j] + ('a' - 'A'));
          }
        }
        return new String(chars);
      }
    }
    return s;
  }

  /**
   * Percent-decodes ASCII escapes ({@code %41}); a malformed escape or one above 0x7F is kept as
   * {@code %} (no valid bucket name has either, so such a name ends up as no bucket).
   */
  private static String decode(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        int high = Character.digit(s.charAt(i + 1), 16);
        int low = Character.digit(s.charAt(i + 2), 16);
        if (high >= 0 && low >= 0 && high < 8) {
          out.append((char) (high * 16 + low));
          i += 2;
          continue;
        }
      }
      out.append(c);
    }
    return out.toString();
  }
}
