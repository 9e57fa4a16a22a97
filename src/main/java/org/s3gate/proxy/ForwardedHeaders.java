package org.s3gate.proxy;

import java.util.Enumeration;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.s3gate.policy.Cidr;

/**
 * The forwarding headers of a proxied request. A client that is not a trusted proxy
 * ({@code trusted.proxies}) cannot pose as another address: its {@code Forwarded},
 * {@code X-Forwarded-*} and {@code X-Real-IP} are removed, {@code X-Forwarded-Proto} is set to the
 * scheme it used, and {@code X-Forwarded-For} is its own address. A trusted proxy's
 * {@code X-Forwarded-For} chain is kept and its own address appended.
 *
 * <p>Immutable (static functions only).
 */
final class ForwardedHeaders {
  private ForwardedHeaders() {}

  static void set(HttpServletRequest clientRequest, Request proxyRequest, List<Cidr> trustedProxies) {
    String remoteAddress = clientRequest.getRemoteAddr();
    boolean trusted = Cidr.anyContains(trustedProxies, remoteAddress);
    String forwardedFor = trusted ? joined(clientRequest.getHeaders(HttpHeader.X_FORWARDED_FOR.asString())) : null;
    String scheme = clientRequest.getScheme();
    proxyRequest.headers(headers -> {
      if (!trusted) {
        headers.remove(HttpHeader.FORWARDED);
        headers.remove(HttpHeader.X_FORWARDED_HOST);
        headers.remove(HttpHeader.X_FORWARDED_PORT);
        headers.remove(HttpHeader.X_FORWARDED_PROTO);
        headers.remove(HttpHeader.X_FORWARDED_SERVER);
        headers.remove("X-Real-IP");
        headers.put(HttpHeader.X_FORWARDED_PROTO, scheme);
      }
      headers.put(HttpHeader.X_FORWARDED_FOR,
          forwardedFor == null || forwardedFor.isBlank() ? remoteAddress : forwardedFor + ", " + remoteAddress);
    });
  }

  private static String joined(Enumeration<String> values) {
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    StringBuilder chain = new StringBuilder(values.nextElement());
    while (values.hasMoreElements()) {
      chain.append(", ").append(values.nextElement());
    }
    return chain.toString();
  }
}
