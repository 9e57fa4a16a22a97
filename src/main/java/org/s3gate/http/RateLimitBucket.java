package org.s3gate.http;

import java.nio.charset.StandardCharsets;

import org.s3gate.admit.Outcome;
import org.s3gate.limit.Decision;

/**
 * {@code inform.backend}: the {@code X-RateLimit-Bucket} request header that tells the backend how
 * the gateway saw the request, as the HAProxy policy's {@code http-request set-header} did:
 * {@code <client ip>,<ip request rate>,<access key>,<group>,<key requests in the last minute>},
 * e.g. {@code 10.1.2.3,42,5HQZO7EDOM4XBNO642GQ,premium,117}. The ip request rate is the client IP's
 * requests in its {@code ip.window} as admission counted them (0 where the per-IP table does not
 * count the request); the key's requests are those of its sliding minute, this one included. A
 * request that is never identified ({@code exempt.paths}) carries {@code -} for key and group.
 *
 * <p>The proxy ({@code proxy/BucketHeader}) always removes a client's own {@code X-RateLimit-Bucket},
 * with {@code inform.backend} on or off, so a backend that reads it can trust it came from the gateway. The header is not signed: an
 * S3 client never includes it in SigV4's SignedHeaders (it does not send it), and a SigV4 backend
 * checks only the headers the signature lists, so adding it cannot break a signature. (SigV2 signs
 * only {@code x-amz-*} headers besides a fixed few, so neither does it there.)
 *
 * <p>The access key is percent-encoded beyond letters, digits and {@code -._~+/=@} (a key read from
 * {@code X-API-Key} may hold a comma), so the header always splits into exactly five fields.
 *
 * <p>Immutable (static functions only).
 */
public final class RateLimitBucket {
  /** The header's name. */
  public static final String NAME = "X-RateLimit-Bucket";

  private RateLimitBucket() {}

  /** The header's value for a request decided with {@code outcome} (null: not decided), from {@code clientAddress}. */
  public static String value(Outcome outcome, String clientAddress) {
    String client = outcome != null && outcome.clientAddress() != null ? outcome.clientAddress() : clientAddress;
    boolean identified = outcome != null && outcome.caller() != null;
    Decision counts = outcome == null ? null : outcome.decision();
    StringBuilder out = new StringBuilder(96);
    out.append(client).append(',').append(ipRequestRate(outcome)).append(',');
    if (identified) {
      encodeKey(outcome.caller().accessKey(), out);
    } else {
      out.append('-');
    }
    out.append(',').append(identified ? outcome.group().group() : "-");
    out.append(',').append(counts == null ? 0 : counts.currentPerMinute());
    return out.toString();
  }

  /** The client IP's requests in its window as admission counted them; 0 where nothing counted it. */
  private static long ipRequestRate(Outcome outcome) {
    return outcome == null || outcome.clientIp() == null ? 0 : outcome.clientIp().requests();
  }

  private static void encodeKey(String key, StringBuilder out) {
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      boolean plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=' || c == '@';
      if (plain) {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
  }
}
