package org.s3gate.admit;

import org.s3gate.identify.AccessKeyExtractor;
import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.ClientIpTable;
import org.s3gate.limit.ByteBudgets;
import org.s3gate.limit.ByteDirection;
import org.s3gate.limit.ByteTable;
import org.s3gate.limit.CounterTable;
import org.s3gate.limit.Decision;
import org.s3gate.limit.IpDecision;
import org.s3gate.policy.GatewaySettings;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.MethodClass;
import org.s3gate.policy.PolicySnapshot;

/**
 * The admission core: given one request's facts, the policy snapshot it was read with and the
 * time, decides whether the request goes on to a backend. {@code RateLimitFilter} calls it for
 * every S3 request, and the benchmarks call it too, so what they measure is what ships.
 *
 * <h2>Design</h2>
 * One decision, in this order:
 * <ol>
 *   <li>GET and HEAD of {@code exempt.paths} (MinIO's health endpoints) are exempt: never
 *       identified, counted or limited.
 *   <li>Requests whose limiting could differ from what the backend sees are rejected before
 *       anything is counted ({@link RequestScreen}: non-S3 or lower-case methods, a
 *       {@code Connection} header naming a signed header, repeated {@code Authorization}).
 *   <li>The caller is identified from the request as it is forwarded ({@link AccessKeyExtractor});
 *       a malformed Authorization header or a request naming two keys is rejected (400). Its group
 *       policy is looked up in the snapshot (one hash lookup), and replaced by the group's
 *       conditioned variant ({@code GROUP@offhours}, {@code GROUP@country=CN}) whose condition
 *       holds, if any ({@link VariantSelector}).
 *   <li>A method that {@code limit.methods} does not limit is admitted without being charged; its
 *       counts are read from the first limiter (the access key's) for the response headers.
 *   <li>Otherwise the client IP's rules decide first ({@link ClientIpLimiter}: {@code ip.limit.requests}
 *       and the tarpit, over {@code ip.window}, whatever key the request names), so a request they
 *       refuse charges no key; when a later budget denies the request, the IP's charge is taken back
 *       too (unless {@code count.denied}, which counts denied requests everywhere).
 *   <li>Then the {@link Limiter}s decide in order: the caller's own budget
 *       ({@link KeyRateLimiter}: the key's, or an anonymous caller's address's), then its method
 *       class's where its group has {@code GROUP:read} / {@code GROUP:write} limits
 *       ({@link ClassRateLimiter}), then its bandwidth where its group has {@code GROUP:in} /
 *       {@code GROUP:out} limits ({@link BandwidthLimiter}: an upload of known length must fit
 *       what is left of its minute, before its body is read), then, for a key
 *       {@code api_key_groups.map} does not list, the client address's ({@link AddressRateLimiter}),
 *       then, where the request's bucket has a limit, the bucket's across all callers
 *       ({@link BucketRateLimiter}; shared budgets last, so a request its caller's own budgets
 *       refuse never takes a unit of them).
 *       Each limiter only names its {@link Budget}; the {@link CounterStore} ({@code counters.store})
 *       decides all of them in one atomic step (one Redis round trip in cluster mode): every budget
 *       is charged or none is. A denial carries its retry time and the denying limiter's description
 *       of the limit that tripped.
 *   <li>Last, the request is counted in flight ({@link InFlightLimiter}) until {@link #complete}:
 *       a caller with {@code concurrent_requests.map}'s limit of requests in flight is denied at
 *       once (its rate charges refunded), so one tenant's slow transfers cannot hold every backend
 *       connection.
 * </ol>
 * Extension: a new request budget is another {@link Limiter} whose {@link Budget} joins the
 * request's budgets; a shared counter store (Redis) is another {@link CounterStore}. Nothing in the
 * HTTP layer changes for either. The byte budgets are checked after the request budgets in this
 * instance's {@code ByteBudgets} (local mode: a refusal refunds the request budgets), or, with a
 * store that {@linkplain CounterStore#decidesBytes decides bytes} (Redis), as {@link ByteClaim}s in
 * the store's one step with the request budgets (one round trip; none charged when one denies).
 * The in-flight counts and the client-IP rules stay in this instance's own tables in every mode.
 *
 * <p>The time is a parameter, read once per request by the caller; nothing here reads a clock.
 *
 * <p>Thread-safe: immutable; the limiters are thread-safe.
 */
public final class Admission {
  /** Most budgets one request is charged to: its own, its method class's, its address's, its bucket's. */
  private static final int MAX_BUDGETS = 4;

  private final CounterStore store;
  private final KeyRateLimiter keyLimiter;
  private final AddressRateLimiter addressLimiter;
  private final InFlightLimiter inFlight;
  private final ClassRateLimiter readLimiter;
  private final ClassRateLimiter writeLimiter;
  /** The per-client-IP rules; null when client IPs are not tracked (unit tests, the benchmarks' base row). */
  private final ClientIpLimiter clientIps;
  private final BucketRateLimiter bucketLimiter;
  private final VariantSelector variants;
  private final BandwidthLimiter bandwidth;
  /** Whether the store decides the byte budgets with the request budgets (Redis); false: local, as always. */
  private final boolean storeDecidesBytes;

  /**
   * Admission without per-client-IP tracking: every budget is kept in {@code counters}, keys under
   * their name, addresses as {@code anonymous@ADDRESS}.
   */
  public Admission(CounterTable counters) {
    this(counters, null);
  }

  /**
   * Admission with the per-client-IP rules counted in {@code clientIps} (the gateway's); bucket
   * budgets in a table of their own of the same capacity as {@code counters}, schedules at the
   * system clock.
   */
  public Admission(CounterTable counters, ClientIpTable clientIps) {
    this(counters, clientIps, new CounterTable(counters.capacity()), System::currentTimeMillis);
  }

  /** Admission without per-client-IP tracking, with the bucket table and wall clock given (tests, benchmarks). */
  public Admission(CounterTable counters, CounterTable buckets, java.util.function.LongSupplier wallMillis) {
    this(counters, null, buckets, wallMillis);
  }

  /**
   * @param clientIps the per-client-IP table, or null to track none
   * @param buckets the per-bucket counters ({@code s3gate:type=Table,name=buckets})
   * @param wallMillis the wall clock schedules are evaluated at (epoch milliseconds)
   */
  public Admission(CounterTable counters, ClientIpTable clientIps, CounterTable buckets,
      java.util.function.LongSupplier wallMillis) {
    this(counters, clientIps, new LocalCounterStore(counters, buckets), wallMillis, new ByteTable(counters.capacity()));
  }

  /** The same with the bandwidth budgets ({@code bandwidth_per_minute.map}) kept in {@code bytes}. */
  public Admission(CounterTable counters, ClientIpTable clientIps, CounterTable buckets,
      java.util.function.LongSupplier wallMillis, ByteBudgets bytes) {
    this(counters, clientIps, new LocalCounterStore(counters, buckets), wallMillis, bytes);
  }

  /**
   * @param store decides the request budgets ({@code counters.store}: this instance's tables, or
   *     Redis); the in-flight counts stay in {@code counters}, this instance's own table
   */
  public Admission(CounterTable counters, ClientIpTable clientIps, CounterStore store,
      java.util.function.LongSupplier wallMillis) {
    this(counters, clientIps, store, wallMillis, new ByteTable(counters.capacity()));
  }

  /**
   * @param store decides the request budgets (this instance's tables, or Redis)
   * @param bytes the bandwidth budgets ({@code bandwidth_per_minute.map}) of this instance: where
   *     they are counted in local mode, and where a store that {@linkplain CounterStore#decidesBytes
   *     decides bytes} counts the transfers its local fallback admitted (it must be given the same)
   */
  public Admission(CounterTable counters, ClientIpTable clientIps, CounterStore store,
      java.util.function.LongSupplier wallMillis, ByteBudgets bytes) {
    this.store = store;
    this.bandwidth = new BandwidthLimiter(bytes);
    this.storeDecidesBytes = store.decidesBytes();
    this.bucketLimiter = new BucketRateLimiter();
    this.variants = new VariantSelector(wallMillis);
    this.keyLimiter = new KeyRateLimiter();
    this.addressLimiter = new AddressRateLimiter();
    this.inFlight = new InFlightLimiter(counters);
    this.readLimiter = new ClassRateLimiter(MethodClass.READ);
    this.writeLimiter = new ClassRateLimiter(MethodClass.WRITE);
    this.clientIps = clientIps == null ? null : new ClientIpLimiter(clientIps);
  }

  /** The caller's own counts at {@code nowNanos}, charging nothing (for the headers). */
  private Decision peek(Caller caller, long nowNanos) {
    return store.peek(KeyRateLimiter.counterOf(caller), nowNanos);
  }

  /** The bandwidth budgets (what JMX shows and clears beside the counter table). */
  public ByteBudgets bandwidthBudgets() {
    return bandwidth.budgets();
  }

  /**
   * Decides one request; {@code policy} is the one snapshot read for it, {@code nowNanos} its time.
   *
   * <p>{@code mode=shadow} is applied here and nowhere else: a denial by any rule (the IP rules and
   * the tarpit included) is turned into an admission that names the rule ({@link Outcome#shadowed}),
   * so the filter forwards it and counts it as a would-be denial, and a rule added later is covered
   * without knowing about shadow mode. What a would-be denied request charges: exactly what
   * {@code mode=enforce} charges for the denial (nothing, or with {@code count.denied=true} its own
   * budget), it is not counted in flight, and the backend's answer to it counts as no error of its
   * IP (enforcement would have kept it from the backend). So the counters, and with them every later
   * decision, are the same as under enforcement, and the shadow counts are the denials enforcement
   * would make for the same traffic (charging them as admitted instead would inflate the windows
   * past the limit and count a client sending twice its limit as denied every request, where
   * enforcement denies half). A rejected request (malformed or ambiguous, {@link RequestScreen}) is
   * not a denial by a rule and stays rejected: forwarding it could let it be limited differently
   * from what the backend authenticates.
   */
  public Outcome decide(RequestFacts request, PolicySnapshot policy, long nowNanos) {
    Outcome outcome = enforce(request, policy, nowNanos);
    return outcome.deniedByRule() && policy.settings().enforcement().shadow() ? outcome.shadowed() : outcome;
  }

  private Outcome enforce(RequestFacts request, PolicySnapshot policy, long nowNanos) {
    GatewaySettings settings = policy.settings();
    if (settings.isExempt(request.method(), request.rawPath())) {
      return Outcome.EXEMPT;
    }
    String clientAddress = ClientAddress.of(request, settings.trustedProxies());
    String clientNetwork = ClientNetwork.of(clientAddress, settings.clientIps().ipv6PrefixBits());
    boolean allowlisted = policy.isAllowlisted(clientAddress);
    RequestScreen.Rejection rejection = RequestScreen.check(request);
    if (rejection != null) {
      return Outcome.rejected(
          new Caller(CallerIdentity.UNKNOWN, policy.policyForKey(null), clientAddress, clientNetwork, allowlisted),
          rejection);
    }
    CallerIdentity identity = AccessKeyExtractor.identify(request.header("Authorization"), request.rawQuery(),
        request.header("X-API-Key"), request.header("X-Access-Key-Id"));
    if (identity.anonymous() && request.formIdentity() != null) {
      identity = request.formIdentity();
    }
    if (identity.refused()) {
      return Outcome.rejected(new Caller(identity, policy.policyForKey(null), clientAddress, clientNetwork, allowlisted),
          new RequestScreen.Rejection(400, identity.refusal().errorCode(), identity.refusal().message()));
    }
    GroupPolicy group = identity.anonymous() ? policy.anonymousPolicy() : policy.policyForKey(identity.accessKey());
    group = variants.select(group, request, policy);
    // an allow-listed client is never limited per address: an anonymous caller's own budget is its
    // address's, so it goes too; a key's limits go only with allowlist.skip_key_limits
    if (!settings.isLimited(request.method())
        || (allowlisted && (identity.anonymous() || settings.enforcement().allowlistSkipKeyLimits()))) {
      Caller unlimited = new Caller(identity, group, clientAddress, clientNetwork, allowlisted);
      return Outcome.admitted(unlimited, peek(unlimited, nowNanos));
    }
    RequestScreen.Rejection tooLarge = BandwidthLimiter.oversize(request, group);
    if (tooLarge != null) { // could never fit its group's bandwidth: not worth a retry
      return Outcome.rejected(new Caller(identity, group, clientAddress, clientNetwork, allowlisted), tooLarge);
    }
    // the bucket whose limit the request is charged to, if any (not read at all without bucket limits)
    Caller caller = new Caller(identity, group, clientAddress, clientNetwork, allowlisted,
        BucketRateLimiter.limitedBucket(request, policy));
    IpDecision ip = null;
    if (clientIps != null && !allowlisted) { // allow-listed clients are never tracked per IP
      ip = clientIps.tryAcquire(caller, policy, nowNanos);
      if (!ip.admitted()) { // checked first: a request the IP rules refuse charges no key
        return Outcome.deniedClientIp(caller, peek(caller, nowNanos), ip, clientIps.describeLimit(policy, ip));
      }
    }
    Outcome outcome = decideBudgets(request, caller, policy, nowNanos, ip);
    if (ip != null && !outcome.forwarded() && !settings.countDenied()) {
      clientIps.refund(caller, nowNanos); // no budget is charged for a request another denies
    }
    return outcome;
  }

  /** The caller's budgets after the IP rules admitted it ({@code ip}, null when not tracked). */
  private Outcome decideBudgets(RequestFacts request, Caller caller, PolicySnapshot policy, long nowNanos,
      IpDecision ip) {
    MethodClass methodClass = MethodClass.of(request.method());
    ClassRateLimiter classLimiter = classLimiterOf(methodClass);
    Budget[] budgets = new Budget[MAX_BUDGETS];
    Limiter[] limiters = new Limiter[MAX_BUDGETS];
    int count = 0;
    budgets[count] = keyLimiter.budgetOf(request, caller, policy);
    limiters[count++] = keyLimiter;
    Budget ofClass = classLimiter == null ? null : classLimiter.budgetOf(request, caller, policy);
    if (ofClass != null) {
      budgets[count] = ofClass;
      limiters[count++] = classLimiter;
    }
    Budget address = addressLimiter.budgetOf(request, caller, policy);
    if (address != null) {
      budgets[count] = address;
      limiters[count++] = addressLimiter;
    }
    // shared budgets last, so a request its caller's own budgets refuse never takes a unit of them
    Budget ofBucket = bucketLimiter.budgetOf(request, caller, policy);
    int bucketIndex = -1;
    if (ofBucket != null) {
      bucketIndex = count;
      budgets[count] = ofBucket;
      limiters[count++] = bucketLimiter;
    }
    // a store deciding bytes (Redis) checks the byte budgets in the same step: one round trip, all or nothing
    BandwidthTransfer transfer = storeDecidesBytes ? bandwidth.transferOf(request, caller) : null;
    Charge charge = transfer == null ? store.tryAcquire(budgets, count, policy.settings(), nowNanos)
        : store.tryAcquire(budgets, count, transfer.claims(), transfer.count(), policy.settings(), nowNanos);
    if (!charge.admitted() && charge.deniedByBytes()) { // nothing charged
      int claim = charge.deniedIndex() - count;
      return deniedBandwidth(caller, charge.decision(), transfer.refusal(claim, charge.byteDecision(claim)));
    }
    if (!charge.admitted()) { // no budget is charged for a request another denies
      Decision denial = charge.decision();
      Limiter by = limiters[charge.deniedIndex()];
      Outcome denied = Outcome.denied(caller, denial, by.describeLimit(caller, policy, denial), ruleOf(by, denial));
      return by == bucketLimiter ? denied.withBucket(denial) : denied;
    }
    Decision own = charge.decision();
    Decision bucketCounts = bucketIndex < 0 ? null : charge.decisionOf(bucketIndex);
    MethodClass chargedClass = ofClass != null ? methodClass : null;
    boolean chargesAddress = address != null;
    BandwidthCharge bandwidthCharge;
    if (transfer != null) {
      bandwidthCharge = transfer.charged(charge);
    } else {
      // bandwidth after the request budgets: its refusal takes back their charge, like any later refusal
      BandwidthLimiter.Result bytes = bandwidth.tryAcquire(request, caller, nowNanos);
      if (bytes != null && bytes.charge() == null) {
        store.refund(charge, nowNanos);
        return deniedBandwidth(caller, own, bytes);
      }
      bandwidthCharge = bytes == null ? null : bytes.charge();
    }
    InFlightLimiter.Refusal full = inFlight.tryEnter(caller, chargesAddress, policy, nowNanos);
    if (full != null) {
      store.refund(charge, nowNanos);
      bandwidth.refund(bandwidthCharge, nowNanos);
      Outcome denied = Outcome.deniedInFlight(caller, own, full.describe());
      return bucketCounts == null ? denied : denied.withBucket(bucketCounts);
    }
    return Outcome.admittedInFlight(caller, own, chargesAddress, chargedClass, ip, bucketCounts, charge,
        bandwidthCharge);
  }

  private static Outcome deniedBandwidth(Caller caller, Decision own, BandwidthLimiter.Result refused) {
    return Outcome.deniedBandwidth(caller, own, BandwidthLimiter.describe(caller, refused.refusedBy()),
        refused.refusedBy() == ByteDirection.IN ? DenialRule.BYTES_IN : DenialRule.BYTES_OUT,
        refused.refusal().retryAfterNanos(), refused.refusedCounts());
  }

  private DenialRule ruleOf(Limiter limiter, Decision denial) {
    if (limiter == keyLimiter) {
      return DenialRule.of(DenialRule.KEY_SECOND, DenialRule.KEY_MINUTE, denial);
    }
    if (limiter == addressLimiter) {
      return DenialRule.of(DenialRule.ADDRESS_SECOND, DenialRule.ADDRESS_MINUTE, denial);
    }
    if (limiter == bucketLimiter) {
      return DenialRule.of(DenialRule.BUCKET_SECOND, DenialRule.BUCKET_MINUTE, denial);
    }
    return DenialRule.of(DenialRule.CLASS_SECOND, DenialRule.CLASS_MINUTE, denial);
  }

  /**
   * The backend refused a forwarded request as not its key's owner's (403 {@code InvalidAccessKeyId}
   * or {@code SignatureDoesNotMatch}): the charge made at {@code chargedNanos} is taken back from the
   * key (and from its method class's, its address's and its bucket's budgets where they were charged), and the
   * request is counted as an error of its client IP instead ({@link ClientIpLimiter#forged}), so the
   * forger runs into the IP rules (the tarpit, {@code ip.limit.requests}) while the key's owner keeps
   * its whole budget. The IP's request count is not refunded: the forger did send it.
   *
   * <p>Why a refund can never let a key over its limit: it takes back exactly the one unit this
   * request added to the key's windows, from its own cell or an earlier one
   * ({@code SlotCounters.refund}), never more; so the window counts every admitted request the
   * backend served under the key. A refunded request was refused by the backend, so it never used
   * the key: requests served under the key in any sliding window stay within its limit. Taking
   * from an earlier cell can only leave the count one too high for a while (the key under-admitted
   * by one), never too low. A charge a window or more old is not taken back from that window (it has
   * left, or is about to: taking back nothing is always safe).
   */
  public void refundForged(Outcome outcome, PolicySnapshot policy, long chargedNanos, long nowNanos) {
    Caller caller = outcome.fullCaller();
    if (caller == null || !outcome.forwarded()) {
      return;
    }
    if (outcome.inFlight() && outcome.charge() != null) { // charged: a limited method (not only peeked)
      // every charge, the class's and the bucket's too: else a forger could drain the owner's write budget
      // (the bandwidth charge is reconciled to nothing when the transfer ends: transferEnded's refused)
      store.refund(outcome.charge(), chargedNanos);
    }
    if (clientIps != null && !caller.allowlisted() && outcome.shadowRule() == null) {
      clientIps.forged(caller, policy, nowNanos); // not for a would-be denial: enforcement kept it from the backend
    }
  }

  /**
   * The backend answered a forwarded request with {@code status}: an answer in
   * {@code ip.error.statuses} counts as an error of the request's client IP (the gateway's own
   * denials never reach here, so they never count).
   */
  public void backendAnswered(Outcome outcome, PolicySnapshot policy, int status, long nowNanos) {
    Caller caller = outcome.fullCaller();
    if (clientIps != null && caller != null && outcome.clientIp() != null && outcome.shadowRule() == null) {
      clientIps.backendAnswered(caller, policy, status, nowNanos);
    }
  }

  /**
   * The response of an admitted request starts: a download its group's {@code GROUP:out} counts is
   * charged the backend's {@code contentLength} (-1 when unknown: charged when it ends). Returns
   * the bytes charged, for {@link #transferEnded}.
   */
  public long responseStarted(Outcome outcome, long contentLength, long nowNanos) {
    // only an admitted request was charged; a denial's BandwidthCharge only reports its counts
    return outcome.inFlight() ? bandwidth.chargeDownload(outcome.bandwidth(), contentLength, nowNanos) : 0;
  }

  /**
   * The request's transfer ended (completed or aborted): its bandwidth charges are brought to the
   * bytes actually moved ({@link BandwidthLimiter#reconcile}): {@code bytesIn} read from the client,
   * {@code bytesOut} handed to it, none when the backend refused its credentials
   * ({@code credentialsRefused}). {@code admittedNanos} is the decision's time, {@code downloadCharged}
   * what {@link #responseStarted} returned at {@code downloadNanos} (0 if it was not called).
   */
  public void transferEnded(Outcome outcome, long admittedNanos, long bytesIn, long downloadCharged,
      long downloadNanos, long bytesOut, boolean credentialsRefused, long nowNanos) {
    if (!outcome.inFlight()) {
      return;
    }
    bandwidth.reconcile(outcome.bandwidth(), admittedNanos, bytesIn, downloadCharged, downloadNanos, bytesOut,
        credentialsRefused, nowNanos);
  }

  /** The limiter of a method class's counters, or null for a method of no class. */
  private ClassRateLimiter classLimiterOf(MethodClass methodClass) {
    return methodClass == MethodClass.READ ? readLimiter : methodClass == MethodClass.WRITE ? writeLimiter : null;
  }

  /**
   * Ends a request's time in flight: its response is complete (or it failed). Must be called once
   * for every outcome {@link #decide} returned (the request's exchange does, when it reports the
   * request); does nothing for outcomes that were not counted in flight.
   */
  public void complete(Outcome outcome) {
    if (outcome.inFlight()) {
      inFlight.exit(outcome.fullCaller(), outcome.addressInFlight());
    }
  }
}
