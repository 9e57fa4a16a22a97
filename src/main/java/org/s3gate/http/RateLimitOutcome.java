package org.s3gate.http;

import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.Decision;
import org.s3gate.policy.GroupPolicy;

/**
 * What the rate-limit filter decided for one request: who called, under which group policy, and
 * the counter decision, kept by the request's {@link Exchange} for the access log.
 *
 * <p>Immutable.
 */
public record RateLimitOutcome(CallerIdentity caller, GroupPolicy group, Decision decision) {}
