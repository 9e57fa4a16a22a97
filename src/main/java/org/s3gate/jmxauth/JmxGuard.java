package org.s3gate.jmxauth;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.remote.MBeanServerForwarder;

/**
 * What a JMX client of s3gate's connector may do, whoever it is: read anything, change only the
 * MBeans of the writable domains ({@code s3gate} by default), create and unregister nothing.
 *
 * <p>Why (issue 13 item 11, measured against the JDK's RMI connector): the JDK's access file knows
 * only {@code readonly} and {@code readwrite} (plus {@code create} and {@code unregister} clauses),
 * for every MBean of the JVM at once. {@code readwrite} without {@code create} still lets a client
 * invoke every operation of every platform MBean: {@code com.sun.management:type=DiagnosticCommand}
 * {@code jvmtiAgentLoad} loads a native or Java agent into the gateway (code execution as the
 * gateway's user), {@code HotSpotDiagnostic.dumpHeap} writes the heap, secrets included, to any
 * path, {@code vmSystemProperties} and {@code setVMOption} read and change the JVM, and Jetty's
 * MBeans stop connectors or redeploy webapps. This forwarder sits behind the access file's check,
 * so {@code readonly} users stay read-only, and narrows {@code readwrite} to what operating s3gate
 * needs:
 * <ul>
 *   <li>{@code invoke}, {@code setAttribute} and {@code setAttributes}: only on MBeans whose
 *       ObjectName domain is one of the writable domains;
 *   <li>{@code createMBean}, {@code unregisterMBean}, {@code registerMBean} and {@code instantiate}:
 *       never;
 *   <li>notification listeners that are MBeans (the {@code ObjectName} listener form, which makes
 *       an MBean run code on each notification): only between MBeans of the writable domains;
 *   <li>everything else (attributes, {@code MBeanInfo}, queries, client notification listeners):
 *       as the next forwarder allows.
 * </ul>
 * A refusal is a {@link SecurityException} naming the MBean, the operation and the rule, which a
 * JMX client sees as it sees the access file's own refusals.
 *
 * <p>Thread-safe: the writable domains are immutable; the next MBean server is set by the
 * connector before it accepts connections, and read through a volatile field.
 */
public final class JmxGuard implements InvocationHandler {

  /** The domains whose MBeans may be changed when none are configured: s3gate's own. */
  public static final String DEFAULT_WRITABLE_DOMAINS = "s3gate";

  /**
   * Refused whoever asks. ({@code getClassLoader*} must pass: the connector itself calls them, for
   * every client, to unmarshal parameters; clients cannot call them.)
   */
  private static final Set<String> NEVER = Set.of("createMBean", "registerMBean", "unregisterMBean", "instantiate");
  private static final Set<String> WRITES = Set.of("invoke", "setAttribute", "setAttributes");

  private final Set<String> writableDomains;
  private volatile MBeanServer next;

  private JmxGuard(Set<String> writableDomains) {
    this.writableDomains = Set.copyOf(writableDomains);
  }

  /**
   * A forwarder allowing changes in {@code writableDomains} only (comma-separated, e.g.
   * {@code s3gate,org.eclipse.jetty.ee10.webapp}; blank means {@link #DEFAULT_WRITABLE_DOMAINS}).
   */
  public static MBeanServerForwarder forwarder(String writableDomains) {
    Set<String> domains = new TreeSet<>();
    for (String d : (writableDomains == null || writableDomains.isBlank() ? DEFAULT_WRITABLE_DOMAINS
        : writableDomains).split("[,\\s]+")) {
      if (!d.isEmpty()) {
        domains.add(d);
      }
    }
    return (MBeanServerForwarder) Proxy.newProxyInstance(MBeanServerForwarder.class.getClassLoader(),
        new Class<?>[] {MBeanServerForwarder.class}, new JmxGuard(domains));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    switch (name) {
      case "setMBeanServer":
        next = (MBeanServer) args[0];
        return null;
      case "getMBeanServer":
        return next;
      case "toString":
        return "s3gate JMX guard (writable domains " + writableDomains + ")";
      case "hashCode":
        return System.identityHashCode(proxy);
      case "equals":
        return proxy == args[0];
      default:
        break;
    }
    if (NEVER.contains(name)) {
      throw denied(name + (args != null && args.length > 0 ? " " + args[0] : ""),
          "no MBean is created, registered or unregistered over JMX");
    }
    if (WRITES.contains(name)) {
      ObjectName target = (ObjectName) args[0];
      String what = name.equals("invoke") ? "operation " + args[1] : name;
      checkWritable(target, what);
    }
    if (name.equals("addNotificationListener")) {
      if (args.length > 1 && args[1] instanceof ObjectName listener) {
        checkWritable((ObjectName) args[0], "a listener MBean on it");
        checkWritable(listener, "use as a notification listener");
      }
    }
    MBeanServer target = next;
    if (target == null) {
      throw new IllegalStateException("s3gate's JMX guard has no MBean server behind it yet");
    }
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private void checkWritable(ObjectName target, String what) {
    if (target == null || !writableDomains.contains(target.getDomain())) {
      throw denied(what + " of " + target, "only MBeans of the domains " + writableDomains
          + " may be changed over JMX (s3gate.jmx.writableDomains)");
    }
  }

  private static SecurityException denied(String what, String rule) {
    return new SecurityException("Access denied! " + what + ": " + rule);
  }

  /** The writable domains, for messages and tests. */
  static List<String> domainsOf(MBeanServerForwarder forwarder) {
    return List.copyOf(((JmxGuard) Proxy.getInvocationHandler(forwarder)).writableDomains);
  }
}
