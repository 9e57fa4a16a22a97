package org.s3gate.limit;

/**
 * One of {@link CounterTable}'s segments: an open-addressing index from key to slot for the keys
 * whose hash's top bits name this segment, and the lock that guards both the index and every slot
 * it holds.
 *
 * <h2>Design</h2>
 * Linear probing over an {@code int[]} whose length is a power of two, at most 3/4 full (doubled
 * beyond that, so between 3/8 and 3/4 after the first doubling). A cell is 0 (empty) or
 * {@code tag << slotBits | slot + 1}: the slot, and as many bits of the key's hash (bits 32 and
 * up, independent of the home position's low bits and the segment's top bits) as the slot number
 * leaves free ({@code 32 - slotBits}: 11 at table.size 1,000,000, 8 at 5,000,000), so a probe
 * reads a key's bytes in the slab only when its tag matches: about one key comparison per lookup
 * whatever the load. The hash is keyed ({@link KeyHash}), so clients cannot build clusters: at
 * load {@code a} linear probing's expected probes are {@code (1 + 1/(1 - a)) / 2} for a key present
 * and {@code (1 + 1/(1 - a)^2) / 2} for one absent, 2.5 and 8.5 at the 3/4 bound (cells of one
 * cache line are 16 ints, so mostly one or two lines).
 *
 * <p><b>Deletion</b> is backward-shift (Knuth's Algorithm R): the cells after the removed one,
 * up to the next empty cell, move back into the hole unless their home lies cyclically between
 * the hole and themselves. No tombstones, so after any number of evictions and expiries the index
 * is exactly what inserting the remaining keys would have built: probe lengths depend only on the
 * load, never on history. The home of a moved cell comes from rehashing its key's bytes in the
 * slab (a cell stores only a few hash bits); growth rehashes every key the same way, O(keys in
 * the segment), about 1 ms for the largest doubling of a 5,000,000-key table (128 segments).
 *
 * <p>Not thread-safe: every method is called holding this segment's monitor
 * ({@code synchronized (segment)}), which also guards the slots of every key in the index.
 */
final class CounterSegment {

  private static final int INITIAL_CELLS = 16;

  /** This segment's owner id in {@link CounterSlab} slots: its index in the table + 1. */
  final int id;
  private final int slotBits;
  private final int slotMask;
  private int[] cells = new int[INITIAL_CELLS];
  private int count;

  CounterSegment(int id, int slotBits) {
    this.id = id;
    this.slotBits = slotBits;
    this.slotMask = (int) ((1L << slotBits) - 1);
  }

  /** Keys in the index. */
  int count() {
    return count;
  }

  private int tagged(long hash) {
    return (int) ((hash >>> 32) << slotBits) & ~slotMask;
  }

  /** The slot holding {@code key}, whose {@link KeyHash#probe} is {@code probe}, or -1. */
  int find(CounterSlab slab, long[] probe, String key) {
    long hash = probe[KeyHash.HASH];
    int[] c = cells;
    int mask = c.length - 1;
    int tag = tagged(hash);
    for (int i = (int) hash & mask; ; i = (i + 1) & mask) {
      int cell = c[i];
      if (cell == 0) {
        return -1;
      }
      if ((cell & ~slotMask) == tag) {
        int slot = (cell & slotMask) - 1;
        if (slab.keyEquals(slot, probe, key)) {
          return slot;
        }
      }
    }
  }

  /** Adds {@code slot}, whose key hashes to {@code hash} and is not in the index. */
  void insert(CounterSlab slab, KeyHash keyHash, int slot, long hash) {
    if ((count + 1) * 4L > cells.length * 3L) {
      grow(slab, keyHash);
    }
    place(cells, tagged(hash) | (slot + 1), hash);
    count++;
  }

  private static void place(int[] c, int cell, long hash) {
    int mask = c.length - 1;
    int i = (int) hash & mask;
    while (c[i] != 0) {
      i = (i + 1) & mask;
    }
    c[i] = cell;
  }

  private void grow(CounterSlab slab, KeyHash keyHash) {
    int[] old = cells;
    int[] grown = new int[old.length * 2];
    for (int cell : old) {
      if (cell != 0) {
        place(grown, cell, slab.hashOf((cell & slotMask) - 1, keyHash));
      }
    }
    cells = grown;
  }

  /** Removes {@code slot}, whose key hashes to {@code hash}; false if it is not in the index. */
  boolean remove(CounterSlab slab, KeyHash keyHash, int slot, long hash) {
    int[] c = cells;
    int mask = c.length - 1;
    int hole = (int) hash & mask;
    while (true) {
      int cell = c[hole];
      if (cell == 0) {
        return false;
      }
      if ((cell & slotMask) - 1 == slot) {
        break;
      }
      hole = (hole + 1) & mask;
    }
    for (int j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      int cell = c[j];
      if (cell == 0) {
        break;
      }
      int home = (int) slab.hashOf((cell & slotMask) - 1, keyHash) & mask;
      // cell stays if its home is cyclically in (hole, j]: moving it before its home would lose it
      boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!stays) {
        c[hole] = cell;
        hole = j;
      }
    }
    c[hole] = 0;
    count--;
    return true;
  }

  /** The slot in cell {@code i} of the index ({@code 0 <= i < cells()}), or -1 for an empty cell. */
  int slotAt(int i) {
    return (cells[i] & slotMask) - 1;
  }

  int cells() {
    return cells.length;
  }

  /** Forgets every key (their slots are the caller's to free first). */
  void reset() {
    cells = new int[INITIAL_CELLS];
    count = 0;
  }
}
