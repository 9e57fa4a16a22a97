package org.s3gate.bench;

import java.nio.file.Path;
import java.util.concurrent.Executor;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.s3gate.accesslog.AccessLog;
import org.s3gate.accesslog.AccessRecord;
import org.s3gate.admit.Admission;
import org.s3gate.admit.Outcome;
import org.s3gate.admit.RequestFacts;
import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.CounterTable;
import org.s3gate.limit.Decision;
import org.s3gate.policy.AccessLogFormat;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.PolicySnapshot;

/**
 * A reverse proxy with nothing of s3gate in it, for the end-to-end benchmark's reference rows
 * (bench/e2e.sh, rows {@code bare-servlet} and {@code bare-core}): what Jetty itself costs per
 * proxied request through its servlet API, which s3gate's WAR uses, and through its core API.
 * The difference bounds what moving s3gate's request path off the servlet API could save.
 *
 * <p>Both modes use the shipped jetty-base's server settings (48 threads, header cache off, no
 * Server or Date header, URI compliance UNSAFE) and let the proxy's HTTP client share the server's
 * thread pool, as s3gate does; the client is otherwise Jetty's default for each API.
 * <ul>
 *   <li>{@code servlet}: {@code AsyncProxyServlet.Transparent} in a servlet context;
 *   <li>{@code core}: {@code ProxyHandler.Reverse} as the server's only handler;
 *   <li>{@code core-limit}: the same, behind {@link LimitingHandler}, which does the admit path's
 *       per-request work of s3gate's filter with s3gate's classes (identify, policy lookup,
 *       count, the seven rate-limit headers, an access log line to a file). A projection of what
 *       a core request path would cost, not a gateway: it never denies, and has no metrics,
 *       admin endpoints, configuration reload or error bodies.
 *   <li>{@code core-nb}, {@code core-limit-nb}: {@code core} and {@code core-limit} with the handler
 *       declared non-blocking ({@code InvocationType.NON_BLOCKING}) and the client's transport too,
 *       so Jetty runs each request on the selector thread that read it and each backend response
 *       on the client's selector thread: no hand-off to a pool thread either way, the event-loop
 *       shape of HAProxy. Any servlet handler is blocking to Jetty (ServletContextHandler says so),
 *       so the WAR cannot have this; these rows measure what the hand-offs cost.
 * </ul>
 *
 * <p>Run with jetty-home's jars on the class path (bench/e2e.sh builds it):
 * {@code java -cp ... org.s3gate.bench.BareJettyProxy MODE PORT BACKEND_PORT [ACCESS_LOG]}. Serves
 * until killed.
 */
public final class BareJettyProxy {

  private BareJettyProxy() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length >= 3 ? args[0] : "";
    if (!(mode.equals("servlet") || mode.equals("core") || mode.equals("core-limit") || mode.equals("core-nb")
        || mode.equals("core-limit-nb"))) {
      System.err.println("usage: BareJettyProxy servlet|core|core-limit|core-nb|core-limit-nb PORT BACKEND_PORT [ACCESS_LOG]");
      System.exit(2);
    }
    int port = Integer.parseInt(args[1]);
    int backendPort = Integer.parseInt(args[2]);
    QueuedThreadPool pool = new QueuedThreadPool(48);
    Server server = new Server(pool);
    HttpConfiguration config = new HttpConfiguration();
    config.setHeaderCacheSize(0);
    config.setSendServerVersion(false);
    config.setSendDateHeader(false);
    config.setUriCompliance(UriCompliance.UNSAFE);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config));
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    if (mode.startsWith("core")) {
      boolean nonBlocking = mode.endsWith("-nb");
      ProxyHandler.Reverse proxy = nonBlocking ? new NonBlockingReverse(backendPort) : new ProxyHandler.Reverse(request ->
          HttpURI.build(request.getHttpURI()).scheme("http").host("127.0.0.1").port(backendPort));
      HttpClient client;
      if (nonBlocking) {
        HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP();
        transport.setInvocationType(InvocationType.NON_BLOCKING);
        client = new HttpClient(transport);
      } else {
        client = new HttpClient();
      }
      client.setExecutor(pool);
      proxy.setHttpClient(client);
      if (mode.startsWith("core-limit")) {
        Path accessLog = Path.of(args.length > 3 ? args[3] : "target/bare-access.log");
        server.setHandler(new LimitingHandler(proxy, new AccessLog(100_000, accessLog)));
      } else {
        server.setHandler(proxy);
      }
    } else {
      ServletContextHandler context = new ServletContextHandler("/");
      ServletHolder holder = new ServletHolder(AsyncProxyServlet.Transparent.class);
      holder.setInitParameter("proxyTo", "http://127.0.0.1:" + backendPort);
      holder.setInitParameter("preserveHost", "true");
      holder.setAsyncSupported(true);
      context.addServlet(holder, "/*");
      // what a deployed webapp sees, and what makes the proxy's client use the server's pool
      context.setAttribute("org.eclipse.jetty.server.Executor", (Executor) pool);
      server.setHandler(context);
    }
    server.start();
    System.out.println("BareJettyProxy " + mode + " listening on 127.0.0.1:" + port);
    server.join();
  }

  /**
   * The reverse proxy declared non-blocking: Jetty then runs it on the selector thread (nothing
   * it does waits: the backend exchange and both bodies are asynchronous). Thread-safe as Jetty's.
   */
  static final class NonBlockingReverse extends ProxyHandler.Reverse {
    NonBlockingReverse(int backendPort) {
      super(request -> HttpURI.build(request.getHttpURI()).scheme("http").host("127.0.0.1").port(backendPort));
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }
  }

  /**
   * What {@code RateLimitFilter} does for an admitted request, on Jetty's core API: keys
   * {@code AKIAHIGH000000000000} to {@code AKIAHIGH000000000999} (bench/s3-request.lua's admit keys)
   * in one unlimited group, every other key in the default group. Thread-safe: the table and the
   * access log are; the snapshot is immutable.
   */
  static final class LimitingHandler extends Handler.Wrapper {
    private static final int UNLIMITED = 1_000_000_000;
    private final PolicySnapshot snapshot;
    private final Admission admission = new Admission(new CounterTable(100_000));
    private final AccessLog accessLog;
    private final AccessLogFormat format = AccessLogFormat.parse("client=$client method=$method "
        + "path=$path status=$status bytes_in=$bytes_in bytes_out=$bytes_out "
        + "duration_ms=$duration_ms key=$key group=$group auth=$auth decision=$decision");

    LimitingHandler(Handler proxy, AccessLog accessLog) {
      super(proxy);
      this.accessLog = accessLog;
      String[] keys = new String[1000];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = String.format("AKIAHIGH%012d", i);
      }
      this.snapshot = BenchKeys.snapshot(keys, "open", UNLIMITED, UNLIMITED);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      long startNanos = System.nanoTime();
      HttpFields headers = request.getHeaders();
      Outcome outcome = admission.decide(new CoreRequestFacts(request), snapshot, startNanos);
      CallerIdentity caller = outcome.caller();
      GroupPolicy group = outcome.group();
      Decision decision = outcome.decision();
      HttpFields.Mutable out = response.getHeaders();
      out.put("X-RateLimit-Group", group.group());
      out.put("X-API-Key", caller.accessKey());
      out.put("X-Auth-Method", caller.authMethod().headerValue());
      out.put("X-RateLimit-Limit-Per-Minute", group.limitPerMinute());
      out.put("X-RateLimit-Limit-Per-Second", group.limitPerSecond());
      out.put("X-RateLimit-Current-Per-Minute", decision.currentPerMinute());
      out.put("X-RateLimit-Current-Per-Second", decision.currentPerSecond());
      Callback logged = new Callback.Nested(callback) {
        @Override
        public void succeeded() {
          admission.complete(outcome);
          accessLog.submit(new AccessRecord(format, System.currentTimeMillis(),
              Request.getRemoteAddr(request), request.getMethod(), request.getHttpURI().getPath(),
              request.getConnectionMetaData().getProtocol(), response.getStatus(),
              headers.getLongField(HttpHeader.CONTENT_LENGTH),
              Response.getContentBytesWritten(response), System.nanoTime() - startNanos,
              caller.accessKey(), group.group(), caller.authMethod().headerValue(), "admitted",
              null, null, null));
          super.succeeded();
        }

        @Override
        public void failed(Throwable failure) {
          admission.complete(outcome);
          super.failed(failure);
        }
      };
      return super.handle(request, response, logged);
    }
  }

  /** A Jetty core request as the admission core reads it. Not thread-safe; one per request. */
  private record CoreRequestFacts(Request request) implements RequestFacts {
    @Override
    public String method() {
      return request.getMethod();
    }

    @Override
    public String rawPath() {
      return request.getHttpURI().getPath();
    }

    @Override
    public String rawQuery() {
      return request.getHttpURI().getQuery();
    }

    @Override
    public String header(String name) {
      return request.getHeaders().get(name);
    }

    @Override
    public String remoteAddress() {
      return Request.getRemoteAddr(request);
    }

    @Override
    public java.util.List<String> headerValues(String name) {
      return request.getHeaders().getValuesList(name);
    }
  }
}
