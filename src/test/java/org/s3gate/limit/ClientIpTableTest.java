package org.s3gate.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;

import org.junit.jupiter.api.Test;

class ClientIpTableTest {
  private static final long SECOND = 1_000_000_000L;
  /** Near overflow, so any comparison that is not by subtraction breaks. */
  private static final long T0 = Long.MAX_VALUE - 30 * SECOND;
  private static final String IP = "192.0.2.7";

  private static ClientIpTable table(int capacity) {
    return new ClientIpTable(capacity, Duration.ofSeconds(10));
  }

  @Test
  void tryAcquire_limitRequests_admitsExactlyTheLimitPerWindowThenDeniesWithRetry() {
    ClientIpTable table = table(10);
    for (int i = 0; i < 100; i++) {
      assertThat(table.tryAcquire(IP, 100, 0, 0, false, T0 + i).verdict()).isEqualTo(IpVerdict.ADMITTED);
    }
    IpDecision over = table.tryAcquire(IP, 100, 0, 0, false, T0 + 100);

    assertThat(over.verdict()).isEqualTo(IpVerdict.LIMITED);
    assertThat(over.requests()).isEqualTo(100);
    assertThat(over.retryAfterNanos()).isBetween(10 * SECOND - 100, 11 * SECOND);
    assertThat(table.tryAcquire(IP, 100, 0, 0, false, T0 + over.retryAfterNanos() + 100).admitted()).isTrue();
  }

  @Test
  void tryAcquire_limitOff_admitsEverything_andOtherIpsHaveTheirOwnCounts() {
    ClientIpTable table = table(10);
    for (int i = 0; i < 1000; i++) {
      assertThat(table.tryAcquire(IP, 0, 0, 0, false, T0).admitted()).isTrue();
    }
    assertThat(table.tryAcquire("2001:db8::1", 1, 0, 0, false, T0).admitted()).isTrue();
    assertThat(table.tryAcquire("2001:db8::1", 1, 0, 0, false, T0).admitted()).isFalse();
    assertThat(table.usage(IP, T0).requests()).isEqualTo(1000);
  }

  @Test
  void tryAcquire_tarpit_onlyWhenBothRequestsAndErrorsAreOver() {
    ClientIpTable table = table(10);
    for (int i = 0; i < 20; i++) {
      assertThat(table.tryAcquire(IP, 0, 20, 5, false, T0).admitted()).as("request %d", i).isTrue();
    }
    assertThat(table.tryAcquire(IP, 0, 20, 5, false, T0).admitted()).as("requests over, errors not").isTrue();
    for (int i = 0; i < 5; i++) {
      table.recordError(IP, T0);
    }
    assertThat(table.tryAcquire(IP, 0, 20, 5, false, T0).admitted()).as("errors at, not over").isTrue();
    table.recordError(IP, T0);

    IpDecision tarpit = table.tryAcquire(IP, 0, 20, 5, false, T0);
    assertThat(tarpit.verdict()).isEqualTo(IpVerdict.TARPIT);
    assertThat(tarpit.errors()).isEqualTo(6);
    assertThat(table.tryAcquire(IP, 0, 0, 5, false, T0).admitted()).as("tarpit off without its request threshold")
        .isTrue();
    assertThat(table.tryAcquire(IP, 0, 20, 5, false, T0 + 11 * SECOND).admitted()).as("window passed").isTrue();
  }

  @Test
  void tryAcquire_countDenied_countsRefusedRequestsToo() {
    ClientIpTable table = table(10);
    table.tryAcquire(IP, 1, 0, 0, true, T0);
    table.tryAcquire(IP, 1, 0, 0, true, T0);
    table.tryAcquire(IP, 1, 0, 0, true, T0);

    ClientIpUsage usage = table.usage(IP, T0);
    assertThat(usage.requests()).isEqualTo(3);
    assertThat(usage.admittedTotal()).isEqualTo(1);
    assertThat(usage.deniedTotal()).isEqualTo(2);
  }

  @Test
  void refund_takesBackTheCharge() {
    ClientIpTable table = table(10);
    table.tryAcquire(IP, 1, 0, 0, false, T0);
    assertThat(table.refund(IP, T0)).isTrue();

    assertThat(table.tryAcquire(IP, 1, 0, 0, false, T0 + 1).admitted()).isTrue();
    assertThat(table.refund("198.51.100.1", T0)).isFalse();
  }

  @Test
  void refund_ofAChargeMadeBeforeTheAddressWasCleared_takesNothingFromTheNewEntry() {
    ClientIpTable table = table(10);
    table.tryAcquire(IP, 1, 0, 0, false, T0);
    assertThat(table.clearKey(IP)).isTrue();
    assertThat(table.tryAcquire(IP, 1, 0, 0, false, T0 + 1000).admitted()).isTrue();

    assertThat(table.refund(IP, T0)).as("the charge was never in the new entry").isFalse();
    assertThat(table.tryAcquire(IP, 1, 0, 0, false, T0 + 2000).admitted()).isFalse();
  }

  /** Random arrivals against an exact sliding log: never more admitted than the limit in any window. */
  @Test
  void randomTraffic_neverAdmitsMoreThanTheLimitInAnySlidingWindow() {
    Random random = new Random(15);
    for (int run = 0; run < 20; run++) {
      ClientIpTable table = table(4);
      int limit = 1 + random.nextInt(40);
      Deque<Long> admitted = new ArrayDeque<>();
      long now = T0;
      int admittedCount = 0;
      for (int i = 0; i < 3000; i++) {
        now += random.nextInt(50_000_000);
        if (table.tryAcquire(IP, limit, 0, 0, false, now).admitted()) {
          admitted.addLast(now);
          admittedCount++;
        }
        while (!admitted.isEmpty() && now - admitted.peekFirst() >= 10 * SECOND) {
          admitted.removeFirst();
        }
        assertThat(admitted.size()).as("run %d, limit %d, request %d", run, limit, i).isLessThanOrEqualTo(limit);
      }
      assertThat(admittedCount).as("run %d admits something", run).isGreaterThan(limit);
    }
  }

  @Test
  void fullTable_evictsTheLeastRecentlySeenFirst_andStaysBounded() {
    ClientIpTable table = table(100);
    for (int i = 0; i < 100; i++) {
      table.tryAcquire("10.0.0." + i, 0, 0, 0, false, T0 + i * 1_000_000L);
    }
    table.tryAcquire("10.0.0.0", 0, 0, 0, false, T0 + SECOND); // seen again: now the most recent
    table.tryAcquire("10.0.1.0", 0, 0, 0, false, T0 + SECOND);

    assertThat(table.size()).isLessThanOrEqualTo(100);
    assertThat(table.evictions()).isEqualTo(1);
    assertThat(table.usage("10.0.0.0", T0 + SECOND)).isNotNull();
    assertThat(table.usage("10.0.0.1", T0 + SECOND)).as("the least recently seen").isNull();
  }

  @Test
  void expireIdle_dropsIdleIpsWithEmptyWindowsOnly() {
    ClientIpTable table = table(10);
    table.tryAcquire(IP, 0, 0, 0, false, T0);
    table.tryAcquire("192.0.2.8", 0, 0, 0, false, T0 + 20 * SECOND);

    assertThat(table.expireIdle(15 * SECOND, T0 + 25 * SECOND)).isEqualTo(1);
    assertThat(table.usage(IP, T0 + 25 * SECOND)).isNull();
    assertThat(table.usage("192.0.2.8", T0 + 25 * SECOND)).isNotNull();
  }

  @Test
  void clearKey_andClear_forgetCounts() {
    ClientIpTable table = table(10);
    table.tryAcquire(IP, 1, 0, 0, false, T0);
    table.tryAcquire("192.0.2.8", 1, 0, 0, false, T0);

    assertThat(table.clearKey(IP)).isTrue();
    assertThat(table.tryAcquire(IP, 1, 0, 0, false, T0).admitted()).isTrue();
    table.clear();
    assertThat(table.size()).isZero();
  }
}
