package org.s3gate.admit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.admit.AdmissionTest.Request;
import org.s3gate.config.ConfigReloader;
import org.s3gate.limit.CounterTable;
import org.s3gate.policy.MethodClass;
import org.s3gate.policy.PolicySnapshot;

/** Method-class limits ({@code GROUP:read}, {@code GROUP:write}) in the admission core. */
class ClassLimitsAdmissionTest {
  private static final String KEY = "FQ4IU19ZFZ3470XJ7GBF";
  private static final String PLAIN_KEY = "PLAINKEY0000000000AA";
  private static final long SECOND = 1_000_000_000L;

  private static PolicySnapshot load(Path dir, String perSecond) throws IOException {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\ncount.denied false\n");
    Files.writeString(dir.resolve("api_key_groups.map"), KEY + " basic\n" + PLAIN_KEY + " plain\n");
    Files.writeString(dir.resolve("rate_limits_per_minute.map"), "basic 1000\nplain 1000\n");
    Files.writeString(dir.resolve("rate_limits_per_second.map"), perSecond);
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      return config.store().current();
    }
  }

  private static Request request(String method, String key) {
    return Request.of(method, "/b/k", null, "X-API-Key", key);
  }

  @Test
  void writeClassLimit_deniesTheThirdPut_whileGetsPassUpToTheGroupLimit(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "basic 5\nbasic:write 2\nplain 5\n");
    Admission admission = new Admission(new CounterTable(10));

    assertThat(admission.decide(request("PUT", KEY), policy, 0L).verdict()).isEqualTo(Verdict.ADMITTED);
    assertThat(admission.decide(request("PUT", KEY), policy, 0L).verdict()).isEqualTo(Verdict.ADMITTED);
    Outcome third = admission.decide(request("PUT", KEY), policy, 0L);
    assertThat(third.verdict()).isEqualTo(Verdict.DENIED_PER_SECOND);
    assertThat(third.denialMessage()).endsWith("(2 write requests/second per API key)");
    for (int i = 0; i < 3; i++) { // the denied PUT was refunded from the group: 2 + 3 = 5
      assertThat(admission.decide(request("GET", KEY), policy, 0L).verdict()).isEqualTo(Verdict.ADMITTED);
    }
    Outcome sixth = admission.decide(request("GET", KEY), policy, 0L);
    assertThat(sixth.verdict()).isEqualTo(Verdict.DENIED_PER_SECOND);
    assertThat(sixth.denialMessage()).endsWith("(5 requests/second per API key)");
  }

  @Test
  void groupWithoutClassEntries_isCountedExactlyAsBefore_inOneEntry(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "basic 5\nbasic:write 2\nplain 3\n");
    CounterTable table = new CounterTable(10);
    Admission admission = new Admission(table);

    for (String method : new String[] {"PUT", "PUT", "PUT"}) {
      assertThat(admission.decide(request(method, PLAIN_KEY), policy, 0L).verdict()).isEqualTo(Verdict.ADMITTED);
    }
    assertThat(admission.decide(request("GET", PLAIN_KEY), policy, 0L).verdict()).isEqualTo(Verdict.DENIED_PER_SECOND);
    assertThat(table.size()).isEqualTo(1); // no class counters for a group without class entries
  }

  @Test
  void groupLimitDenial_chargesNoClassCounter(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "basic 1\nbasic:write 5\nplain 5\n");
    CounterTable table = new CounterTable(10);
    Admission admission = new Admission(table);

    assertThat(admission.decide(request("GET", KEY), policy, 0L).verdict()).isEqualTo(Verdict.ADMITTED);
    assertThat(admission.decide(request("PUT", KEY), policy, 0L).verdict()).isEqualTo(Verdict.DENIED_PER_SECOND);
    assertThat(table.peek(KEY + " write", 0L).currentPerSecond()).isZero();
  }

  @Test
  void refundForged_givesBackTheClassCharge_soForgersCannotDrainTheOwnersWrites(@TempDir Path dir)
      throws IOException {
    PolicySnapshot policy = load(dir, "basic 5\nbasic:write 2\nplain 5\n");
    CounterTable table = new CounterTable(10);
    Admission admission = new Admission(table);
    for (int i = 0; i < 2; i++) { // the backend refuses both as forged
      Outcome forged = admission.decide(request("PUT", KEY), policy, 0L);
      assertThat(forged.verdict()).isEqualTo(Verdict.ADMITTED);
      admission.refundForged(forged, policy, 0L, 0L);
      admission.complete(forged);
    }

    assertThat(table.peek(KEY + " write", 0L).currentPerSecond()).isZero();
    assertThat(admission.decide(request("PUT", KEY), policy, 0L).verdict()).isEqualTo(Verdict.ADMITTED);
    assertThat(admission.decide(request("PUT", KEY), policy, 0L).verdict()).isEqualTo(Verdict.ADMITTED);
  }

  /**
   * Random GETs and PUTs at random times against an exact sliding log: in no sliding second are
   * more requests admitted than the group limit, nor more of a class than the class's limit.
   */
  @Test
  void randomTraffic_neverExceedsGroupOrClassLimitInAnySlidingSecond(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "basic 7\nbasic:write 3\nbasic:read 5\nplain 5\n");
    Random random = new Random(16);
    for (int run = 0; run < 20; run++) {
      Admission admission = new Admission(new CounterTable(10));
      Deque<Long> all = new ArrayDeque<>();
      Map<MethodClass, Deque<Long>> byClass = new EnumMap<>(MethodClass.class);
      byClass.put(MethodClass.READ, new ArrayDeque<>());
      byClass.put(MethodClass.WRITE, new ArrayDeque<>());
      long now = 0;
      int admitted = 0;
      for (int i = 0; i < 2_000; i++) {
        now += random.nextInt(60_000_000);
        String method = random.nextBoolean() ? "GET" : "PUT";
        Outcome outcome = admission.decide(request(method, KEY), policy, now);
        admission.complete(outcome); // each request completes before the next (in flight: at most 1)
        if (outcome.verdict() != Verdict.ADMITTED) {
          continue;
        }
        admitted++;
        assertThat(admitWithin(all, now, 7)).as("group, run %d, t=%d", run, now).isTrue();
        MethodClass c = MethodClass.of(method);
        assertThat(admitWithin(byClass.get(c), now, c == MethodClass.READ ? 5 : 3))
            .as("%s, run %d, t=%d", c, run, now).isTrue();
      }
      // Under-admission is bounded: ~16 PUTs a second are offered, so each 1.1 s (more than a window
      // plus a 32 us tick, CounterTable's bound for limits this small, which it keeps as exact
      // stamps) admits at least the write class's 3, unless the group's 7 were.
      assertThat(admitted).isGreaterThanOrEqualTo((int) (now / (11 * SECOND / 10) - 1) * 3);
    }
  }

  /** Records an admission at {@code now} in an exact log; false if it makes more than {@code limit} in (now - 1 s, now]. */
  private static boolean admitWithin(Deque<Long> log, long now, int limit) {
    while (!log.isEmpty() && log.peekFirst() <= now - SECOND) {
      log.pollFirst();
    }
    log.addLast(now);
    return log.size() <= limit;
  }
}
