package org.s3gate.management;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import org.s3gate.admit.ConnectionLimiterBridge;
import org.s3gate.policy.MapFile;
import org.s3gate.runtime.Gateway;

/**
 * Registers the s3gate MBeans (SPEC section 8) in the platform MBean server, where Jetty's
 * {@code jmx-remote} connector and JConsole find them, and unregisters them when the webapp stops.
 *
 * <p>Idempotent: a name that is already registered (left by a previous deployment of the webapp
 * that did not stop cleanly) is replaced, so a redeploy always ends with exactly one set, bound to
 * the running webapp. {@link #close()} unregisters what this instance registered and still owns:
 * an MBean replaced by a newer registration tells its old owner when it leaves the server, so a
 * late stop of an old deployment never removes the new deployment's MBeans. Two s3gate
 * webapps in one JVM would share the names: the one started last owns them.
 *
 * <p>Thread-safe: the list of owned names is guarded by this instance's monitor.
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
    ManagementBeans registration = new ManagementBeans(server);
    Map<String, StandardMBean> beans = new LinkedHashMap<>();
    beans.put(ObjectNames.GATEWAY, registration.new Owned<>(new GatewayControl(gateway), GatewayMXBean.class));
    beans.put(ObjectNames.TABLE, registration.new Owned<>(
        new TableControl(ObjectNames.API_KEYS, gateway.usageTable(), gateway, System::nanoTime), TableMXBean.class));
    beans.put(ObjectNames.table(ObjectNames.BUCKETS), registration.new Owned<>(new TableControl(ObjectNames.BUCKETS,
        gateway.buckets(), gateway, System::nanoTime, "limit", ManagementBeans::bucketLimitEntry), TableMXBean.class));
    beans.put(ObjectNames.table(ObjectNames.CLIENT_IPS), registration.new Owned<>(
        new ClientIpTableControl(gateway.clientIps(), System::nanoTime, new ConnectionLimiterBridge(),
            () -> gateway.policy().settings().clientIps().ipv6PrefixBits()), TableMXBean.class));
    beans.put(ObjectNames.COUNTER_STORE, registration.new Owned<>(
        new CounterStoreControl(gateway), CounterStoreMXBean.class));
    for (MapFile map : MapFile.values()) {
      beans.put(ObjectNames.map(map), registration.new Owned<>(new MapControl(gateway, map), MapMXBean.class));
    }
    try {
      for (Map.Entry<String, StandardMBean> bean : beans.entrySet()) {
        registration.replace(ObjectNames.of(bean.getKey()), bean.getValue());
      }
    } catch (JMException | RuntimeException e) {
      registration.close();
      throw new IllegalStateException("cannot register the s3gate MBeans: " + e, e);
    }
    return registration;
  }

  /** The bucket map entry whose limits a bucket counter has now: its own name, {@code *}, or {@code none}. */
  private static String bucketLimitEntry(org.s3gate.policy.PolicySnapshot policy, String bucket) {
    org.s3gate.policy.BucketLimits.Limits limits = policy.bucketLimits().limitsOf(bucket);
    return limits == null ? "none" : limits.entry();
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
    synchronized (this) {
      registered.add(name);
    }
  }

  /**
   * An MXBean that tells its registration when it leaves the server, so that a registration whose
   * names were taken over by a newer deployment does not unregister the newer one's MBeans; and
   * whose {@code MBeanInfo} carries the {@link Description}s of its interface (names and one-line
   * descriptions of the MBean, its attributes, operations and parameters, for JConsole).
   */
  private final class Owned<T> extends StandardMBean {
    private volatile ObjectName name;

    Owned(T implementation, Class<T> mxbeanInterface) {
      super(implementation, mxbeanInterface, true);
    }

    @Override
    protected String getDescription(MBeanInfo info) {
      return Descriptions.ofType(getMBeanInterface(), super.getDescription(info));
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
      return Descriptions.ofAttribute(getMBeanInterface(), info, super.getDescription(info));
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
      return Descriptions.ofOperation(getMBeanInterface(), info, super.getDescription(info));
    }

    @Override
    protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
      return Descriptions.parameterName(getMBeanInterface(), op, sequence, super.getParameterName(op, param, sequence));
    }

    @Override
    protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
      return Descriptions.parameterDescription(getMBeanInterface(), op, sequence,
          super.getDescription(op, param, sequence));
    }

    @Override
    public ObjectName preRegister(MBeanServer mbeanServer, ObjectName objectName) throws Exception {
      name = super.preRegister(mbeanServer, objectName);
      return name;
    }

    @Override
    public void postDeregister() {
      super.postDeregister();
      synchronized (ManagementBeans.this) {
        registered.remove(name);
      }
    }
  }

  /** Unregisters every MBean this instance registered. Idempotent. */
  @Override
  public synchronized void close() {
    for (ObjectName name : List.copyOf(registered)) {
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
