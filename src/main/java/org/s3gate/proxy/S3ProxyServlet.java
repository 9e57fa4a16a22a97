package org.s3gate.proxy;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Instant;
import java.util.Enumeration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.RoundRobinConnectionPool;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.Jetty;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.s3gate.Gateway;
import org.s3gate.http.Exchange;
import org.s3gate.http.S3ErrorResponse;
import org.s3gate.metrics.GatewayMetrics;

/**
 * Forwards S3 requests to the backends, unchanged: method, raw path and raw query byte for byte
 * (S3 keys are opaque: {@code //}, {@code /./}, {@code ..}, {@code %2F} are never normalized), the
 * Host header as the client sent it, and bodies streamed both ways with back-pressure, so SigV2 /
 * SigV4 signatures, presigned URLs and aws-chunked uploads still verify at the backend.
 *
 * <p>Differences from Jetty's {@code AsyncProxyServlet.Transparent}, each for S3:
 * <ul>
 *   <li>no {@code URI.normalize()} of the target, and the proxy request is built from host, port
 *       and the raw path rather than a parsed {@code java.net.URI};
 *   <li>{@code X-Forwarded-For} and friends from the client are replaced with the real client
 *       address unless the client is a trusted proxy (a client cannot pose as another address);
 *   <li>a client body that ends before its Content-Length is answered 400 IncompleteBody, as S3
 *       does, not taken for a backend failure;
 *   <li>every upstream failure becomes one S3 XML error ({@link #sendProxyResponseError}), and a
 *       refused connect marks the backend down at once (passive health); a request without a body
 *       whose connect failed (or, if idempotent, whose pooled connection broke) is sent to the next
 *       healthy backend instead (HAProxy's {@code option redispatch});
 *   <li>nothing is added to or dropped from the headers a client signed: no {@code Content-Type}
 *       for a body without one (Jetty would add {@code application/octet-stream}), and
 *       {@code Expect} and {@code Content-Length: 0} of a request without a body are kept (Jetty
 *       would drop them);
 *   <li>a backend's copies of the security headers the gateway sets are dropped, so clients get one;
 *   <li>on a container without a Jetty executor (Tomcat) it brings its own thread pool.
 * </ul>
 *
 * <p>Thread-safe: servlet state is set in {@link #init()} and then only read.
 */
public final class S3ProxyServlet extends AsyncProxyServlet {
  /** Context attribute holding the {@link BackendPool}. */
  public static final String BACKEND_POOL_ATTRIBUTE = "org.s3gate.proxy.BackendPool";
  /** Context attribute holding a {@code Predicate<String>}: is this remote address a trusted proxy? */
  public static final String TRUSTED_PROXY_ATTRIBUTE = "org.s3gate.proxy.TrustedProxy";

  private static final System.Logger LOG = System.getLogger(S3ProxyServlet.class.getName());
  private static final String JETTY_EXECUTOR_ATTRIBUTE = "org.eclipse.jetty.server.Executor";
  private static final String BACKEND_ATTRIBUTE = S3ProxyServlet.class.getName() + ".backend";
  private static final String ATTEMPTS_ATTRIBUTE = S3ProxyServlet.class.getName() + ".attempts";
  private static final String CLIENT_BODY_FAILURE_ATTRIBUTE = S3ProxyServlet.class.getName() + ".clientBodyFailure";

  /**
   * Idle network buffers the proxy client keeps per buffer size. Jetty derives this from the
   * executor's thread count, but a client loaded from the WAR (Tomcat, or Jetty without the
   * s3gate-proxy module) does not recognise the container's thread pool, which comes from another
   * class loader, and falls back to 2 per size (2 x CPUs): with more than 2 responses in flight,
   * every response then allocated and zeroed a new 16 KiB direct buffer (13 % of the gateway's
   * CPU in a profile at 32 connections).
   */
  private static final int POOLED_BUFFERS_PER_SIZE = 256;

  private BackendPool pool;
  private Gateway gateway;
  private GatewayMetrics metrics;
  private Predicate<String> trustedProxy;
  private QueuedThreadPool ownExecutor;

  @Override
  @SuppressWarnings("unchecked")
  public void init() throws ServletException {
    pool = (BackendPool) getServletContext().getAttribute(BACKEND_POOL_ATTRIBUTE);
    if (pool == null) {
      throw new ServletException("no " + BACKEND_POOL_ATTRIBUTE + " in the servlet context: is GatewayLifecycle registered?");
    }
    gateway = Gateway.from(getServletContext());
    metrics = gateway.metrics();
    trustedProxy = (Predicate<String>) getServletContext().getAttribute(TRUSTED_PROXY_ATTRIBUTE);
    if (trustedProxy == null) {
      trustedProxy = address -> false;
    }
    if (getServletContext().getAttribute(JETTY_EXECUTOR_ATTRIBUTE) == null && getInitParameter("maxThreads") == null) {
      ownExecutor = new QueuedThreadPool(200, 8);
      ownExecutor.setName("s3gate-proxy");
      try {
        ownExecutor.start();
      } catch (Exception e) {
        throw new ServletException("cannot start the proxy thread pool", e);
      }
      getServletContext().setAttribute(JETTY_EXECUTOR_ATTRIBUTE, (Executor) ownExecutor);
    }
    super.init();
    boolean fromWar = HttpClient.class.getClassLoader() == getServletContext().getClassLoader();
    LOG.log(Level.INFO, "proxy client: Jetty HTTP client {0} from {1}", Jetty.VERSION,
        fromWar ? "the WAR" : "the server (shared with the container)");
  }

  @Override
  public void destroy() {
    super.destroy();
    if (ownExecutor != null) {
      getServletContext().removeAttribute(JETTY_EXECUTOR_ATTRIBUTE);
      try {
        ownExecutor.stop();
      } catch (Exception e) {
        LOG.log(Level.DEBUG, "stopping the proxy thread pool failed", e);
      }
    }
  }

  /**
   * HTTP/1.1 only (S3 backends speak nothing else; the dynamic transport's protocol negotiation is
   * overhead), with a round-robin connection pool: the default pool scans its connections from the
   * first one, which under load walks past every busy connection on each request (~6% of the
   * gateway's CPU in a profile at 32 concurrent requests).
   *
   * <p>Response listeners are declared non-blocking, so the client's selector thread runs them
   * itself instead of handing each response to another thread (a context switch per response,
   * ~6% of CPU). Invariant this relies on: nothing the proxy does on a backend response blocks.
   * Content is written to the client through the servlet's non-blocking output (AsyncProxyServlet
   * waits for {@code onWritePossible} instead), metrics and the access log never wait, and the
   * only blocking write, the S3 error body of a failed exchange, is a few hundred bytes into a
   * fresh response, which fit the socket's send buffer.
   */
  @Override
  protected HttpClient newHttpClient(ClientConnector clientConnector) {
    HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(clientConnector);
    transport.setConnectionPoolFactory(destination ->
        new RoundRobinConnectionPool(destination, destination.getHttpClient().getMaxConnectionsPerDestination()));
    transport.setInvocationType(InvocationType.NON_BLOCKING);
    HttpClient client = new HttpClient(transport);
    client.setByteBufferPool(new ArrayByteBufferPool(0, 2048, 65536, POOLED_BUFFERS_PER_SIZE));
    // A body without a type gets no Content-Type header (see UntypedRequestContent).
    client.setDefaultRequestContentType(null);
    return client;
  }

  @Override
  protected String rewriteTarget(HttpServletRequest request) {
    Backend backend = pool.next();
    if (backend == null) {
      return null;
    }
    request.setAttribute(BACKEND_ATTRIBUTE, backend);
    Exchange exchange = Exchange.of(request);
    if (exchange != null) {
      exchange.backend(backend);
    }
    String query = request.getQueryString();
    String rawPath = request.getRequestURI();
    return query == null ? backend.origin() + rawPath : backend.origin() + rawPath + '?' + query;
  }

  @Override
  protected void onProxyRewriteFailed(HttpServletRequest request, HttpServletResponse response) {
    sendServiceUnavailable(request, response, "no healthy backend");
  }

  @Override
  protected Request newProxyRequest(HttpServletRequest request, String rewrittenTarget) {
    Backend backend = (Backend) request.getAttribute(BACKEND_ATTRIBUTE);
    // Request.path() keeps a path it cannot parse as a URI verbatim, so nothing is re-encoded.
    return getHttpClient().newRequest(backend.host(), backend.port())
        .scheme(backend.scheme())
        .method(request.getMethod())
        .path(rewrittenTarget.substring(backend.origin().length()))
        .attribute(CLIENT_REQUEST_ATTRIBUTE, request);
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
    String remoteAddress = clientRequest.getRemoteAddr();
    boolean trusted = trustedProxy.test(remoteAddress);
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

  @Override
  protected void onProxyResponseFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
      Response serverResponse, Throwable failure) {
    Throwable clientFailure = (Throwable) clientRequest.getAttribute(CLIENT_BODY_FAILURE_ATTRIBUTE);
    if (clientFailure != null && !isTimeout(clientFailure) && !proxyResponse.isCommitted()) {
      sendIncompleteBody(clientRequest, proxyResponse);
      return;
    }
    Backend backend = (Backend) clientRequest.getAttribute(BACKEND_ATTRIBUTE);
    // Jetty passes a Response even when none arrived; its status is 0 then.
    boolean noResponse = serverResponse == null || serverResponse.getStatus() <= 0;
    if (noResponse && backend != null) {
      metrics.recordBackendFailure(backend);
      boolean connectFailed = isConnectFailure(failure);
      if (connectFailed && backend.markDown("connect failed: " + failure, Instant.now())) {
        LOG.log(Level.WARNING, "backend {0} is DOWN: connect failed: {1}", backend, failure.toString());
      }
      if ((connectFailed || isIdempotent(clientRequest.getMethod())) && redispatch(clientRequest, proxyResponse)) {
        return;
      }
    }
    super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
  }

  /**
   * Remembers that reading the client's body failed (it ended before its Content-Length, or its
   * chunked encoding broke), so that failure is answered as the client's and not taken for the
   * backend's: Jetty aborts the proxied request with it, which would otherwise become a 503
   * ServiceUnavailable that clients retry and a backend error in the metrics.
   */
  @Override
  protected ReadListener newReadListener(HttpServletRequest request, HttpServletResponse response, Request proxyRequest,
      AsyncRequestContent content) {
    return new StreamReader(request, response, proxyRequest, content) {
      @Override
      public void onError(Throwable failure) {
        request.setAttribute(CLIENT_BODY_FAILURE_ATTRIBUTE, failure);
        super.onError(failure);
      }
    };
  }

  /**
   * Sends a request that got no response to the next healthy backend, if it has no body (so
   * nothing of it was consumed), the response has not started, and fewer attempts than backends
   * were made. Called when the connect failed (nothing reached the backend) or, for idempotent
   * methods, when a pooled connection broke (a backend that is stopping). Returns false when it did not.
   */
  private boolean redispatch(HttpServletRequest clientRequest, HttpServletResponse proxyResponse) {
    Integer attempts = (Integer) clientRequest.getAttribute(ATTEMPTS_ATTRIBUTE);
    int attempt = attempts == null ? 1 : attempts;
    if (hasContent(clientRequest) || proxyResponse.isCommitted() || attempt >= pool.backends().size()) {
      return false;
    }
    String target = rewriteTarget(clientRequest);
    if (target == null) {
      return false;
    }
    clientRequest.setAttribute(ATTEMPTS_ATTRIBUTE, attempt + 1);
    Request proxyRequest = newProxyRequest(clientRequest, target);
    copyRequestHeaders(clientRequest, proxyRequest);
    addProxyHeaders(clientRequest, proxyRequest);
    proxyRequest.timeout(getTimeout(), TimeUnit.MILLISECONDS);
    sendProxyRequest(clientRequest, proxyResponse, proxyRequest);
    return true;
  }

  @Override
  protected void onServerResponseHeaders(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
      Response serverResponse) {
    Backend backend = (Backend) clientRequest.getAttribute(BACKEND_ATTRIBUTE);
    if (backend != null) {
      metrics.recordBackendResponse(backend, serverResponse.getStatus());
      backend.recordResponse(System.nanoTime());
    }
    super.onServerResponseHeaders(clientRequest, proxyResponse, serverResponse);
  }

  /** Drops a backend's copy of a security header the gateway sets itself (the filter already set it). */
  @Override
  protected String filterServerResponseHeader(HttpServletRequest clientRequest, Response serverResponse,
      String headerName, String headerValue) {
    return gateway.policy().settings().securityHeaders().replaces(headerName) ? null : headerValue;
  }

  /** Counts the body bytes sent to the client into the request's {@link Exchange}, looked up once. */
  @Override
  protected Response.Listener newProxyResponseListener(HttpServletRequest request, HttpServletResponse response) {
    Exchange exchange = Exchange.of(request);
    if (exchange == null) {
      return super.newProxyResponseListener(request, response);
    }
    return new ProxyResponseListener(request, response) {
      @Override
      public void onContent(Response proxyResponse, Content.Chunk chunk, Runnable demander) {
        exchange.addBytesOut(chunk.remaining());
        super.onContent(proxyResponse, chunk, demander);
      }
    };
  }

  private static boolean isIdempotent(String method) {
    return "GET".equals(method) || "HEAD".equals(method) || "DELETE".equals(method) || "OPTIONS".equals(method);
  }

  /** A client that stopped sending keeps the existing answer for timeouts (408, see sendProxyResponseError). */
  private static boolean isTimeout(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static boolean isConnectFailure(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof ConnectException || cause instanceof NoRouteToHostException
          || cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The one place where upstream failures become client responses: a failure before the response
   * started is answered with an S3 XML error (503 ServiceUnavailable for anything upstream, which
   * every S3 client retries); after that the connection is aborted, as the body is already partly sent.
   */
  @Override
  protected void sendProxyResponseError(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, int status) {
    if (proxyResponse.isCommitted() || (status < 500 && status != 408)) {
      super.sendProxyResponseError(clientRequest, proxyResponse, status);
      return;
    }
    Backend backend = (Backend) clientRequest.getAttribute(BACKEND_ATTRIBUTE);
    String reason = status == 408 ? "client request timed out" : "backend " + backend + " failed";
    sendServiceUnavailable(clientRequest, proxyResponse, reason);
  }

  /** 400 IncompleteBody, as S3 and MinIO answer a body shorter than its Content-Length; the connection closes. */
  private static void sendIncompleteBody(HttpServletRequest request, HttpServletResponse response) {
    try {
      response.setHeader(HttpHeader.CONNECTION.asString(), "close");
      S3ErrorResponse.send(response, HttpServletResponse.SC_BAD_REQUEST, "IncompleteBody",
          "You did not provide the number of bytes specified by the Content-Length HTTP header.",
          request.getRequestURI(), null);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.DEBUG, "could not send the 400 error", e);
    } finally {
      if (request.isAsyncStarted()) {
        request.getAsyncContext().complete();
      }
    }
  }

  private void sendServiceUnavailable(HttpServletRequest request, HttpServletResponse response, String reason) {
    try {
      response.setHeader(HttpHeader.CONNECTION.asString(), "close");
      response.setHeader(HttpHeader.RETRY_AFTER.asString(), "1");
      S3ErrorResponse.send(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "ServiceUnavailable",
          "The gateway has no backend able to serve this request (" + reason + ").", request.getRequestURI(), null);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.DEBUG, "could not send the 503 error", e);
    } finally {
      if (request.isAsyncStarted()) {
        request.getAsyncContext().complete();
      }
    }
  }
}
