package org.s3gate.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongSelectionTest {

  @Test
  void kthLargest_randomArraysWithDuplicates_matchesSort() {
    Random random = new Random(7);
    for (int round = 0; round < 500; round++) {
      int n = 1 + random.nextInt(200);
      long[] values = new long[n + random.nextInt(5)];
      for (int i = 0; i < values.length; i++) {
        values[i] = random.nextInt(3) == 0 ? random.nextInt(5) : random.nextLong();
      }
      long[] sorted = Arrays.copyOf(values, n);
      Arrays.sort(sorted);
      int k = 1 + random.nextInt(n);

      assertThat(LongSelection.kthLargest(values, n, k)).isEqualTo(sorted[n - k]);
    }
  }

  @Test
  void kthLargest_allEqual_returnsThatValue() {
    long[] values = new long[1_000];
    Arrays.fill(values, -3);

    assertThat(LongSelection.kthLargest(values, values.length, 10)).isEqualTo(-3);
  }

  @Test
  void kthLargest_kOutOfRange_rejected() {
    assertThatThrownBy(() -> LongSelection.kthLargest(new long[3], 3, 4))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
