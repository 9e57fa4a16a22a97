package org.s3gate.admit;

import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.Decision;
import org.s3gate.limit.LimitWindow;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.MethodClass;

/**
 * What admission decided for one request: the verdict, who called (identity, group policy, client
 * address), the caller's counts (for the {@code X-RateLimit-*} headers), and, when denied, the
 * limit that refused it (for the SlowDown message) and its {@link LimitDimension}; when admitted, the
 * transfer's bandwidth charge to reconcile at its end. An exempt request has no caller or decision; a
 * rejected one has a caller but no decision (nothing was counted) and the answer it gets.
 *
 * <p>Immutable.
 */
public final class Outcome {

  /** The outcome of every request that is never limited ({@code exempt.paths}). */
  static final Outcome EXEMPT = new Outcome(Verdict.EXEMPT, null, null, null, null, 0, false);

  private static final long NO_RETRY = 0;

  /** How long a caller at its in-flight limit is told to wait: its transfers take as long as they take. */
  static final long IN_FLIGHT_RETRY_NANOS = 1_000_000_000L;

  private final Verdict verdict;
  private final Caller caller;
  private final Decision decision;
  private final String deniedLimit;
  private final RequestScreen.Rejection rejection;
  private final long retryAfterNanos;
  /** Whether the request is counted in flight (its caller's counter, and its address's when addressInFlight). */
  private final boolean inFlight;
  private final boolean addressInFlight;
  /** The method class whose counter was charged ({@link ClassRateLimiter}), or null. */
  private final MethodClass chargedClass;
  /** The budget that denied the request, or null when it was not denied. */
  private final LimitDimension dimension;
  /** The transfer's bandwidth charge ({@link BandwidthLimiter}), or null when none applies. */
  private final BandwidthCharge bandwidth;

  private Outcome(Verdict verdict, Caller caller, Decision decision, String deniedLimit,
      RequestScreen.Rejection rejection, long retryAfterNanos, boolean inFlight) {
    this(verdict, caller, decision, deniedLimit, rejection, retryAfterNanos, inFlight, false, null, null, null);
  }

  private Outcome(Verdict verdict, Caller caller, Decision decision, String deniedLimit,
      RequestScreen.Rejection rejection, long retryAfterNanos, boolean inFlight, boolean addressInFlight,
      MethodClass chargedClass, LimitDimension dimension, BandwidthCharge bandwidth) {
    this.verdict = verdict;
    this.caller = caller;
    this.decision = decision;
    this.deniedLimit = deniedLimit;
    this.rejection = rejection;
    this.retryAfterNanos = retryAfterNanos;
    this.inFlight = inFlight;
    this.addressInFlight = addressInFlight;
    this.chargedClass = chargedClass;
    this.dimension = dimension;
    this.bandwidth = bandwidth;
  }

  /** Admitted without being counted in flight (a method {@code limit.methods} leaves out). */
  static Outcome admitted(Caller caller, Decision decision) {
    return new Outcome(Verdict.ADMITTED, caller, decision, null, null, 0, false);
  }

  /**
   * Admitted and counted in flight (and its address too when {@code addressInFlight}) until
   * {@link Admission#complete}; {@code chargedClass} is the method class also charged, or null.
   */
  static Outcome admittedInFlight(Caller caller, Decision decision, boolean addressInFlight,
      MethodClass chargedClass) {
    return admittedInFlight(caller, decision, addressInFlight, chargedClass, null);
  }

  /** {@link #admittedInFlight(Caller, Decision, boolean, MethodClass)} with the transfer's bandwidth charge. */
  static Outcome admittedInFlight(Caller caller, Decision decision, boolean addressInFlight,
      MethodClass chargedClass, BandwidthCharge bandwidth) {
    return new Outcome(Verdict.ADMITTED, caller, decision, null, null, NO_RETRY, true, addressInFlight, chargedClass,
        null, bandwidth);
  }

  /**
   * Denied by the caller's own request windows: the dimension is the window that tripped.
   *
   * @param deniedLimit the limit that tripped, e.g. {@code 10 requests/second per API key}
   */
  static Outcome denied(Caller caller, Decision decision, String deniedLimit) {
    return denied(caller, decision, deniedLimit,
        decision.trippedWindow() == LimitWindow.SECOND ? LimitDimension.SECOND : LimitDimension.MINUTE);
  }

  /** Denied by the request windows of {@code dimension}'s budget. */
  static Outcome denied(Caller caller, Decision decision, String deniedLimit, LimitDimension dimension) {
    return new Outcome(Verdict.of(decision), caller, decision, deniedLimit, null, decision.retryAfterNanos(), false,
        false, null, dimension, null);
  }

  /**
   * Denied by a bandwidth budget ({@link LimitDimension#BYTES_IN} or {@link LimitDimension#BYTES_OUT}):
   * a per-minute budget, so the verdict is {@code denied_per_minute}; {@code decision} holds the
   * caller's request counts for the headers, {@code retryAfterNanos} when the bytes would fit,
   * {@code counts} the refusing direction's bytes and limit (nothing was charged).
   */
  static Outcome deniedBandwidth(Caller caller, Decision decision, String deniedLimit, LimitDimension dimension,
      long retryAfterNanos, BandwidthCharge counts) {
    return new Outcome(Verdict.DENIED_PER_MINUTE, caller, decision, deniedLimit, null, retryAfterNanos, false, false,
        null, dimension, counts);
  }

  /** Denied because the caller has its limit of requests in flight; {@code decision} holds its rate counts. */
  static Outcome deniedInFlight(Caller caller, Decision decision, String deniedLimit) {
    return new Outcome(Verdict.DENIED_CONCURRENT, caller, decision, deniedLimit, null, IN_FLIGHT_RETRY_NANOS, false,
        false, null, LimitDimension.CONCURRENT, null);
  }

  static Outcome rejected(Caller caller, RequestScreen.Rejection rejection) {
    return new Outcome(Verdict.REJECTED, caller, null, null, rejection, 0, false);
  }

  /** Who called, as the limiters saw it; null when exempt. */
  Caller fullCaller() {
    return caller;
  }

  /** Whether the request is counted in flight until {@link Admission#complete} ends it. */
  boolean inFlight() {
    return inFlight;
  }

  boolean addressInFlight() {
    return addressInFlight;
  }

  /** The method class whose counter this request charged, or null. */
  MethodClass chargedClass() {
    return chargedClass;
  }

  /** The budget that denied the request; null when it was not denied (admitted, exempt, rejected). */
  public LimitDimension dimension() {
    return dimension;
  }

  /**
   * What the transfer was charged in its group's bandwidth budget; null when none applies. For a
   * request denied by its bandwidth, the refusing direction's counts (nothing was charged).
   */
  public BandwidthCharge bandwidth() {
    return bandwidth;
  }

  /** 0 unless denied; otherwise how long until the caller would be admitted. */
  public long retryAfterNanos() {
    return retryAfterNanos;
  }

  /** {@link #retryAfterNanos()} rounded up to whole milliseconds ({@code x-amz-retry-after}). */
  public long retryAfterMillis() {
    return ceilDiv(retryAfterNanos, 1_000_000L);
  }

  /** {@link #retryAfterNanos()} rounded up to whole seconds ({@code Retry-After}). */
  public long retryAfterSeconds() {
    return ceilDiv(retryAfterNanos, 1_000_000_000L);
  }

  private static long ceilDiv(long value, long divisor) {
    return value / divisor + (value % divisor > 0 ? 1 : 0);
  }

  public Verdict verdict() {
    return verdict;
  }

  /** Whether the request goes on to a backend (admitted or exempt). */
  public boolean forwarded() {
    return verdict == Verdict.ADMITTED || verdict == Verdict.EXEMPT;
  }

  public boolean exempt() {
    return verdict == Verdict.EXEMPT;
  }

  /** Whether the request was refused before anything was counted (see {@link #rejectionStatus()}). */
  public boolean rejected() {
    return verdict == Verdict.REJECTED;
  }

  /** Who called; null when exempt. */
  public CallerIdentity caller() {
    return caller == null ? null : caller.identity();
  }

  /** The caller's group policy; null when exempt. */
  public GroupPolicy group() {
    return caller == null ? null : caller.group();
  }

  /** The client's address (TCP peer, or trusted X-Forwarded-For hop); null when exempt. */
  public String clientAddress() {
    return caller == null ? null : caller.clientAddress();
  }

  /** The caller's rate counts (and, when a rate denied it, when to retry); null when exempt or rejected. */
  public Decision decision() {
    return decision;
  }

  /**
   * The SlowDown message of a denied request: the group's message and the limit that tripped,
   * e.g. {@code Basic rate limit exceeded (10 requests/second per API key)}.
   *
   * @throws IllegalStateException if the request was not denied
   */
  public String denialMessage() {
    if (deniedLimit == null) {
      throw new IllegalStateException("not denied: " + verdict);
    }
    return caller.group().errorMessage() + " (" + deniedLimit + ")";
  }

  /** The HTTP status of a rejected request (400 or 405). */
  public int rejectionStatus() {
    return rejection().status();
  }

  /** The S3 error code of a rejected request, e.g. {@code AuthorizationHeaderMalformed}. */
  public String rejectionCode() {
    return rejection().errorCode();
  }

  /** Why the request was rejected, for the error body. */
  public String rejectionMessage() {
    return rejection().message();
  }

  private RequestScreen.Rejection rejection() {
    if (rejection == null) {
      throw new IllegalStateException("not rejected: " + verdict);
    }
    return rejection;
  }

  @Override
  public String toString() {
    return "Outcome[" + verdict + (caller == null ? "" : ", " + caller) + (decision == null ? "" : ", " + decision)
        + (rejection == null ? "" : ", " + rejection) + "]";
  }
}
