package org.s3gate.jetty;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A deadline for a connection's first request head: a TCP connection (plain or TLS) that has not
 * delivered one complete request head within {@code timeoutMillis} of being accepted is closed.
 * Against slowloris clients: a connection that sends one byte every 10 s never trips the idle
 * timeout and, with thousands of them, holds the gateway's file descriptors until the attacker
 * leaves. The TLS handshake counts against the same deadline.
 *
 * <p>Jetty only (jetty-base module {@code s3gate-server}; on Tomcat, use the connector's
 * {@code connectionTimeout}). A bean of the server that, when started, adds itself to every
 * connector, so it hears every connection open; only network-level connections are timed (for TLS, the decrypted HTTP connection inside is
 * the one whose requests are counted, through {@link Connection#getMessagesIn()}, which Jetty
 * increments when a request head is complete).
 *
 * <p>Thread-safe: the pending deadlines are a {@link ConcurrentHashMap} holding one task per open
 * connection that has not yet sent a head; the tasks run on the server's scheduler.
 */
public final class RequestHeadDeadline extends AbstractLifeCycle implements Connection.Listener {
  private static final System.Logger LOG = System.getLogger(RequestHeadDeadline.class.getName());

  private final Server server;
  private final long timeoutMillis;
  private final Map<Connection, Scheduler.Task> pending = new ConcurrentHashMap<>();

  /** @param timeoutMillis how long a new connection has for its first complete request head; 0 = no deadline */
  public RequestHeadDeadline(Server server, long timeoutMillis) {
    if (timeoutMillis < 0) {
      throw new IllegalArgumentException("s3gate.requestHeadTimeout must be >= 0 ms, was " + timeoutMillis);
    }
    this.server = server;
    this.timeoutMillis = timeoutMillis;
  }

  /** Listens on every connector of the server (HTTP and HTTPS): they start after their server's beans. */
  @Override
  protected void doStart() throws Exception {
    for (Connector connector : server.getConnectors()) {
      connector.addBean(this, false);
    }
    super.doStart();
  }

  @Override
  public void onOpened(Connection connection) {
    if (timeoutMillis == 0 || connection.getEndPoint() instanceof SslConnection.SslEndPoint) {
      return; // the decrypted connection inside TLS: its network connection is timed already
    }
    pending.put(connection, server.getScheduler().schedule(() -> expire(connection), timeoutMillis,
        TimeUnit.MILLISECONDS));
  }

  @Override
  public void onClosed(Connection connection) {
    Scheduler.Task task = pending.remove(connection);
    if (task != null) {
      task.cancel();
    }
  }

  private void expire(Connection connection) {
    if (pending.remove(connection) == null) {
      return;
    }
    Connection http = connection instanceof SslConnection tls ? tls.getSslEndPoint().getConnection() : connection;
    if (http != null && http.getMessagesIn() > 0) {
      return;
    }
    EndPoint endPoint = connection.getEndPoint();
    LOG.log(System.Logger.Level.DEBUG, "closing {0}: no complete request head within {1} ms",
        endPoint.getRemoteSocketAddress(), timeoutMillis);
    endPoint.close();
  }

  /** Connections that have not sent their first request head yet (for tests and dumps). */
  public int pending() {
    return pending.size();
  }
}
