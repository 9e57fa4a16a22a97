package org.s3gate.admit;

import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.Decision;
import org.s3gate.policy.GroupPolicy;

/**
 * What admission decided for one request: the verdict, who called, under which group policy, the
 * access key's counts (for the {@code X-RateLimit-*} headers), and, when denied, the limiter that
 * refused it (for the SlowDown message). An exempt request has no caller, group or decision; a
 * rejected one has the default group's policy and the answer it gets ({@link #rejection()}), but
 * no decision (nothing was counted).
 *
 * <p>Immutable.
 */
public final class Outcome {

  /** The outcome of every request that is never limited (MinIO's health paths). */
  static final Outcome EXEMPT = new Outcome(Verdict.EXEMPT, null, null, null, null, null);

  private final Verdict verdict;
  private final CallerIdentity caller;
  private final GroupPolicy group;
  private final Decision decision;
  private final Limiter deniedBy;
  private final RequestScreen.Rejection rejection;

  private Outcome(Verdict verdict, CallerIdentity caller, GroupPolicy group, Decision decision, Limiter deniedBy,
      RequestScreen.Rejection rejection) {
    this.verdict = verdict;
    this.caller = caller;
    this.group = group;
    this.decision = decision;
    this.deniedBy = deniedBy;
    this.rejection = rejection;
  }

  static Outcome admitted(CallerIdentity caller, GroupPolicy group, Decision decision) {
    return new Outcome(Verdict.ADMITTED, caller, group, decision, null, null);
  }

  static Outcome denied(CallerIdentity caller, GroupPolicy group, Decision decision, Limiter deniedBy) {
    return new Outcome(Verdict.of(decision), caller, group, decision, deniedBy, null);
  }

  static Outcome rejected(CallerIdentity caller, GroupPolicy group, RequestScreen.Rejection rejection) {
    return new Outcome(Verdict.REJECTED, caller, group, null, null, rejection);
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

  /** Who called; null when exempt. */
  public CallerIdentity caller() {
    return caller;
  }

  /** The caller's group policy; null when exempt. */
  public GroupPolicy group() {
    return group;
  }

  /** The access key's counts and, when denied, when to retry; null when exempt or rejected. */
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
    if (deniedBy == null) {
      throw new IllegalStateException("not denied: " + verdict);
    }
    return group.errorMessage() + " (" + deniedBy.describeLimit(group, decision) + ")";
  }

  @Override
  public String toString() {
    return "Outcome[" + verdict + (caller == null ? "" : ", " + caller + ", " + group.group() + ", " + decision)
        + (rejection == null ? "" : ", " + rejection) + "]";
  }
}
