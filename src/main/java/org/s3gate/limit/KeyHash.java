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
 * each, with no allocation: about the cost of {@code String.hashCode} over an uncached string.
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

  /** The hash of {@code key}. */
  long hash(String key) {
    int length = key.length();
    long v0 = k0 ^ 0x736f6d6570736575L;
    long v1 = k1 ^ 0x646f72616e646f6dL;
    long v2 = k0 ^ 0x6c7967656e657261L;
    long v3 = k1 ^ 0x7465646279746573L;
    int wide = 0;
    int i = 0;
    for (; i + 8 <= length; i += 8) {
      long m = 0;
      for (int j = 7; j >= 0; j--) {
        char c = key.charAt(i + j);
        wide |= c;
        m = m << 8 | c;
      }
      if (wide > 0xFF) {
        return hashWide(key);
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
      char c = key.charAt(i + j);
      wide |= c;
      last |= (long) c << (8 * j);
    }
    if (wide > 0xFF) {
      return hashWide(key);
    }
    return finish(v0, v1, v2, v3, last);
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
