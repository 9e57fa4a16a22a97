package org.s3gate.management.cli;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.management.JMX;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;
import javax.rmi.ssl.SslRMIClientSocketFactory;

import org.s3gate.common.DaemonThreads;
import org.s3gate.management.GatewayMXBean;
import org.s3gate.management.MapMXBean;
import org.s3gate.management.ObjectNames;
import org.s3gate.management.TableMXBean;
import org.s3gate.policy.MapFile;

/**
 * One JMX connection to a running gateway, as JConsole makes it
 * ({@code service:jmx:rmi:///jndi/rmi://HOST:PORT/jmxrmi}), with MXBean proxies for the s3gate MBeans.
 * Credentials ({@link Credentials}) are sent when there is a user; {@code ssl} uses TLS for the RMI
 * registry and connector (trust store from the usual {@code javax.net.ssl.trustStore} system
 * properties).
 *
 * <p>Not thread-safe; confined to the CLI's main thread.
 */
final class JmxSession implements AutoCloseable {

  static final long CONNECT_TIMEOUT_SECONDS = 15;

  private final JMXConnector connector;
  private final MBeanServerConnection connection;
  private final String address;

  private JmxSession(JMXConnector connector, String address) throws IOException {
    this.connector = connector;
    this.connection = connector.getMBeanServerConnection();
    this.address = address;
  }

  /** Connects, or fails with a one-line {@link CliException}. */
  static JmxSession connect(String hostPort, Credentials credentials, boolean ssl) {
    String url = "service:jmx:rmi:///jndi/rmi://" + hostPort + "/jmxrmi";
    Map<String, Object> env = new HashMap<>();
    if (credentials.user() != null) {
      env.put(JMXConnector.CREDENTIALS, new String[] {credentials.user(), credentials.password()});
    }
    if (ssl) {
      SslRMIClientSocketFactory sockets = new SslRMIClientSocketFactory();
      env.put("com.sun.jndi.rmi.factory.socket", sockets);
      env.put(RMIConnectorServer.RMI_CLIENT_SOCKET_FACTORY_ATTRIBUTE, sockets);
    }
    ExecutorService connecting = Executors.newSingleThreadExecutor(DaemonThreads.named("jmx-connect"));
    try {
      Future<JMXConnector> future = connecting.submit(() -> JMXConnectorFactory.connect(new JMXServiceURL(url), env));
      JmxSession session = new JmxSession(future.get(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS), hostPort);
      if (!session.connection.isRegistered(ObjectNames.of(ObjectNames.GATEWAY))) {
        session.close();
        throw new CliException("connected to JMX at " + hostPort + " but found no " + ObjectNames.GATEWAY
            + " MBean: is the s3gate webapp deployed and started there?");
      }
      return session;
    } catch (TimeoutException e) {
      throw new CliException("cannot connect to JMX at " + hostPort + ": no answer within " + CONNECT_TIMEOUT_SECONDS
          + " s (is the gateway running? --jmx host:port)");
    } catch (ExecutionException e) {
      String reason = AdminCli.rootMessage(e.getCause());
      throw new CliException("cannot connect to JMX at " + hostPort + ": " + reason
          + (e.getCause() instanceof SecurityException ? " (" + credentials.hint() + ")"
              : " (is the gateway running? --jmx host:port)"));
    } catch (IOException e) {
      throw new CliException("cannot talk to JMX at " + hostPort + ": " + AdminCli.rootMessage(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while connecting to " + hostPort);
    } finally {
      connecting.shutdownNow();
    }
  }

  String address() {
    return address;
  }

  GatewayMXBean gateway() {
    return JMX.newMXBeanProxy(connection, ObjectNames.of(ObjectNames.GATEWAY), GatewayMXBean.class);
  }

  /** The table named {@code name} ({@code s3gate:type=Table,name=NAME}); fails clearly if there is none. */
  TableMXBean table(String name) {
    javax.management.ObjectName objectName = ObjectNames.of(ObjectNames.table(name));
    try {
      if (!connection.isRegistered(objectName)) {
        throw new CliException("no table '" + name + "' (no MBean " + objectName + ")");
      }
    } catch (java.io.IOException e) {
      throw new CliException("JMX connection failed: " + e.getMessage());
    }
    return JMX.newMXBeanProxy(connection, objectName, TableMXBean.class);
  }

  MapMXBean map(MapFile map) {
    return JMX.newMXBeanProxy(connection, ObjectNames.of(ObjectNames.map(map)), MapMXBean.class);
  }

  @Override
  public void close() {
    try {
      connector.close();
    } catch (IOException ignored) {
      // the process is ending; nothing to release that the OS will not
    }
  }
}
