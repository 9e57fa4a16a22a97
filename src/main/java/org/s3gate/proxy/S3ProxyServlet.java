package org.s3gate.proxy;

import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Jetty;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.s3gate.backend.Backend;
import org.s3gate.backend.BackendPool;
import org.s3gate.http.Exchange;
import org.s3gate.metrics.GatewayMetrics;
import org.s3gate.policy.PolicySnapshot;
import org.s3gate.policy.SecurityHeaderSettings;
import org.s3gate.runtime.Gateway;

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
 *       address unless the client is a trusted proxy ({@link ForwardedHeaders});
 *   <li>nothing is added to or dropped from the headers a client signed: no {@code Content-Type}
 *       for a body without one ({@link UntypedRequestContent}), and {@code Expect} and
 *       {@code Content-Length: 0} of a request without a body are kept
 *       ({@link BodilessRequestHeaders});
 *   <li>a client body that ends before its Content-Length is answered 400 IncompleteBody, as S3
 *       does, not taken for a backend failure ({@link ProxyErrors});
 *   <li>every upstream failure becomes one S3 XML error ({@link #sendProxyResponseError}), and a
 *       refused connect marks the backend down at once (passive health); a request without a body
 *       whose connect failed (or, if idempotent, whose pooled connection broke) is sent to the next
 *       healthy backend instead (HAProxy's {@code option redispatch});
 *   <li>a backend's copies of the security headers the gateway sets are dropped, so clients get one;
 *   <li>the client to the backends is tuned ({@link ProxyClients});
 *   <li>on a container without a Jetty executor (Tomcat) it brings its own thread pool.
 * </ul>
 * Settings are read from the request's {@link Exchange}: the snapshot the filter decided the
 * request with, never a later one.
 *
 * <p>Thread-safe: servlet state is set in {@link #init()} and then only read.
 */
public final class S3ProxyServlet extends AsyncProxyServlet {
  private static final System.Logger LOG = System.getLogger(S3ProxyServlet.class.getName());
  private static final String JETTY_EXECUTOR_ATTRIBUTE = "org.eclipse.jetty.server.Executor";
  private static final String BACKEND_ATTRIBUTE = S3ProxyServlet.class.getName() + ".backend";
  private static final String ATTEMPTS_ATTRIBUTE = S3ProxyServlet.class.getName() + ".attempts";
  private static final String CLIENT_BODY_FAILURE_ATTRIBUTE = S3ProxyServlet.class.getName() + ".clientBodyFailure";

  private Gateway gateway;
  private BackendPool pool;
  private GatewayMetrics metrics;
  private QueuedThreadPool ownExecutor;

  @Override
  public void init() throws ServletException {
    gateway = Gateway.from(getServletContext());
    pool = gateway.backends();
    metrics = gateway.metrics();
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
    getHttpClient().setMaxConnectionsPerDestination(gateway.policy().settings().backendMaxConnections());
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

  @Override
  protected HttpClient newHttpClient(ClientConnector clientConnector) {
    return ProxyClients.newClient(clientConnector);
  }

  /** The snapshot the request was decided with (the filter runs before this servlet on every request). */
  private PolicySnapshot policyOf(HttpServletRequest request) {
    Exchange exchange = Exchange.of(request);
    return exchange != null ? exchange.policy() : gateway.policy();
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
    ProxyErrors.sendServiceUnavailable(request, response, "no healthy backend");
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
    ForwardedHeaders.set(clientRequest, proxyRequest, policyOf(clientRequest).settings().trustedProxies());
  }

  @Override
  protected void onProxyResponseFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
      Response serverResponse, Throwable failure) {
    Throwable clientFailure = (Throwable) clientRequest.getAttribute(CLIENT_BODY_FAILURE_ATTRIBUTE);
    if (ProxyErrors.answeredAsClientFault(clientRequest, proxyResponse, clientFailure, failure)) {
      return;
    }
    Backend backend = (Backend) clientRequest.getAttribute(BACKEND_ATTRIBUTE);
    // Jetty passes a Response even when none arrived; its status is 0 then.
    boolean noResponse = serverResponse == null || serverResponse.getStatus() <= 0;
    if (noResponse && backend != null) {
      metrics.recordBackendFailure(backend);
      boolean connectFailed = ProxyErrors.isConnectFailure(failure);
      if (connectFailed && backend.markDown("connect failed: " + failure, Instant.now())) {
        LOG.log(Level.WARNING, "backend {0} is DOWN: connect failed: {1}", backend, failure.toString());
      }
      if ((connectFailed || ProxyErrors.isIdempotent(clientRequest.getMethod()))
          && redispatch(clientRequest, proxyResponse)) {
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

  /**
   * Copies the backend's response headers as Jetty's proxy does (hop-by-hop headers dropped),
   * minus the security headers the gateway set itself (the filter set them already), with the
   * request's snapshot looked up once per response rather than once per header.
   */
  @Override
  protected void onServerResponseHeaders(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
      Response serverResponse) {
    Backend backend = (Backend) clientRequest.getAttribute(BACKEND_ATTRIBUTE);
    if (backend != null) {
      metrics.recordBackendResponse(backend, serverResponse.getStatus());
      backend.recordResponse(System.nanoTime());
    }
    SecurityHeaderSettings security = policyOf(clientRequest).settings().securityHeaders();
    for (HttpField field : serverResponse.getHeaders()) {
      String name = field.getName();
      if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ENGLISH)) && !security.replaces(name)) {
        proxyResponse.addHeader(name, field.getValue());
      }
    }
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
    ProxyErrors.sendServiceUnavailable(clientRequest, proxyResponse, reason);
  }
}
