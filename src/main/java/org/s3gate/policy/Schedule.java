package org.s3gate.policy;

import java.util.Locale;

/**
 * A {@code limit.schedule.NAME} condition: the minutes of the week it holds, in local time of
 * {@code limit.timezone}. The value is one or more {@code DAYS HH:MM-HH:MM} ranges separated by
 * {@code ;}, e.g. {@code Mon-Fri 18:00-08:00; Sat,Sun 00:00-24:00}. {@code DAYS} is {@code *}, a
 * day ({@code Mon}), a range ({@code Mon-Fri}, which may wrap: {@code Fri-Mon}) or a comma list of
 * those. A range holds while the local day is one of its days and the local time of day is in its
 * times: from the start minute (included) to the end minute (excluded); {@code 24:00} is the end
 * of the day. Times whose end is before their start wrap midnight: {@code Mon-Fri 18:00-08:00}
 * holds on weekdays from 00:00 to 08:00 and from 18:00 to midnight (so Monday 03:00 is in it, and
 * Saturday 03:00 is not: the day is always the day of the moment tested, never the day a night
 * began on).
 *
 * <p>Design: the schedule is compiled once per snapshot into a bit per minute of the week
 * (10,080 bits, 158 longs, 1.3 KB), so {@link #holdsAt} is one array read and one shift; nothing
 * about calendars or zones happens per request (the caller works out the minute of the week, see
 * {@code WallMinute}). Local wall time is what counts: on a DST change the hour that is skipped
 * never holds, the hour that repeats holds both times.
 *
 * <p>Immutable (the bits are never written after parsing).
 */
public final class Schedule {

  /** Minutes in a week; minute 0 is Monday 00:00. */
  public static final int MINUTES_PER_WEEK = 7 * 24 * 60;
  private static final String[] DAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

  private final String text;
  private final long[] bits = new long[(MINUTES_PER_WEEK + 63) / 64];

  private Schedule(String text) {
    this.text = text;
  }

  /**
   * Parses a schedule, or throws {@link IllegalArgumentException} with the rule it breaks (the
   * compiler adds file, line and key).
   */
  public static Schedule parse(String text) {
    Schedule schedule = new Schedule(text.strip());
    String[] ranges = text.split(";", -1);
    for (String range : ranges) {
      String r = range.strip();
      if (r.isEmpty()) {
        throw new IllegalArgumentException("empty range: use 'DAYS HH:MM-HH:MM', several separated by ';'");
      }
      int space = r.lastIndexOf(' ');
      if (space < 0) {
        throw new IllegalArgumentException("range '" + r + "' must be 'DAYS HH:MM-HH:MM', e.g. 'Mon-Fri 08:00-18:00'");
      }
      boolean[] days = days(r.substring(0, space).replace(" ", ""));
      String[] times = r.substring(space + 1).split("-", -1);
      if (times.length != 2) {
        throw new IllegalArgumentException("time range '" + r.substring(space + 1) + "' must be HH:MM-HH:MM");
      }
      int start = minuteOfDay(times[0], false);
      int end = minuteOfDay(times[1], true);
      if (start == end) {
        throw new IllegalArgumentException("time range '" + r.substring(space + 1)
            + "' is empty (start equals end); use 00:00-24:00 for the whole day");
      }
      for (int day = 0; day < 7; day++) {
        if (days[day]) {
          int dayStart = day * 24 * 60;
          if (start < end) {
            schedule.setRange(dayStart + start, dayStart + end);
          } else { // wraps midnight: the day's start up to end, and start up to the day's end
            schedule.setRange(dayStart, dayStart + end);
            schedule.setRange(dayStart + start, dayStart + 24 * 60);
          }
        }
      }
    }
    return schedule;
  }

  private void setRange(int fromMinute, int toMinute) {
    for (int minute = fromMinute; minute < toMinute; minute++) {
      bits[minute >>> 6] |= 1L << (minute & 63);
    }
  }

  /** Whether the schedule holds at {@code minuteOfWeek} (0 = Monday 00:00 .. 10079 = Sunday 23:59). */
  public boolean holdsAt(int minuteOfWeek) {
    return (bits[minuteOfWeek >>> 6] & (1L << (minuteOfWeek & 63))) != 0;
  }

  /** The schedule as written, e.g. {@code Mon-Fri 18:00-08:00; Sat,Sun 00:00-24:00}. */
  @Override
  public String toString() {
    return text;
  }

  private static boolean[] days(String spec) {
    boolean[] days = new boolean[7];
    if (spec.equals("*")) {
      java.util.Arrays.fill(days, true);
      return days;
    }
    for (String item : spec.split(",", -1)) {
      String[] ends = item.split("-", -1);
      if (ends.length > 2) {
        throw new IllegalArgumentException("days '" + item + "' must be a day or a range like Mon-Fri");
      }
      int first = day(ends[0]);
      int last = ends.length == 2 ? day(ends[1]) : first;
      for (int d = first; ; d = (d + 1) % 7) {
        days[d] = true;
        if (d == last) {
          break;
        }
      }
    }
    return days;
  }

  private static int day(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (int i = 0; i < DAYS.length; i++) {
      if (DAYS[i].equals(n)) {
        return i;
      }
    }
    throw new IllegalArgumentException("unknown day '" + name + "': use Mon, Tue, Wed, Thu, Fri, Sat, Sun, ranges"
        + " like Mon-Fri, lists like Sat,Sun, or *");
  }

  private static int minuteOfDay(String time, boolean end) {
    if (time.length() != 5 || time.charAt(2) != ':' || !digits(time, 0, 2) || !digits(time, 3, 5)) {
      throw new IllegalArgumentException("time '" + time + "' must be HH:MM (24-hour clock)");
    }
    int hours = Integer.parseInt(time.substring(0, 2));
    int minutes = Integer.parseInt(time.substring(3));
    if (end && hours == 24 && minutes == 0) {
      return 24 * 60;
    }
    if (hours > 23 || minutes > 59) {
      throw new IllegalArgumentException("time '" + time + "' is not a time of day (00:00..23:59"
          + (end ? ", or 24:00 as an end" : "") + ")");
    }
    return hours * 60 + minutes;
  }

  private static boolean digits(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
