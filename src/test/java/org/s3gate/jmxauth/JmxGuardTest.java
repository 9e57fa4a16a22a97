package org.s3gate.jmxauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.Attribute;
import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDK's own RMI JMX connector (what Jetty's {@code jmx-remote} runs), in this JVM, without and
 * with s3gate's guard: what a client can do to the JVM through each, measured rather than assumed
 * (issue 13 item 11). And {@link JmxCredentials}' generated files.
 *
 * <p>Not thread-safe; each test starts and stops its own connector.
 */
class JmxGuardTest {

  private static final ObjectName DIAGNOSTIC = name("com.sun.management:type=DiagnosticCommand");
  private static final ObjectName HOTSPOT = name("com.sun.management:type=HotSpotDiagnostic");
  private static final ObjectName MEMORY = name("java.lang:type=Memory");
  private static final ObjectName CREATED = name("jmxguardtest:type=Timer");

  @TempDir
  Path dir;

  private static ObjectName name(String name) {
    try {
      return new ObjectName(name);
    } catch (javax.management.MalformedObjectNameException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A started RMI connector on a free port over the platform MBean server, optionally guarded. */
  private static JMXConnectorServer connector(Map<String, Object> env, boolean guarded) throws Exception {
    MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
    JMXConnectorServer server = JMXConnectorServerFactory.newJMXConnectorServer(
        new JMXServiceURL("service:jmx:rmi://127.0.0.1"), env, platform);
    if (guarded) {
      server.setMBeanServerForwarder(JmxGuard.forwarder("s3gate"));
    }
    server.start();
    return server;
  }

  private static Object agentLoad(MBeanServerConnection mbeans) throws Exception {
    return mbeans.invoke(DIAGNOSTIC, "jvmtiAgentLoad", new Object[] {new String[] {"/nonexistent/agent.so"}},
        new String[] {String[].class.getName()});
  }

  @Test
  void unauthenticatedUnguardedConnector_anyClientCreatesMBeansAndLoadsAgents() throws Exception {
    // What Jetty's plain jmx-remote (without s3gate-jmx-auth) exposes to every local user.
    JMXConnectorServer server = connector(new HashMap<>(), false);
    try (JMXConnector client = JMXConnectorFactory.connect(server.getAddress())) {
      MBeanServerConnection mbeans = client.getMBeanServerConnection();
      mbeans.createMBean("javax.management.timer.Timer", CREATED);
      assertThat(mbeans.isRegistered(CREATED)).isTrue();
      mbeans.unregisterMBean(CREATED);
      assertThat(agentLoad(mbeans)).asString().contains("/nonexistent/agent.so was not loaded"); // it tried
      assertThat(mbeans.invoke(DIAGNOSTIC, "vmSystemProperties", new Object[] {null},
          new String[] {String[].class.getName()})).asString().contains("java.home=");
    } finally {
      server.stop();
    }
  }

  @Test
  void readwriteWithoutCreate_stillInvokesEveryPlatformOperation_unlessGuarded() throws Exception {
    Path passwords = dir.resolve("jmxremote.password");
    Path access = dir.resolve("jmxremote.access");
    Files.writeString(passwords, "admin secret\n");
    Files.writeString(access, "admin readwrite\n");
    Map<String, Object> env = new HashMap<>(Map.of("jmx.remote.x.password.file", passwords.toString(),
        "jmx.remote.x.access.file", access.toString()));
    Map<String, Object> credentials = Map.of(JMXConnector.CREDENTIALS, new String[] {"admin", "secret"});

    JMXConnectorServer unguarded = connector(env, false);
    try (JMXConnector client = JMXConnectorFactory.connect(unguarded.getAddress(), credentials)) {
      MBeanServerConnection mbeans = client.getMBeanServerConnection();
      assertThatThrownBy(() -> mbeans.createMBean("javax.management.timer.Timer", CREATED))
          .isInstanceOf(SecurityException.class);
      assertThat(agentLoad(mbeans)).asString().contains("was not loaded"); // readwrite alone: still code execution
    } finally {
      unguarded.stop();
    }

    JMXConnectorServer guarded = connector(env, true);
    try (JMXConnector client = JMXConnectorFactory.connect(guarded.getAddress(), credentials)) {
      MBeanServerConnection mbeans = client.getMBeanServerConnection();
      assertThatThrownBy(() -> agentLoad(mbeans)).isInstanceOf(SecurityException.class)
          .hasMessage("Access denied! operation jvmtiAgentLoad of com.sun.management:type=DiagnosticCommand: only"
              + " MBeans of the domains [s3gate] may be changed over JMX (s3gate.jmx.writableDomains)");
      Path heap = dir.resolve("heap.hprof");
      assertThatThrownBy(() -> mbeans.invoke(HOTSPOT, "dumpHeap", new Object[] {heap.toString(), true},
          new String[] {String.class.getName(), "boolean"})).isInstanceOf(SecurityException.class);
      assertThat(heap).doesNotExist();
      assertThatThrownBy(() -> mbeans.setAttribute(MEMORY, new Attribute("Verbose", true)))
          .isInstanceOf(SecurityException.class);
      assertThatThrownBy(() -> mbeans.unregisterMBean(MEMORY)).isInstanceOf(SecurityException.class);
      assertThatThrownBy(() -> mbeans.addNotificationListener(MEMORY, MEMORY, null, null))
          .isInstanceOf(SecurityException.class);
      assertThat(mbeans.getAttribute(name("java.lang:type=Runtime"), "Uptime")).isInstanceOf(Long.class);
      assertThat(mbeans.queryNames(name("java.lang:*"), null)).contains(MEMORY);
    } finally {
      guarded.stop();
    }
  }

  @Test
  void forwarder_blankDomains_meanS3gateOnly_listsAreSplitOnCommasAndSpaces() {
    assertThat(JmxGuard.domainsOf(JmxGuard.forwarder(" "))).containsExactly("s3gate");
    assertThat(JmxGuard.domainsOf(JmxGuard.forwarder("s3gate, org.eclipse.jetty.ee10.webapp")))
        .containsExactlyInAnyOrder("s3gate", "org.eclipse.jetty.ee10.webapp");
  }

  @Test
  void ensure_missingFiles_generatesOwnerOnlyRandomPasswordAndReadwriteAccess_existingFilesUntouched()
      throws Exception {
    Path passwords = dir.resolve("etc/jmxremote.password");
    Path access = dir.resolve("etc/jmxremote.access");

    JmxCredentials.ensure(passwords.toString(), access.toString());

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwords))).isEqualTo("rw-------");
    List<String> users = Files.readAllLines(passwords).stream().filter(l -> !l.startsWith("#")).toList();
    assertThat(users).singleElement().asString().matches("admin [A-Za-z0-9_-]{24}");
    assertThat(Files.readAllLines(access).stream().filter(l -> !l.startsWith("#")).toList())
        .containsExactly("admin readwrite");
    String first = Files.readString(passwords);
    JmxCredentials.ensure(passwords.toString(), access.toString());
    assertThat(Files.readString(passwords)).as("a second start keeps the password").isEqualTo(first);
    Files.writeString(access, "admin readonly\n");
    JmxCredentials.ensure(passwords.toString(), access.toString());
    assertThat(Files.readString(access)).isEqualTo("admin readonly\n");
    assertThat(JmxCredentials.randomPassword()).isNotEqualTo(JmxCredentials.randomPassword());
  }
}
