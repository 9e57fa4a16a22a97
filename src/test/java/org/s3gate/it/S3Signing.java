package org.s3gate.it;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * SigV2 and SigV4 signing written out by hand, for requests no SDK would build: a signature over
 * an empty {@code Content-Type}, over {@code Expect} or {@code Content-Length: 0}, a
 * {@code Content-Length} that lies, aws-chunked bodies with chunk signatures, browser POST forms.
 * The algorithms are AWS's documented ones ("Signing and authenticating REST requests" for V2,
 * "Signature Version 4 signing process" and "Signature calculations for the Authorization header:
 * transferring payload in multiple chunks" for V4, "Browser-based uploads using POST" for
 * policies), checked against s3proxy, which verifies them (signature checking on).
 *
 * <p>Thread-safe: static functions only.
 */
final class S3Signing {
  static final String REGION = "us-east-1";
  static final String EMPTY_SHA256 = sha256Hex(new byte[0]);
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter RFC_1123 = DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.US)
      .withZone(ZoneOffset.UTC);

  private S3Signing() {}

  static String amzDate(Instant now) {
    return AMZ_DATE.format(now);
  }

  static String httpDate(Instant now) {
    return RFC_1123.format(now);
  }

  static String scope(Instant now) {
    return amzDate(now).substring(0, 8) + "/" + REGION + "/s3/aws4_request";
  }

  /**
   * The V2 string to sign: method, Content-MD5, Content-Type, Date (or Expires), the x-amz-*
   * headers (lower-case, sorted, trimmed), then the resource (bucket and key as sent, plus the
   * sub-resource query parameters S3 signs).
   */
  static String v2StringToSign(String method, String contentMd5, String contentType, String dateOrExpires,
      Map<String, String> amzHeaders, String resource) {
    StringBuilder text = new StringBuilder();
    text.append(method).append('\n').append(contentMd5 == null ? "" : contentMd5.trim()).append('\n')
        .append(contentType == null ? "" : contentType.trim()).append('\n').append(dateOrExpires).append('\n');
    TreeMap<String, String> sorted = new TreeMap<>();
    amzHeaders.forEach((name, value) ->
        sorted.merge(name.toLowerCase(Locale.ROOT), value.trim(), (a, b) -> a + "," + b));
    sorted.forEach((name, value) -> text.append(name).append(':').append(value).append('\n'));
    return text.append(resource).toString();
  }

  static String v2Signature(String secretKey, String stringToSign) {
    return Base64.getEncoder().encodeToString(hmac("HmacSHA1", secretKey.getBytes(StandardCharsets.UTF_8),
        stringToSign.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The V4 signature of a request (the seed signature of an aws-chunked one): {@code signedHeaders}
   * are (name, value) pairs in any order and must include host and x-amz-date; {@code canonicalUri}
   * is the path as sent (S3 does not encode it again); {@code query} is the raw query or empty.
   */
  static String v4Signature(String secretKey, Instant now, String method, String canonicalUri, String query,
      List<Map.Entry<String, String>> signedHeaders, String payloadHash) {
    TreeMap<String, String> canonical = new TreeMap<>();
    for (Map.Entry<String, String> header : signedHeaders) {
      canonical.merge(header.getKey().toLowerCase(Locale.ROOT), header.getValue().trim().replaceAll(" +", " "),
          (a, b) -> a + "," + b);
    }
    StringBuilder headerText = new StringBuilder();
    canonical.forEach((name, value) -> headerText.append(name).append(':').append(value).append('\n'));
    String canonicalRequest = method + "\n" + canonicalUri + "\n" + canonicalQuery(query) + "\n" + headerText
        + "\n" + String.join(";", canonical.keySet()) + "\n" + payloadHash;
    return hex(hmac("HmacSHA256", signingKey(secretKey, now), v4StringToSign(now, sha256Hex(canonicalRequest))));
  }

  /** The signature of one aws-chunked chunk, chained from the previous one (the first from the seed). */
  static String v4ChunkSignature(String secretKey, Instant now, String previousSignature, byte[] chunk) {
    String stringToSign = "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate(now) + "\n" + scope(now) + "\n" + previousSignature
        + "\n" + EMPTY_SHA256 + "\n" + sha256Hex(chunk);
    return hex(hmac("HmacSHA256", signingKey(secretKey, now), stringToSign.getBytes(StandardCharsets.UTF_8)));
  }

  /** A POST policy's V4 signature: hex HMAC-SHA256 of the base64 policy with the signing key. */
  static String v4PolicySignature(String secretKey, Instant now, String base64Policy) {
    return hex(hmac("HmacSHA256", signingKey(secretKey, now), base64Policy.getBytes(StandardCharsets.UTF_8)));
  }

  static String signedHeaderNames(List<Map.Entry<String, String>> signedHeaders) {
    return String.join(";", new TreeMap<>(signedHeaders.stream().collect(java.util.stream.Collectors.toMap(
        header -> header.getKey().toLowerCase(Locale.ROOT), Map.Entry::getValue, (a, b) -> a))).keySet());
  }

  static String sha256Hex(String text) {
    return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
  }

  static String sha256Hex(byte[] bytes) {
    return hex(digest("SHA-256", bytes));
  }

  static String md5Base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(digest("MD5", bytes));
  }

  /** Percent-encodes as SigV4 wants: everything but unreserved characters, space as %20. */
  static String uriEncode(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
          || c == '.' || c == '~') {
        out.append((char) c);
      } else {
        out.append('%').append(String.format("%02X", c));
      }
    }
    return out.toString();
  }

  private static String canonicalQuery(String query) {
    if (query == null || query.isEmpty()) {
      return "";
    }
    List<String> pairs = new ArrayList<>();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      pairs.add(uriEncode(decode(name)) + "=" + uriEncode(decode(value)));
    }
    pairs.sort(null);
    return String.join("&", pairs);
  }

  private static String decode(String text) {
    return java.net.URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static byte[] v4StringToSign(Instant now, String canonicalRequestHash) {
    return ("AWS4-HMAC-SHA256\n" + amzDate(now) + "\n" + scope(now) + "\n" + canonicalRequestHash)
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] signingKey(String secretKey, Instant now) {
    byte[] date = hmac("HmacSHA256", ("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8),
        amzDate(now).substring(0, 8).getBytes(StandardCharsets.UTF_8));
    byte[] region = hmac("HmacSHA256", date, REGION.getBytes(StandardCharsets.UTF_8));
    byte[] service = hmac("HmacSHA256", region, "s3".getBytes(StandardCharsets.UTF_8));
    return hmac("HmacSHA256", service, "aws4_request".getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] hmac(String algorithm, byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(key, algorithm));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(algorithm, e);
    }
  }

  private static byte[] digest(String algorithm, byte[] bytes) {
    try {
      return MessageDigest.getInstance(algorithm).digest(bytes);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(algorithm, e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
