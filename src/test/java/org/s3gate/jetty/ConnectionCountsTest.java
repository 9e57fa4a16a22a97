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
    assertThat(counts.evicted()).as("idle ones are swept, not evicted").isZero();
    assertThat(counts.rates(idle + 2)).containsEntry("10.0.0.3", 1).hasSize(1);
    assertThat(counts.clear(ip("10.0.0.3"))).isTrue();
    assertThat(counts.size()).isZero();
  }

  /**
   * The bypass this closes: with the table kept full by active addresses, a further address used
   * to be accepted untracked, i.e. unlimited. Now it evicts the least recently seen and is counted.
   */
  @Test
  void insert_fullTableOfActiveIps_evictsTheLeastRecentlySeenAndStillLimitsTheNewIp() throws Exception {
    ConnectionCounts counts = new ConnectionCounts(2, WINDOW);
    assertThat(counts.tryAcquire(ip("10.0.0.1"), 1, 0)).isTrue();
    assertThat(counts.tryAcquire(ip("10.0.0.2"), 1, SLOT)).isTrue();
    InetAddress newcomer = ip("10.0.0.3");
    assertThat(counts.tryAcquire(newcomer, 1, 2 * SLOT)).as("a new IP is let in").isTrue();
    for (int i = 1; i <= 5; i++) {
      assertThat(counts.tryAcquire(newcomer, 1, 2 * SLOT + i)).as("and limited like any other").isFalse();
    }
    assertThat(counts.size()).isEqualTo(2);
    assertThat(counts.evicted()).isEqualTo(1);
    assertThat(counts.rates(2 * SLOT + 9)).as("the oldest (10.0.0.1) made room")
        .containsOnlyKeys("10.0.0.2", "10.0.0.3");
  }

  /** A flood of distinct addresses: the table stays bounded and each new address is limited at once. */
  @Test
  void insert_floodOfDistinctIps_tableBoundedAndEveryIpCounted() throws Exception {
    ConnectionCounts counts = new ConnectionCounts(16, WINDOW);
    for (int i = 0; i < 5000; i++) {
      InetAddress ip = InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
      long now = i; // all within one window: nothing is idle
      assertThat(counts.tryAcquire(ip, 2, now)).isTrue();
      assertThat(counts.tryAcquire(ip, 2, now)).isTrue();
      assertThat(counts.tryAcquire(ip, 2, now)).as("address %d: its third connection", i).isFalse();
      assertThat(counts.size()).isLessThanOrEqualTo(16);
    }
    assertThat(counts.evicted()).isEqualTo(5000 - 16);
  }
}
