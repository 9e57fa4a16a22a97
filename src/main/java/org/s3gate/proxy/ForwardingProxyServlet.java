package org.s3gate.proxy;

import java.util.EnumSet;
import java.util.Set;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ClientConnector;
import org.s3gate.http.Exchange;
import org.s3gate.http.RateLimitBucket;
import org.s3gate.policy.GatewaySettings;
import org.s3gate.policy.PolicySnapshot;
import org.s3gate.policy.SecurityHeaderSettings;

/**
 * The byte-exact half of the proxy: what Jetty's {@code AsyncProxyServlet} forwards is changed so
 * that a request reaches the backend, and a response the client, exactly as sent, because SigV2 and
 * SigV4 sign headers and S3 clients compare what they get:
 * <ul>
 *   <li>nothing is added to or dropped from the headers a client signed: no {@code Content-Type}
 *       for a body without one ({@link UntypedRequestContent}), and {@code Expect} and
 *       {@code Content-Length: 0} of a request without a body are kept
 *       ({@link BodilessRequestHeaders});
 *   <li>{@code X-Forwarded-For} and friends from the client are replaced with the real client
 *       address unless the client is a trusted proxy ({@link ForwardedHeaders});
 *   <li>response headers are copied as Jetty does (hop-by-hop ones dropped), minus a backend's
 *       copies of the security headers the gateway sets itself, so clients get one;
 *   <li>the client to the backends is tuned ({@link ProxyClients});
 *   <li>on Jetty, response bodies are written as the backend's chunks, without a copy ({@link ResponseBodies}).
 * </ul>
 * Which backend, and what to do when it fails, is {@link S3ProxyServlet}'s.
 *
 * <p>Thread-safe: stateless beyond Jetty's servlet state, set in {@code init} and then only read.
 */
abstract class ForwardingProxyServlet extends AsyncProxyServlet {
  /** Jetty's hop-by-hop names, as headers, and as names for fields without a header. */
  private static final Set<HttpHeader> HOP_FIELDS = EnumSet.noneOf(HttpHeader.class);
  private static final String[] HOP_NAMES = HOP_HEADERS.toArray(String[]::new);

  static {
    for (String name : HOP_NAMES) {
      HttpHeader header = HttpHeader.CACHE.get(name);
      if (header != null) {
        HOP_FIELDS.add(header);
      }
    }
  }

  private ResponseBodies responseBodies;

  @Override
  public void init() throws ServletException {
    super.init();
    responseBodies = ResponseBodies.forContainer();
  }

  /**
   * The writer of this response's body on Jetty, or null for the servlet path (Tomcat, or a small
   * body: {@link ResponseBodies#writerFor}); looked up once per response, when its headers arrive.
   */
  DirectBodyWriter directBodyWriter(HttpServletResponse response, long contentLength) {
    return responseBodies.writerFor(response, contentLength);
  }

  /** The snapshot in force, for a request that has no {@link Exchange} (the filter did not run for it). */
  abstract PolicySnapshot currentPolicy();

  /**
   * The snapshot the request was decided with, the only one read for it: its exchange's, or the
   * one in force when it has none. Callers look the exchange up once per method: each request
   * attribute look-up walks Jetty's attribute layers (~0.1 us; docs/BENCHMARKS.md).
   */
  final PolicySnapshot policyOf(Exchange exchange) {
    return exchange != null ? exchange.policy() : currentPolicy();
  }

  @Override
  protected HttpClient newHttpClient(ClientConnector clientConnector) {
    return ProxyClients.newClient(clientConnector);
  }

  /** Keeps what Jetty's client would drop from a request without a body ({@link BodilessRequestHeaders}). */
  @Override
  protected void copyRequestHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
    super.copyRequestHeaders(clientRequest, proxyRequest);
    if (!hasContent(clientRequest)) {
      BodilessRequestHeaders.keep(clientRequest, proxyRequest);
    }
  }

  /** The body goes on without a content type of its own (see {@link UntypedRequestContent}). */
  @Override
  protected void sendProxyRequest(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
      Request proxyRequest) {
    Request.Content body = proxyRequest.getBody();
    if (body != null && body.getContentType() != null) {
      proxyRequest.body(new UntypedRequestContent(body));
    }
    super.sendProxyRequest(clientRequest, proxyResponse, proxyRequest);
  }

  @Override
  protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
    addViaHeader(clientRequest, proxyRequest);
    Exchange exchange = Exchange.of(clientRequest);
    GatewaySettings settings = policyOf(exchange).settings();
    ForwardedHeaders.set(clientRequest, proxyRequest, settings.trustedProxies());
    BucketHeader.set(proxyRequest, !settings.enforcement().informBackend() ? null
        : exchange != null ? exchange.rateLimitBucket(clientRequest) : RateLimitBucket.value(null, clientRequest.getRemoteAddr()));
  }

  /**
   * Copies the backend's response headers as Jetty's proxy does (hop-by-hop headers dropped),
   * minus the security headers the gateway set itself (the filter set them already), with the
   * request's snapshot passed in, looked up once per response rather than once per header. The
   * subclass's {@code onServerResponseHeaders} calls it in place of Jetty's copy, with the
   * exchange it has already looked up.
   */
  final void copyResponseHeaders(HttpServletResponse proxyResponse, Response serverResponse, PolicySnapshot policy) {
    SecurityHeaderSettings security = policy.settings().securityHeaders();
    for (HttpField field : serverResponse.getHeaders()) {
      String name = field.getName();
      if (!hopByHop(field) && !security.replaces(name)) {
        proxyResponse.addHeader(name, field.getValue());
      }
    }
  }

  /**
   * Whether a backend's response field is one of Jetty's {@code HOP_HEADERS}, decided as Jetty's
   * {@code HOP_HEADERS.contains(name.toLowerCase())} does but without lower-casing (a new string
   * per header of every response): the client's parser gives every field whose name it knows,
   * in any case, its {@link HttpHeader}, and every hop-by-hop name is one; a field without one
   * (x-amz-*, ...) is compared by name, ignoring case.
   */
  static boolean hopByHop(HttpField field) {
    HttpHeader header = field.getHeader();
    if (header != null) {
      return HOP_FIELDS.contains(header);
    }
    String name = field.getName();
    for (String hop : HOP_NAMES) {
      if (hop.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }
}
