package org.s3gate.limit;

/**
 * One request's decision by the per-client-IP rules, with the IP's counts in its sliding
 * {@code ip.window} after the decision (this request included when it was counted) and, when not
 * admitted, how long until the rule that refused it would let a request through if the IP sent
 * nothing meanwhile.
 *
 * <p>Immutable.
 *
 * @param verdict admitted, limited or tarpit
 * @param requests requests counted in the IP's window
 * @param errors backend errors ({@code ip.error.statuses}) counted in the IP's window
 * @param retryAfterNanos 0 when admitted, else the time until the refusing rule has room
 */
public record IpDecision(IpVerdict verdict, int requests, int errors, long retryAfterNanos) {

  public boolean admitted() {
    return verdict == IpVerdict.ADMITTED;
  }
}
