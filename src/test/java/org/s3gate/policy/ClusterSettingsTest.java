package org.s3gate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.s3gate.policy.PolicyTestFiles.file;
import static org.s3gate.policy.PolicyTestFiles.sources;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** {@code counters.store}, {@code redis.*} and {@code cluster.instances}: parsing, errors, restart rule. */
class ClusterSettingsTest {

  private static Compilation compile(String... gatewayLines) {
    return PolicyCompiler.compile(sources(file("gateway.properties", gatewayLines), file("api_key_groups.map"),
        file("rate_limits_per_minute.map"), file("rate_limits_per_second.map"), file("error_messages.map")), 1, null);
  }

  @Test
  void compile_defaults_areLocalWithATwentyMillisecondTimeoutAndLocalFallback() {
    ClusterSettings c = compile().snapshot().settings().cluster();
    assertThat(c.store()).isEqualTo(ClusterSettings.Store.LOCAL);
    assertThat(c.redisTimeout()).isEqualTo(Duration.ofMillis(20));
    assertThat(c.redisFailure()).isEqualTo(ClusterSettings.Failure.LOCAL);
    assertThat(c.clusterInstances()).isEqualTo(1);
  }

  @Test
  void compile_redisStore_parsesEverySetting() {
    ClusterSettings c = compile("counters.store redis", "redis.uri redis-sentinel://:pw@h1:26379,h2:26379#main",
        "redis.timeout 50ms", "redis.failure closed", "cluster.instances 3").snapshot().settings().cluster();
    assertThat(c.store()).isEqualTo(ClusterSettings.Store.REDIS);
    assertThat(c.redisUri()).isEqualTo("redis-sentinel://:pw@h1:26379,h2:26379#main");
    assertThat(c.redisUriForDisplay()).isEqualTo("redis-sentinel://***@h1:26379,h2:26379#main");
    assertThat(c.redisTimeout()).isEqualTo(Duration.ofMillis(50));
    assertThat(c.redisFailure()).isEqualTo(ClusterSettings.Failure.CLOSED);
    assertThat(c.clusterInstances()).isEqualTo(3);
  }

  @Test
  void compile_badValues_areErrorsNamingFileLineKeyAndRule_andNeverThePassword() {
    Compilation c = compile("counters.store shared", "redis.uri http://user:secret@h:6379", "redis.timeout 10s",
        "redis.failure maybe", "cluster.instances 0");
    assertThat(c.snapshot()).isNull();
    assertThat(c.errors()).anySatisfy(e -> assertThat(e).startsWith("gateway.properties:1: counters.store")
        .contains("must be local or redis"));
    assertThat(c.errors()).anySatisfy(e -> assertThat(e).startsWith("gateway.properties:2: redis.uri")
        .contains("redis://").doesNotContain("secret"));
    assertThat(c.errors()).anySatisfy(e -> assertThat(e).startsWith("gateway.properties:3: redis.timeout")
        .contains("at most 5s"));
    assertThat(c.errors()).anySatisfy(e -> assertThat(e).startsWith("gateway.properties:4: redis.failure")
        .contains("open, closed or local"));
    assertThat(c.errors()).anySatisfy(e -> assertThat(e).startsWith("gateway.properties:5: cluster.instances"));
    assertThat(String.join("\n", c.errors())).doesNotContain("secret");
  }

  @Test
  void compile_redisStoreWithoutUri_isAnError() {
    Compilation c = compile("counters.store redis");
    assertThat(c.snapshot()).isNull();
    assertThat(c.errors()).anySatisfy(e -> assertThat(e).contains("redis.uri").contains("must name the Redis server"));
  }

  @Test
  void compile_clusterSettingsChanged_needRestart_andTheWarningHidesThePassword() {
    GatewaySettings running = compile().snapshot().settings();
    Compilation c = PolicyCompiler.compile(sources(file("gateway.properties", "counters.store redis",
        "redis.uri redis://:topsecret@h:6379", "redis.failure open"), file("api_key_groups.map"),
        file("rate_limits_per_minute.map"), file("rate_limits_per_second.map"), file("error_messages.map")), 2, running);
    assertThat(c.snapshot().settings().cluster()).isEqualTo(running.cluster());
    assertThat(c.warnings()).hasSize(3).allSatisfy(w -> assertThat(w).contains("needs a restart"));
    assertThat(String.join("\n", c.warnings())).doesNotContain("topsecret").contains("redis://***@h:6379");
  }
}
