package org.s3gate.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class BackendPoolTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  private static List<URI> urls(String... urls) {
    return java.util.Arrays.stream(urls).map(URI::create).toList();
  }

  private static List<String> picks(BackendPool pool, int count) {
    List<String> picked = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Backend backend = pool.next();
      picked.add(backend == null ? null : backend.origin());
    }
    return picked;
  }

  @Test
  void next_allPrimariesUp_roundRobinsOverPrimariesOnly() {
    BackendPool pool = new BackendPool(urls("http://a:9000", "http://b:9000"), urls("http://c:9000"));

    assertThat(picks(pool, 4)).containsExactly("http://a:9000", "http://b:9000", "http://a:9000", "http://b:9000");
  }

  @Test
  void next_onePrimaryDown_skipsIt() {
    BackendPool pool = new BackendPool(urls("http://a:9000", "http://b:9000", "http://dead:1"), List.of());
    pool.backends().get(2).markDown("connect failed", T0);

    assertThat(picks(pool, 6)).doesNotContain("http://dead:1").contains("http://a:9000", "http://b:9000");
  }

  @Test
  void next_allPrimariesDown_usesBackupsUntilAPrimaryIsBack() {
    BackendPool pool = new BackendPool(urls("http://a:9000"), urls("http://c:9000", "http://d:9000"));
    Backend primary = pool.backends().get(0);
    primary.markDown("connect failed", T0);

    assertThat(picks(pool, 4)).containsOnly("http://c:9000", "http://d:9000").contains("http://c:9000", "http://d:9000");

    primary.recordCheck(null, 1, 3, T0);
    assertThat(picks(pool, 3)).containsOnly("http://a:9000");
  }

  @Test
  void next_nothingUp_returnsNull() {
    BackendPool pool = new BackendPool(urls("http://a:9000"), urls("http://c:9000"));
    pool.backends().forEach(b -> b.markDown("connect failed", T0));

    assertThat(pool.next()).isNull();
    assertThat(pool.anyUp()).isFalse();
  }

  @Test
  void recordCheck_firstResult_appliesDirectly() {
    BackendPool pool = new BackendPool(urls("http://a:9000", "http://b:9000"), List.of());
    Backend a = pool.backends().get(0);
    Backend b = pool.backends().get(1);

    assertThat(a.recordCheck("refused", 2, 3, T0)).isTrue();
    assertThat(b.recordCheck(null, 2, 3, T0)).isFalse();

    assertThat(a.isUp()).isFalse();
    assertThat(a.health().lastError()).isEqualTo("refused");
    assertThat(b.isUp()).isTrue();
  }

  @Test
  void recordCheck_upBackend_goesDownAfterFallFailuresInARow() {
    Backend backend = new BackendPool(urls("http://a:9000"), List.of()).backends().get(0);
    backend.recordCheck(null, 2, 3, T0);

    assertThat(backend.recordCheck("timeout", 2, 3, T0)).isFalse();
    assertThat(backend.recordCheck(null, 2, 3, T0)).isFalse(); // a pass restarts the count
    assertThat(backend.recordCheck("timeout", 2, 3, T0)).isFalse();
    assertThat(backend.recordCheck("timeout", 2, 3, T0)).isFalse();
    assertThat(backend.isUp()).isTrue();
    assertThat(backend.recordCheck("timeout", 2, 3, T0.plusSeconds(3))).isTrue();

    assertThat(backend.health()).isEqualTo(new Backend.Health(false, T0.plusSeconds(3), "timeout"));
  }

  @Test
  void recordCheck_downBackend_comesBackAfterRisePassesInARow() {
    Backend backend = new BackendPool(urls("http://a:9000"), List.of()).backends().get(0);
    backend.recordCheck("refused", 2, 3, T0);

    assertThat(backend.recordCheck(null, 2, 3, T0)).isFalse();
    assertThat(backend.recordCheck("refused", 2, 3, T0)).isFalse();
    assertThat(backend.recordCheck(null, 2, 3, T0)).isFalse();
    assertThat(backend.recordCheck(null, 2, 3, T0.plusSeconds(5))).isTrue();

    assertThat(backend.health()).isEqualTo(new Backend.Health(true, T0.plusSeconds(5), null));
  }

  @Test
  void markDown_upBackend_ejectsAtOnceAndNeedsRisePassesToReturn() {
    Backend backend = new BackendPool(urls("http://a:9000"), List.of()).backends().get(0);
    backend.recordCheck(null, 2, 3, T0);
    backend.recordCheck(null, 2, 3, T0); // a long run of passes must not count after the ejection

    assertThat(backend.markDown("connect failed", T0)).isTrue();
    assertThat(backend.markDown("connect failed", T0)).isFalse();
    assertThat(backend.recordCheck(null, 2, 3, T0)).isFalse();
    assertThat(backend.recordCheck(null, 2, 3, T0)).isTrue();
  }

  @Test
  void states_listEachBackendWithRoleAndState() {
    BackendPool pool = new BackendPool(urls("http://a:9000"), urls("http://c"));
    pool.backends().get(0).markDown("connect failed", T0);

    assertThat(pool.states()).extracting(BackendPool.BackendState::url, BackendPool.BackendState::role,
        BackendPool.BackendState::up)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("http://a:9000", "primary", false),
            org.assertj.core.groups.Tuple.tuple("http://c:80", "backup", true));
    assertThat(pool.describe().get(0)).isEqualTo("http://a:9000 primary DOWN since " + T0 + " (connect failed)");
  }
}
