package org.s3gate.bench;

import java.util.concurrent.Executor;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

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
 *   <li>{@code core}: {@code ProxyHandler.Reverse} as the server's only handler.
 * </ul>
 *
 * <p>Run with jetty-home's jars on the class path (bench/e2e.sh builds it):
 * {@code java -cp ... org.s3gate.bench.BareJettyProxy servlet|core PORT BACKEND_PORT}. Serves
 * until killed.
 */
public final class BareJettyProxy {

  private BareJettyProxy() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3 || !(args[0].equals("servlet") || args[0].equals("core"))) {
      System.err.println("usage: BareJettyProxy servlet|core PORT BACKEND_PORT");
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
    if (args[0].equals("core")) {
      ProxyHandler.Reverse proxy = new ProxyHandler.Reverse(request ->
          HttpURI.build(request.getHttpURI()).scheme("http").host("127.0.0.1").port(backendPort));
      HttpClient client = new HttpClient();
      client.setExecutor(pool);
      proxy.setHttpClient(client);
      server.setHandler(proxy);
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
    System.out.println("BareJettyProxy " + args[0] + " listening on 127.0.0.1:" + port);
    server.join();
  }
}
