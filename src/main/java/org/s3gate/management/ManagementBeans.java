package org.s3gate.management;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.s3gate.Gateway;
import org.s3gate.config.MapFile;

/**
 * Registers the s3gate MBeans (SPEC section 8) in the platform MBean server, where Jetty's
 * {@code jmx-remote} connector and JConsole find them, and unregisters them when the webapp stops.
 *
 * <p>Idempotent: a name that is already registered (left by a previous deployment of the webapp
 * that did not stop cleanly) is replaced, so a redeploy always ends with exactly one set, bound to
 * the running webapp. {@link #close()} unregisters what this instance registered, once. Two s3gate
 * webapps in one JVM would share the names: the one started last owns them.
 *
 * <p>Thread-safe: {@link #close()} is synchronized; registration happens before the instance is
 * published.
 */
public final class ManagementBeans implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(ManagementBeans.class.getName());

  private final MBeanServer server;
  private final List<ObjectName> registered = new ArrayList<>();

  private ManagementBeans(MBeanServer server) {
    this.server = server;
  }

  /** Registers every s3gate MBean for {@code gateway} in the platform MBean server. */
  public static ManagementBeans register(Gateway gateway) {
    return register(gateway, ManagementFactory.getPlatformMBeanServer());
  }

  static ManagementBeans register(Gateway gateway, MBeanServer server) {
    Map<String, Object> beans = new LinkedHashMap<>();
    beans.put(ObjectNames.GATEWAY, new GatewayControl(gateway));
    beans.put(ObjectNames.TABLE, new TableControl(gateway, System::nanoTime));
    for (MapFile map : MapFile.values()) {
      beans.put(ObjectNames.map(map.baseName()), new MapControl(gateway, map));
    }
    ManagementBeans registration = new ManagementBeans(server);
    try {
      for (Map.Entry<String, Object> bean : beans.entrySet()) {
        registration.replace(ObjectNames.of(bean.getKey()), bean.getValue());
      }
    } catch (JMException | RuntimeException e) {
      registration.close();
      throw new IllegalStateException("cannot register the s3gate MBeans: " + e, e);
    }
    return registration;
  }

  private void replace(ObjectName name, Object bean) throws JMException {
    if (server.isRegistered(name)) {
      LOG.log(System.Logger.Level.WARNING, "{0} is registered already (a previous deployment that did not stop"
          + " cleanly?): replacing it", name);
      try {
        server.unregisterMBean(name);
      } catch (InstanceNotFoundException goneMeanwhile) {
        // fine: it is not there any more
      }
    }
    server.registerMBean(bean, name);
    registered.add(name);
  }

  /** The names this instance registered and has not unregistered. */
  public synchronized List<ObjectName> names() {
    return List.copyOf(registered);
  }

  /** Unregisters every MBean this instance registered. Idempotent. */
  @Override
  public synchronized void close() {
    for (ObjectName name : registered) {
      try {
        server.unregisterMBean(name);
      } catch (InstanceNotFoundException alreadyGone) {
        // someone else unregistered it
      } catch (JMException | RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot unregister {0}: {1}", name, e.toString());
      }
    }
    registered.clear();
  }
}
