package org.s3gate.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

/** The connection-rate counts, with time advanced by hand (clocks near overflow included). */
class ConnectionCountsTest {
  private static final long WINDOW = 10_000_000_000L; // 10 s: slots of 1 s
  private static final long SLOT = WINDOW / ConnectionCounts.SLOTS;

  private static InetAddress ip(String text) throws Exception {
    return InetAddress.getByName(text);
  }

  @Test
  void tryAcquire_overLimit_refusedUntilTheAcceptedOnesAgeOut() throws Exception {
    for (long start : new long[] {0, Long.MAX_VALUE - 3 * WINDOW, Long.MIN_VALUE + 5}) {
      ConnectionCounts counts = new ConnectionCounts(100, WINDOW);
      InetAddress a = ip("192.0.2.1");
      for (int i = 0; i < 3; i++) {
        assertThat(counts.tryAcquire(a, 3, start + i)).isTrue();
      }
      assertThat(counts.tryAcquire(a, 3, start + 4)).as("the fourth within the window").isFalse();
      assertThat(counts.tryAcquire(ip("192.0.2.2"), 3, start + 4)).as("another IP").isTrue();
      assertThat(counts.rate(a, start + 5)).isEqualTo(3);
      // refused ones are not counted: a whole window after the accepted ones, all room is back
      long later = start + WINDOW + SLOT;
      assertThat(counts.rate(a, later)).isZero();
      for (int i = 0; i < 3; i++) {
        assertThat(counts.tryAcquire(a, 3, later + i)).isTrue();
      }
      assertThat(counts.tryAcquire(a, 3, later + 3)).isFalse();
    }
  }

  @Test
  void tryAcquire_slidingInTenths_neverMoreThanLimitPlusOneTenthInAnyWindow() throws Exception {
    ConnectionCounts counts = new ConnectionCounts(10, WINDOW);
    InetAddress a = ip("2001:db8::1");
    int limit = 10;
    int accepted = 0;
    long[] times = new long[1000];
    for (long t = 0; t < 3 * WINDOW; t += SLOT / 4) { // a client trying 4 times a slot
      if (counts.tryAcquire(a, limit, t)) {
        times[accepted++] = t;
      }
    }
    for (int i = 0; i < accepted; i++) { // every window starting at an accepted connection
      int inWindow = 0;
      for (int j = i; j < accepted && times[j] - times[i] < WINDOW; j++) {
        inWindow++;
      }
      assertThat(inWindow).isLessThanOrEqualTo(2 * limit);
    }
    assertThat(accepted).as("about limit per window over three windows").isBetween(3 * limit, 4 * limit);
  }

  @Test
  void insert_fullTable_sweepsIdleIpsFirst() throws Exception {
    ConnectionCounts counts = new ConnectionCounts(2, WINDOW);
    assertThat(counts.tryAcquire(ip("10.0.0.1"), 1, 0)).isTrue();
    assertThat(counts.tryAcquire(ip("10.0.0.2"), 1, 0)).isTrue();
    long idle = WINDOW + SLOT;
    assertThat(counts.tryAcquire(ip("10.0.0.3"), 1, idle)).as("after a sweep of the idle ones").isTrue();
    assertThat(counts.tryAcquire(ip("10.0.0.3"), 1, idle + 1)).as("now tracked").isFalse();
    assertThat(counts.size()).isEqualTo(1);
    assertThat(counts.rates(idle + 2, InetAddress::getHostAddress)).containsEntry("10.0.0.3", 1).hasSize(1);
    assertThat(counts.clear(ip("10.0.0.3"))).isTrue();
    assertThat(counts.size()).isZero();
  }

  @Test
  void fullTable_attackerSpreadFirst_cannotOpenMoreThanTheLimitFromANewAddress() throws Exception {
    // issue 15 review: once the table was full every new address was accepted untracked (fail open)
    ConnectionCounts counts = new ConnectionCounts(4, WINDOW);
    for (int i = 1; i <= 4; i++) {
      assertThat(counts.tryAcquire(ip("10.0.0." + i), 2, 0)).isTrue();
    }
    int accepted = 0;
    for (int i = 0; i < 10; i++) {
      if (counts.tryAcquire(ip("10.0.0.9"), 2, SLOT + i)) {
        accepted++;
      }
    }
    assertThat(accepted).as("the limit holds for an address arriving at a full table").isEqualTo(2);
    assertThat(counts.size()).as("bounded").isEqualTo(4);
    assertThat(counts.evictions()).isEqualTo(1);
  }

  @Test
  void fullTable_evictsTheLeastBusyAddress_keepsTheOneNearItsLimit() throws Exception {
    ConnectionCounts counts = new ConnectionCounts(2, WINDOW);
    assertThat(counts.tryAcquire(ip("10.0.0.1"), 3, 0)).isTrue();
    assertThat(counts.tryAcquire(ip("10.0.0.1"), 3, 0)).isTrue();
    assertThat(counts.tryAcquire(ip("10.0.0.2"), 3, 0)).isTrue();
    assertThat(counts.tryAcquire(ip("10.0.0.3"), 3, SLOT)).isTrue();
    assertThat(counts.rates(SLOT, InetAddress::getHostAddress)).containsOnlyKeys("10.0.0.1", "10.0.0.3");
    assertThat(counts.tryAcquire(ip("10.0.0.1"), 3, SLOT)).isTrue();
    assertThat(counts.tryAcquire(ip("10.0.0.1"), 3, SLOT)).as("its count survived the eviction").isFalse();
  }

  @Test
  void fullTableOfAddressesAtTheirLimit_newcomersShareOneOverflowBudget() throws Exception {
    ConnectionCounts counts = new ConnectionCounts(2, WINDOW);
    assertThat(counts.tryAcquire(ip("10.0.0.1"), 1, 0)).isTrue();
    assertThat(counts.tryAcquire(ip("10.0.0.2"), 1, 0)).isTrue();
    assertThat(counts.tryAcquire(ip("10.0.0.3"), 1, SLOT)).as("overflow budget").isTrue();
    assertThat(counts.tryAcquire(ip("10.0.0.4"), 1, SLOT)).as("overflow budget spent: refused, not failed open")
        .isFalse();
    assertThat(counts.tryAcquire(ip("10.0.0.1"), 1, SLOT)).as("the tracked one is still at its limit").isFalse();
    assertThat(counts.untracked()).isEqualTo(2);
    assertThat(counts.size()).isEqualTo(2);
  }
}
