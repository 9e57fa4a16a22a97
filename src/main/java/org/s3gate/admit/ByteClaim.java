package org.s3gate.admit;

import org.s3gate.limit.ByteDirection;

/**
 * What one transfer asks of one byte budget ({@code GROUP:in} or {@code GROUP:out} of
 * {@code bandwidth_per_minute.map}) at admission: room for {@code max(bytes, 1)} in the counter's
 * sliding minute, and {@code bytes} charged when admitted. A {@link CounterStore} that
 * {@linkplain CounterStore#decidesBytes decides bytes} decides the claims of a request in the same
 * step as its request budgets.
 *
 * <p>Immutable.
 *
 * @param counter the caller's counter (access key, or {@code anonymous@ADDRESS}): the owner of the
 *     request's first budget, so a shared store keeps both under one hash tag
 * @param direction which of the counter's two byte budgets
 * @param limitBytes the budget, bytes per sliding minute
 * @param bytes what is charged at admission: a known-length upload's declared length, else 0
 *     (charged later: a download's length at its start, an unknown-length body at its end)
 */
public record ByteClaim(String counter, ByteDirection direction, long limitBytes, long bytes) {}
