package org.s3gate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;

/** {@code redis-cluster://} URIs as seed lists (no Redis needed). */
class ClusterSeedsTest {

  @Test
  void clusterSeeds_hostsPasswordAndTls_oneUriPerSeedWithTheAdminTimeout() {
    List<RedisURI> seeds = ClusterSeeds.of("rediss-cluster://:s3cret@r1:7000, r2:7001");
    assertThat(seeds).extracting(u -> u.getHost() + ":" + u.getPort() + " tls=" + u.isSsl())
        .containsExactly("r1:7000 tls=true", "r2:7001 tls=true");
    assertThat(seeds).allSatisfy(u -> {
      assertThat(new String(u.getCredentialsProvider().resolveCredentials().block().getPassword())).isEqualTo("s3cret");
      assertThat(u.getTimeout()).as("what a topology refresh waits for one node").isEqualTo(RedisLink.ADMIN_TIMEOUT);
    });
  }

  @Test
  void clusterSeeds_timeoutInTheUri_kept() {
    assertThat(ClusterSeeds.of("redis-cluster://h1:7000?timeout=2s").get(0).getTimeout())
        .isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void clusterSeeds_noHost_refused() {
    assertThatThrownBy(() -> ClusterSeeds.of("redis-cluster://")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names no cluster node");
  }
}
