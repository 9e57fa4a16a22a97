package org.s3gate.admit;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses, before anything is identified or counted, the requests whose limiting could differ from
 * what the backend sees, and the requests S3 has no use for:
 * <ul>
 *   <li>a method other than the S3 methods as written (GET, HEAD, PUT, POST, DELETE, OPTIONS):
 *       405. Jetty's client sends a lower-case {@code put} upstream as {@code PUT}, so a
 *       {@code limit.methods=PUT} decided on the method as received would let it pass unlimited;
 *       {@code CONNECT} would go out as {@code CONNECT /}, {@code TRACE} would echo headers;
 *   <li>a {@code Connection} header naming an end-to-end header that the backend authenticates or
 *       admission reads ({@code Authorization}, {@code Host}, {@code Expect}, {@code Content-*},
 *       {@code X-Amz-*}, {@code X-API-Key}, {@code X-Access-Key-Id}): 400. The proxy drops every
 *       header the Connection header names (RFC 9110 7.6.1), so admission would count a key the
 *       backend never sees (a fake {@code Authorization} plus {@code Connection: Authorization} on
 *       a presigned URL of another key);
 *   <li>more than one {@code Authorization} header: 400 (a backend may read the last one).
 * </ul>
 *
 * <p>Immutable (static functions only); thread-safe. Allocates only when it refuses, and the
 * header enumeration of {@code Authorization} and {@code Connection}.
 */
final class RequestScreen {

  /** A refused request's answer: status, S3 error code and message. */
  record Rejection(int status, String errorCode, String message) {}

  private static final Set<String> S3_METHODS = Set.of("GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS");
  private static final Set<String> PROTECTED_NAMES =
      Set.of("authorization", "host", "expect", "x-api-key", "x-access-key-id");
  private static final List<String> PROTECTED_PREFIXES = List.of("content-", "x-amz-");

  private RequestScreen() {}

  /** Null when the request may go on to identification and limiting, else why it is refused. */
  static Rejection check(RequestFacts request) {
    String method = request.method();
    if (!S3_METHODS.contains(method)) {
      return new Rejection(405, "MethodNotAllowed", "The method " + printable(method)
          + " is not allowed: S3 requests use GET, HEAD, PUT, POST, DELETE or OPTIONS, in upper case.");
    }
    if (request.headerValues("Authorization").size() > 1) {
      return new Rejection(400, "InvalidRequest", "The request has more than one Authorization header.");
    }
    for (String connection : request.headerValues("Connection")) {
      for (String token : connection.split(",")) {
        String name = token.strip().toLowerCase(Locale.ROOT);
        if (PROTECTED_NAMES.contains(name) || PROTECTED_PREFIXES.stream().anyMatch(name::startsWith)) {
          return new Rejection(400, "InvalidRequest", "The Connection header names " + printable(token.strip())
              + ", a header the request is signed or limited by; a proxy would drop it.");
        }
      }
    }
    return null;
  }

  /** At most 64 printable ASCII characters of {@code text}, others as '?', for an error message. */
  private static String printable(String text) {
    StringBuilder out = new StringBuilder("'");
    for (int i = 0; i < text.length() && i < 64; i++) {
      char c = text.charAt(i);
      out.append(c > 0x20 && c < 0x7F ? c : '?');
    }
    return out.append(text.length() > 64 ? "...'" : "'").toString();
  }
}
