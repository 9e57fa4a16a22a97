package org.s3gate.policy;

import java.util.List;
import java.util.Map;

/**
 * A group's conditioned variants ({@code GROUP@CONDITION} entries of the limit maps), in the order
 * they are tried: header conditions first, in the order of their {@code limit.header.NAME} settings,
 * then schedules, in the order of their {@code limit.schedule.NAME} settings. The first whose
 * condition holds is the request's policy; none holding leaves the group's own.
 *
 * <p>"Most specific wins": a header condition names a property of the request itself (its
 * country, say), a schedule only the time every request shares, so a header variant is the more
 * specific; between two of the same kind the one whose setting comes first in
 * {@code gateway.properties} wins, the way the first of duplicate keys wins everywhere else.
 *
 * <p>Immutable.
 */
public record GroupVariants(List<HeaderVariants> headers, List<ScheduledVariant> schedules) {

  /**
   * The variants of one header condition: the header to read and the variant of each value,
   * keyed by the value in upper case (values are matched ignoring ASCII case).
   */
  public record HeaderVariants(String condition, String header, Map<String, GroupPolicy> byValue) {
    public HeaderVariants {
      byValue = Map.copyOf(byValue);
    }
  }

  /** The variant of one schedule condition. */
  public record ScheduledVariant(String condition, Schedule schedule, GroupPolicy policy) {}

  public GroupVariants {
    headers = List.copyOf(headers);
    schedules = List.copyOf(schedules);
  }
}
