package org.s3gate.limit;

/**
 * What the per-client-IP rules decided for one request ({@link ClientIpTable#tryAcquire}):
 * admitted, denied by {@code ip.limit.requests}, or to be tarpitted ({@code ip.tarpit.requests}
 * and {@code ip.tarpit.errors} both exceeded).
 *
 * <p>Immutable.
 */
public enum IpVerdict {
  ADMITTED,
  LIMITED,
  TARPIT
}
