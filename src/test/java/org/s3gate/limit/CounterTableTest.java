package org.s3gate.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CounterTableTest {

  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000 * MS;
  private static final long NEAR_OVERFLOW = Long.MAX_VALUE - 500 * MS;

  private final CounterTable table = new CounterTable(1_000);

  @Test
  void tryAcquire_underLimits_admitsAndReportsCounts() {
    Decision first = table.tryAcquire("k", 5, 50, false, 0);
    Decision second = table.tryAcquire("k", 5, 50, false, 10 * MS);

    assertThat(first.admitted()).isTrue();
    assertThat(second.currentPerSecond()).isEqualTo(2);
    assertThat(second.currentPerMinute()).isEqualTo(2);
    assertThat(second.retryAfterNanos()).isZero();
    assertThat(second.trippedWindow()).isNull();
  }

  @Test
  void tryAcquire_perSecondLimitReached_deniesWithSecondWindow() {
    admit("k", 3, 3, 100, NEAR_OVERFLOW);

    Decision denied = table.tryAcquire("k", 3, 100, false, NEAR_OVERFLOW);

    assertThat(denied.admitted()).isFalse();
    assertThat(denied.trippedWindow()).isEqualTo(LimitWindow.SECOND);
    assertThat(denied.currentPerSecond()).isEqualTo(3);
    // all three were made at the same instant, so they leave the window together exactly 1 s later
    assertThat(denied.retryAfterNanos()).isEqualTo(1_000 * MS);
    assertThat(denied.retryAfterSeconds()).isEqualTo(1);
    assertThat(denied.retryAfterMillis()).isEqualTo(1_000);
  }

  @Test
  void tryAcquire_perMinuteLimitReached_deniesWithMinuteWindowUntilOldestLeaves() {
    for (int i = 0; i < 4; i++) {
      assertThat(table.tryAcquire("k", 10, 4, false, i * 10 * SECOND).admitted()).isTrue();
    }

    Decision denied = table.tryAcquire("k", 10, 4, false, 45 * SECOND);

    assertThat(denied.trippedWindow()).isEqualTo(LimitWindow.MINUTE);
    assertThat(denied.currentPerMinute()).isEqualTo(4);
    // a limit of 4 is under the ring's 16 cells: one request a cell, an exact log; 0 s leaves at 60 s
    assertThat(denied.retryAfterNanos()).isEqualTo(60 * SECOND - 45 * SECOND);
    assertThat(denied.retryAfterSeconds()).isEqualTo(15);
  }

  @Test
  void tryAcquire_bothWindowsFull_reportsTheLongerWait() {
    admit("k", 2, 2, 2, 0);

    Decision denied = table.tryAcquire("k", 2, 2, false, 0);

    assertThat(denied.trippedWindow()).isEqualTo(LimitWindow.MINUTE);
    assertThat(denied.retryAfterNanos()).isEqualTo(60 * SECOND);
  }

  @Test
  void tryAcquire_limitZero_deniesEverythingWithWindowLengthHint() {
    Decision perSecondZero = table.tryAcquire("a", 0, 50, false, 0);
    Decision bothZero = table.tryAcquire("b", 0, 0, false, 0);

    assertThat(perSecondZero.admitted()).isFalse();
    assertThat(perSecondZero.trippedWindow()).isEqualTo(LimitWindow.SECOND);
    assertThat(perSecondZero.retryAfterNanos()).isEqualTo(SECOND);
    assertThat(bothZero.trippedWindow()).isEqualTo(LimitWindow.MINUTE);
    assertThat(bothZero.retryAfterNanos()).isEqualTo(60 * SECOND);
    assertThat(table.tryAcquire("b", 0, 0, false, 3_600 * SECOND).admitted()).isFalse();
  }

  @Test
  void tryAcquire_countDeniedFalse_deniedRequestsAreNotCounted() {
    admit("k", 2, 2, 100, 0);
    for (int i = 0; i < 5; i++) {
      assertThat(table.tryAcquire("k", 2, 100, false, 50 * MS).currentPerSecond()).isEqualTo(2);
    }

    assertThat(table.tryAcquire("k", 2, 100, false, 1_100 * MS).admitted()).isTrue();
    assertThat(table.snapshot(1_100 * MS)).singleElement()
        .satisfies(u -> assertThat(u.currentPerMinute()).isEqualTo(3))
        .satisfies(u -> assertThat(u.deniedTotal()).isEqualTo(5))
        .satisfies(u -> assertThat(u.admittedTotal()).isEqualTo(3));
  }

  @Test
  void tryAcquire_countDeniedTrue_deniedRequestsKeepTheKeyOut() {
    admit("k", 2, 2, 100, 0);
    Decision denied = null;
    // hammering every 400 ms keeps the window full: each denial counts (the two before it are
    // always less than 1 s old)
    long last = 0;
    for (long t = 0; t <= 5 * SECOND; t += 400 * MS) {
      denied = table.tryAcquire("k", 2, 100, true, t);
      assertThat(denied.admitted()).as("at %d ms", t / MS).isFalse();
      last = t;
    }
    assertThat(denied.currentPerSecond()).isEqualTo(3);
    // once the caller stops, retry-after is exact: the second newest (4.4 s) must leave, at 5.4 s
    long retry = denied.retryAfterNanos();
    assertThat(retry).isEqualTo(600 * MS);
    assertThat(table.tryAcquire("k", 2, 100, true, last + retry - 1).admitted()).isFalse();
    assertThat(table.tryAcquire("k", 2, 100, true, last + retry).admitted()).isFalse(); // the probe above counted
    assertThat(table.tryAcquire("k", 2, 100, false, last + 2 * SECOND).admitted()).isTrue();
  }

  @Test
  void tryAcquire_limitLowered_deniesUntilEnoughLeaveAndRaised_admitsAtOnce() {
    for (int i = 0; i < 40; i++) {
      table.tryAcquire("k", 100, 50, false, i * SECOND / 2); // 0..19.5 s, 40 admitted
    }
    // 50 -> 30 per minute: 11 of the 40 must leave first
    Decision lowered = table.tryAcquire("k", 100, 30, false, 20 * SECOND);
    assertThat(lowered.admitted()).isFalse();
    // at 50/min a cell of the 16-cell ring takes ceil(50 / 16) = 4 requests: the 11th oldest (5.0 s)
    // shares the cell of 4.0..5.5 s, stamped 5.5 s, which leaves at 65.5 s
    assertThat(lowered.retryAfterNanos()).isEqualTo(65_500 * MS - 20 * SECOND);
    // 50 -> 100 per minute: admitted at once
    assertThat(table.tryAcquire("k", 100, 100, false, 20 * SECOND).admitted()).isTrue();
  }

  @Test
  void tryAcquire_fullRingAfterARefund_mergesTheSmallestPairAndNeverUndercounts() {
    // a limit of 13/s keeps one request per cell: all 13 per-second cells in use
    for (int i = 0; i < 13; i++) {
      assertThat(table.tryAcquire("k", 13, 1_000, false, i * MS).admitted()).isTrue();
    }
    assertThat(table.tryAcquire("k", 13, 1_000, false, 15 * MS).admitted()).isFalse();
    assertThat(table.refund("k", 5 * MS)).isTrue(); // the cell of 5 ms is now empty

    // room for one: the ring is full, so the cells of 4 ms and 5 ms (1 + 0) become one, stamped 5 ms
    assertThat(table.tryAcquire("k", 13, 1_000, false, 20 * MS).admitted()).isTrue();
    assertThat(table.tryAcquire("k", 13, 1_000, false, 21 * MS).admitted()).isFalse();

    // the request of 4 ms now counts until the stamp of 5 ms (rounded up to the 32 us tick: 5.024 ms)
    // is out of the window: one too many for a while, never too few
    assertThat(table.peek("k", SECOND + 4 * MS).currentPerSecond()).isEqualTo(9); // exact log: 8
    assertThat(table.peek("k", SECOND + 5_023_999).currentPerSecond()).isEqualTo(9);
    assertThat(table.peek("k", SECOND + 5_024_000).currentPerSecond()).isEqualTo(8);
  }

  @Test
  void tryAcquire_moreRequestsInAWindowThanItsCellsHold_countsEveryOneUntilTheKeyIsIdle() {
    int limit = 950_000; // above what 13 cells of at most 65,535 hold once no two of them can merge
    int admitted = 0;
    for (int i = 0; i < 1_000_000; i++) {
      if (table.tryAcquire("k", limit, Integer.MAX_VALUE, false, i * 500L).admitted()) {
        admitted++;
      }
    }
    assertThat(admitted).isEqualTo(limit); // never over, and every one counted: none lost
    long last = (limit - 1) * 500L;
    assertThat(table.peek("k", 900 * MS).currentPerSecond()).isEqualTo(limit);
    // a window later the cells have left, but what no cell could hold is still counted (too many,
    // never too few) until the ring empties: a window and a tick after the key's last charge
    Decision afterWindow = table.tryAcquire("k", limit, Integer.MAX_VALUE, false, last + SECOND);
    assertThat(afterWindow.admitted()).isTrue();
    assertThat(afterWindow.currentPerSecond()).isGreaterThan(limit - 13 * 65_535);
    long lastCharge = last + SECOND;
    Decision idle = table.tryAcquire("k", limit, Integer.MAX_VALUE, false, lastCharge + SECOND + 32_000);
    assertThat(idle.admitted()).isTrue();
    assertThat(idle.currentPerSecond()).isEqualTo(1);
  }

  @Test
  void tryAcquire_staleClockFromAnotherThread_countsAsLatestSeen() {
    table.tryAcquire("k", 1, 100, false, 10 * SECOND);

    // a thread that read the clock 5 s earlier must not slip into an older window
    Decision stale = table.tryAcquire("k", 1, 100, false, 5 * SECOND);

    assertThat(stale.admitted()).isFalse();
    assertThat(stale.retryAfterNanos()).isGreaterThan(5 * SECOND);
  }

  @Test
  void tryAcquire_clockOverflowsLongMaxValue_windowsSlideAcrossIt() {
    admit("k", 5, 5, 100, Long.MAX_VALUE - 10 * MS);
    assertThat(table.tryAcquire("k", 5, 100, false, Long.MAX_VALUE).admitted()).isFalse();

    long afterWrap = Long.MIN_VALUE + 2 * SECOND; // 2 s later, across the overflow

    assertThat(table.tryAcquire("k", 5, 100, false, afterWrap).currentPerSecond()).isEqualTo(1);
    assertThat(table.snapshot(afterWrap).get(0).currentPerMinute()).isEqualTo(6);
  }

  @Test
  void peek_unknownKey_zeroCountsAndNoInsertion() {
    Decision decision = table.peek("nobody", 0);

    assertThat(decision.admitted()).isTrue();
    assertThat(decision.currentPerSecond()).isZero();
    assertThat(table.size()).isZero();
  }

  @Test
  void peek_throttledKey_reportsCountsWithoutCountingOrDenying() {
    admit("k", 2, 2, 100, 0);

    Decision peeked = table.peek("k", 50 * MS);

    assertThat(peeked.admitted()).isTrue();
    assertThat(peeked.currentPerSecond()).isEqualTo(2);
    assertThat(table.peek("k", 1_100 * MS).currentPerSecond()).isZero();
    assertThat(table.peek("k", 1_100 * MS).currentPerMinute()).isEqualTo(2);
    assertThat(table.tryAcquire("k", 2, 100, false, 60 * MS).admitted()).isFalse();
  }

  @Test
  void clearKey_throttledKey_admittedAtOnce() {
    admit("k", 2, 2, 100, 0);
    assertThat(table.tryAcquire("k", 2, 100, false, 0).admitted()).isFalse();

    assertThat(table.clearKey("k")).isTrue();

    assertThat(table.tryAcquire("k", 2, 100, false, 0).admitted()).isTrue();
    assertThat(table.clearKey("absent")).isFalse();
  }

  @Test
  void refund_ofAChargeMadeBeforeTheKeyWasCleared_takesNothingFromTheNewEntry() {
    assertThat(table.tryAcquire("k", 2, 100, false, 0).admitted()).isTrue(); // a request in flight
    assertThat(table.clearKey("k")).isTrue(); // an operator's clear-table, or an eviction under pressure
    admit("k", 2, 2, 100, 100 * MS);

    assertThat(table.refund("k", 0)).as("the charge was never in the new entry").isFalse();

    assertThat(table.tryAcquire("k", 2, 100, false, 300 * MS).admitted())
        .as("2 per second: the new entry's two stay counted").isFalse();
  }

  @Test
  void clear_everyKey_forgotten() {
    admit("a", 1, 1, 1, 0);
    admit("b", 1, 1, 1, 0);

    table.clear();

    assertThat(table.size()).isZero();
    assertThat(table.tryAcquire("a", 1, 1, false, 0).admitted()).isTrue();
  }

  @Test
  void expireIdle_idleAndEmptyEntries_droppedOthersKept() {
    table.tryAcquire("old", 5, 50, false, 0);
    table.tryAcquire("recent", 5, 50, false, 100 * SECOND);

    int expired = table.expireIdle(120 * SECOND, 120 * SECOND);

    assertThat(expired).isEqualTo(1);
    assertThat(table.snapshot(120 * SECOND)).extracting(KeyUsage::key).containsExactly("recent");
    assertThat(table.evictions()).isZero();
  }

  @Test
  void expireIdle_shortIdleButCountsStillInWindow_keepsEntryUntilWindowEmpties() {
    admit("k", 3, 100, 3, 0);

    assertThat(table.expireIdle(10 * SECOND, 30 * SECOND)).isZero();
    assertThat(table.tryAcquire("k", 100, 3, false, 30 * SECOND).admitted()).isFalse();
    assertThat(table.expireIdle(10 * SECOND, 63 * SECOND)).isEqualTo(1);
  }

  @Test
  void tryAcquire_manyDistinctKeys_sizeNeverExceedsCapacity() {
    CounterTable small = new CounterTable(500);
    for (int i = 0; i < 20_000; i++) {
      small.tryAcquire("key-" + i, 5, 50, false, i * MS);
      assertThat(small.size()).isLessThanOrEqualTo(500);
    }
    assertThat(small.evictions()).isEqualTo(20_000 - small.size());
  }

  @Test
  void tryAcquire_tableFull_evictsLeastRecentlySeenFirst() {
    CounterTable small = new CounterTable(100);
    for (int i = 0; i < 100; i++) {
      small.tryAcquire("key-" + i, 5, 50, false, i * MS);
    }
    small.tryAcquire("key-0", 5, 50, false, 200 * MS); // key-0 becomes the most recent

    small.tryAcquire("new", 5, 50, false, 201 * MS);

    List<String> keys = small.snapshot(201 * MS).stream().map(KeyUsage::key).toList();
    assertThat(keys).hasSize(100).contains("key-0", "new", "key-2").doesNotContain("key-1");
    assertThat(small.evictions()).isEqualTo(1);
  }

  @Test
  void tryAcquire_largeTableFull_evictsOldestBatch() {
    CounterTable big = new CounterTable(10_000);
    for (int i = 0; i < 10_000; i++) {
      big.tryAcquire("key-" + i, 5, 50, false, i * MS);
    }

    big.tryAcquire("new", 5, 50, false, 20 * SECOND);

    // 1% batch: exactly the 100 least recently seen go
    assertThat(big.evictions()).isEqualTo(100);
    assertThat(big.size()).isEqualTo(9_901);
    assertThat(big.peek("key-99", 20 * SECOND).currentPerMinute()).isZero();
    assertThat(big.peek("key-100", 20 * SECOND).currentPerMinute()).isEqualTo(1);
  }

  @Test
  void tryAcquire_sameClockForAllKeys_evictsOthersNotTheNewKey() {
    CounterTable tiny = new CounterTable(1);
    tiny.tryAcquire("a", 5, 50, false, 0);

    assertThat(tiny.tryAcquire("b", 5, 50, false, 0).admitted()).isTrue();

    assertThat(tiny.snapshot(0)).extracting(KeyUsage::key).containsExactly("b");
  }

  @Test
  void snapshot_twoKeys_sortedWithCountsAndTotals() {
    table.tryAcquire("b", 1, 10, false, 0);
    table.tryAcquire("b", 1, 10, false, 0);
    table.tryAcquire("a", 1, 10, false, 5 * MS);

    assertThat(table.snapshot(10 * MS)).containsExactly(
        new KeyUsage("a", 1, 1, 1, 0, 5 * MS),
        new KeyUsage("b", 1, 1, 1, 1, 0));
  }

  @Test
  void constructor_capacityBelowOne_rejected() {
    assertThatThrownBy(() -> new CounterTable(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unitLabel_windows_matchMessageWording() {
    assertThat(LimitWindow.SECOND.unitLabel()).isEqualTo("second");
    assertThat(LimitWindow.MINUTE.unitLabel()).isEqualTo("minute");
  }

  private void admit(String key, int count, int limitPerSecond, int limitPerMinute, long nowNanos) {
    for (int i = 0; i < count; i++) {
      assertThat(table.tryAcquire(key, limitPerSecond, limitPerMinute, false, nowNanos).admitted())
          .isTrue();
    }
  }

  @Test
  void tryAcquire_fullTable_evictsEntriesWithEmptyWindowsBeforeALiveLeastRecentlySeenKey() {
    CounterTable table = new CounterTable(10);
    long now = 0;
    for (int i = 0; i < 97; i++) {
      table.tryAcquire("spent", 1000, 100, false, now); // 97 of its 100 a minute, seen first
    }
    for (int i = 0; i < 5; i++) {
      table.tryAcquire("blocked-" + i, 0, 0, false, now += MS); // denied, nothing counted: empty windows
    }
    for (int i = 0; i < 4; i++) {
      table.tryAcquire("live-" + i, 5, 50, false, now += MS);
    }
    for (int i = 0; i < 5; i++) {
      table.tryAcquire("new-" + i, 5, 50, false, now += MS); // each insert evicts one entry
    }

    assertThat(table.size()).isEqualTo(10);
    assertThat(table.peek("spent", now).currentPerMinute()).isEqualTo(97);
    assertThat(table.snapshot(now)).extracting(KeyUsage::key).doesNotContain("blocked-0", "blocked-1", "blocked-2",
        "blocked-3", "blocked-4");
  }
}
