package org.s3gate.admit;

import java.time.Duration;

import org.s3gate.limit.ClientIpTable;
import org.s3gate.limit.IpDecision;
import org.s3gate.limit.IpVerdict;
import org.s3gate.policy.Cidr;
import org.s3gate.policy.ClientIpSettings;
import org.s3gate.policy.PolicySnapshot;

/**
 * The per-client-IP rules (HAProxy's {@code track-sc0 src} policy): every limited request is
 * counted against its client IP ({@link ClientAddress}: the TCP peer, or a trusted proxy's
 * X-Forwarded-For hop) in the {@link ClientIpTable}, whatever key it names; the IP's request and
 * error counts over {@code ip.window} decide {@code ip.limit.requests} (deny) and
 * {@code ip.tarpit.requests} + {@code ip.tarpit.errors} (tarpit). Errors are the backend's answers
 * in {@code ip.error.statuses}, and every request the backend refused as forged.
 *
 * <p>Not a {@link Limiter}: its decision has three outcomes (admit, deny, tarpit) and its own window,
 * but it keeps the same contract: check and charge in one atomic step, and {@link #refund} when a
 * later budget of the same decision denies the request.
 *
 * <p>A client is counted as its {@link ClientNetwork}: an IPv4 address, or an IPv6 address's
 * {@code ip.ipv6.prefix} network in one canonical text, so a client can neither spell its address
 * differently in a trusted proxy's header nor move to another address of its /64 to get a second
 * budget.
 *
 * <p>Thread-safe: stateless besides the thread-safe table.
 */
final class ClientIpLimiter {

  private final ClientIpTable table;

  ClientIpLimiter(ClientIpTable table) {
    this.table = table;
  }

  IpDecision tryAcquire(Caller caller, PolicySnapshot policy, long nowNanos) {
    ClientIpSettings rules = policy.settings().clientIps();
    return table.tryAcquire(caller.clientNetwork(), rules.limitRequests(), rules.tarpitRequests(), rules.tarpitErrors(),
        policy.settings().countDenied(), nowNanos);
  }

  void refund(Caller caller, long chargedNanos) {
    table.refund(caller.clientNetwork(), chargedNanos);
  }

  /** Counts a backend answer with {@code status} as the IP's error when {@code ip.error.statuses} has it. */
  void backendAnswered(Caller caller, PolicySnapshot policy, int status, long nowNanos) {
    if (policy.settings().clientIps().isError(status)) {
      table.recordError(caller.clientNetwork(), nowNanos);
    }
  }

  /**
   * Counts a request the backend refused as forged (403 InvalidAccessKeyId / SignatureDoesNotMatch)
   * as the IP's error; when 403 is in {@code ip.error.statuses} its answer was counted already.
   */
  void forged(Caller caller, PolicySnapshot policy, long nowNanos) {
    if (!policy.settings().clientIps().isError(403)) {
      table.recordError(caller.clientNetwork(), nowNanos);
    }
  }

  /** The rule that refused a request, e.g. {@code 100 requests/10s per client IP}. */
  String describeLimit(PolicySnapshot policy, IpDecision denied) {
    ClientIpSettings rules = policy.settings().clientIps();
    String window = text(table.window());
    if (denied.verdict() == IpVerdict.TARPIT) {
      return "over " + rules.tarpitRequests() + " requests and " + rules.tarpitErrors() + " errors/" + window
          + " per client IP: tarpit";
    }
    return rules.limitRequests() + " requests/" + window + " per client IP";
  }

  private static String text(Duration window) {
    long millis = window.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }
}
