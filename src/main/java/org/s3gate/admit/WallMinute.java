package org.s3gate.admit;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.function.LongSupplier;

import org.s3gate.policy.Schedule;

/**
 * The minute of the week (0 = Monday 00:00 local time) that schedules are evaluated at, from an
 * injected wall clock ({@code System::currentTimeMillis} in production, a fake in tests).
 *
 * <p>Design: {@code java.time} runs once per local minute (and when the zone changes with a
 * reload): the answer is cached with the epoch-millisecond range of its minute, so a request in the
 * same minute costs one clock read, one volatile read and two comparisons, and allocates nothing.
 * Minute boundaries come from the zone's own rules (a DST change starts a new minute like any
 * other), so a schedule switches within the millisecond its minute starts.
 *
 * <p>Thread-safe: the cache is one immutable record behind a volatile field; racing threads may
 * each compute the same minute, and either result is right.
 */
final class WallMinute {

  private record Cached(ZoneId zone, long startMillis, long endMillis, int minuteOfWeek) {}

  private final LongSupplier wallMillis;
  private volatile Cached cached = new Cached(ZoneId.of("UTC"), 1, 0, 0); // empty range: first call computes

  WallMinute(LongSupplier wallMillis) {
    this.wallMillis = wallMillis;
  }

  /** The minute of the week now, in {@code zone}. */
  int minuteOfWeek(ZoneId zone) {
    long now = wallMillis.getAsLong();
    Cached c = cached;
    if (c.zone.equals(zone) && now >= c.startMillis && now < c.endMillis) {
      return c.minuteOfWeek;
    }
    ZonedDateTime local = Instant.ofEpochMilli(now).atZone(zone).truncatedTo(ChronoUnit.MINUTES);
    int minute = (local.getDayOfWeek().getValue() - 1) * 24 * 60 + local.getHour() * 60 + local.getMinute();
    long start = local.toInstant().toEpochMilli();
    cached = new Cached(zone, start, start + 60_000, minute % Schedule.MINUTES_PER_WEEK);
    return minute;
  }
}
