package org.s3gate.proxy;

import java.lang.System.Logger.Level;
import java.util.concurrent.Executor;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;

import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The proxy client's thread pool on a container without a Jetty executor (Tomcat): Jetty's proxy
 * servlet looks for one under a context attribute and would otherwise build an unnamed one per
 * client; this one is named {@code s3gate-proxy}, holds 8 to 200 threads, and is published under
 * that attribute for the servlet's client and removed, and stopped, with the servlet.
 *
 * <p>Thread-safe: created and closed by the servlet's init and destroy, which the container calls once each.
 */
final class OwnExecutor {
  private static final System.Logger LOG = System.getLogger(S3ProxyServlet.class.getName());
  private static final String JETTY_EXECUTOR_ATTRIBUTE = "org.eclipse.jetty.server.Executor";

  private final ServletContext context;
  private final QueuedThreadPool threads;

  private OwnExecutor(ServletContext context, QueuedThreadPool threads) {
    this.context = context;
    this.threads = threads;
  }

  /** Starts and publishes a pool unless the container provides an executor; null when it does. */
  static OwnExecutor startUnlessProvided(ServletContext context) throws ServletException {
    if (context.getAttribute(JETTY_EXECUTOR_ATTRIBUTE) != null) {
      return null;
    }
    QueuedThreadPool threads = new QueuedThreadPool(200, 8);
    threads.setName("s3gate-proxy");
    try {
      threads.start();
    } catch (Exception e) {
      throw new ServletException("cannot start the proxy thread pool", e);
    }
    context.setAttribute(JETTY_EXECUTOR_ATTRIBUTE, (Executor) threads);
    return new OwnExecutor(context, threads);
  }

  void stop() {
    context.removeAttribute(JETTY_EXECUTOR_ATTRIBUTE);
    try {
      threads.stop();
    } catch (Exception e) {
      LOG.log(Level.DEBUG, "stopping the proxy thread pool failed", e);
    }
  }
}
