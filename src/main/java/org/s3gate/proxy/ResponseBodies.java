package org.s3gate.proxy;

import java.lang.System.Logger.Level;

import jakarta.servlet.http.HttpServletResponse;

/**
 * How backend response bodies reach the client, chosen once when the proxy starts: on Jetty, each
 * chunk's buffer written as it is ({@link DirectBodyWriter}); anywhere else (Tomcat), or on a Jetty
 * whose webapp cannot see the class it needs, the standard servlet path of Jetty's
 * {@code AsyncProxyServlet} (a copy into a {@code byte[]}, written through a {@code WriteListener}).
 *
 * <p>The direct path needs {@code org.eclipse.jetty.ee10.servlet.ServletContextResponse}, a Jetty
 * server class, which webapps do not see unless their context exposes it
 * ({@code jetty-base/webapps/s3gate.xml} does). This class names none of Jetty's server classes,
 * so it loads on any container; {@link DirectBodyWriter}, which does, is only loaded once the
 * probe found them.
 *
 * <p>Immutable.
 */
final class ResponseBodies {
  private static final System.Logger LOG = System.getLogger(S3ProxyServlet.class.getName());
  private static final String JETTY_RESPONSE = "org.eclipse.jetty.ee10.servlet.ServletContextResponse";

  /**
   * Bodies up to this length take the servlet path even on Jetty: its output stream aggregates a
   * body this small (Jetty's default aggregation size, a quarter of the 32 KiB output buffer) and
   * sends it with the head and the response's end in one write, where the direct path would make
   * a write of its own and then the end; and a small body's copy costs little. So 1 KiB responses
   * run the servlet proxy's own code.
   */
  static final long SMALL_BODY_BYTES = 8 * 1024;

  private final boolean direct;

  private ResponseBodies(boolean direct) {
    this.direct = direct;
  }

  /** Probes the container once; {@code -Ds3gate.response.direct=false} forces the servlet path. */
  static ResponseBodies forContainer() {
    boolean direct = Boolean.parseBoolean(System.getProperty("s3gate.response.direct", "true")) && jettyVisible();
    LOG.log(Level.INFO, "response bodies: {0}", direct
        ? "written to Jetty's response as received (no copy)" : "through the servlet output stream");
    return new ResponseBodies(direct);
  }

  private static boolean jettyVisible() {
    try {
      Class.forName(JETTY_RESPONSE, false, ResponseBodies.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError notHere) {
      return false;
    }
  }

  /**
   * The direct writer for this response's body of {@code contentLength} bytes (-1: unknown), or
   * null for the servlet path: off this container, or a body of at most {@link #SMALL_BODY_BYTES}.
   */
  DirectBodyWriter writerFor(HttpServletResponse response, long contentLength) {
    return direct && (contentLength < 0 || contentLength > SMALL_BODY_BYTES) ? DirectBodyWriter.of(response) : null;
  }
}
