package org.s3gate.proxy;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Jetty;
import org.s3gate.backend.Backend;
import org.s3gate.backend.BackendPool;
import org.s3gate.http.Exchange;
import org.s3gate.metrics.GatewayMetrics;
import org.s3gate.policy.GatewaySettings;
import org.s3gate.policy.PolicySnapshot;
import org.s3gate.runtime.Gateway;

/**
 * Forwards S3 requests to the backends, unchanged: method, raw path and raw query byte for byte
 * (S3 keys are opaque: {@code //}, {@code /./}, {@code ..}, {@code %2F} are never normalized), the
 * Host header as the client sent it, and bodies streamed both ways with back-pressure, so SigV2 /
 * SigV4 signatures, presigned URLs and aws-chunked uploads still verify at the backend (what
 * Jetty's proxy would change is {@link ForwardingProxyServlet}'s part).
 *
 * <p>Here, for S3:
 * <ul>
 *   <li>no {@code URI.normalize()} of the target, and the proxy request is built from host, port
 *       and the raw path rather than a parsed {@code java.net.URI};
 *   <li>the backend is chosen round-robin among the healthy ones ({@link BackendPool}); every
 *       upstream failure becomes one S3 XML error ({@link #sendProxyResponseError}), and a refused
 *       connect marks the backend down at once (passive health); a request without a body whose
 *       connect failed (or, if idempotent, whose pooled connection broke) is sent to the next
 *       healthy backend instead (HAProxy's {@code option redispatch});
 *   <li>a failure of the client (a body shorter than its Content-Length, broken chunked framing, a
 *       head too large, a body below {@code request.min_rate}) is answered as S3 would, never taken
 *       for a backend failure ({@link ProxyErrors});
 *   <li>transfers slower than {@code request.min_rate} / {@code response.min_rate} are given up
 *       ({@link SlowTransfers}), so no client holds a backend connection for ever;
 *   <li>on a container without a Jetty executor (Tomcat) it brings its own thread pool ({@link OwnExecutor}).
 * </ul>
 * Settings are read from the request's {@link Exchange}: the snapshot the filter decided the
 * request with, never a later one.
 *
 * <p>Thread-safe: servlet state is set in {@link #init()} and then only read.
 */
public final class S3ProxyServlet extends ForwardingProxyServlet {
  private static final System.Logger LOG = System.getLogger(S3ProxyServlet.class.getName());
  private static final String BACKEND_ATTRIBUTE = S3ProxyServlet.class.getName() + ".backend";
  private static final String ATTEMPTS_ATTRIBUTE = S3ProxyServlet.class.getName() + ".attempts";

  private Gateway gateway;
  private BackendPool pool;
  private GatewayMetrics metrics;
  private OwnExecutor ownExecutor;
  private SlowTransfers slowTransfers;
  private JettyRequestBodies jettyBodies;

  @Override
  public void init() throws ServletException {
    gateway = Gateway.from(getServletContext());
    pool = gateway.backends();
    metrics = gateway.metrics();
    if (getInitParameter("maxThreads") == null) {
      ownExecutor = OwnExecutor.startUnlessProvided(getServletContext());
    }
    super.init();
    slowTransfers = new SlowTransfers();
    jettyBodies = JettyRequestBodies.probe(getServletContext());
    getHttpClient().setMaxConnectionsPerDestination(gateway.policy().settings().backendMaxConnections());
    boolean fromWar = HttpClient.class.getClassLoader() == getServletContext().getClassLoader();
    LOG.log(Level.INFO, "proxy client: Jetty HTTP client {0} from {1}", Jetty.VERSION,
        fromWar ? "the WAR" : "the server (shared with the container)");
  }

  @Override
  public void destroy() {
    super.destroy();
    if (slowTransfers != null) {
      slowTransfers.close();
    }
    if (ownExecutor != null) {
      ownExecutor.stop();
    }
  }

  @Override
  PolicySnapshot currentPolicy() {
    return gateway.policy();
  }

  /**
   * The backend chosen for the request: its exchange carries it (the filter runs before this
   * servlet on every request); a request attribute only for one without an exchange.
   */
  private static Backend backendOf(HttpServletRequest request, Exchange exchange) {
    return exchange != null ? exchange.backend() : (Backend) request.getAttribute(BACKEND_ATTRIBUTE);
  }

  @Override
  protected String rewriteTarget(HttpServletRequest request) {
    Backend backend = pool.next();
    if (backend == null) {
      return null;
    }
    Exchange exchange = Exchange.of(request);
    if (exchange != null) {
      exchange.backend(backend);
    } else {
      request.setAttribute(BACKEND_ATTRIBUTE, backend);
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
    Backend backend = backendOf(request, Exchange.of(request));
    // Request.path() keeps a path it cannot parse as a URI verbatim, so nothing is re-encoded.
    return getHttpClient().newRequest(backend.requestBase())
        .scheme(backend.scheme())
        .method(request.getMethod())
        .path(rewrittenTarget.substring(backend.origin().length()))
        .attribute(CLIENT_REQUEST_ATTRIBUTE, request);
  }

  @Override
  protected void onProxyResponseFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
      Response serverResponse, Throwable failure) {
    Throwable clientFailure = ClientUpload.failureOf(clientRequest);
    if (ProxyErrors.answeredAsClientFault(clientRequest, proxyResponse, clientFailure, failure)) {
      return;
    }
    Backend backend = backendOf(clientRequest, Exchange.of(clientRequest));
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
   * On Jetty, the client's body goes on as Jetty's own chunks, without a copy
   * ({@link DirectRequestContent}); elsewhere (Tomcat), and for a request whose body the filter
   * replays, through the servlet API ({@link #newReadListener}). Both record it alike ({@link ClientUpload}).
   */
  @Override
  protected Request.Content proxyRequestContent(HttpServletRequest request, HttpServletResponse response,
      Request proxyRequest) throws IOException {
    Content.Source body = jettyBodies == null ? null : jettyBodies.sourceOf(request);
    if (body == null) {
      return super.proxyRequestContent(request, response, proxyRequest);
    }
    request.getInputStream(); // the servlet API's moment to send 100 Continue to a client that waits for it
    return new DirectRequestContent(body, newUpload(request, proxyRequest));
  }

  /**
   * The servlet path of the client's body: counted, watched and its failure recorded by
   * {@link ClientUpload}, as on the direct path.
   */
  @Override
  protected ReadListener newReadListener(HttpServletRequest request, HttpServletResponse response, Request proxyRequest,
      AsyncRequestContent content) {
    ClientUpload upload = newUpload(request, proxyRequest);
    return new StreamReader(request, response, proxyRequest, content) {
      @Override
      protected void onRequestContent(HttpServletRequest request, Request proxyRequest, AsyncRequestContent content,
          byte[] buffer, int offset, int length, Callback callback) {
        upload.received(length);
        super.onRequestContent(request, proxyRequest, content, buffer, offset, length, callback);
      }

      @Override
      public void onAllDataRead() {
        upload.ended();
        super.onAllDataRead();
      }

      @Override
      public void onError(Throwable failure) {
        upload.failed(failure);
        super.onError(failure);
      }
    };
  }

  /**
   * Starts recording the client's body: counted into its {@link Exchange}, given up by
   * {@link SlowTransfers} below {@code request.min_rate} (the proxied request is aborted with a 408
   * that {@link ProxyErrors} answers as the client's), and its failure remembered, so a body that
   * ended before its Content-Length, broke its chunked framing or came too slowly is answered as
   * the client's and not taken for the backend's: Jetty aborts the proxied request with it, which
   * would otherwise become a 503 ServiceUnavailable that clients retry and a backend error in the metrics.
   */
  private ClientUpload newUpload(HttpServletRequest request, Request proxyRequest) {
    Exchange exchange = Exchange.of(request);
    GatewaySettings settings = policyOf(exchange).settings();
    Object watch = exchange == null ? null : slowTransfers.watch(exchange::bytesIn, reason -> proxyRequest.abort(
        new BadMessageException(HttpServletResponse.SC_REQUEST_TIMEOUT, "the client sends its body too slowly: "
            + reason)), "request.min_rate", settings.requestMinRate(), settings.minRateWindow().toNanos());
    return new ClientUpload(request, exchange == null ? bytes -> { } : exchange::addBytesIn, slowTransfers, watch);
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

  /** Records the backend's answer (metrics, passive health), then copies its headers. */
  @Override
  protected void onServerResponseHeaders(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
      Response serverResponse) {
    Exchange exchange = Exchange.of(clientRequest);
    Backend backend = backendOf(clientRequest, exchange);
    if (backend != null) {
      metrics.recordBackendResponse(backend, serverResponse.getStatus());
      backend.recordResponse(System.nanoTime());
    }
    if (exchange != null) {
      exchange.backendAnswered(serverResponse.getStatus(), System.nanoTime());
    }
    copyResponseHeaders(proxyResponse, serverResponse, policyOf(exchange));
  }

  /**
   * Counts the body bytes sent to the client into the request's {@link Exchange} (looked up once),
   * charges a download to its caller's bandwidth as its response starts ({@link Exchange#responseStarted}), and has {@link SlowTransfers} give the response up when the client takes it slower than
   * {@code response.min_rate}. The body goes to the client by {@link DirectBodyWriter} on Jetty.
   */
  @Override
  protected Response.Listener newProxyResponseListener(HttpServletRequest request, HttpServletResponse response) {
    Exchange exchange = Exchange.of(request);
    if (exchange == null) {
      return super.newProxyResponseListener(request, response);
    }
    GatewaySettings settings = exchange.policy().settings();
    return new ProxyResponseListener(request, response) {
      private Object watch;
      private CredentialRefusal refusal;
      private DirectBodyWriter body;

      @Override
      public void onHeaders(Response proxyResponse) {
        refusal = CredentialRefusal.watch(proxyResponse.getStatus(),
            proxyResponse.getHeaders().get(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE));
        super.onHeaders(proxyResponse);
        long contentLength = proxyResponse.getHeaders().getLongField(org.eclipse.jetty.http.HttpHeader.CONTENT_LENGTH);
        body = directBodyWriter(response, contentLength);
        exchange.responseStarted(contentLength);
        watch = slowTransfers.watch(exchange::bytesOut, reason -> proxyResponse.abort(new TimeoutException(
            "the client takes the response too slowly: " + reason)), "response.min_rate", settings.responseMinRate(),
            settings.minRateWindow().toNanos());
      }

      @Override
      public void onContent(Response proxyResponse, Content.Chunk chunk, Runnable demander) {
        exchange.addBytesOut(chunk.remaining());
        if (refusal != null) {
          refusal.copy(chunk.getByteBuffer());
        }
        if (body != null) {
          body.write(proxyResponse, chunk, demander);
        } else {
          super.onContent(proxyResponse, chunk, demander);
        }
      }

      @Override
      public void onComplete(Result result) {
        slowTransfers.done(watch);
        if (refusal != null && refusal.refused()) {
          exchange.credentialsRefused(System.nanoTime());
        }
        super.onComplete(result);
      }
    };
  }

  /**
   * The one place where upstream failures become client responses: a failure before the response
   * started is answered with an S3 XML error (503 ServiceUnavailable for anything upstream, which
   * every S3 client retries); after that the connection is aborted, as the body is already partly
   * sent (a client that reset the connection mid-download ends here too), and the request is
   * reported first ({@link Exchange#aborted}), as that abort calls no async listener.
   */
  @Override
  protected void sendProxyResponseError(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, int status) {
    if (proxyResponse.isCommitted()) {
      // Jetty aborts a committed response with sendError(-1), which completes the request without
      // calling its AsyncListeners (and AsyncContext.complete() is then skipped): report it first
      Exchange exchange = Exchange.of(clientRequest);
      if (exchange != null) {
        exchange.aborted(clientRequest, proxyResponse);
      }
      super.sendProxyResponseError(clientRequest, proxyResponse, status);
      return;
    }
    if (status < 500 && status != 408) {
      super.sendProxyResponseError(clientRequest, proxyResponse, status);
      return;
    }
    Backend backend = backendOf(clientRequest, Exchange.of(clientRequest));
    String reason = status == 408 ? "client request timed out" : "backend " + backend + " failed";
    ProxyErrors.sendServiceUnavailable(clientRequest, proxyResponse, reason);
  }
}
