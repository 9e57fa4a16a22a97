package org.s3gate.limit;

/**
 * One key's live counts and totals, as shown by JMX {@code show()}.
 *
 * <p>Immutable.
 *
 * @param key the access key
 * @param currentPerSecond requests counted in the per-second window at the snapshot's time
 * @param currentPerMinute requests counted in the per-minute window at the snapshot's time
 * @param admittedTotal requests admitted since the entry was created
 * @param deniedTotal requests denied since the entry was created
 * @param lastSeenNanos the latest {@code nowNanos} of a {@code tryAcquire} for this key, on the
 *     caller's {@code System.nanoTime()} scale; compare by subtraction
 */
public record KeyUsage(
    String key,
    int currentPerSecond,
    int currentPerMinute,
    long admittedTotal,
    long deniedTotal,
    long lastSeenNanos) {}
