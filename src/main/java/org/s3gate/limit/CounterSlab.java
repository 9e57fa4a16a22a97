package org.s3gate.limit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The storage of {@link CounterTable} and {@link ClientIpTable} (both {@link SlabTable}s): every
 * tracked key's counters in <em>slots</em> of preallocated primitive arrays, with no object per key.
 *
 * <h2>Layout</h2>
 * Slot {@code s} lives in page {@code s >> pageShift} at position {@code p = s & pageMask} of five
 * arrays, one of each per page, sized by the table's {@link SlotLayout} (R ring ints, K key bytes):
 * <pre>
 *   ring   int[slots * R]    the windows' rings at p * R                       KEYS: 128 B, CLIENT_IPS: 88 B
 *   clock  long[slots * 4]   originNanos, lastSeenNanos, admittedTotal, deniedTotal at p * 4     32 B
 *   word   int[slots]        requests in flight (only with {@link SlotLayout#inFlight})     4 B or none
 *   key    byte[slots * K]   at p * K: the key's length (0xFF: in the side page), its Latin-1
 *                            chars zero-padded (K - 2), the owner segment's id (0: the slot is free)
 *                                                                                   KEYS: 24 B, CLIENT_IPS: 48 B
 *   side   String[slots]     keys that do not fit K - 2 Latin-1 bytes; allocated with the page's
 *                            first such key                                            (0 or 4 B)
 * </pre>
 * For {@link SlotLayout#KEYS}: 188 B per slot, 192 with a side page; a page of 4096 slots is 752 KB (plus 16 KB of side
 * keys), and with {@link CounterTable}'s index (about 8 B per key) that is 196 B per tracked key
 * all included for keys of up to 22 chars: 20-char access keys and {@code anonymous@} counters of
 * IPv4 addresses up to 12 chars. An inline key is compared as three longs against the packed
 * words of {@link KeyHash#probe}. Longer keys (access keys are up to 128 chars, IPv6 address
 * counters up to ~50) keep their {@code String} in the side page, 24 B + 16 + length each on top;
 * keys are short and of few lengths in practice, so a variable-length byte arena, which would
 * need compaction after deletes, buys little. Pages are allocated as slots are first needed, up to
 * {@code maxSlots}, and never freed: a table that never fills never pays for its capacity, and a
 * freed slot is reused from a free list without allocating.
 *
 * <p><b>What the collector sees.</b> A page is five arrays of primitives (and one of references
 * only where long keys are); after its first young collection it is old and is never garbage. A new
 * key writes into a page and allocates nothing; an evicted or expired key's slot goes back to the
 * free list and frees nothing. So neither new keys nor eviction make work for the collector,
 * except one young-generation copy of each page (752 KB per 4096 new keys) and the side
 * {@code String}s of long keys.
 *
 * <h2>Concurrency</h2>
 * A live slot's fields are written only by the holder of its owner segment's lock (the segment
 * whose index holds it: {@link CounterTable}), and read under it, except three racy reads that
 * callers re-check under the lock: {@link #owner}, {@link #inFlightRacy} and
 * {@link #lastSeenRacy} ({@code lastSeenNanos} is written and read opaque, so it never tears).
 * Slot allocation is lock-free: a Treiber stack of free slots (next links in the free slot's
 * {@code admittedTotal} field, a version in the head's high half against ABA), then a bump
 * counter over never-used slots; a page is allocated under {@code pageLock} and published by the
 * volatile {@code pageCount}. Side pages are published with release / acquire.
 *
 * <p>Thread-safe as described: allocation and {@link #free} may be called from any thread; the
 * per-slot accessors only under the owner segment's lock, unless named racy.
 */
final class CounterSlab {

  static final int CLOCK_LONGS = 4;
  static final int ORIGIN = 0;
  static final int LAST_SEEN = 1;
  static final int ADMITTED = 2;
  static final int DENIED = 3;
  /** Longest key {@link SlotLayout#KEYS} keeps in the key slab; the chars {@link KeyHash#probe} packs. */
  static final int MAX_INLINE_KEY = 22;
  private static final byte SIDE_KEY = (byte) 0xFF;
  /** Largest owner id (a segment's index + 1). */
  static final int MAX_OWNER = 0xFF;
  /** The third key word without the owner byte. */
  private static final long WORD2_MASK = -1L >>> 8;
  private static final VarHandle KEY_WORDS =
      MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final int MAX_PAGE_SLOTS = 4096;
  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle SIDE_PAGES = MethodHandles.arrayElementVarHandle(String[][].class);

  private final int ringInts;
  private final int keyBytes;
  /** Offset of the owner byte in a slot's key bytes: the last one. */
  private final int ownerByte;
  private final int maxInlineKey;
  private final boolean inFlightWords;
  private final int pageShift;
  private final int pageMask;
  private final int maxSlots;
  private final int[][] rings;
  private final long[][] clocks;
  private final int[][] words;
  private final byte[][] keys;
  private final String[][] sideKeys;
  private final Object pageLock = new Object();
  /** Pages allocated; written under {@code pageLock}, after the page's arrays. */
  private volatile int pageCount;
  /** Slots below this have been handed out at least once. */
  private final AtomicInteger fresh = new AtomicInteger();
  /** Free-list head: version in the high 32 bits, slot + 1 in the low (0: empty). */
  private final AtomicLong freeHead = new AtomicLong();

  /**
   * @param maxSlots the most slots ever in use at once, {@code 1 .. 2^30}
   * @param layout what each slot holds
   */
  CounterSlab(int maxSlots, SlotLayout layout) {
    if (maxSlots < 1 || maxSlots > 1 << 30) {
      throw new IllegalArgumentException("slots must be 1 .. 2^30, was " + maxSlots);
    }
    this.maxSlots = maxSlots;
    this.ringInts = layout.ringInts();
    this.keyBytes = layout.keyBytes();
    this.ownerByte = keyBytes - 1;
    this.maxInlineKey = layout.maxInlineKey();
    this.inFlightWords = layout.inFlight();
    int pageSlots = Math.min(MAX_PAGE_SLOTS, Integer.highestOneBit(Math.max(16, maxSlots - 1)) << 1);
    this.pageShift = Integer.numberOfTrailingZeros(pageSlots);
    this.pageMask = pageSlots - 1;
    int pages = (int) (((long) maxSlots + pageSlots - 1) >> pageShift);
    rings = new int[pages][];
    clocks = new long[pages][];
    words = new int[pages][];
    keys = new byte[pages][];
    sideKeys = new String[pages][];
  }

  int maxSlots() {
    return maxSlots;
  }

  /** Slots a scan must look at: every slot below this is in an allocated page. */
  int scanLimit() {
    return Math.min(fresh.get(), pageCount << pageShift);
  }

  /** A slot no key uses (its owner is 0), or -1 when all {@code maxSlots} are in use. */
  int allocate() {
    while (true) {
      long head = freeHead.get();
      int top = (int) head - 1;
      if (top < 0) {
        break;
      }
      int next = (int) clocks[top >> pageShift][(top & pageMask) * CLOCK_LONGS + ADMITTED];
      if (freeHead.compareAndSet(head, ((head >>> 32) + 1) << 32 | (next + 1L))) {
        return top;
      }
    }
    int slot;
    do {
      slot = fresh.get();
      if (slot >= maxSlots) {
        return -1;
      }
    } while (!fresh.compareAndSet(slot, slot + 1));
    ensurePage(slot >> pageShift);
    return slot;
  }

  private void ensurePage(int page) {
    if (page < pageCount) {
      return;
    }
    synchronized (pageLock) {
      while (pageCount <= page) {
        int p = pageCount;
        int slots = pageMask + 1;
        rings[p] = new int[slots * ringInts];
        clocks[p] = new long[slots * CLOCK_LONGS];
        if (inFlightWords) {
          words[p] = new int[slots];
        }
        keys[p] = new byte[slots * keyBytes];
        pageCount = p + 1;
      }
    }
  }

  /**
   * Gives {@code slot} to {@code key}, owned by segment {@code owner}, all counts zero, at
   * {@code nowNanos}; the slot came from {@link #allocate} and the caller holds the owner's lock.
   */
  void claim(int slot, String key, int owner, long nowNanos) {
    int page = slot >> pageShift;
    int p = slot & pageMask;
    Arrays.fill(rings[page], p * ringInts, (p + 1) * ringInts, 0);
    long[] c = clocks[page];
    int cb = p * CLOCK_LONGS;
    c[cb + ORIGIN] = nowNanos;
    LONGS.setOpaque(c, cb + LAST_SEEN, nowNanos);
    c[cb + ADMITTED] = 0;
    c[cb + DENIED] = 0;
    byte[] k = keys[page];
    int kb = p * keyBytes;
    Arrays.fill(k, kb, kb + keyBytes, (byte) 0);
    if (inlinable(key)) {
      k[kb] = (byte) key.length();
      for (int i = 0; i < key.length(); i++) {
        k[kb + 1 + i] = (byte) key.charAt(i);
      }
    } else {
      k[kb] = SIDE_KEY;
      sidePage(page)[p] = key;
    }
    if (inFlightWords) {
      words[page][p] = 0;
    }
    k[kb + ownerByte] = (byte) owner;
  }

  private boolean inlinable(String key) {
    if (key.length() > maxInlineKey) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      if (key.charAt(i) > 0xFF) {
        return false;
      }
    }
    return true;
  }

  private String[] sidePage(int page) {
    String[] side = (String[]) SIDE_PAGES.getAcquire(sideKeys, page);
    if (side == null) {
      synchronized (pageLock) {
        side = sideKeys[page];
        if (side == null) {
          side = new String[pageMask + 1];
          SIDE_PAGES.setRelease(sideKeys, page, side);
        }
      }
    }
    return side;
  }

  /**
   * Takes {@code slot} from its key (the caller holds the owner's lock and has removed it from
   * the owner's index) or returns an unclaimed one, and puts it on the free list.
   */
  void free(int slot) {
    int page = slot >> pageShift;
    int p = slot & pageMask;
    keys[page][p * keyBytes + ownerByte] = 0;
    if (keys[page][p * keyBytes] == SIDE_KEY) {
      sidePage(page)[p] = null;
    }
    long[] c = clocks[page];
    while (true) {
      long head = freeHead.get();
      c[p * CLOCK_LONGS + ADMITTED] = (int) head - 1; // next link, read by allocate()
      if (freeHead.compareAndSet(head, ((head >>> 32) + 1) << 32 | (slot + 1L))) {
        return;
      }
    }
  }

  /**
   * Whether {@code slot} holds {@code key}, whose {@link KeyHash#probe} is {@code probe}; under the
   * owner's lock. A key of up to 22 chars is three long compares (the length byte is in the first
   * word, and a stored key of that length is zero-padded beyond it, so with 48 key bytes too); a
   * longer inline key is compared char by char.
   */
  boolean keyEquals(int slot, long[] probe, String key) {
    int page = slot >> pageShift;
    int p = slot & pageMask;
    byte[] k = keys[page];
    int kb = p * keyBytes;
    if (probe[KeyHash.INLINE] != 0) {
      return (long) KEY_WORDS.get(k, kb) == probe[KeyHash.WORD0]
          && (long) KEY_WORDS.get(k, kb + 8) == probe[KeyHash.WORD0 + 1]
          && ((long) KEY_WORDS.get(k, kb + 16) & WORD2_MASK) == probe[KeyHash.WORD0 + 2];
    }
    if (k[kb] == SIDE_KEY) {
      return key.equals(sidePage(page)[p]);
    }
    int length = k[kb] & 0xFF; // inline, longer than a probe packs, or the key has a wide char
    if (length != key.length()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if ((k[kb + 1 + i] & 0xFF) != key.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** The key {@code slot} holds (a new String for an inline key); under the owner's lock. */
  String key(int slot) {
    int page = slot >> pageShift;
    int p = slot & pageMask;
    int kb = p * keyBytes;
    byte length = keys[page][kb];
    return length == SIDE_KEY
        ? sidePage(page)[p]
        : new String(keys[page], kb + 1, length & 0xFF, StandardCharsets.ISO_8859_1);
  }

  /** {@code hash} of the key {@code slot} holds, equal to {@code hash.hash(key(slot))}; under the owner's lock. */
  long hashOf(int slot, KeyHash hash) {
    int page = slot >> pageShift;
    int p = slot & pageMask;
    int kb = p * keyBytes;
    byte length = keys[page][kb];
    return length == SIDE_KEY ? hash.hash(sidePage(page)[p]) : hash.hash(keys[page], kb + 1, length & 0xFF);
  }

  /** Owner segment id of {@code slot}, 0 if free; racy unless under that owner's lock. */
  int owner(int slot) {
    return keys[slot >> pageShift][(slot & pageMask) * keyBytes + ownerByte] & 0xFF;
  }

  /** Requests in flight in {@code slot} (0 in a layout without the count); under the owner's lock. */
  int inFlight(int slot) {
    return inFlightWords ? words[slot >> pageShift][slot & pageMask] : 0;
  }

  /** Like {@link #inFlight}, without the lock: may be stale, re-checked under it. */
  int inFlightRacy(int slot) {
    return inFlight(slot);
  }

  /** {@code count >= 0}; under the owner's lock. */
  void setInFlight(int slot, int count) {
    words[slot >> pageShift][slot & pageMask] = count;
  }

  /** The ring page of {@code slot}; its rings start at {@link #ringBase}. */
  int[] rings(int slot) {
    return rings[slot >> pageShift];
  }

  int ringBase(int slot) {
    return (slot & pageMask) * ringInts;
  }

  /** The clock page of {@code slot}; its four longs start at {@link #clockBase}. */
  long[] clocks(int slot) {
    return clocks[slot >> pageShift];
  }

  int clockBase(int slot) {
    return (slot & pageMask) * CLOCK_LONGS;
  }

  /** {@code lastSeenNanos} of {@code slot}, read opaque: without the lock, never torn. */
  long lastSeenRacy(int slot) {
    return (long) LONGS.getOpaque(clocks[slot >> pageShift], (slot & pageMask) * CLOCK_LONGS + LAST_SEEN);
  }

  /** Elapsed time from the slot's claim to its last request; under the owner's lock. */
  long lastElapsed(int slot) {
    long[] c = clocks(slot);
    int cb = clockBase(slot);
    return c[cb + LAST_SEEN] - c[cb + ORIGIN];
  }

  /**
   * Elapsed time from the slot's claim to {@code nowNanos}, for a read that does not advance the
   * slot: to its last request when {@code nowNanos} is not later (a stale clock read from another
   * thread), so a read never sees the rings run backwards; under the owner's lock.
   */
  long elapsedAt(int slot, long nowNanos) {
    long[] c = clocks(slot);
    int cb = clockBase(slot);
    long lastSeenNanos = c[cb + LAST_SEEN];
    return (nowNanos - lastSeenNanos > 0 ? nowNanos : lastSeenNanos) - c[cb + ORIGIN];
  }

  /** Writes {@code lastSeenNanos} opaque (so racy readers never see it torn); under the owner's lock. */
  static void setLastSeen(long[] clockPage, int clockBase, long nanos) {
    LONGS.setOpaque(clockPage, clockBase + LAST_SEEN, nanos);
  }
}
