package org.s3gate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code limit.schedule.NAME} values: days, both edges of a range, ranges across midnight and the week's end. */
class ScheduleTest {
  private static final int MON = 0;
  private static final int TUE = 1;
  private static final int FRI = 4;
  private static final int SAT = 5;
  private static final int SUN = 6;

  private static int at(int day, int hour, int minute) {
    return day * 24 * 60 + hour * 60 + minute;
  }

  @Test
  void range_startsAtItsStartMinute_andEndsBeforeItsEndMinute() {
    Schedule business = Schedule.parse("Mon-Fri 08:00-18:00");
    assertThat(business.holdsAt(at(MON, 7, 59))).isFalse();
    assertThat(business.holdsAt(at(MON, 8, 0))).isTrue();
    assertThat(business.holdsAt(at(FRI, 17, 59))).isTrue();
    assertThat(business.holdsAt(at(FRI, 18, 0))).isFalse();
    assertThat(business.holdsAt(at(SAT, 12, 0))).isFalse();
  }

  @Test
  void rangeAcrossMidnight_holdsFromMidnightToTheEnd_andFromTheStartToMidnight_onEachListedDay() {
    Schedule nights = Schedule.parse("Mon-Fri 22:00-06:00");
    assertThat(nights.holdsAt(at(MON, 0, 0))).isTrue();
    assertThat(nights.holdsAt(at(MON, 5, 59))).isTrue();
    assertThat(nights.holdsAt(at(MON, 6, 0))).isFalse();
    assertThat(nights.holdsAt(at(MON, 21, 59))).isFalse();
    assertThat(nights.holdsAt(at(MON, 22, 0))).isTrue();
    assertThat(nights.holdsAt(at(MON, 23, 59))).isTrue();
    assertThat(nights.holdsAt(at(TUE, 0, 0))).isTrue();
    assertThat(nights.holdsAt(at(FRI, 23, 59))).isTrue();
    assertThat(nights.holdsAt(at(SAT, 0, 0))).isFalse(); // the day of the moment counts: Saturday is not listed
    assertThat(nights.holdsAt(at(SUN, 23, 0))).isFalse();
  }

  @Test
  void sundayAndMonday_acrossTheEndOfTheWeek() {
    Schedule s = Schedule.parse("Sun 23:00-24:00; Mon 00:00-01:00");
    assertThat(s.holdsAt(at(SUN, 22, 59))).isFalse();
    assertThat(s.holdsAt(at(SUN, 23, 0))).isTrue();
    assertThat(s.holdsAt(Schedule.MINUTES_PER_WEEK - 1)).isTrue();
    assertThat(s.holdsAt(0)).isTrue();
    assertThat(s.holdsAt(at(MON, 0, 59))).isTrue();
    assertThat(s.holdsAt(at(MON, 1, 0))).isFalse();
  }

  @Test
  void severalRanges_listsOfDays_wrappingDayRanges_star_and2400() {
    Schedule offhours = Schedule.parse("Mon-Fri 18:00-08:00; Sat,Sun 00:00-24:00");
    assertThat(offhours.holdsAt(at(SAT, 0, 0))).isTrue();
    assertThat(offhours.holdsAt(at(SUN, 23, 59))).isTrue();
    assertThat(offhours.holdsAt(at(MON, 7, 59))).isTrue();
    assertThat(offhours.holdsAt(at(MON, 8, 0))).isFalse();
    assertThat(offhours.holdsAt(at(TUE, 12, 0))).isFalse();
    assertThat(offhours.holdsAt(at(TUE, 18, 0))).isTrue();
    Schedule always = Schedule.parse("* 00:00-24:00");
    for (int m = 0; m < Schedule.MINUTES_PER_WEEK; m++) {
      assertThat(always.holdsAt(m)).isTrue();
    }
    Schedule weekend = Schedule.parse("fri-MON 12:00-13:00");
    assertThat(weekend.holdsAt(at(SUN, 12, 30))).isTrue();
    assertThat(weekend.holdsAt(at(MON, 12, 59))).isTrue();
    assertThat(weekend.holdsAt(at(TUE, 12, 30))).isFalse();
  }

  @Test
  void badValues_areRefusedWithTheRule() {
    assertThatThrownBy(() -> Schedule.parse("Mon-Fri 8:00-18:00")).hasMessageContaining("must be HH:MM");
    assertThatThrownBy(() -> Schedule.parse("Mon-Fri 08:00-25:00")).hasMessageContaining("not a time of day");
    assertThatThrownBy(() -> Schedule.parse("Mon-Fri 24:00-08:00")).hasMessageContaining("not a time of day");
    assertThatThrownBy(() -> Schedule.parse("Mon-Fry 08:00-18:00")).hasMessageContaining("unknown day 'Fry'");
    assertThatThrownBy(() -> Schedule.parse("08:00-18:00")).hasMessageContaining("must be 'DAYS HH:MM-HH:MM'");
    assertThatThrownBy(() -> Schedule.parse("* 08:00-08:00")).hasMessageContaining("is empty");
    assertThatThrownBy(() -> Schedule.parse("* 08:00")).hasMessageContaining("must be HH:MM-HH:MM");
    assertThatThrownBy(() -> Schedule.parse("Mon-Fri 08:00-18:00;")).hasMessageContaining("empty range");
  }
}
