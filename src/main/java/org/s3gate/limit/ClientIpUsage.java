package org.s3gate.limit;

/**
 * One client IP's live counts and totals, as JMX {@code show()} of {@code client_ips} shows them.
 *
 * <p>Immutable.
 *
 * @param address the client IP, as {@code ClientAddress} resolved it
 * @param requests requests counted in its sliding {@code ip.window} now ({@code http_req_rate})
 * @param errors backend errors counted in its window now ({@code http_err_rate})
 * @param admittedTotal requests the IP rules admitted since the entry was created
 * @param deniedTotal requests the IP rules denied or tarpitted since the entry was created
 * @param lastSeenNanos the latest time a request or an error of the IP was counted, on the
 *     caller's {@code System.nanoTime()} scale; compare by subtraction
 */
public record ClientIpUsage(String address, int requests, int errors, long admittedTotal, long deniedTotal,
    long lastSeenNanos) {}
