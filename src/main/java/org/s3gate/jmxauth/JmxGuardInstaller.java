package org.s3gate.jmxauth;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.Attribute;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerNotification;
import javax.management.NotificationListener;
import javax.management.ObjectName;

import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Puts {@link JmxGuard} in front of the platform MBean server for Jetty's JMX connector
 * ({@code jmx-remote}'s {@code ConnectorServer}), from {@code etc/s3gate-jmx-auth.xml}.
 *
 * <p>Design: Jetty's {@code ConnectorServer} creates the JDK's {@code JMXConnectorServer} inside its
 * {@code doStart}, registers it as an MBean and then starts it, with no hook in between and no
 * getter. A listener on the MBean server's registrations is told synchronously, in that
 * registration, before {@code start}; it sets the connector MBean's {@code MBeanServerForwarder}
 * ({@code JMXConnectorServerMBean.setMBeanServerForwarder}), so the guard is in place before the
 * first client can connect.
 * At start the JDK puts the access file's controller in front of it (access file, then guard, then
 * the platform MBean server). Fail closed: if the connector has started without the guard (its
 * ObjectName was not the one expected), the connector is stopped again and an error is logged,
 * rather than left open to every operation of every MBean.
 *
 * <p>Thread-safe: the listeners run in the thread that starts (or stops) Jetty's connector; the
 * flag is atomic.
 */
public final class JmxGuardInstaller {

  private static final System.Logger LOG = System.getLogger(JmxGuardInstaller.class.getName());

  private JmxGuardInstaller() {}

  /**
   * Arranges for the guard to be installed when {@code connectorServer} (Jetty's ConnectorServer,
   * registering its JMX connector under {@code objectName}) starts.
   *
   * @param writableDomains comma-separated ObjectName domains whose MBeans may be changed
   */
  public static void install(LifeCycle connectorServer, String objectName, String writableDomains)
      throws JMException {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = new ObjectName(objectName);
    List<String> domains = JmxGuard.domainsOf(JmxGuard.forwarder(writableDomains));
    AtomicBoolean installed = new AtomicBoolean();
    // Every start of the ConnectorServer creates and registers a new JDK connector: guard each one.
    NotificationListener onRegistration = (notification, handback) -> {
      if (notification instanceof MBeanServerNotification n
          && MBeanServerNotification.REGISTRATION_NOTIFICATION.equals(n.getType()) && name.equals(n.getMBeanName())) {
        try {
          // JMXConnectorServerMBean.setMBeanServerForwarder, which standard-MBean naming makes a
          // write-only attribute.
          server.setAttribute(name, new Attribute("MBeanServerForwarder", JmxGuard.forwarder(writableDomains)));
          installed.set(true);
          LOG.log(System.Logger.Level.INFO, "JMX: s3gate JMX guard (writable domains {0}) in front of the"
              + " connector {1}", domains, name);
        } catch (JMException | RuntimeException e) {
          LOG.log(System.Logger.Level.ERROR, "JMX: cannot put s3gate's guard in front of " + name, e);
        }
      }
    };
    server.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, onRegistration, null, null);
    connectorServer.addEventListener(new LifeCycle.Listener() {
      @Override
      public void lifeCycleStarting(LifeCycle event) {
        installed.set(false);
      }

      @Override
      public void lifeCycleStarted(LifeCycle event) {
        if (!installed.get()) {
          LOG.log(System.Logger.Level.ERROR, "JMX: the connector {0} ({1}) started without s3gate''s guard; stopping"
              + " it, so JMX stays closed rather than open to every MBean", event, name);
          LifeCycle.stop(event);
        }
      }

      @Override
      public void lifeCycleStopped(LifeCycle event) {
        installed.set(false);
      }
    });
  }
}
