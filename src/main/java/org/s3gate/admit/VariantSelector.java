package org.s3gate.admit;

import java.util.Locale;
import java.util.function.LongSupplier;

import org.s3gate.policy.Cidr;
import org.s3gate.policy.GroupPolicy;
import org.s3gate.policy.GroupVariants;
import org.s3gate.policy.PolicySnapshot;

/**
 * Chooses the policy a request is limited by when its group has conditioned variants
 * ({@code GROUP@offhours}, {@code GROUP@country=CN}): the first variant whose condition holds, in
 * {@link GroupVariants}' order (header conditions before schedules), else the group's own.
 *
 * <p>A header condition ({@code limit.header.NAME=HEADER}) is read only when the TCP peer is in
 * {@code trusted.proxies}: any client can send {@code CF-IPCountry}, only the CDN or proxy in
 * front can be believed; from any other peer the header is ignored as if absent. The peer, not
 * the {@code X-Forwarded-For} client, because the header is the proxy's statement. Values match
 * ignoring ASCII case. A schedule is evaluated at the minute of the week ({@link WallMinute}).
 *
 * <p>Counters are the caller's whatever the variant (they are keyed by key, not by group), so
 * switching variants resets nothing: a key with 40 requests in the last minute that moves to a
 * variant of limit 30 is denied until its count falls below 30, as for any limit change.
 *
 * <p>Cost: nothing for a group without variants (one hash lookup, and none when no group has
 * any); otherwise one header read per header condition, one trusted-peer check, one clock read.
 *
 * <p>Thread-safe: stateless besides the thread-safe {@link WallMinute}.
 */
final class VariantSelector {

  private final WallMinute wallMinute;

  VariantSelector(LongSupplier wallMillis) {
    this.wallMinute = new WallMinute(wallMillis);
  }

  GroupPolicy select(GroupPolicy group, RequestFacts request, PolicySnapshot policy) {
    if (!policy.hasVariants()) {
      return group;
    }
    GroupVariants variants = policy.variantsOf(group);
    if (variants == null) {
      return group;
    }
    if (!variants.headers().isEmpty() && Cidr.anyContains(policy.settings().trustedProxies(), request.remoteAddress())) {
      for (GroupVariants.HeaderVariants condition : variants.headers()) {
        String value = request.header(condition.header());
        if (value != null) {
          GroupPolicy chosen = condition.byValue().get(upper(value.strip()));
          if (chosen != null) {
            return chosen;
          }
        }
      }
    }
    if (!variants.schedules().isEmpty()) {
      int minute = wallMinute.minuteOfWeek(policy.dimensions().timezone());
      for (GroupVariants.ScheduledVariant condition : variants.schedules()) {
        if (condition.schedule().holdsAt(minute)) {
          return condition.policy();
        }
      }
    }
    return group;
  }

  /** ASCII upper case; the same instance when already upper case (country codes usually are). */
  private static String upper(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c >= 'a' && c <= 'z') {
        return value.toUpperCase(Locale.ROOT);
      }
    }
    return value;
  }
}
