package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 11 against the real gateway with the shipped JMX setup (jetty-base's default
 * {@code s3gate-jmx-auth}, nothing configured): unauthenticated local JMX used to be code
 * execution (create MBeans, {@code DiagnosticCommand jvmtiAgentLoad}). Now the first start
 * generates an owner-only password file; a client without it is refused; the generated
 * {@code readwrite} user creates no MBean and invokes nothing outside the {@code s3gate} domain,
 * but reads everything and manages s3gate; {@code bin/s3gate-admin} finds the password by itself.
 *
 * <p>Not thread-safe: JUnit runs its tests one after the other.
 */
class JmxAuthDefaultIT {
  private static final ObjectName DIAGNOSTIC = name("com.sun.management:type=DiagnosticCommand");
  private static final ObjectName HOTSPOT = name("com.sun.management:type=HotSpotDiagnostic");
  private static final ObjectName MEMORY = name("java.lang:type=Memory");

  private static S3Backend backend;
  private static Gateway gateway;
  private static JMXConnector connector;
  private static MBeanServerConnection mbeans;

  private static ObjectName name(String name) {
    try {
      return new ObjectName(name);
    } catch (javax.management.MalformedObjectNameException e) {
      throw new IllegalArgumentException(e);
    }
  }

  @BeforeAll
  static void startStack() throws Exception {
    backend = S3Backend.start("jmx-auth-default-it-backend");
    gateway = Gateway.builder("jmx-auth-default-it-gateway", backend.url()).start();
    connector = JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl()), gateway.jmxEnvironment());
    mbeans = connector.getMBeanServerConnection();
  }

  @AfterAll
  static void stopStack() throws Exception {
    Closeables.closeAll(connector, gateway, backend);
  }

  @Test
  void firstStart_generatesOwnerOnlyPasswordFile_andReadwriteAccessWithoutCreate() throws Exception {
    Path passwords = gateway.jmxPasswordFile;
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwords))).isEqualTo("rw-------");
    assertThat(Files.readAllLines(passwords).stream().filter(l -> !l.startsWith("#")).toList())
        .singleElement().asString().matches("admin [A-Za-z0-9_-]{24}");
    List<String> access = Files.readAllLines(passwords.resolveSibling("jmxremote.access")).stream()
        .filter(l -> !l.startsWith("#")).toList();
    assertThat(access).containsExactly("admin readwrite");
    assertThat(gateway.output()).contains("JMX: generated the password of user 'admin' into " + passwords)
        .contains("JMX: s3gate JMX guard (writable domains [s3gate]) in front of the connector");
  }

  @Test
  void connect_withoutOrWithWrongCredentials_refused() {
    assertThatThrownBy(() -> JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl())).close())
        .isInstanceOf(SecurityException.class).hasMessageContaining("Credentials required");
    assertThatThrownBy(() -> JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl()),
        Map.of(JMXConnector.CREDENTIALS, new String[] {"admin", "guess"})).close())
        .isInstanceOf(SecurityException.class).hasMessageContaining("Authentication failed");
  }

  @Test
  void authenticatedAdmin_cannotCreateOrUnregisterMBeans() {
    assertThatThrownBy(() -> mbeans.createMBean("javax.management.loading.MLet", name("attack:type=MLet")))
        .isInstanceOf(SecurityException.class);
    assertThatThrownBy(() -> mbeans.createMBean("javax.management.timer.Timer", name("attack:type=Timer")))
        .isInstanceOf(SecurityException.class);
    assertThatThrownBy(() -> mbeans.unregisterMBean(name("s3gate:type=Gateway"))).isInstanceOf(SecurityException.class);
  }

  @Test
  void authenticatedAdmin_cannotLoadAgentsDumpTheHeapOrChangeTheJvmOrJetty() throws Exception {
    assertThatThrownBy(() -> mbeans.invoke(DIAGNOSTIC, "jvmtiAgentLoad", new Object[] {new String[] {"/tmp/agent.so"}},
        new String[] {String[].class.getName()})).isInstanceOf(SecurityException.class)
        .hasMessageContaining("only MBeans of the domains [s3gate] may be changed over JMX");
    assertThatThrownBy(() -> mbeans.invoke(DIAGNOSTIC, "vmSystemProperties", new Object[] {null},
        new String[] {String[].class.getName()})).isInstanceOf(SecurityException.class);
    Path heap = gateway.dir.resolve("attack.hprof");
    assertThatThrownBy(() -> mbeans.invoke(HOTSPOT, "dumpHeap", new Object[] {heap.toString(), true},
        new String[] {String.class.getName(), "boolean"})).isInstanceOf(SecurityException.class);
    assertThat(heap).doesNotExist();
    assertThatThrownBy(() -> mbeans.invoke(HOTSPOT, "setVMOption", new Object[] {"HeapDumpOnOutOfMemoryError", "true"},
        new String[] {String.class.getName(), String.class.getName()})).isInstanceOf(SecurityException.class);
    assertThatThrownBy(() -> mbeans.setAttribute(MEMORY, new Attribute("Verbose", true)))
        .isInstanceOf(SecurityException.class);
    Set<ObjectName> contexts = mbeans.queryNames(name("*:type=webappcontext,*"), null);
    assertThat(contexts).hasSize(1);
    assertThatThrownBy(() -> mbeans.invoke(contexts.iterator().next(), "stop", new Object[0], new String[0]))
        .isInstanceOf(SecurityException.class);
    assertThatThrownBy(() -> mbeans.invoke(name("org.eclipse.jetty.jmx:name=jmxconnectorserver"), "stop",
        new Object[0], new String[0])).isInstanceOf(SecurityException.class);
  }

  @Test
  void authenticatedAdmin_readsPlatformMBeans_andManagesS3gate_auditedAsAdmin() throws Exception {
    assertThat(mbeans.getAttribute(name("java.lang:type=Runtime"), "Uptime")).isInstanceOf(Long.class);
    Object result = mbeans.invoke(name("s3gate:type=Map,name=rate_limits_per_second"), "set",
        new Object[] {"basic", "11"}, new String[] {String.class.getName(), String.class.getName()});
    assertThat(result).asString().startsWith("rate_limits_per_second.map: set basic 10 -> 11");
    assertThat(Files.readAllLines(gateway.confDir.resolve("audit.log"))).last().asString()
        .contains("op=set key=basic old=10 new=11 who=admin ");
  }

  @Test
  void s3gateAdmin_readsTheGatewaysPasswordFile_orSaysWhereCredentialsComeFrom() throws Exception {
    AdminProcess.Run info = AdminProcess.admin(gateway.jmxPort, gateway.adminEnvironment(), "info");
    info.assertOk();
    assertThat(info.out()).contains("config version: ");

    AdminProcess.Run refused = AdminProcess.admin(gateway.jmxPort,
        Map.of("S3GATE_JMX_PASSWORD_FILE", gateway.dir.resolve("no-such-file").toString()), "info");
    refused.assertOneLineFailure(1, "JMX needs a user and password: s3gate-admin reads them from the gateway's"
        + " password file when run as its user");

    AdminProcess.Run explicit = AdminProcess.admin(gateway.jmxPort, Map.of("S3GATE_JMX_PASSWORD_FILE", "",
        "S3GATE_JMX_PASSWORD", gateway.jmxCredentials()[1]), "--user", "admin", "info");
    explicit.assertOk();
  }
}
