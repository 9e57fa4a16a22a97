package org.s3gate.limit;

/**
 * Geometry and arithmetic of one sliding window kept as a <em>batched stamp ring</em> inside
 * {@link #TOTAL_INTS} ints shared with the key's other window, at offset {@code base} of an
 * {@code int[]}: the key's slot in a page of {@link CounterSlab}'s ring slab. This class holds no
 * state; every method takes the array and the base.
 *
 * <h2>Design</h2>
 * The window (length {@code W}) is a ring of at most {@code B} <em>cells</em>, oldest to newest. A
 * cell is {@code (stamp, count)}: {@code count} requests, all made at or before {@code stamp}, the
 * time of the last request put in it rounded <em>up</em> to a tick {@code T}. A cell counts in
 * full until its stamp leaves the window ({@code t >= stamp * T + W}) and then drops out at once.
 * Time is the entry's elapsed nanoseconds since its creation ({@code t >= 0}).
 * <ul>
 *   <li><b>Batch size.</b> With the window's limit {@code L} of the request being charged,
 *       {@code g = max(1, ceil(L / B))}. For {@code L <= B} every cell holds one request (or several
 *       in the same tick): an exact sliding log of stamps, as Jetty's DoSFilter keeps. For larger
 *       limits a cell is a batch of {@code g} consecutive requests, so what bounds the error is a
 *       number of requests, not a stretch of time (a time-slot ring loses a whole slot's requests,
 *       which for a burst is all of them).
 *   <li><b>Expire</b> at {@code t}: drop cells from the oldest while {@code t >= stamp * T + W}.
 *       The window's count is a running sum of the live cells.
 *   <li><b>Charge</b> one request at {@code t}, {@code u = ceil(t / T)}: the newest cell takes it
 *       (count + 1, stamp = u) if its stamp is {@code u} (nothing is lost) or it holds fewer than
 *       {@code g}; else a new cell {@code (u, 1)} is appended. If all {@code B} cells are live
 *       (at a constant limit only when the count is already {@code >= L}, i.e. a denied request
 *       counted with {@code count.denied}, or after a live limit raise or refunds), first the two
 *       adjacent cells with the smallest combined count (the oldest such pair on a tie) are merged
 *       into one with the later stamp.
 *   <li><b>Retry-after</b>: walking from the oldest, the first cell at which the counts add up to
 *       {@code count - L + 1} must leave: {@code stamp * T + W - t}, exact to the nanosecond.
 * </ul>
 *
 * <h2>Invariants and error bounds</h2>
 * <ul>
 *   <li><b>Never over-admits.</b> Every request sits in a cell whose stamp is at or after the
 *       request (stamps are rounded up, only ever move later, and a merge keeps the later one), so
 *       a request made at {@code a} is counted at every {@code t < a + W}: the count is at least the
 *       exact sliding-log count over {@code (t - W, t]}.
 *   <li><b>Under-admission bound.</b> Stamps grow from oldest to newest and cells are filled in
 *       time order, so every request in a live cell other than the oldest was made at or after the
 *       oldest cell's last request, which is later than {@code t - W - T}; of the oldest cell's
 *       {@code c0} requests, all but at most {@code c0 - 1} are at its last tick. So
 *       {@code count(t) <= exact count over (t - W - T, t] + c0 - 1}, and {@code c0 <= g} unless the
 *       cell was merged (the full-ring case above). With {@code g = 1} that is an exact log up to
 *       the tick; a burst made within one tick is released exactly one window (+ under a tick)
 *       later, so a sender of bursts of exactly its limit once per window gets every burst.
 *   <li>A cell's count is at most 65535. When a charge finds every cell full up to that and no
 *       pair that can merge (more than ~{@code B/2 * 65535} requests live in the window), it still
 *       moves the newest stamp to {@code u} and is added to the running sum only: that surplus is
 *       released only when the ring empties (the newest cell, stamped after every such request,
 *       has left), so it can only over-count.
 *   <li>Stamps are kept modulo {@code 2^16} ticks. That is unambiguous because the owner advances
 *       the ring at every decision and clears it when {@code W + T} or more has passed since the
 *       last one: live stamps are then less than {@code 2W + T} old, under {@code 2^16} ticks.
 * </ul>
 *
 * <h2>Layout</h2>
 * Both rings share the slot's 32 ints ({@code a[base .. base + 31]}): int 0 holds both rings' meta (per ring 15 bits:
 * index of the oldest cell in bits 0-6, number of live cells in bits 7-13, bit 14 set while a full
 * ring is known to have no mergeable pair; the per-second ring in bits 0-14, the per-minute ring
 * in bits 16-30, so int 0 is never negative), ints 1 and 2 the two
 * running sums, ints 3-15 the 13 per-second cells, ints 16-31 the 16 per-minute cells. A cell is one
 * int: stamp (ticks since the entry's creation, mod 2^16) in the high 16 bits, count in the low 16.
 *
 * <h2>What it costs</h2>
 * A decision is, per ring: drop the expired cells from the oldest end (usually none or one), read
 * the running sum, and update or append the newest cell: O(1) but for the expired cells, with no
 * loop over the ring (the slot ring it replaces summed all 32 slots on every request). The merge
 * (a pass over the cells) runs at most once per batch of requests, and only on a full ring.
 * Memory is fixed, 4 bytes per cell whatever the limits: {@link CounterSlab} has the bytes.
 *
 * <h2>What another store must do to match</h2>
 * The Redis store (issue 17) runs the same steps in one server-side function; it may choose more
 * cells and a finer tick (the bounds above hold with its {@code B} and {@code T}), but must keep:
 * stamps rounded up and only moving later, expiry at {@code t >= stamp * T + W}, batches of
 * {@code ceil(L / B)} with a same-tick request always joining the newest cell, the merge of the
 * smallest adjacent pair when full, and nothing charged in any window unless every window admits.
 *
 * <p>Immutable; the ints it is given must be confined to the caller (in practice guarded by
 * the lock of the table segment that owns the slot).
 */
record WindowRing(
    LimitWindow window, int metaShift, int sumIndex, int firstCell, int cells, long tickNanos,
    int windowTicks) {

  /**
   * 13 cells, 32 us ticks (1 s = 31,250 ticks; 32 us is the finest tick whose 2W + T fits 16
   * bits): an exact log, up to the tick, for limits up to 13/s; batches of 2 at 25/s, 4 at 50/s.
   * Meta in bits 0-14 of int 0, sum in int 1, cells in ints 3..15.
   */
  static final WindowRing PER_SECOND = of(LimitWindow.SECOND, 0, 1, 3, 13, 32_000L);

  /**
   * 16 cells, 2 ms ticks (60 s = 30,000 ticks): exact for limits up to 16/min; batches of 7 at
   * 100/min, 32 at 500/min, 125 at 2000/min. Meta in bits 16-30 of int 0, sum in int 2, cells
   * in ints 16..31.
   */
  static final WindowRing PER_MINUTE = of(LimitWindow.MINUTE, 16, 2, 16, 16, 2_000_000L);

  /** Length of the {@code int[]} holding both rings. */
  static final int TOTAL_INTS = 32;

  private static final int COUNT_MASK = 0xFFFF;
  private static final int MAX_CELL_COUNT = 0xFFFF;
  /**
   * A ring's meta: head in bits 0-6, size in bits 7-13, and bit 14 {@link #UNMERGEABLE}; bit 31 of
   * int 0 stays clear.
   */
  private static final int META_MASK = 0x7FFF;
  /**
   * Set when a full ring found no adjacent pair that fits in one cell; cleared when a cell leaves
   * or a refund lowers a count, the only things that can make a pair fit again. While set, charges
   * skip the pass (a key sending hundreds of thousands of requests a window would otherwise repeat
   * it on every request).
   */
  private static final int UNMERGEABLE = 1 << 14;

  /*
   * A record, not a class, for speed: C2 trusts the final fields of records, so with the two rings
   * held in static finals, tickNanos, cells and windowTicks are compile-time constants on the
   * request path and the divisions below become multiplications.
   */
  private static WindowRing of(
      LimitWindow window, int metaShift, int sumIndex, int firstCell, int cells, long tickNanos) {
    long windowTicks = window.windowNanos() / tickNanos;
    if (windowTicks * tickNanos != window.windowNanos()) {
      throw new IllegalArgumentException("ticks do not divide the " + window + " window");
    }
    if ((2 * window.windowNanos() + tickNanos) / tickNanos >= 1 << 16) {
      throw new IllegalArgumentException("ticks too fine for 16-bit stamps in the " + window + " window");
    }
    if (cells < 2 || cells > 64) {
      throw new IllegalArgumentException("cells must be 2..64");
    }
    return new WindowRing(window, metaShift, sumIndex, firstCell, cells, tickNanos, (int) windowTicks);
  }

  /**
   * How long after the key's last charge anything it counted may still count: {@code W + T}
   * (a stamp is rounded up by less than a tick). Past it the window is empty.
   */
  long ringNanos() {
    return window.windowNanos() + tickNanos;
  }

  /** The window's count of a ring just advanced to the current time. */
  int countAdvanced(int[] a, int base) {
    return a[base + sumIndex];
  }

  private long floorTick(long elapsedNanos) {
    return elapsedNanos / tickNanos;
  }

  private int ceilTick(long elapsedNanos) {
    return (int) (elapsedNanos / tickNanos + (elapsedNanos % tickNanos == 0 ? 0 : 1));
  }

  /**
   * Age in ticks plus one, of {@code stamp} at floor tick {@code floor}: in {@code [0, 2^16)}
   * for every stamp the ring can hold (an age is at least -1: the newest stamp is rounded up).
   */
  private static int agePlusOne(long floor, int stamp) {
    return ((int) floor - stamp + 1) & COUNT_MASK;
  }

  /** Whether a cell with {@code stamp} still counts at floor tick {@code floor}: age < W/T. */
  private boolean live(long floor, int stamp) {
    return agePlusOne(floor, stamp) <= windowTicks;
  }

  private int cellIndex(int head, int i) {
    int p = head + i;
    return firstCell + (p >= cells ? p - cells : p);
  }

  private int meta(int[] a, int base) {
    return (a[base] >>> metaShift) & META_MASK;
  }

  /** Stores this ring's meta, {@link #UNMERGEABLE} clear; the other ring's half of int 0 is kept. */
  private void setMeta(int[] a, int base, int head, int size) {
    int meta = size == 0 ? 0 : head | size << 7;
    a[base] = (a[base] & ~(META_MASK << metaShift)) | meta << metaShift;
  }

  private void markUnmergeable(int[] a, int base) {
    a[base] |= UNMERGEABLE << metaShift;
  }

  private static int head(int meta) {
    return meta & 0x7F;
  }

  private static int size(int meta) {
    return (meta >>> 7) & 0x7F;
  }

  /**
   * Moves the ring from {@code lastElapsed} to {@code elapsed >= lastElapsed}, dropping the cells
   * that left the window.
   */
  void advance(int[] a, int base, long lastElapsed, long elapsed) {
    int meta = meta(a, base);
    int size = size(meta);
    if (size == 0) {
      return;
    }
    if (elapsed - lastElapsed >= ringNanos()) { // all gone; also keeps 16-bit stamps unambiguous
      setMeta(a, base, 0, 0);
      a[base + sumIndex] = 0;
      return;
    }
    int head = head(meta);
    long floor = floorTick(elapsed);
    if (live(floor, a[base + firstCell + head] >>> 16)) {
      return; // the usual case: the oldest cell is still in the window, so all are
    }
    int sum = a[base + sumIndex];
    while (size > 0) {
      int cell = a[base + firstCell + head];
      if (live(floor, cell >>> 16)) {
        break;
      }
      sum -= cell & COUNT_MASK;
      head = head + 1 == cells ? 0 : head + 1;
      size--;
    }
    setMeta(a, base, head, size);
    a[base + sumIndex] = size == 0 ? 0 : sum; // an empty ring also drops any surplus (see class comment)
  }

  /**
   * Counts one request at {@code elapsed} (the ring's current time, just advanced) in a window
   * whose limit is {@code limit}; see the class comment.
   */
  void increment(int[] a, int base, long elapsed, int limit) {
    int u = ceilTick(elapsed) & COUNT_MASK;
    int meta = meta(a, base);
    int size = size(meta);
    int head = head(meta);
    int sum = a[base + sumIndex];
    a[base + sumIndex] = sum == Integer.MAX_VALUE ? sum : sum + 1;
    if (size > 0) {
      int newest = cellIndex(head, size - 1);
      int cell = a[base + newest];
      int count = cell & COUNT_MASK;
      int batch = batchSize(limit);
      if (((cell >>> 16) == u || count < batch) && count < MAX_CELL_COUNT) {
        a[base + newest] = u << 16 | (count + 1);
        return;
      }
      if (size == cells && ((meta & UNMERGEABLE) != 0 || !mergeSmallestPair(a, base, head))) {
        // every cell is large: overfill the newest, or (at 65535) count the request in the sum only
        a[base + newest] = u << 16 | (count < MAX_CELL_COUNT ? count + 1 : count);
        markUnmergeable(a, base);
        return;
      }
      size = size(meta(a, base));
    }
    a[base + cellIndex(head, size)] = u << 16 | 1;
    setMeta(a, base, head, size + 1);
  }

  /** {@code g = max(1, ceil(limit / B))}: how many requests a cell takes before the next opens. */
  int batchSize(int limit) {
    return limit <= cells ? 1 : (limit - 1) / cells + 1;
  }

  /**
   * Merges the adjacent pair of live cells with the smallest combined count (the oldest on a tie)
   * into one with the later stamp, if that count fits a cell; the ring is full.
   */
  private boolean mergeSmallestPair(int[] a, int base, int head) {
    int best = -1;
    int bestSum = MAX_CELL_COUNT + 1;
    for (int i = 0; i + 1 < cells; i++) {
      int pair = (a[base + cellIndex(head, i)] & COUNT_MASK) + (a[base + cellIndex(head, i + 1)] & COUNT_MASK);
      if (pair < bestSum) {
        best = i;
        bestSum = pair;
      }
    }
    if (best < 0) {
      return false;
    }
    a[base + cellIndex(head, best)] = (a[base + cellIndex(head, best + 1)] & ~COUNT_MASK) | bestSum;
    for (int i = best + 1; i + 1 < cells; i++) {
      a[base + cellIndex(head, i)] = a[base + cellIndex(head, i + 1)];
    }
    setMeta(a, base, head, cells - 1);
    return true;
  }

  /**
   * Takes back one request charged at {@code chargedElapsed <= lastElapsed} (the ring's current
   * time): from the oldest live cell stamped at or after the charge's tick that holds any. The
   * charge went into the then newest cell, stamped at or after it, and a cell's stamp only moves
   * later; so that cell is the charge's own or an earlier one, whose unit leaves the window no
   * later than the charge's would: the count stays at least the exact count of what is left.
   * Returns false, changing nothing, when the charge may have left the window already
   * ({@code lastElapsed - chargedElapsed >= W}: taking back nothing is always safe) or nothing
   * is found.
   */
  boolean decrement(int[] a, int base, long chargedElapsed, long lastElapsed) {
    if (lastElapsed - chargedElapsed >= window.windowNanos()) {
      return false;
    }
    int meta = meta(a, base);
    int size = size(meta);
    int head = head(meta);
    long floor = floorTick(lastElapsed);
    int chargedAge = agePlusOne(floor, ceilTick(chargedElapsed) & COUNT_MASK);
    int cellsTotal = 0;
    for (int i = 0; i < size; i++) {
      int index = cellIndex(head, i);
      int cell = a[base + index];
      int count = cell & COUNT_MASK;
      cellsTotal += count;
      if (count > 0 && agePlusOne(floor, cell >>> 16) <= chargedAge) {
        a[base + index] = cell - 1;
        a[base + sumIndex]--;
        setMeta(a, base, head, size); // a smaller count may make a pair mergeable again
        return true;
      }
    }
    if (size > 0 && a[base + sumIndex] > cellsTotal) { // the charge went to the surplus
      a[base + sumIndex]--;
      return true;
    }
    return false;
  }

  /**
   * The window's count at {@code elapsed} of a ring last advanced to {@code lastElapsed}, without
   * changing it; {@code elapsed >= lastElapsed}.
   */
  int count(int[] a, int base, long lastElapsed, long elapsed) {
    int meta = meta(a, base);
    int size = size(meta);
    if (size == 0 || elapsed - lastElapsed >= ringNanos()) {
      return 0;
    }
    int head = head(meta);
    long floor = floorTick(elapsed);
    int sum = a[base + sumIndex];
    for (int i = 0; i < size; i++) {
      int cell = a[base + cellIndex(head, i)];
      if (live(floor, cell >>> 16)) {
        return sum;
      }
      sum -= cell & COUNT_MASK;
    }
    return 0;
  }

  /**
   * Time until this window has room for one more request, for a ring advanced to
   * {@code elapsed} holding {@code count} requests: the exact moment enough of the oldest cells
   * have left, measured from {@code callerElapsedNanos}. 0 when there is room already; the
   * window's length when {@code limit <= 0} (it never has room).
   */
  long retryAfterNanos(int[] a, int base, long elapsed, int count, int limit, long callerElapsedNanos) {
    if (limit <= 0) {
      return window.windowNanos();
    }
    if (count < limit) {
      return 0L;
    }
    long mustLeave = (long) count - limit + 1;
    int meta = meta(a, base);
    int size = size(meta);
    int head = head(meta);
    long floor = floorTick(elapsed);
    long left = 0;
    int cell = 0;
    for (int i = 0; i < size; i++) {
      cell = a[base + cellIndex(head, i)];
      left += cell & COUNT_MASK;
      if (left >= mustLeave) {
        break;
      }
    }
    // the cell found, or the newest when only the ring emptying frees the surplus
    long stampTicks = floor - (agePlusOne(floor, cell >>> 16) - 1);
    return Math.max(1L, stampTicks * tickNanos + window.windowNanos() - callerElapsedNanos);
  }
}
