package org.s3gate.limit;

/**
 * The shape of one slot of a {@link CounterSlab}, besides the four clock longs every slot has
 * (origin, last seen, admitted and denied totals): how many ring ints, how many key bytes, and
 * whether it keeps an in-flight count. One per kind of table, fixed for its life.
 *
 * <h2>Key bytes</h2>
 * The length (one byte; {@code 0xFF} marks a key kept as a {@code String} in the side page), the
 * key's Latin-1 chars zero-padded, and the owner segment's id in the last byte: so a slot inlines
 * keys of up to {@code keyBytes - 2} chars. At least 24 (the three words {@link KeyHash#probe}
 * packs a short key into, compared in one go) and a multiple of 8, at most 256 (the length byte).
 *
 * <p>Immutable.
 */
record SlotLayout(int ringInts, int keyBytes, boolean inFlight) {

  /**
   * {@link CounterTable}'s keys: both windows' batched stamp rings ({@link WindowRing}), the
   * in-flight count, keys of up to 22 chars inline (20-char access keys, IPv4 address counters).
   * 188 B per slot.
   */
  static final SlotLayout KEYS = new SlotLayout(WindowRing.TOTAL_INTS, 24, true);

  /**
   * {@link ClientIpTable}'s addresses: the requests and errors slot rings ({@link SlotRing}, 11
   * ints each), no in-flight count, addresses of up to 46 chars inline: every IPv4 literal and
   * every IPv6 network as {@code admit.ClientNetwork} writes it (at most 39 chars and a
   * {@code /BITS}) and any other without a long {@code %zone}. 168 B per slot.
   */
  static final SlotLayout CLIENT_IPS = new SlotLayout(2 * (ClientIpTable.WINDOW_SLOTS + 1), 48, false);

  SlotLayout {
    if (ringInts < 1 || keyBytes < 24 || keyBytes > 256 || keyBytes % 8 != 0) {
      throw new IllegalArgumentException("slot layout: " + ringInts + " ring ints, " + keyBytes + " key bytes");
    }
  }

  /** Longest key kept in the slot's bytes; longer ones, and any with a char above 0xFF, go to a side page. */
  int maxInlineKey() {
    return keyBytes - 2;
  }

  /** Bytes per slot in the slab's pages, side keys aside. */
  int slotBytes() {
    return ringInts * Integer.BYTES + CounterSlab.CLOCK_LONGS * Long.BYTES + (inFlight ? Integer.BYTES : 0) + keyBytes;
  }
}
