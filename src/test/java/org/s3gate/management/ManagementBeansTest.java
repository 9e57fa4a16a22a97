package org.s3gate.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.JMX;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.policy.MapFile;
import org.s3gate.runtime.Gateway;
import org.s3gate.runtime.TestGateways;

class ManagementBeansTest {

  @TempDir
  Path dir;

  private final MBeanServer server = MBeanServerFactory.newMBeanServer();
  private Gateway gateway;

  @AfterEach
  void closeConfig() {
    if (gateway != null) {
      gateway.config().close();
    }
  }

  @Test
  void register_twice_replacesLeftoversSoExactlyOneSetRemains_andCloseUnregistersAll() throws Exception {
    gateway = TestGateways.start(dir, 10);
    ManagementBeans first = ManagementBeans.register(gateway, server);
    ManagementBeans second = ManagementBeans.register(gateway, server); // a redeploy whose predecessor leaked
    int beans = 4 + org.s3gate.policy.MapFile.values().length; // the gateway, api_keys, client_ips, buckets, one per map
    assertThat(server.queryNames(ObjectNames.of(ObjectNames.DOMAIN + ":*"), null)).hasSize(beans);
    first.close(); // the old deployment's late stop must not remove the new deployment's MBeans
    assertThat(server.queryNames(ObjectNames.of(ObjectNames.DOMAIN + ":*"), null)).hasSize(beans);
    assertThat(JMX.newMXBeanProxy(server, ObjectNames.of(ObjectNames.GATEWAY), GatewayMXBean.class)
        .getConfigVersion()).isEqualTo(1);
    second.close();
    second.close();
    assertThat(server.queryNames(ObjectNames.of(ObjectNames.DOMAIN + ":*"), null)).isEmpty();
  }

  @Test
  void tableShow_formatAndFilters() throws Exception {
    gateway = TestGateways.start(dir, 10);
    long[] nowNanos = {TimeUnit.SECONDS.toNanos(100)};
    TableControl table = new TableControl(ObjectNames.API_KEYS, gateway.table(), gateway, () -> nowNanos[0]);
    for (int i = 0; i < 12; i++) {
      gateway.table().tryAcquire("K3", 10, 100, false, nowNanos[0]);
    }
    gateway.table().tryAcquire("a b=%", 10, 100, false, nowNanos[0]);
    nowNanos[0] += TimeUnit.MILLISECONDS.toNanos(250);

    assertThat(table.show()).isEqualTo("# table: api_keys, size: 2, capacity: 10, shown: 2\n"
        + "key=K3 group=basic per_second=10 per_minute=10 admitted_total=10 denied_total=2 idle_millis=250\n"
        + "key=a%20b%3D%25 group=unknown per_second=1 per_minute=1 admitted_total=1 denied_total=0 idle_millis=250\n");
    assertThat(table.show("denied", "gt", 0)).contains("key=K3").doesNotContain("key=a%20");
    assertThat(table.show("PER_MINUTE", "le", 1)).contains("shown: 1").contains("key=a%20");
    assertThat(table.show("per_second", "eq", 7)).isEqualTo("# table: api_keys, size: 2, capacity: 10, shown: 0\n");
    assertThatThrownBy(() -> table.show("per_minute", "above", 1)).hasMessageContaining("use gt, ge, lt, le, eq or ne");
    gateway.table().tryAcquire("K3 write", 10, 100, false, nowNanos[0]); // K3's write-class counter
    assertThat(table.clearKey("K3")).isTrue();
    assertThat(table.clearKey("K3")).isFalse();
    assertThat(table.getSize()).as("K3 and its class counter are gone").isEqualTo(1);
  }

  @Test
  void mapBean_setThroughProxy_publishesAndReportsStatus() throws Exception {
    gateway = TestGateways.start(dir, 10);
    ManagementBeans beans = ManagementBeans.register(gateway, server);
    MapMXBean perSecond = JMX.newMXBeanProxy(server, ObjectNames.of(ObjectNames.map(MapFile.LIMITS_PER_SECOND)),
        MapMXBean.class);
    assertThat(perSecond.show()).isEqualTo("premium 50\nbasic 10\n");
    assertThat(perSecond.set("basic", "4")).startsWith("rate_limits_per_second.map: set basic 10 -> 4 (version 2)");
    assertThat(gateway.policy().policyForKey("K3").limitPerSecond()).isEqualTo(4);
    assertThat(perSecond.getEntries()).isEqualTo(2);
    assertThat(perSecond.getFile()).isEqualTo(dir.resolve("rate_limits_per_second.map").toAbsolutePath().toString());
    assertThatThrownBy(() -> perSecond.set("basic", "x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("group 'basic' has limit 'x'");
    GatewayMXBean gatewayBean = JMX.newMXBeanProxy(server, ObjectNames.of(ObjectNames.GATEWAY), GatewayMXBean.class);
    assertThat(gatewayBean.getConfigVersion()).isEqualTo(2);
    assertThat(gatewayBean.reloadAll()).isEqualTo("UNCHANGED version 2");
    beans.close();
  }

  @Test
  void mxbeanInterfaces_everyMethodAndParameterHasADescription_andEveryParameterAName() {
    for (Class<?> mxbean : List.of(GatewayMXBean.class, TableMXBean.class, MapMXBean.class)) {
      assertThat(mxbean.getAnnotation(Description.class)).as(mxbean.getSimpleName()).isNotNull();
      for (Method m : mxbean.getMethods()) {
        assertThat(m.getAnnotation(Description.class)).as(m.toString()).isNotNull();
        assertThat(m.getAnnotation(Description.class).value()).as(m.toString()).isNotBlank();
        for (Parameter p : m.getParameters()) {
          Description d = p.getAnnotation(Description.class);
          assertThat(d).as(p + " of " + m).isNotNull();
          assertThat(d.name()).as(p + " of " + m).matches("[a-z][a-zA-Z]*");
          assertThat(d.value()).as(p + " of " + m).isNotBlank();
        }
      }
    }
  }

  @Test
  void register_mbeanInfo_carriesNamesAndDescriptionsOfTheInterfaces() throws Exception {
    gateway = TestGateways.start(dir, 10);
    try (ManagementBeans beans = ManagementBeans.register(gateway, server)) {
      MBeanInfo table = server.getMBeanInfo(ObjectNames.of(ObjectNames.TABLE));
      assertThat(table.getDescription()).startsWith("The live counters of one table");
      MBeanOperationInfo filtered = Arrays.stream(table.getOperations())
          .filter(o -> o.getName().equals("show") && o.getSignature().length == 3).findFirst().orElseThrow();
      assertThat(filtered.getDescription()).startsWith("The keys whose counter compares to a value");
      assertThat(Arrays.stream(filtered.getSignature()).map(MBeanParameterInfo::getName)).containsExactly("data", "op",
          "value");
      assertThat(filtered.getSignature()[1].getDescription()).isEqualTo("The comparison: gt, ge, lt, le, eq or ne");
      assertThat(Arrays.stream(table.getAttributes()).filter(a -> a.getName().equals("Capacity")).findFirst()
          .orElseThrow().getDescription()).isEqualTo("The most keys the table holds (table.size, fixed at start)");
    }
  }
}
