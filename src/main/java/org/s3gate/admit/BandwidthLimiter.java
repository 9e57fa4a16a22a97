package org.s3gate.admit;

import org.s3gate.limit.ByteBudgets;
import org.s3gate.limit.ByteDecision;
import org.s3gate.limit.ByteDirection;
import org.s3gate.policy.GroupPolicy;

/**
 * The caller's bandwidth budget ({@code GROUP:in} and {@code GROUP:out} of
 * {@code bandwidth_per_minute.map}): body bytes per sliding minute, counted per access key (or per
 * client address for anonymous callers) in {@link ByteBudgets}.
 *
 * <h2>Design: when bytes are charged</h2>
 * <ul>
 *   <li><b>Uploads of known length</b> ({@code x-amz-decoded-content-length} of an aws-chunked
 *       upload, else {@code Content-Length}) are admitted only if the whole body fits what is
 *       left of the minute, and charged then: at admission, before any body byte is read, so
 *       before {@code 100 Continue} (exact: the window never holds more than the limit). At the end
 *       the charge is reconciled down to the bytes actually read (capped at the declared length,
 *       since an aws-chunked body carries chunk signatures on top of its data), so an aborted
 *       upload pays only what it sent. A body declared larger than the limit itself can never fit:
 *       it is rejected with 400 {@code EntityTooLarge} rather than told to retry.
 *   <li><b>Uploads of unknown length</b> (chunked without a decoded length) are admitted while the
 *       caller has room left (at least one byte) and charged the bytes read when they end: the body
 *       is streamed, never buffered to count it. Overshoot: at most the bodies of the unknown-length
 *       uploads admitted while the budget still had room.
 *   <li><b>Downloads</b> (GET) are admitted while the caller has room left (at least one byte),
 *       charged the backend's {@code Content-Length} when the response starts
 *       ({@link #chargeDownload}; a response without one is charged at its end), and reconciled to
 *       the bytes actually handed to the client when it ends, so an aborted download pays only what
 *       was sent. Over budget, the next GET is denied with SlowDown and a {@code Retry-After} for
 *       when the minute has room again. Bound on overshoot: a download's size is not known when it
 *       is admitted, so the minute can exceed {@code GROUP:out} by at most the responses of the
 *       downloads that were admitted while it still had room, i.e. at most one response per
 *       concurrent download in flight when the budget ran out.
 * </ul>
 * A request with a body (even a GET) is checked against {@code in}; a GET also against
 * {@code out}. A method without a body and not GET (HEAD, DELETE) is not counted here.
 *
 * <h2>Where the bytes are counted</h2>
 * In this instance's {@link ByteBudgets} ({@link #tryAcquire}, after the request budgets), unless
 * the counter store {@linkplain CounterStore#decidesBytes decides bytes} (Redis): then the
 * request's {@link BandwidthTransfer} claims go into the store's one atomic step with its request budgets,
 * and the later charges of {@link #chargeDownload} and {@link #reconcile} go where the
 * {@link BandwidthCharge#ledger()} says (the shared store, without waiting; or this instance's
 * budgets when the store decided by its local fallback). The rules above are the same in both.
 *
 * <p>Thread-safe: stateless besides the thread-safe budgets.
 */
final class BandwidthLimiter {

  /** What {@link #tryAcquire} decided: a charge to keep, or the direction that refused. */
  record Result(BandwidthCharge charge, ByteDirection refusedBy, ByteDecision refusal) {
    /** A refusal's counts for the headers: the refusing direction's bytes now and its limit (nothing charged). */
    BandwidthCharge refusedCounts() {
      boolean in = refusedBy == ByteDirection.IN;
      return new BandwidthCharge(null, in, -1, in ? refusal.usedBytes() : 0, in ? refusal.limitBytes() : 0, !in,
          in ? 0 : refusal.usedBytes(), in ? 0 : refusal.limitBytes());
    }
  }

  private final ByteBudgets budgets;

  BandwidthLimiter(ByteBudgets budgets) {
    this.budgets = budgets;
  }

  ByteBudgets budgets() {
    return budgets;
  }

  /**
   * The body length a request declares: {@code x-amz-decoded-content-length} (aws-chunked: the data
   * without chunk signatures), else {@code Content-Length}; -1 when it has a body of unknown
   * length (a {@code Transfer-Encoding}), 0 when it has none.
   */
  static long declaredLength(RequestFacts request) {
    long decoded = parseLength(request.header("x-amz-decoded-content-length"));
    if (decoded >= 0) {
      return decoded;
    }
    long length = parseLength(request.header("Content-Length"));
    if (length >= 0) {
      return length;
    }
    return request.header("Transfer-Encoding") != null ? -1 : 0;
  }

  private static long parseLength(String text) {
    if (text == null || text.isEmpty() || text.length() > 18) {
      return -1;
    }
    long value = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  /**
   * The rejection of an upload declared larger than its group's whole {@code in} budget (it could
   * never be admitted, so it is not told to retry), or null.
   */
  static RequestScreen.Rejection oversize(RequestFacts request, GroupPolicy group) {
    GroupPolicy.Bandwidth bandwidth = group.bandwidth();
    if (bandwidth == null || !bandwidth.limitsIn()) {
      return null;
    }
    long declared = declaredLength(request);
    if (declared <= bandwidth.inBytesPerMinute()) {
      return null;
    }
    return new RequestScreen.Rejection(400, "EntityTooLarge", "The upload of " + declared
        + " bytes is larger than the bandwidth of its group '" + group.group() + "' ("
        + bandwidth.inBytesPerMinute() + " bytes/minute of request bodies): it can never be admitted");
  }

  /** The upload length {@code in} counts for the request: 0 when none, -1 when of unknown length (the rules above). */
  private static long countedUpload(GroupPolicy.Bandwidth bandwidth, RequestFacts request) {
    return bandwidth.limitsIn() ? declaredLength(request) : 0;
  }

  /** Whether {@code out} counts the request's response body: a GET, with an {@code out} budget. */
  private static boolean countsDownload(GroupPolicy.Bandwidth bandwidth, RequestFacts request) {
    return bandwidth.limitsOut() && "GET".equals(request.method());
  }

  /**
   * The request's byte claims, for a store that decides them with its request budgets; null when
   * the caller's group has no bandwidth limit or none applies to this request. The same rules as
   * {@link #tryAcquire}: an upload of known length claims its declared length, any other transfer
   * room for one byte.
   */
  BandwidthTransfer transferOf(RequestFacts request, Caller caller) {
    GroupPolicy.Bandwidth bandwidth = caller.group().bandwidth();
    if (bandwidth == null) {
      return null;
    }
    long declared = countedUpload(bandwidth, request);
    boolean in = declared != 0;
    boolean out = countsDownload(bandwidth, request);
    if (!in && !out) {
      return null;
    }
    String counter = KeyRateLimiter.counterOf(caller);
    ByteClaim[] claims = new ByteClaim[2];
    int count = 0;
    if (in) {
      claims[count++] = new ByteClaim(counter, ByteDirection.IN, bandwidth.inBytesPerMinute(), Math.max(0, declared));
    }
    if (out) {
      claims[count++] = new ByteClaim(counter, ByteDirection.OUT, bandwidth.outBytesPerMinute(), 0);
    }
    return new BandwidthTransfer(counter, in, declared, bandwidth.inBytesPerMinute(), out, bandwidth.outBytesPerMinute(),
        claims, count);
  }

  /**
   * Checks and charges the request's transfer; null when the caller's group has no bandwidth
   * limit or none applies to this request (nothing charged). A refusal charges nothing.
   */
  Result tryAcquire(RequestFacts request, Caller caller, long nowNanos) {
    GroupPolicy.Bandwidth bandwidth = caller.group().bandwidth();
    if (bandwidth == null) {
      return null;
    }
    long declared = countedUpload(bandwidth, request);
    boolean in = declared != 0;
    boolean out = countsDownload(bandwidth, request);
    if (!in && !out) {
      return null;
    }
    String counter = KeyRateLimiter.counterOf(caller);
    ByteDecision inDecision = null;
    if (in) {
      inDecision = budgets.tryCharge(counter, ByteDirection.IN, bandwidth.inBytesPerMinute(), Math.max(0, declared),
          nowNanos);
      if (!inDecision.admitted()) {
        return new Result(null, ByteDirection.IN, inDecision);
      }
    }
    ByteDecision outDecision = null;
    if (out) {
      outDecision = budgets.tryCharge(counter, ByteDirection.OUT, bandwidth.outBytesPerMinute(), 0, nowNanos);
      if (!outDecision.admitted()) {
        if (in && declared > 0) {
          budgets.refund(counter, ByteDirection.IN, declared, nowNanos, nowNanos);
        }
        return new Result(null, ByteDirection.OUT, outDecision);
      }
    }
    return new Result(new BandwidthCharge(counter, in, declared, in ? inDecision.usedBytes() : 0,
        bandwidth.inBytesPerMinute(), out, out ? outDecision.usedBytes() : 0, bandwidth.outBytesPerMinute()), null,
        null);
  }

  /** Takes back what {@link #tryAcquire} charged at {@code chargedNanos} (a later limiter refused the request). */
  void refund(BandwidthCharge charge, long chargedNanos) {
    if (charge != null && charge.in() && charge.inDeclaredBytes() > 0) {
      if (charge.ledger() != null) {
        charge.ledger().refund(charge.counter(), ByteDirection.IN, charge.inDeclaredBytes(), charge.stamp());
        return;
      }
      budgets.refund(charge.counter(), ByteDirection.IN, charge.inDeclaredBytes(), chargedNanos, chargedNanos);
    }
  }

  /**
   * The response starts: a counted download is charged its {@code contentLength} (-1: unknown,
   * charged at the end). Returns the bytes charged.
   */
  long chargeDownload(BandwidthCharge charge, long contentLength, long nowNanos) {
    if (charge == null || !charge.out() || contentLength <= 0) {
      return 0;
    }
    if (charge.ledger() != null) {
      charge.ledger().charge(charge.counter(), ByteDirection.OUT, contentLength);
      return contentLength;
    }
    budgets.charge(charge.counter(), ByteDirection.OUT, contentLength, nowNanos);
    return contentLength;
  }

  /**
   * The transfer ended: every charge is brought to the bytes actually moved ({@code bytesIn} read
   * from the client, {@code bytesOut} handed to it), or to none when {@code refused} (the backend
   * refused the request's credentials: its bytes were not the key owner's). {@code admittedNanos}
   * is when the upload was charged, {@code downloadCharged} what {@link #chargeDownload} charged at
   * {@code downloadNanos}.
   */
  void reconcile(BandwidthCharge charge, long admittedNanos, long bytesIn, long downloadCharged, long downloadNanos,
      long bytesOut, boolean refused, long nowNanos) {
    if (charge == null) {
      return;
    }
    if (charge.ledger() != null) {
      reconcileShared(charge, bytesIn, downloadCharged, downloadNanos, bytesOut, refused);
      return;
    }
    if (charge.in()) {
      long declared = charge.inDeclaredBytes();
      if (declared < 0) {
        budgets.charge(charge.counter(), ByteDirection.IN, refused ? 0 : bytesIn, nowNanos);
      } else {
        long moved = refused ? 0 : Math.min(bytesIn, declared);
        budgets.refund(charge.counter(), ByteDirection.IN, declared - moved, admittedNanos, nowNanos);
      }
    }
    if (charge.out()) {
      long moved = refused ? 0 : bytesOut;
      if (moved < downloadCharged) {
        budgets.refund(charge.counter(), ByteDirection.OUT, downloadCharged - moved, downloadNanos, nowNanos);
      } else {
        budgets.charge(charge.counter(), ByteDirection.OUT, moved - downloadCharged, nowNanos);
      }
    }
  }

  /**
   * {@link #reconcile} for a transfer a shared store admitted: the same amounts, sent to its
   * ledger, and nothing at all when nothing changes (a complete transfer of known length costs no
   * call). A download's unsent bytes are taken back at a lower bound of the store's time of its
   * length's charge (that charge's reply is not waited for): the admission's stamp plus the time
   * from the admission's answer to {@code downloadNanos}, so the bound is short of the real time by
   * at most the admission's round trip. Exact unless a 3-second slot boundary falls in that gap;
   * then they are taken from the slot before, which never over-admits (see
   * {@code s3gate-counters.lua}).
   */
  private static void reconcileShared(BandwidthCharge charge, long bytesIn, long downloadCharged, long downloadNanos,
      long bytesOut, boolean refused) {
    SharedBytes ledger = charge.ledger();
    if (charge.in()) {
      long declared = charge.inDeclaredBytes();
      if (declared < 0) {
        long read = refused ? 0 : bytesIn;
        if (read > 0) {
          ledger.charge(charge.counter(), ByteDirection.IN, read);
        }
      } else {
        long unread = declared - (refused ? 0 : Math.min(bytesIn, declared));
        if (unread > 0) {
          ledger.refund(charge.counter(), ByteDirection.IN, unread, charge.stamp());
        }
      }
    }
    if (charge.out()) {
      long moved = refused ? 0 : bytesOut;
      if (moved < downloadCharged) {
        ledger.refund(charge.counter(), ByteDirection.OUT, downloadCharged - moved,
            charge.stampOfLaterCharge(downloadNanos));
      } else if (moved > downloadCharged) {
        ledger.charge(charge.counter(), ByteDirection.OUT, moved - downloadCharged);
      }
    }
  }

  /** The limit that refused a request, for the SlowDown message. */
  static String describe(Caller caller, ByteDirection direction) {
    GroupPolicy.Bandwidth bandwidth = caller.group().bandwidth();
    long limit = direction == ByteDirection.IN ? bandwidth.inBytesPerMinute() : bandwidth.outBytesPerMinute();
    return formatBytes(limit) + "/minute of " + (direction == ByteDirection.IN ? "request" : "response")
        + " bodies per " + (caller.identity().anonymous() ? "client address" : "API key");
  }

  /** {@code 10 MiB} when a whole number of KiB, MiB or GiB, else {@code 12345 bytes}. */
  static String formatBytes(long bytes) {
    String[] units = {"GiB", "MiB", "KiB"};
    int[] shifts = {30, 20, 10};
    for (int i = 0; i < units.length; i++) {
      long unit = 1L << shifts[i];
      if (bytes >= unit && bytes % unit == 0) {
        return (bytes >> shifts[i]) + " " + units[i];
      }
    }
    return bytes + " bytes";
  }
}
