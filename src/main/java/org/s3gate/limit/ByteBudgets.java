package org.s3gate.limit;

/**
 * The per-caller byte budgets of {@code bandwidth_per_minute.map}: bytes per sliding minute, in
 * and out. The seam a shared counter store (Redis) implements besides the local {@link ByteTable}:
 * the admission core makes only the first three calls, each naming its counter, direction and time.
 *
 * <p>Contract: {@link #tryCharge} decides and charges in one atomic step, so two concurrent
 * transfers can never both take the last bytes; {@link #charge} adds bytes known only afterwards
 * (a response's length, a body of unknown length); {@link #refund} takes back part of an earlier
 * charge at the time it was made (a transfer that moved fewer bytes than it was charged for).
 * Time is a parameter; implementations never read a clock.
 *
 * <p>Implementations must be thread-safe: one instance serves every request.
 */
public interface ByteBudgets {

  /**
   * Admits and charges {@code bytes >= 0} when they fit: when the counter's bytes in the sliding
   * minute plus {@code max(bytes, 1)} are at most {@code limitBytes} (a transfer needs room for at
   * least one byte, so a caller at its limit is refused even a response whose length is not known
   * yet). A refused transfer charges nothing.
   */
  ByteDecision tryCharge(String counter, ByteDirection direction, long limitBytes, long bytes, long nowNanos);

  /** Adds {@code bytes >= 0} to the counter at {@code nowNanos}, whatever its limit. */
  void charge(String counter, ByteDirection direction, long bytes, long nowNanos);

  /**
   * Takes back up to {@code bytes} of a charge made at {@code chargedNanos} (only what still
   * counts: bytes that left the sliding minute are not counted any more).
   */
  void refund(String counter, ByteDirection direction, long bytes, long chargedNanos, long nowNanos);

  /** Bytes counted for the counter in the sliding minute at {@code nowNanos}; 0 for an unknown counter. */
  long used(String counter, ByteDirection direction, long nowNanos);

  // Management (JMX clear-table, the expiry sweep), not the request path:

  /** Forgets the counter's bytes (both directions); false if it had none. */
  boolean clearKey(String counter);

  /** Forgets every counter's bytes. */
  void clear();

  /** Drops counters idle for {@code idleNanos} with nothing counted; returns how many. */
  int expireIdle(long idleNanos, long nowNanos);

  /** Counters kept now. */
  int size();
}
