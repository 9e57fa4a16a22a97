package org.s3gate.limit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bounded {@link ByteTable}: what refusals charge, expiry, eviction order, clearing. */
class ByteTableTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void tryCharge_needsRoomForAtLeastOneByte_andARefusalChargesNothing() {
    ByteTable table = new ByteTable(10);
    assertThat(table.tryCharge("k", ByteDirection.OUT, 100, 0, 0).admitted()).isTrue(); // a download: room left
    table.charge("k", ByteDirection.OUT, 100, 0);
    ByteDecision full = table.tryCharge("k", ByteDirection.OUT, 100, 0, SECOND);
    assertThat(full.admitted()).isFalse();
    assertThat(full.usedBytes()).isEqualTo(100);
    assertThat(full.retryAfterNanos()).isEqualTo(63 * SECOND - SECOND);
    assertThat(table.used("k", ByteDirection.OUT, SECOND)).isEqualTo(100);
    assertThat(table.used("k", ByteDirection.IN, SECOND)).isZero(); // directions are separate
    assertThat(table.tryCharge("k", ByteDirection.IN, 0, 0, SECOND).admitted()).as("limit 0 admits nothing").isFalse();
  }

  @Test
  void refund_ofAChargeWhoseSlotLeftTheWindow_takesNothingFromLaterCharges() {
    ByteTable table = new ByteTable(10);
    table.charge("k", ByteDirection.IN, 50, 0);
    table.charge("k", ByteDirection.IN, 70, 64 * SECOND); // the first has left the ring
    table.refund("k", ByteDirection.IN, 50, 0, 65 * SECOND);
    assertThat(table.used("k", ByteDirection.IN, 65 * SECOND)).isEqualTo(70);
    table.refund("k", ByteDirection.IN, 30, 64 * SECOND, 65 * SECOND);
    assertThat(table.used("k", ByteDirection.IN, 65 * SECOND)).isEqualTo(40);
  }

  @Test
  void refund_ofAChargeMadeBeforeTheEntryWasCleared_takesNothingFromTheNewEntry() {
    ByteTable table = new ByteTable(10);
    table.tryCharge("k", ByteDirection.IN, 1000, 600, 0); // an upload in flight
    table.clearKey("k"); // an operator's clear-table, or an eviction under pressure
    table.charge("k", ByteDirection.IN, 400, 2 * SECOND); // a new entry: the key's next uploads
    table.refund("k", ByteDirection.IN, 600, 0, 3 * SECOND); // the first upload ended with nothing read
    assertThat(table.used("k", ByteDirection.IN, 3 * SECOND))
        .as("the refund belongs to bytes the cleared entry held, not to the new entry's").isEqualTo(400);
  }

  @Test
  void expireIdle_dropsOnlyEntriesWithNothingCounted() {
    ByteTable table = new ByteTable(10);
    table.charge("old", ByteDirection.IN, 10, 0);
    table.charge("recent", ByteDirection.IN, 10, 50 * SECOND);
    assertThat(table.expireIdle(SECOND, 70 * SECOND)).isEqualTo(1); // "old" left its window at 63 s
    assertThat(table.size()).isEqualTo(1);
    assertThat(table.used("recent", ByteDirection.IN, 70 * SECOND)).isEqualTo(10);
  }

  @Test
  void insertIntoAFullTable_evictsEmptyEntriesFirst_thenTheLeastRecentlySeen() {
    ByteTable table = new ByteTable(3);
    table.charge("live-old", ByteDirection.IN, 10, 0);
    table.tryCharge("empty", ByteDirection.IN, 100, 0, SECOND); // seen, nothing counted
    table.charge("live-new", ByteDirection.IN, 10, 2 * SECOND);
    table.charge("fourth", ByteDirection.IN, 10, 3 * SECOND);
    assertThat(table.size()).isEqualTo(3);
    assertThat(table.used("live-old", ByteDirection.IN, 3 * SECOND)).isEqualTo(10);
    assertThat(table.used("live-new", ByteDirection.IN, 3 * SECOND)).isEqualTo(10);
    table.charge("fifth", ByteDirection.IN, 10, 4 * SECOND); // no empty one left: the least recently seen goes
    assertThat(table.used("live-old", ByteDirection.IN, 4 * SECOND)).isZero();
    assertThat(table.used("fifth", ByteDirection.IN, 4 * SECOND)).isEqualTo(10);
  }

  @Test
  void clearKey_forgetsBothDirections_andClearForgetsEveryone() {
    ByteTable table = new ByteTable(10);
    table.charge("a", ByteDirection.IN, 10, 0);
    table.charge("a", ByteDirection.OUT, 10, 0);
    table.charge("b", ByteDirection.OUT, 10, 0);
    assertThat(table.clearKey("a")).isTrue();
    assertThat(table.clearKey("a")).isFalse();
    assertThat(table.used("a", ByteDirection.OUT, 0)).isZero();
    table.clear();
    assertThat(table.size()).isZero();
  }
}
