package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.management.JMX;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.s3gate.management.MapMXBean;

/**
 * The s3gate MBeans of the real gateway (Jetty + WAR + s3proxy) through a real RMI JMX connector,
 * the way JConsole connects (with the password the gateway generated): every MBean, attribute and operation; a limit set over JMX limiting
 * the next requests; what an edit leaves on disk; clearKey; a refused value; a redeploy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ManagementIT {
  private static final String BASIC_KEY = "FQ4IU19ZFZ3470XJ7GBF";
  private static final String STANDARD_KEY = "VSLP8GUZ6SPYILLLGHJ0";
  private static final Set<String> SPEC_NAMES = Set.of("s3gate:type=Gateway", "s3gate:type=Table,name=api_keys",
      "s3gate:type=Table,name=client_ips",
      "s3gate:type=Map,name=api_key_groups", "s3gate:type=Map,name=rate_limits_per_minute",
      "s3gate:type=Map,name=rate_limits_per_second", "s3gate:type=Map,name=error_messages",
      "s3gate:type=Map,name=concurrent_requests", "s3gate:type=CounterStore",
      // issue 16a's limit dimensions
      "s3gate:type=Table,name=buckets", "s3gate:type=Map,name=bucket_limits_per_second",
      "s3gate:type=Map,name=bucket_limits_per_minute",
      // issue 16b's bandwidth budgets
      "s3gate:type=Map,name=bandwidth_per_minute");

  private static S3Backend backend;
  private static Gateway gateway;
  private static JMXConnector connector;
  private static MBeanServerConnection mbeans;

  @BeforeAll
  static void startStack() throws Exception {
    backend = S3Backend.start("management-it-backend");
    // The redeploy test stops and starts Jetty's webapp context over JMX: allow changes in its domain too.
    gateway = Gateway.builder("management-it-gateway", backend.url())
        .jettyProperty("s3gate.jmx.writableDomains=s3gate,org.eclipse.jetty.ee10.webapp").start();
    connector = JMXConnectorFactory.connect(new JMXServiceURL(gateway.jmxUrl()), gateway.jmxEnvironment());
    mbeans = connector.getMBeanServerConnection();
  }

  @AfterAll
  static void stopStack() throws Exception {
    Closeables.closeAll(connector, gateway, backend);
  }

  private static ObjectName name(String name) throws Exception {
    return new ObjectName(name);
  }

  private static Object attribute(String mbean, String attribute) throws Exception {
    return mbeans.getAttribute(name(mbean), attribute);
  }

  private static Object invoke(String mbean, String operation, Object... args) throws Exception {
    String[] signature = Arrays.stream(args).map(a -> a instanceof Long ? "long" : String.class.getName())
        .toArray(String[]::new);
    return mbeans.invoke(name(mbean), operation, args, signature);
  }

  private static String map(String baseName) {
    return "s3gate:type=Map,name=" + baseName;
  }

  /** The server's connection-rate component (jetty-base module s3gate-connection-limit): not the webapp's, it outlives it. */
  private static final String CONNECTION_LIMITER = "s3gate:type=ConnectionLimiter";

  /** The webapp's MBeans: the {@code s3gate} domain but for the Jetty server's own {@link #CONNECTION_LIMITER}. */
  private static Set<String> s3gateNames() throws Exception {
    Set<String> names = new java.util.TreeSet<>();
    mbeans.queryNames(name("s3gate:*"), null).forEach(n -> names.add(n.getCanonicalName()));
    names.remove(name(CONNECTION_LIMITER).getCanonicalName());
    return names;
  }

  private static Set<String> canonical(Set<String> names) throws Exception {
    Set<String> out = new java.util.TreeSet<>();
    for (String n : names) {
      out.add(name(n).getCanonicalName());
    }
    return out;
  }

  private static List<Path> backups(String file) throws Exception {
    Path dir = gateway.confDir.resolve("backups");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith(file + ".")).sorted().toList();
    }
  }

  private static List<String> auditLines() throws Exception {
    Path audit = gateway.confDir.resolve("audit.log");
    return Files.exists(audit) ? Files.readAllLines(audit) : List.of();
  }

  @Test
  @Order(1)
  void mbeans_specNames_registeredWithEveryAttributeAndOperation() throws Exception {
    assertThat(s3gateNames()).isEqualTo(canonical(SPEC_NAMES));
    // the Jetty component, configured by the webapp from gateway.properties (ip.limit.connections=0: off)
    assertThat(attribute(CONNECTION_LIMITER, "Limit")).isEqualTo(0);
    assertThat(attribute(CONNECTION_LIMITER, "WindowMillis")).isEqualTo(10_000L);
    assertThat(operations(CONNECTION_LIMITER)).contains("connectionRates()",
        "configure(int,long,boolean,[Ljava.lang.String;,int)", "clearIp(java.lang.String)");

    assertThat((Long) attribute("s3gate:type=Gateway", "ConfigVersion")).isGreaterThanOrEqualTo(1L);
    assertThat((Long) attribute("s3gate:type=Gateway", "Requests")).isGreaterThanOrEqualTo(0L);
    assertThat((Long) attribute("s3gate:type=Gateway", "Denied")).isGreaterThanOrEqualTo(0L);
    assertThat((String[]) attribute("s3gate:type=Gateway", "Backends")).singleElement().asString()
        .startsWith(backend.url()).contains(" UP since ");
    assertThat(invoke("s3gate:type=Gateway", "reloadAll")).asString().startsWith("UNCHANGED version");

    assertThat(attribute("s3gate:type=Table,name=api_keys", "Capacity")).isEqualTo(100000);
    assertThat((Integer) attribute("s3gate:type=Table,name=api_keys", "Size")).isGreaterThanOrEqualTo(0);
    assertThat(attribute("s3gate:type=Table,name=api_keys", "Evictions")).isEqualTo(0L);
    assertThat(operations("s3gate:type=Table,name=api_keys"))
        .contains("show()", "show(java.lang.String,java.lang.String,long)", "clear()", "clearKey(java.lang.String)");

    for (String base : List.of("api_key_groups", "rate_limits_per_minute", "rate_limits_per_second", "error_messages",
        "concurrent_requests")) {
      assertThat(attribute(map(base), "File")).isEqualTo(gateway.confDir.resolve(base + ".map").toString());
      assertThat(attribute(map(base), "Entries")).isEqualTo(3);
      assertThat((String) attribute(map(base), "LastReload")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
      assertThat(attribute(map(base), "LastReloadError")).isNull();
      assertThat(operations(map(base))).contains("show()", "get(java.lang.String)",
          "set(java.lang.String,java.lang.String)", "add(java.lang.String,java.lang.String)", "del(java.lang.String)",
          "clear()", "reload()");
      MBeanInfo info = mbeans.getMBeanInfo(name(map(base)));
      assertThat(info.getDescriptor().getFieldValue("mxbean")).isEqualTo("true");
    }
    assertThat(invoke(map("rate_limits_per_second"), "show")).isEqualTo("premium 50\nstandard 25\nbasic 10\n");
    assertThat(invoke(map("api_key_groups"), "get", BASIC_KEY)).isEqualTo("basic");
    assertThat(invoke(map("api_key_groups"), "get", "NOSUCHKEY")).isNull();
  }

  @Test
  @Order(1)
  void mbeanInfo_overJmx_everyOperationAndParameterNamedAndDescribed() throws Exception {
    // Issue 13 item 13: JConsole showed p0, p1, p2 and "Operation exposed for management".
    Set<String> described = new java.util.HashSet<>(SPEC_NAMES);
    described.add(CONNECTION_LIMITER);
    for (String mbean : described) {
      MBeanInfo info = mbeans.getMBeanInfo(name(mbean));
      assertThat(info.getDescription()).as(mbean).isNotBlank().doesNotContain("Information on the management interface");
      for (MBeanAttributeInfo attribute : info.getAttributes()) {
        assertThat(attribute.getDescription()).as(mbean + " " + attribute.getName()).isNotBlank()
            .isNotEqualTo("Attribute exposed for management");
      }
      for (MBeanOperationInfo op : info.getOperations()) {
        assertThat(op.getDescription()).as(mbean + " " + signature(op)).isNotBlank()
            .isNotEqualTo("Operation exposed for management");
        for (MBeanParameterInfo p : op.getSignature()) {
          assertThat(p.getName()).as(mbean + " " + signature(op)).doesNotMatch("p\\d+");
          assertThat(p.getDescription()).as(mbean + " " + signature(op) + " " + p.getName()).isNotBlank()
              .isNotEqualTo(p.getName());
        }
      }
    }
    MBeanOperationInfo set = Arrays.stream(mbeans.getMBeanInfo(name(map("rate_limits_per_minute"))).getOperations())
        .filter(o -> o.getName().equals("set")).findFirst().orElseThrow();
    assertThat(Arrays.stream(set.getSignature()).map(MBeanParameterInfo::getName)).containsExactly("key", "value");
  }

  private static List<String> operations(String mbean) throws Exception {
    return Arrays.stream(mbeans.getMBeanInfo(name(mbean)).getOperations())
        .map(ManagementIT::signature).toList();
  }

  private static String signature(MBeanOperationInfo op) {
    return op.getName() + "(" + String.join(",", Arrays.stream(op.getSignature()).map(p -> p.getType()).toList()) + ")";
  }

  @Test
  @Order(2)
  void setMinuteLimit_overJmx_nextRequestsLimitedByIt_andFileBackupAuditWritten() throws Exception {
    invoke("s3gate:type=Table,name=api_keys", "clearKey", BASIC_KEY);
    long versionBefore = (Long) attribute("s3gate:type=Gateway", "ConfigVersion");
    String before = Files.readString(gateway.confDir.resolve("rate_limits_per_minute.map"));

    Object result = invoke(map("rate_limits_per_minute"), "set", "basic", "4");

    assertThat(result).asString().startsWith("rate_limits_per_minute.map: set basic 100 -> 4 (version "
        + (versionBefore + 1) + ")");
    assertThat(attribute("s3gate:type=Gateway", "ConfigVersion")).isEqualTo(versionBefore + 1);
    for (int i = 0; i < 4; i++) {
      assertThat(SigV4Requests.status(gateway.url(), "/jmx-bucket", BASIC_KEY)).as("request %d", i + 1).isEqualTo(403);
    }
    HttpResponse<String> denied = SigV4Requests.get(gateway.url(), "/jmx-bucket", BASIC_KEY);
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.body()).contains("<Message>Basic rate limit exceeded (4 requests/minute per API key)</Message>");
    assertThat(denied.headers().firstValue("X-RateLimit-Limit-Per-Minute")).hasValue("4");
    assertThat((Long) attribute("s3gate:type=Gateway", "Denied")).isGreaterThanOrEqualTo(1L);

    assertThat(Files.readString(gateway.confDir.resolve("rate_limits_per_minute.map")))
        .isEqualTo(before.replace("basic 100", "basic 4"));
    assertThat(backups("rate_limits_per_minute.map")).singleElement()
        .satisfies(b -> assertThat(Files.readString(b)).isEqualTo(before));
    assertThat(auditLines()).last().asString()
        .matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z map=rate_limits_per_minute.map op=set key=basic old=100 new=4 who=admin"
            + " version=" + (versionBefore + 1) + " removed=\"line \\d+: basic 100\"");
  }

  @Test
  @Order(3)
  void tableShow_filtersAndClearKey_letThrottledKeyThroughAtOnce() throws Exception {
    assertThat(SigV4Requests.status(gateway.url(), "/jmx-bucket", BASIC_KEY)).isEqualTo(429);
    String table = "s3gate:type=Table,name=api_keys";
    assertThat((String) invoke(table, "show")).startsWith("# table: api_keys, size: ")
        .containsPattern("(?m)^key=" + BASIC_KEY + " group=basic per_second=\\d+ per_minute=4 admitted_total=4"
            + " denied_total=\\d+ idle_millis=\\d+$");
    assertThat((String) invoke(table, "show", "per_minute", "ge", 4L)).contains("key=" + BASIC_KEY);
    assertThat((String) invoke(table, "show", "denied", "gt", 0L)).contains("key=" + BASIC_KEY);
    assertThat((String) invoke(table, "show", "per_minute", "gt", 1000L)).doesNotContain("key=");
    assertThatThrownBy(() -> invoke(table, "show", "bytes", "gt", 1L)).isInstanceOf(RuntimeMBeanException.class)
        .cause().hasMessageContaining("use per_second, per_minute, admitted, denied, bytes_in or bytes_out");

    assertThat(invoke(table, "clearKey", BASIC_KEY)).isEqualTo(true);
    assertThat(SigV4Requests.status(gateway.url(), "/jmx-bucket", BASIC_KEY)).isEqualTo(403);

    SigV4Requests.status(gateway.url(), "/jmx-bucket", STANDARD_KEY);
    assertThat((Integer) attribute(table, "Size")).isGreaterThanOrEqualTo(2);
    invoke(table, "clear");
    assertThat(attribute(table, "Size")).isEqualTo(0);
  }

  @Test
  @Order(4)
  void setBadValue_overJmx_refusedWithClearMessage_andNothingChanges() throws Exception {
    Path file = gateway.confDir.resolve("rate_limits_per_minute.map");
    String before = Files.readString(file);
    long version = (Long) attribute("s3gate:type=Gateway", "ConfigVersion");
    int backups = backups("rate_limits_per_minute.map").size();
    int audit = auditLines().size();

    assertThatThrownBy(() -> invoke(map("rate_limits_per_minute"), "set", "basic", "-7"))
        .isInstanceOf(RuntimeMBeanException.class).cause().isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rate_limits_per_minute.map:")
        .hasMessageContaining("group 'basic' has limit '-7': must be a whole number >= 0")
        .hasMessageContaining("nothing changed");
    MapMXBean proxy = JMX.newMXBeanProxy(mbeans, name(map("rate_limits_per_second")), MapMXBean.class);
    assertThatThrownBy(() -> proxy.set("premium", "fast")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("group 'premium' has limit 'fast'");

    assertThat(Files.readString(file)).isEqualTo(before);
    assertThat(attribute("s3gate:type=Gateway", "ConfigVersion")).isEqualTo(version);
    assertThat(backups("rate_limits_per_minute.map")).hasSize(backups);
    assertThat(auditLines()).hasSize(audit);
    assertThat(invoke(map("rate_limits_per_minute"), "get", "basic")).isEqualTo("4");
  }

  @Test
  @Order(5)
  void mapOperations_addGetDelClearReload_andOnDiskEditKept() throws Exception {
    String messages = map("error_messages");
    assertThat(invoke(messages, "add", "gold", "Gold tier, slow down")).asString()
        .startsWith("error_messages.map: add gold (absent) -> Gold tier, slow down");
    assertThat(invoke(messages, "get", "gold")).isEqualTo("Gold tier, slow down");
    assertThatThrownBy(() -> invoke(messages, "add", "gold", "again")).cause().hasMessageContaining("already there");
    assertThat(invoke(messages, "del", "gold")).asString().contains("-> (absent)");
    assertThat(invoke(messages, "get", "gold")).isNull();
    assertThatThrownBy(() -> invoke(messages, "del", "gold")).cause().hasMessageContaining("no key 'gold'");

    // An operator edits the file while the trigger has not run yet; a JMX edit right after keeps both.
    Path file = gateway.confDir.resolve("error_messages.map");
    Files.writeString(file, Files.readString(file) + "silver Silver tier\n");
    invoke(messages, "set", "premium", "Premium: slow down");
    assertThat(Files.readString(file)).contains("silver Silver tier", "premium Premium: slow down");
    assertThat(invoke(messages, "get", "silver")).isEqualTo("Silver tier");

    assertThat(invoke(messages, "clear")).asString().contains("4 entries -> 0 entries");
    assertThat(invoke(messages, "show")).isEqualTo("");
    assertThat(attribute(messages, "Entries")).isEqualTo(0);
    assertThat(invoke(messages, "reload")).asString().startsWith("UNCHANGED");

    Files.writeString(file, "premium Premium rate limit exceeded\nstandard Standard rate limit exceeded\n"
        + "basic Basic rate limit exceeded\n");
    // The background trigger may publish the edit first; reloadAll then rightly finds it unchanged.
    assertThat(String.valueOf(invoke("s3gate:type=Gateway", "reloadAll")))
        .matches("(?s)(PUBLISHED version.*error_messages\\.map.*|UNCHANGED.*)");
    assertThat(attribute(messages, "Entries")).isEqualTo(3);

    Files.writeString(file, "premium Premium rate limit exceeded\nbasic \n");
    assertThatThrownBy(() -> invoke("s3gate:type=Gateway", "reloadAll")).cause()
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("REJECTED")
        .hasMessageContaining("error_messages.map:2");
    assertThat((String) attribute(messages, "LastReloadError")).contains("error_messages.map:2");
    Files.writeString(file, "premium Premium rate limit exceeded\nstandard Standard rate limit exceeded\n"
        + "basic Basic rate limit exceeded\n");
    invoke(messages, "reload");
    assertThat(attribute(messages, "LastReloadError")).isNull();
    assertThat(auditLines()).anyMatch(l -> l.contains("map=error_messages.map op=clear key=- old=\"4 entries\""));
  }

  @Test
  @Order(6)
  void redeploy_stopAndStartWebAppContext_leavesExactlyOneSetOfMBeans() throws Exception {
    Set<ObjectName> contexts = mbeans.queryNames(name("*:type=webappcontext,*"), null);
    assertThat(contexts).as("Jetty's WebAppContext MBean").hasSize(1);
    ObjectName context = contexts.iterator().next();

    mbeans.invoke(context, "stop", new Object[0], new String[0]);
    assertThat(s3gateNames()).as("after stop").isEmpty();
    assertThat(mbeans.isRegistered(name(CONNECTION_LIMITER))).as("the server's component stays").isTrue();

    mbeans.invoke(context, "start", new Object[0], new String[0]);
    assertThat(s3gateNames()).as("after start").isEqualTo(canonical(SPEC_NAMES));

    // The new set is bound to the new deployment: it answers and governs requests.
    assertThat(invoke(map("rate_limits_per_minute"), "get", "basic")).isEqualTo("4");
    assertThat(attribute("s3gate:type=Table,name=api_keys", "Size")).isEqualTo(0);
    assertThat(SigV4Requests.status(gateway.url(), "/jmx-bucket", BASIC_KEY)).isEqualTo(403);
    assertThat((Integer) attribute("s3gate:type=Table,name=api_keys", "Size")).isEqualTo(1);
  }
}
