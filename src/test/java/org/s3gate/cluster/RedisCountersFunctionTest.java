package org.s3gate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code s3gate-counters.lua} in a real {@code redis-server}, with the timestamps passed in (the
 * test-only mode of its first argument) so the clock is the test's: every reply is compared with an
 * independent model, an exact sliding log kept as plain lists (no rings), including time running
 * backwards (the function must use the counter's last time instead) and limits changing live.
 * Strictness (no sliding window holds more admitted requests than the limit) and fairness (as many
 * as the exact log admits, for steady and for periodic-burst senders) are checked on the trace.
 */
class RedisCountersFunctionTest {
  private static final long SECOND_US = 1_000_000L;
  private static final long MINUTE_US = 60_000_000L;

  private static RedisServer redis;
  private static RedisLink link;

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServer.start();
    redis.command("DEBUG SET-ACTIVE-EXPIRE 0"); // TTLs must not drop keys the test clock still needs
    link = new RedisLink(redis.uri(), Duration.ofSeconds(2));
    link.connectAndLoad();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (link != null) {
      link.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @BeforeEach
  void flush() {
    assertThat(redis.command("FLUSHALL")).isEqualTo("+OK");
  }

  /** One budget of a call: counter and limits. */
  private record B(String counter, int perSecond, int perMinute) {}

  /** The function's reply. */
  private record Reply(boolean admitted, int index, String window, long perSecond, long perMinute, long retryUs,
      long nowUs) {}

  private static Reply acquire(long nowUs, boolean countDenied, B... budgets) throws Exception {
    String[] keys = new String[3 * budgets.length];
    String[] args = new String[2 + 2 * budgets.length];
    args[0] = Long.toString(nowUs);
    args[1] = countDenied ? "1" : "0";
    for (int i = 0; i < budgets.length; i++) {
      RedisKeys.put(budgets[i].counter(), keys, 3 * i);
      args[2 + 2 * i] = Integer.toString(budgets[i].perSecond());
      args[3 + 2 * i] = Integer.toString(budgets[i].perMinute());
    }
    List<Object> r = link.fcall("s3gate_acquire", keys, args).get(5, TimeUnit.SECONDS);
    return new Reply(n(r.get(0)) == 1, (int) n(r.get(1)) - 1, String.valueOf(r.get(2)), n(r.get(3)), n(r.get(4)),
        n(r.get(5)), n(r.get(6)));
  }

  private static long n(Object o) {
    return ((Number) o).longValue();
  }

  /** The exact sliding log, kept as plain sorted lists of recorded times per counter and window. */
  private static final class Model {
    private static final class Counter {
      final List<Long> second = new ArrayList<>();
      final List<Long> minute = new ArrayList<>();
      Long last;
      int sizeSecond;
      int sizeMinute;
    }

    final Map<String, Counter> counters = new HashMap<>();

    private static long inWindow(List<Long> log, long now, long window) {
      return log.stream().filter(e -> e > now - window).count();
    }

    /** 0 when the log has room for one more at {@code now}, else the time until it has. */
    private static long wait(List<Long> log, int limit, long now, long window) {
      if (limit <= 0) {
        return window;
      }
      List<Long> counting = log.stream().filter(e -> e > now - window).sorted().toList();
      if (counting.size() < limit) {
        return 0;
      }
      long limitthNewest = counting.get(counting.size() - limit);
      return limitthNewest + window - now;
    }

    Reply decide(long nowArg, boolean countDenied, B... budgets) {
      long now = nowArg;
      for (B b : budgets) {
        Counter c = counters.get(b.counter());
        if (c != null && c.last != null && c.last > now) {
          now = c.last; // time never runs backwards for a counter
        }
      }
      int denyAt = -1;
      String window = "";
      long retry = 0;
      boolean[] resized = new boolean[budgets.length];
      for (int i = 0; i < budgets.length; i++) {
        Counter c = counters.computeIfAbsent(budgets[i].counter(), k -> new Counter());
        int wantSecond = size(c.second, c.sizeSecond, budgets[i].perSecond(), now, SECOND_US);
        int wantMinute = size(c.minute, c.sizeMinute, budgets[i].perMinute(), now, MINUTE_US);
        resized[i] = c.sizeSecond != wantSecond || c.sizeMinute != wantMinute || c.last == null;
        c.sizeSecond = wantSecond;
        c.sizeMinute = wantMinute;
        if (denyAt < 0) {
          long ws = wait(c.second, budgets[i].perSecond(), now, SECOND_US);
          long wm = wait(c.minute, budgets[i].perMinute(), now, MINUTE_US);
          if (ws > 0 || wm > 0) {
            denyAt = i;
            window = wm >= ws ? "m" : "s";
            retry = Math.max(ws, wm);
          }
        }
      }
      if (denyAt < 0) {
        for (B b : budgets) {
          Counter c = counters.get(b.counter());
          c.second.add(now);
          c.minute.add(now);
          c.last = now;
        }
        Counter first = counters.get(budgets[0].counter());
        return new Reply(true, 0, "", count(first.second, first.sizeSecond, now, SECOND_US),
            count(first.minute, first.sizeMinute, now, MINUTE_US), 0, now);
      }
      Counter c = counters.get(budgets[denyAt].counter());
      if (countDenied) {
        if (budgets[denyAt].perSecond() > 0) {
          c.second.add(now);
        }
        if (budgets[denyAt].perMinute() > 0) {
          c.minute.add(now);
        }
      }
      for (int i = 0; i < budgets.length; i++) {
        if (i == denyAt || resized[i]) {
          counters.get(budgets[i].counter()).last = now;
        }
      }
      return new Reply(false, denyAt, window, count(c.second, c.sizeSecond, now, SECOND_US),
          count(c.minute, c.sizeMinute, now, MINUTE_US), retry, now);
    }

    /**
     * How many of the newest requests the function keeps for a window: the limit, except that a
     * lowered limit keeps them all while more than it still count; a limit <= 0 changes nothing.
     * (The model's own decisions never depend on this: it keeps every request.)
     */
    private static int size(List<Long> log, int current, int limit, long now, long window) {
      if (limit <= 0) {
        return current;
      }
      if (limit < current && count(log, current, now, window) > limit) {
        return current;
      }
      return limit;
    }

    /** What the function reports: the requests counting now, at most the window's limit (its ring's size). */
    private static long count(List<Long> log, int size, long now, long window) {
      return Math.min(size, inWindow(log, now, window));
    }
  }

  @Test
  void acquire_randomTrafficWithBackwardsTimeAndLiveLimitChanges_matchesTheExactSlidingLog() throws Exception {
    Random random = new Random(17);
    for (int run = 0; run < 4; run++) {
      flush();
      Model model = new Model();
      boolean countDenied = run == 3; // with constant limits: count.denied keeps the newest requests
      String key = "AKIA" + run;
      String klass = key + " write";
      String address = "anonymous@10.0.0." + run;
      int[] limits = {3, 20, 2, 8, 5, 30};
      long now = 1_700_000_000_000_000L + run * 1_000_000_000L;
      for (int step = 0; step < 1_500; step++) {
        if (!countDenied && random.nextInt(100) == 0) {
          int i = random.nextInt(limits.length);
          limits[i] = random.nextInt(i % 2 == 0 ? 6 : 40); // 0 too: denies everything
        }
        int roll = random.nextInt(100);
        if (roll < 3) {
          now -= random.nextInt(5_000_000); // the clock steps back up to 5 s
        } else if (roll < 10) {
          now += SECOND_US + random.nextInt(3_000_000);
        } else {
          now += random.nextInt(120_000);
        }
        B own = new B(key, limits[0], limits[1]);
        B ofClass = new B(klass, limits[2], limits[3]);
        B ofAddress = new B(address, limits[4], limits[5]);
        B[] budgets = switch (random.nextInt(4)) {
          case 0 -> new B[] {own};
          case 1 -> new B[] {own, ofClass};
          case 2 -> new B[] {own, ofAddress};
          default -> new B[] {own, ofClass, ofAddress};
        };
        Reply expected = model.decide(now, countDenied, budgets);
        Reply actual = acquire(now, countDenied, budgets);
        assertThat(actual).as("run %d step %d at %d", run, step, now).isEqualTo(expected);
      }
    }
  }

  @Test
  void acquire_steadySenderOverItsLimits_admitsExactlyWhatTheSlidingLogAdmits_neverMoreInAnyWindow()
      throws Exception {
    Random random = new Random(4);
    int perSecond = 7;
    int perMinute = 200;
    List<Long> offered = new ArrayList<>();
    List<Long> admitted = new ArrayList<>();
    long now = 5_000_000_000L;
    for (int i = 0; i < 3_000; i++) {
      now += random.nextInt(150_000); // about 13 per second offered: over both limits
      offered.add(now);
      if (acquire(now, false, new B("STEADY", perSecond, perMinute)).admitted()) {
        admitted.add(now);
      }
    }
    assertNoWindowOver(admitted, SECOND_US, perSecond);
    assertNoWindowOver(admitted, MINUTE_US, perMinute);
    assertThat(admitted).hasSizeLessThan(offered.size()).isEqualTo(exactLog(offered, perSecond, perMinute));
  }

  @Test
  void acquire_periodicBurstsOfExactlyTheLimitOncePerWindow_areAllAdmitted() throws Exception {
    // A cron-style batch job: a burst of exactly its per-minute limit, once a minute, each burst's
    // requests 1 ms apart. The exact sliding log admits every request; a slot ring admits every
    // other burst (a partly expired slot counts in full).
    int perMinute = 50;
    int admitted = 0;
    int sent = 0;
    for (int burst = 0; burst < 6; burst++) {
      long start = 10_000_000_000L + burst * MINUTE_US;
      for (int i = 0; i < perMinute; i++) {
        sent++;
        if (acquire(start + i * 1_000L, false, new B("CRON", 1_000, perMinute)).admitted()) {
          admitted++;
        }
      }
    }
    assertThat(admitted).isEqualTo(sent);
  }

  @Test
  void acquire_periodicBurstsOfExactlyTheSecondLimit_areAllAdmitted() throws Exception {
    int perSecond = 10;
    int admitted = 0;
    int sent = 0;
    for (int burst = 0; burst < 20; burst++) {
      long start = 10_000_000_000L + burst * SECOND_US;
      for (int i = 0; i < perSecond; i++) {
        sent++;
        admitted += acquire(start + i * 100L, false, new B("BURSTY", perSecond, 100_000)).admitted() ? 1 : 0;
      }
    }
    assertThat(admitted).isEqualTo(sent);
  }

  @Test
  void acquire_deniedByALaterBudget_chargesNoneOfThem() throws Exception {
    B own = new B("OWNER", 10, 100);
    B ofClass = new B("OWNER write", 1, 100);
    assertThat(acquire(1_000_000L, false, own, ofClass).admitted()).isTrue();
    Reply denied = acquire(1_000_100L, false, own, ofClass);
    assertThat(denied.admitted()).isFalse();
    assertThat(denied.index()).isEqualTo(1);
    assertThat(denied.window()).isEqualTo("s");
    assertThat(denied.retryUs()).isEqualTo(SECOND_US - 100);
    Reply alone = acquire(1_000_200L, false, own);
    assertThat(alone.admitted()).isTrue();
    assertThat(alone.perSecond()).as("the denied request charged nothing").isEqualTo(2);
  }

  @Test
  void refund_takesBackOneCharge_andPeekReadsWithoutCharging() throws Exception {
    B own = new B("REFUNDED", 2, 100);
    Reply first = acquire(1_000_000L, false, own);
    Reply second = acquire(1_000_500L, false, own);
    assertThat(acquire(1_001_000L, false, own).admitted()).isFalse();
    link.fcall("s3gate_refund", RedisKeys.of("REFUNDED"), Long.toString(second.nowUs())).get(5, TimeUnit.SECONDS);
    List<Object> peek = link.fcallReadOnly("s3gate_peek", RedisKeys.of("REFUNDED"), "1001000")
        .get(5, TimeUnit.SECONDS);
    assertThat(n(peek.get(0))).isEqualTo(1);
    assertThat(n(peek.get(2))).as("admitted total").isEqualTo(1);
    assertThat(acquire(1_001_500L, false, own).admitted()).as("the refunded unit is free again").isTrue();
    assertThat(first.admitted()).isTrue();
  }

  @Test
  void acquire_stateBytesPerKey_areFourPerLimitUnitPlusFixedOverhead() throws Exception {
    B premium = new B("5HQZO7EDOM4XBNO642GQ", 50, 2000);
    acquire(1_000_000L, false, premium);
    String[] keys = RedisKeys.of(premium.counter());
    long bytes = 0;
    for (String key : keys) {
      bytes += Long.parseLong(redis.command("MEMORY USAGE \"" + key.replace("\"", "\\\"") + "\"").substring(1));
    }
    // the rings: 4 bytes per unit of each limit; the rest is Redis's per-key overhead and the state hash
    assertThat(bytes).isBetween(4L * (50 + 2000), 4L * (50 + 2000) + 600);
    System.out.println("redis bytes per premium key (50/s, 2000/min): " + bytes);
  }

  private static void assertNoWindowOver(List<Long> times, long window, int limit) {
    for (int i = 0; i < times.size(); i++) {
      int j = i;
      while (j + 1 < times.size() && times.get(j + 1) - times.get(i) < window) {
        j++;
      }
      assertThat(j - i + 1).as("admitted in the window starting at %d", times.get(i)).isLessThanOrEqualTo(limit);
    }
  }

  /** What an exact sliding log admits of {@code offered} (sorted times): the reference, written plainly. */
  private static List<Long> exactLog(List<Long> offered, int perSecond, int perMinute) {
    List<Long> admitted = new ArrayList<>();
    for (long t : offered) {
      long inSecond = admitted.stream().filter(e -> e > t - SECOND_US).count();
      long inMinute = admitted.stream().filter(e -> e > t - MINUTE_US).count();
      if (inSecond < perSecond && inMinute < perMinute) {
        admitted.add(t);
      }
    }
    return admitted;
  }
}
