package org.s3gate.admit;

import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.Decision;
import org.s3gate.limit.IpDecision;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.MethodClass;

/**
 * What admission decided for one request: the verdict, who called (identity, group policy, client
 * address), the caller's counts (for the {@code X-RateLimit-*} headers), and, when denied, the
 * limit that refused it (for the SlowDown message). In {@code mode=shadow} a would-be denial is an
 * admitted outcome that names the rule that would have denied it ({@link #shadowRule()}). An exempt request has no caller or decision; a
 * rejected one has a caller but no decision (nothing was counted) and the answer it gets.
 *
 * <p>Immutable.
 */
public final class Outcome {

  /** The outcome of every request that is never limited ({@code exempt.paths}). */
  static final Outcome EXEMPT = new Outcome(Verdict.EXEMPT, null, null, null, null, 0, false, false, null, null, null);

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
  /** The rule that denied the request, or, when admitted ({@code mode=shadow}), the one that would have; else null. */
  private final DenialRule rule;
  /** The per-client-IP rules' decision (counts in {@code ip.window}), or null when the IP was not counted. */
  private final IpDecision ip;
  /** The bucket budget's counts when a bucket limit applied ({@link BucketRateLimiter}), else null. */
  private final Decision bucketDecision;
  /** What the counter store charged, for {@link Admission#refundForged}; null when nothing was. */
  private final Charge charge;
  /** The transfer's bandwidth charge ({@link BandwidthLimiter}), or for a bandwidth denial its counts; else null. */
  private final BandwidthCharge bandwidth;

  private Outcome(Verdict verdict, Caller caller, Decision decision, String deniedLimit,
      RequestScreen.Rejection rejection, long retryAfterNanos, boolean inFlight, boolean addressInFlight,
      MethodClass chargedClass, DenialRule rule, IpDecision ip) {
    this(verdict, caller, decision, deniedLimit, rejection, retryAfterNanos, inFlight, addressInFlight, chargedClass,
        rule, ip, null, null, null);
  }

  private Outcome(Verdict verdict, Caller caller, Decision decision, String deniedLimit,
      RequestScreen.Rejection rejection, long retryAfterNanos, boolean inFlight, boolean addressInFlight,
      MethodClass chargedClass, DenialRule rule, IpDecision ip, Decision bucketDecision, Charge charge,
      BandwidthCharge bandwidth) {
    this.bandwidth = bandwidth;
    this.bucketDecision = bucketDecision;
    this.charge = charge;
    this.verdict = verdict;
    this.caller = caller;
    this.decision = decision;
    this.deniedLimit = deniedLimit;
    this.rejection = rejection;
    this.retryAfterNanos = retryAfterNanos;
    this.inFlight = inFlight;
    this.addressInFlight = addressInFlight;
    this.chargedClass = chargedClass;
    this.rule = rule;
    this.ip = ip;
  }

  /** Admitted without being counted in flight (a method {@code limit.methods} leaves out). */
  static Outcome admitted(Caller caller, Decision decision) {
    return new Outcome(Verdict.ADMITTED, caller, decision, null, null, 0, false, false, null, null, null);
  }

  /**
   * Admitted and counted in flight (and its address too when {@code addressInFlight}) until
   * {@link Admission#complete}; {@code chargedClass} is the method class also charged, or null.
   */
  static Outcome admittedInFlight(Caller caller, Decision decision, boolean addressInFlight,
      MethodClass chargedClass, IpDecision ip) {
    return new Outcome(Verdict.ADMITTED, caller, decision, null, null, 0, true, addressInFlight, chargedClass, null,
        ip);
  }

  /**
   * The same, with the counts of the bucket budget it was charged to ({@code bucketDecision}, or
   * null), what the counter store charged ({@code charge}: every budget, refunded together) and the
   * transfer's bandwidth charge ({@code bandwidth}, or null when none applies).
   */
  static Outcome admittedInFlight(Caller caller, Decision decision, boolean addressInFlight,
      MethodClass chargedClass, IpDecision ip, Decision bucketDecision, Charge charge, BandwidthCharge bandwidth) {
    return new Outcome(Verdict.ADMITTED, caller, decision, null, null, 0, true, addressInFlight, chargedClass, null,
        ip, bucketDecision, charge, bandwidth);
  }

  /**
   * Denied by a bandwidth budget ({@link DenialRule#BYTES_IN} or {@link DenialRule#BYTES_OUT}): a
   * per-minute budget, so the verdict is {@code denied_per_minute}; {@code decision} holds the
   * caller's request counts for the headers, {@code retryAfterNanos} when the bytes would fit,
   * {@code counts} the refusing direction's bytes and limit (nothing was charged).
   */
  static Outcome deniedBandwidth(Caller caller, Decision decision, String deniedLimit, DenialRule rule,
      long retryAfterNanos, BandwidthCharge counts) {
    return new Outcome(Verdict.DENIED_PER_MINUTE, caller, decision, deniedLimit, null, retryAfterNanos, false, false,
        null, rule, null, null, null, counts);
  }

  /**
   * This outcome with the bucket budget's counts (the request's bucket had a limit): shown in the
   * {@code X-RateLimit-Bucket-*} headers. For denials only (one more allocation on a denied request).
   */
  Outcome withBucket(Decision bucketDecision) {
    return new Outcome(verdict, caller, decision, deniedLimit, rejection, retryAfterNanos, inFlight, addressInFlight,
        chargedClass, rule, ip, bucketDecision, charge, bandwidth);
  }

  /**
   * @param deniedLimit the limit that tripped, e.g. {@code 10 requests/second per API key}
   * @param rule the rule of that limit
   */
  static Outcome denied(Caller caller, Decision decision, String deniedLimit, DenialRule rule) {
    return new Outcome(Verdict.of(decision), caller, decision, deniedLimit, null, decision.retryAfterNanos(), false,
        false, null, rule, null);
  }

  /** Denied because the caller has its limit of requests in flight; {@code decision} holds its rate counts. */
  static Outcome deniedInFlight(Caller caller, Decision decision, String deniedLimit) {
    return new Outcome(Verdict.DENIED_CONCURRENT, caller, decision, deniedLimit, null, IN_FLIGHT_RETRY_NANOS, false,
        false, null, DenialRule.CONCURRENT, null);
  }

  /**
   * Denied (or to be tarpitted) by the per-client-IP rules; {@code keyCounts} are the key's counts,
   * read, not charged, for the rate-limit headers.
   */
  static Outcome deniedClientIp(Caller caller, Decision keyCounts, IpDecision ip, String deniedLimit) {
    DenialRule rule = ip.verdict() == org.s3gate.limit.IpVerdict.TARPIT ? DenialRule.IP_TARPIT : DenialRule.IP_REQUESTS;
    return new Outcome(Verdict.DENIED_CLIENT_IP, caller, keyCounts, deniedLimit, null, ip.retryAfterNanos(), false,
        false, null, rule, ip);
  }

  static Outcome rejected(Caller caller, RequestScreen.Rejection rejection) {
    return new Outcome(Verdict.REJECTED, caller, null, null, rejection, 0, false, false, null, null, null);
  }

  /** The rule that denied the request (the {@code rule} label of the denial metrics); null unless denied. */
  public DenialRule rule() {
    return verdict == Verdict.ADMITTED ? null : rule;
  }

  /**
   * This denial as {@code mode=shadow} turns it: admitted, with the same caller and counts (the
   * key's and the client IP's), naming the rule that would have denied it. Nothing more is charged
   * or counted in flight: the counters stay exactly as {@code mode=enforce} would have left them
   * (see {@link Admission#decide}).
   *
   * @throws IllegalStateException if this outcome is not a denial by a rule
   */
  Outcome shadowed() {
    if (!deniedByRule()) {
      throw new IllegalStateException("not a denial by a rule: " + this);
    }
    // the bucket's counts stay for the X-RateLimit-Bucket-* headers; nothing is charged (not in flight)
    return new Outcome(Verdict.ADMITTED, caller, decision, null, null, 0, false, false, null, rule, ip, bucketDecision,
        null, null);
  }

  /** Whether this is a denial by a {@link DenialRule} (what shadow mode turns into an admission). */
  boolean deniedByRule() {
    return rule != null && verdict != Verdict.ADMITTED;
  }

  /** In {@code mode=shadow}, the rule that would have denied this admitted request; else null. */
  public DenialRule shadowRule() {
    return verdict == Verdict.ADMITTED ? rule : null;
  }

  /**
   * Whether the per-client-IP tarpit rule caught the request: it is to be held {@code tarpit.delay}
   * (if fewer than {@code tarpit.max} are held), then answered 429 SlowDown and its connection closed.
   */
  public boolean tarpit() {
    return rule == DenialRule.IP_TARPIT && verdict != Verdict.ADMITTED; // never in shadow mode
  }

  /** The client IP's counts in its {@code ip.window} as the IP rules saw them; null when the IP was not counted. */
  public IpDecision clientIp() {
    return ip;
  }

  /**
   * What the transfer was charged in its group's bandwidth budget; null when none applies. For a
   * request denied by its bandwidth, the refusing direction's counts (nothing was charged).
   */
  public BandwidthCharge bandwidth() {
    return bandwidth;
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

  /** Whether the request's bucket budget was charged (so a forged refund gives it back). */
  /** What the counter store charged for this request (every budget of it), or null. */
  Charge charge() {
    return charge;
  }

  boolean chargedBucket() {
    return inFlight && bucketDecision != null;
  }

  /** The bucket whose limit applied to the request (lower case), or null when none did. */
  public String bucket() {
    return bucketDecision == null ? null : caller.bucket();
  }

  /** The bucket budget's counts after this request, or null when no bucket limit applied. */
  public Decision bucketDecision() {
    return bucketDecision;
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
