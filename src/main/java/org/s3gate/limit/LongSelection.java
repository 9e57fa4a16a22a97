package org.s3gate.limit;

/**
 * Selection (quickselect) on a prefix of a {@code long[]}: the k-th largest value in expected
 * O(n) time without sorting, used to find the eviction cutoff among entries' ages.
 *
 * <p>Thread-safe: stateless; the array is confined to the caller and is reordered in place.
 */
final class LongSelection {

  private LongSelection() {}

  /**
   * The {@code k}-th largest of {@code values[0, n)} (k = 1 is the maximum), reordering them.
   *
   * @throws IllegalArgumentException unless {@code 1 <= k <= n <= values.length}
   */
  static long kthLargest(long[] values, int n, int k) {
    if (k < 1 || k > n || n > values.length) {
      throw new IllegalArgumentException("k=" + k + ", n=" + n + ", length=" + values.length);
    }
    int target = n - k; // index in ascending order
    int low = 0;
    int high = n - 1;
    while (low < high) {
      int middle = (low + high) >>> 1;
      // median of three as pivot, moved to high
      if (values[middle] < values[low]) {
        swap(values, middle, low);
      }
      if (values[high] < values[low]) {
        swap(values, high, low);
      }
      if (values[middle] < values[high]) {
        swap(values, middle, high);
      }
      long pivot = values[high];
      // three-way partition: [low, lt) < pivot, [lt, i) == pivot, (gt, high] > pivot
      int lt = low;
      int gt = high;
      int i = low;
      while (i <= gt) {
        if (values[i] < pivot) {
          swap(values, lt++, i++);
        } else if (values[i] > pivot) {
          swap(values, i, gt--);
        } else {
          i++;
        }
      }
      if (target < lt) {
        high = lt - 1;
      } else if (target > gt) {
        low = gt + 1;
      } else {
        return pivot;
      }
    }
    return values[target];
  }

  private static void swap(long[] values, int i, int j) {
    long t = values[i];
    values[i] = values[j];
    values[j] = t;
  }
}
