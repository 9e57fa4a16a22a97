package org.s3gate.proxy;

import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Keeps two headers of a request without a body that Jetty's HTTP client would drop, although a
 * SigV4 client may have signed them (a signed header that is missing at the backend fails the
 * signature: 403 SignatureDoesNotMatch where the backend would have answered the request):
 * <ul>
 *   <li>{@code Expect}: {@code HttpConnection.normalizeRequest} removes it from a request without
 *       content (RFC 9110 10.1.1);
 *   <li>{@code Content-Length: 0} of a method other than PUT and POST without a
 *       {@code Content-Type}: {@code HttpGenerator} frames such a request as having no content and
 *       writes no length (for PUT and POST, or with a Content-Type, it writes {@code Content-Length:
 *       0} itself).
 * </ul>
 * Each goes on as a field Jetty does not interpret (no {@link HttpHeader}), written as the client
 * sent it: the generator still frames no body, and nothing waits for a 100 Continue.
 *
 * <p>The reverse cannot be undone here: a PUT or POST with neither Content-Length nor body gets
 * {@code Content-Length: 0} from the generator (no signature covers it, but s3proxy answers such a
 * request 411 MissingContentLength directly). RequestHeadersIT pins all of this, so a Jetty upgrade
 * that changes the rules shows there.
 *
 * <p>Thread-safe: static functions only.
 */
final class BodilessRequestHeaders {
  private BodilessRequestHeaders() {}

  /** Call after the client's headers were copied to {@code proxyRequest}, for a request without content. */
  static void keep(HttpServletRequest clientRequest, Request proxyRequest) {
    String method = clientRequest.getMethod();
    boolean lengthDropped = clientRequest.getHeader(HttpHeader.CONTENT_LENGTH.asString()) != null
        && !"PUT".equalsIgnoreCase(method) && !"POST".equalsIgnoreCase(method)
        && clientRequest.getHeader(HttpHeader.CONTENT_TYPE.asString()) == null;
    boolean expectDropped = clientRequest.getHeader(HttpHeader.EXPECT.asString()) != null;
    if (lengthDropped || expectDropped) {
      proxyRequest.headers(headers -> {
        if (lengthDropped) {
          uninterpreted(headers, HttpHeader.CONTENT_LENGTH);
        }
        if (expectDropped) {
          uninterpreted(headers, HttpHeader.EXPECT);
        }
      });
    }
  }

  private static void uninterpreted(HttpFields.Mutable headers, HttpHeader header) {
    List<HttpField> fields = headers.getFields(header);
    headers.remove(header);
    fields.forEach(field -> headers.add(new HttpField(null, field.getName(), field.getValue())));
  }
}
