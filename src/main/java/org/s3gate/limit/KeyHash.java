package org.s3gate.limit;

import java.security.SecureRandom;

/**
 * A keyed 64-bit hash of counter keys: SipHash-1-3 (Aumasson and Bernstein; the variant Rust's
 * {@code HashMap} and Python's {@code str} hash use) with a random 128-bit seed per table.
 *
 * <h2>Why keyed</h2>
 * Counter keys are chosen by clients (forged access keys, {@code anonymous@ADDRESS}), and
 * {@link CounterTable}'s index is open addressing: with a hash a client can compute
 * ({@code String.hashCode}, where "Aa" and "BB" collide and so does every string built from
 * them) a flood of colliding keys would turn every probe into a scan of one long cluster. With a
 * secret seed drawn from {@link SecureRandom} when the table is made, a set of keys chosen without
 * knowing the seed behaves like random hash values (SipHash is a pseudo-random function), so
 * probe sequences keep their expected length whatever the keys are. The seed never leaves the
 * table; it differs per table and per process.
 *
 * <h2>Message</h2>
 * A key whose chars are all at most {@code 0xFF} (every access key and address counter: printable
 * ASCII) is hashed as its Latin-1 bytes, so {@link #hash(byte[], int, int)} over a slot's stored
 * bytes gives the same value as {@link #hash(String)}. Any other key is hashed as its UTF-16 chars
 * (two bytes each, little-endian), with the message length's top bit set so the two encodings of
 * one length never share a final block; such keys are stored as strings, never as bytes.
 *
 * <h2>Cost</h2>
 * A 20-char key is 3 compression rounds and 3 finalization rounds of about 14 ALU operations
 * each, with no allocation, a few times {@code String.hashCode} over an uncached string. Unlike
 * {@code String.hashCode} it cannot be cached in the string, so {@link #probe} memoizes the last
 * key of each thread (by identity), which the calls of one request share.
 *
 * <p>Immutable after construction; thread-safe.
 */
final class KeyHash {

  private final long k0;
  private final long k1;

  /** A table's hash, seeded from {@link SecureRandom}. */
  KeyHash() {
    this(new SecureRandom());
  }

  KeyHash(SecureRandom random) {
    this(random.nextLong(), random.nextLong());
  }

  /** A fixed seed: for tests that need reproducible positions. */
  KeyHash(long k0, long k1) {
    this.k0 = k0;
    this.k1 = k1;
  }

  /** Indexes into a {@link #probe}. */
  static final int HASH = 0;
  static final int WORD0 = 1;
  static final int INLINE = 4;
  private static final int SEED = 5;
  /** Chars a probe packs: {@link CounterSlab#MAX_INLINE_KEY}. */
  private static final int PACKED_CHARS = 22;

  /**
   * The last probe of each thread: {@code {String key, long[7] probe}}, the probe's last two longs
   * the seed it was made with (a key's hash differs per table). A request's key is looked up
   * several times with the same {@code String} (its window charge, then its in-flight count, then
   * its exit), so the hash is computed once per request, not per call. Only JDK types are stored,
   * so container threads never keep a redeployed webapp's class loader alive.
   */
  private static final ThreadLocal<Object[]> LAST = new ThreadLocal<>();

  /**
   * {@code key}'s hash and packed bytes, in a {@code long[]} owned by the calling thread and valid
   * until its next probe of another key: [{@link #HASH}] the hash; [{@link #WORD0} ..
   * {@link #WORD0} + 2] the key as {@link CounterSlab} stores an inline key (its length, then its
   * Latin-1 chars, zero-padded, little-endian); [{@link #INLINE}] 1 if it is stored inline (at
   * most 22 chars, all at most 0xFF), else 0.
   */
  long[] probe(String key) {
    Object[] last = LAST.get();
    if (last == null) {
      last = new Object[] {null, new long[7]};
      LAST.set(last);
    }
    long[] probe = (long[]) last[1];
    if (last[0] != key || probe[SEED] != k0 || probe[SEED + 1] != k1) {
      fill(key, probe);
      probe[SEED] = k0;
      probe[SEED + 1] = k1;
      last[0] = key;
    }
    return probe;
  }

  /** The hash of {@code key}, not memoized (for keys read back from a table: side keys). */
  long hash(String key) {
    long[] probe = new long[SEED];
    fill(key, probe);
    return probe[HASH];
  }

  private void fill(String key, long[] probe) {
    int length = key.length();
    long v0 = k0 ^ 0x736f6d6570736575L;
    long v1 = k1 ^ 0x646f72616e646f6dL;
    long v2 = k0 ^ 0x6c7967656e657261L;
    long v3 = k1 ^ 0x7465646279746573L;
    int wide = 0; // every char OR-ed: above 0xFF when some char is
    long m0 = 0;
    long m1 = 0;
    int i = 0;
    for (; i + 8 <= length; i += 8) {
      long m = 0;
      for (int j = 7; j >= 0; j--) {
        char c = key.charAt(i + j);
        wide |= c;
        m = m << 8 | (c & 0xFF);
      }
      if (i == 0) {
        m0 = m;
      } else if (i == 8) {
        m1 = m;
      }
      v3 ^= m;
      v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
      v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
      v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
      v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
      v0 ^= m;
    }
    long tail = 0;
    for (int j = length - i - 1; j >= 0; j--) {
      char c = key.charAt(i + j);
      wide |= c;
      tail = tail << 8 | (c & 0xFF);
    }
    if (wide > 0xFF) {
      probe[HASH] = hashWide(key);
      probe[INLINE] = 0;
      return;
    }
    probe[HASH] = finish(v0, v1, v2, v3, (long) length << 56 | tail);
    if (length > PACKED_CHARS) {
      probe[INLINE] = 0;
      return;
    }
    // the chars as one little-endian run m0 m1 m2, shifted up one byte behind the length
    long m2 = 0;
    if (i == 0) {
      m0 = tail;
    } else if (i == 8) {
      m1 = tail;
    } else {
      m2 = tail;
    }
    probe[WORD0] = length | m0 << 8;
    probe[WORD0 + 1] = m0 >>> 56 | m1 << 8;
    probe[WORD0 + 2] = m1 >>> 56 | m2 << 8;
    probe[INLINE] = 1;
  }

  /** The hash of the Latin-1 bytes {@code bytes[offset, offset + length)}: that of the same chars as a String. */
  long hash(byte[] bytes, int offset, int length) {
    long v0 = k0 ^ 0x736f6d6570736575L;
    long v1 = k1 ^ 0x646f72616e646f6dL;
    long v2 = k0 ^ 0x6c7967656e657261L;
    long v3 = k1 ^ 0x7465646279746573L;
    int i = 0;
    for (; i + 8 <= length; i += 8) {
      long m = 0;
      for (int j = 7; j >= 0; j--) {
        m = m << 8 | (bytes[offset + i + j] & 0xFF);
      }
      v3 ^= m;
      v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
      v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
      v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
      v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
      v0 ^= m;
    }
    long last = (long) length << 56;
    for (int j = length - i - 1; j >= 0; j--) {
      last |= (long) (bytes[offset + i + j] & 0xFF) << (8 * j);
    }
    return finish(v0, v1, v2, v3, last);
  }

  /** A key with a char above 0xFF: its UTF-16 chars, four to a block. */
  private long hashWide(String key) {
    int length = key.length();
    long v0 = k0 ^ 0x736f6d6570736575L;
    long v1 = k1 ^ 0x646f72616e646f6dL;
    long v2 = k0 ^ 0x6c7967656e657261L;
    long v3 = k1 ^ 0x7465646279746573L;
    int i = 0;
    for (; i + 4 <= length; i += 4) {
      long m = (long) key.charAt(i) | (long) key.charAt(i + 1) << 16
          | (long) key.charAt(i + 2) << 32 | (long) key.charAt(i + 3) << 48;
      v3 ^= m;
      v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
      v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
      v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
      v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
      v0 ^= m;
    }
    long last = ((long) (2 * length) << 56) | 1L << 63;
    for (int j = 0; i + j < length; j++) {
      last |= (long) key.charAt(i + j) << (16 * j);
    }
    return finish(v0, v1, v2, v3, last);
  }

  /** The last block, then SipHash's finalization with 3 rounds. */
  private static long finish(long v0, long v1, long v2, long v3, long last) {
    v3 ^= last;
    v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
    v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
    v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
    v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
    v0 ^= last;
    v2 ^= 0xFF;
    for (int r = 0; r < 3; r++) {
      v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
      v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
      v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
      v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
    }
    return v0 ^ v1 ^ v2 ^ v3;
  }

}
