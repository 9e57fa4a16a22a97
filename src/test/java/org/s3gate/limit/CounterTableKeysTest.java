package org.s3gate.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The slab table's key handling: colliding {@code String.hashCode}s, keys stored inline and in
 * side pages, slots reused after eviction and clearing, and backward-shift deletion keeping every
 * remaining key findable.
 */
class CounterTableKeysTest {

  private static final long MS = 1_000_000L;

  @Test
  void tryAcquire_keysWithOneStringHashCode_eachCountedOnItsOwn() {
    CounterTable table = new CounterTable(10_000);
    List<String> keys = new ArrayList<>(collidingKeys(10)); // 1,024 keys of 20 chars: inline
    keys.addAll(collidingKeys(12)); // 4,096 of 24 chars: side pages
    assertThat(keys.stream().map(String::hashCode).distinct()).hasSize(2);

    for (String key : keys) {
      assertThat(table.tryAcquire(key, 5, 2, false, 0).admitted()).isTrue();
    }
    for (String key : keys) {
      assertThat(table.tryAcquire(key, 5, 2, false, MS).currentPerMinute()).as(key).isEqualTo(2);
    }

    assertThat(table.size()).isEqualTo(keys.size());
    for (String key : keys) {
      assertThat(table.tryAcquire(key, 5, 2, false, 2 * MS).admitted()).as(key).isFalse();
    }
    assertThat(table.snapshot(2 * MS)).extracting(KeyUsage::key).containsExactlyInAnyOrderElementsOf(keys);
  }

  @Test
  void tryAcquire_longAndNonLatin1Keys_keptApartFromTheirPrefixes() {
    CounterTable table = new CounterTable(100);
    String ipv6 = "anonymous@2001:db8:85a3:8d3:1319:8a2e:370:7348";
    String key23 = "ABCDEFGHIJKLMNOPQRSTUVW";
    String key24 = key23 + "X";
    String wide = "k\u0141\u20ac";
    String lowOfWide = "kA\u00ac"; // the low bytes of wide's chars
    for (String key : List.of(ipv6, key23, key24, wide, lowOfWide, "")) {
      assertThat(table.tryAcquire(key, 1, 10, false, 0).admitted()).as(key).isTrue();
    }
    for (String key : List.of(ipv6, key23, key24, wide, lowOfWide, "")) {
      assertThat(table.tryAcquire(key, 1, 10, false, 0).admitted()).as(key).isFalse();
      assertThat(table.peek(key, 0).currentPerMinute()).as(key).isEqualTo(1);
    }
    assertThat(table.snapshot(0)).extracting(KeyUsage::key)
        .containsExactly("", key23, key24, ipv6, lowOfWide, wide);

    assertThat(table.clearKey(ipv6)).isTrue();
    assertThat(table.clearKey(wide)).isTrue();
    assertThat(table.peek(ipv6, 0).currentPerMinute()).isZero();
    assertThat(table.peek(lowOfWide, 0).currentPerMinute()).isEqualTo(1);
  }

  @Test
  void tryAcquire_slotsReusedAfterEviction_newKeysStartEmptyAndOldOnesAreGone() {
    CounterTable table = new CounterTable(50);
    for (int round = 0; round < 20; round++) {
      for (int i = 0; i < 50; i++) {
        String key = "r" + round + "-" + i + (i % 7 == 0 ? "-a-key-longer-than-23-chars" : "");
        Decision first = table.tryAcquire(key, 5, 50, false, (round * 50L + i) * MS);
        assertThat(first.currentPerMinute()).as(key).isEqualTo(1);
        assertThat(table.size()).isLessThanOrEqualTo(50);
      }
    }
    assertThat(table.evictions()).isEqualTo(20 * 50 - table.size());
    assertThat(table.peek("r0-1", 1_000 * MS).currentPerMinute()).isZero();
    assertThat(table.snapshot(1_000 * MS)).extracting(KeyUsage::key).allMatch(k -> k.startsWith("r19-"));
  }

  @Test
  void clearKey_randomHalfOfManyKeys_restStillFoundWithTheirCounts() {
    CounterTable table = new CounterTable(40_000);
    Random random = new Random(7);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 30_000; i++) {
      String key = "AKIA" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
      keys.add(key);
      table.tryAcquire(key, 100, 100, false, 0);
      table.tryAcquire(key, 100, 100, false, 0);
    }
    Set<String> cleared = new HashSet<>();
    for (int pass = 0; pass < 3; pass++) {
      for (String key : keys) {
        if (!cleared.contains(key) && random.nextBoolean()) {
          assertThat(table.clearKey(key)).isTrue();
          cleared.add(key);
        }
      }
      for (String key : keys) {
        assertThat(table.peek(key, 0).currentPerMinute()).as(key)
            .isEqualTo(cleared.contains(key) ? 0 : 2);
      }
    }
    assertThat(table.size()).isEqualTo(keys.size() - cleared.size());
    assertThat(table.expireIdle(0, 0)).isZero();
    assertThat(table.expireIdle(61_000 * MS, 61_000 * MS)).isEqualTo(keys.size() - cleared.size());
    assertThat(table.size()).isZero();
  }

  @Test
  void clear_thenRefill_everyKeyStartsEmpty() {
    CounterTable table = new CounterTable(1_000);
    for (int i = 0; i < 1_000; i++) {
      table.tryAcquire("k" + i, 1, 1, false, 0);
      assertThat(table.tryEnter("k" + i, 0, 0)).isTrue();
    }
    table.clear();
    assertThat(table.size()).isZero();
    for (int i = 0; i < 1_000; i++) {
      assertThat(table.tryAcquire("k" + i, 1, 1, false, 0).admitted()).isTrue();
      assertThat(table.inFlight("k" + i)).isZero();
    }
    assertThat(table.size()).isEqualTo(1_000);
    assertThat(table.evictions()).isZero();
  }

  /** {@code 2^pairs} strings of "Aa"/"BB" pairs: all share one {@code String.hashCode}. */
  private static List<String> collidingKeys(int pairs) {
    List<String> keys = new ArrayList<>();
    for (int bits = 0; bits < 1 << pairs; bits++) {
      StringBuilder key = new StringBuilder();
      for (int i = 0; i < pairs; i++) {
        key.append((bits >> i & 1) == 0 ? "Aa" : "BB");
      }
      keys.add(key.toString());
    }
    return keys;
  }
}
