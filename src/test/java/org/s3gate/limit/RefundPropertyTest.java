package org.s3gate.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link CounterTable#refund}: a refunded request is as if it had never been counted, and
 * refunds never let a key over its limit, also when the request's clock value was stale (another
 * thread moved the key's ring past it before the charge or the refund). Checked against an exact
 * sliding log of the requests admitted and not refunded, on random traffic with fixed seeds.
 *
 * <p>Why it holds with batched stamp rings ({@link WindowRing#decrement}): a charge sits in a cell
 * stamped at or after it, and the refund takes one unit from the oldest live cell stamped at or
 * after the charge's tick: the charge's own cell or an earlier one, which leaves the window no
 * later than the charge would have. So every request still counted keeps a unit that counts at
 * least a window after it; a charge a window or more old is not taken back at all.
 */
class RefundPropertyTest {
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000 * MS;
  private static final long MINUTE = 60 * SECOND;

  @Test
  void refund_ofTheLastCharge_givesItsPlaceBack() {
    CounterTable table = new CounterTable(4);
    assertThat(table.tryAcquire("k", 2, 100, false, 0).admitted()).isTrue();
    assertThat(table.tryAcquire("k", 2, 100, false, 10 * MS).admitted()).isTrue();
    assertThat(table.refund("k", 10 * MS)).isTrue();

    Decision next = table.tryAcquire("k", 2, 100, false, 20 * MS);
    assertThat(next.admitted()).isTrue();
    assertThat(next.currentPerSecond()).isEqualTo(2);
    assertThat(table.snapshot(20 * MS).get(0).admittedTotal()).isEqualTo(2);
  }

  @Test
  void refund_ofAnAbsentKeyOrAnExpiredCharge_takesNothingBack() {
    CounterTable table = new CounterTable(4);
    assertThat(table.refund("nobody", 0)).isFalse();
    table.tryAcquire("k", 5, 50, false, 0);
    table.tryAcquire("k", 5, 50, false, 70 * SECOND); // both windows moved past the first charge
    assertThat(table.refund("k", 0)).isFalse();
    assertThat(table.peek("k", 70 * SECOND).currentPerMinute()).isEqualTo(1);
  }

  @ParameterizedTest(name = "seed={0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void refunds_withStaleClocks_neverAdmitOverTheLimit(long seed) {
    Random random = new Random(seed);
    CounterTable table = new CounterTable(4);
    int limitPerSecond = 1 + random.nextInt(10);
    int limitPerMinute = limitPerSecond + random.nextInt(100);
    List<Long> admitted = new ArrayList<>(); // effective times of admitted, unrefunded requests
    long newest = 0;
    long lastSeen = 0; // the newest clock value the key's entry has seen
    int refunds = 0;
    for (int i = 0; i < 8_000; i++) {
      newest += random.nextInt(10) == 0 ? random.nextInt(3_000) * MS : random.nextInt(120) * MS;
      // a request's clock value may lag the newest one the key has seen (another thread read it later)
      long now = random.nextInt(4) == 0 ? newest - random.nextInt(50) * MS : newest;
      if (!acquire(table, now, limitPerSecond, limitPerMinute, lastSeen = Math.max(lastSeen, now), admitted)) {
        continue;
      }
      if (random.nextInt(3) == 0) {
        if (random.nextBoolean()) { // another request of the key moves its ring before the refund
          newest += random.nextInt(30) * MS;
          if (acquire(table, newest, limitPerSecond, limitPerMinute, lastSeen = Math.max(lastSeen, newest),
              admitted)) {
            admitted.add(lastSeen);
          }
        }
        assertThat(table.refund("k", now)).isTrue();
        refunds++;
      } else {
        admitted.add(lastSeen);
      }
    }
    assertThat(refunds).isGreaterThan(300);
    assertThat(admitted.size()).isGreaterThan(600);
  }

  /** One request at {@code now}, counted at {@code effective}; checks strictness when admitted. */
  private static boolean acquire(CounterTable table, long now, int limitPerSecond, int limitPerMinute,
      long effective, List<Long> admitted) {
    Decision decision = table.tryAcquire("k", limitPerSecond, limitPerMinute, false, now);
    if (decision.admitted()) {
      assertThat(countAfter(admitted, effective - SECOND) + 1).isLessThanOrEqualTo(limitPerSecond);
      assertThat(countAfter(admitted, effective - MINUTE) + 1).isLessThanOrEqualTo(limitPerMinute);
    }
    return decision.admitted();
  }

  private static int countAfter(List<Long> log, long after) {
    int n = 0;
    for (int i = log.size() - 1; i >= 0 && log.get(i) > after; i--) {
      n++;
    }
    return n;
  }
}
