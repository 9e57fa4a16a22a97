package org.s3gate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.s3gate.limit.ByteDirection;

/**
 * The byte budgets of {@code s3gate-counters.lua} ({@code s3gate_admit}'s byte claims,
 * {@code s3gate_bytes}, the byte part of {@code s3gate_refund}) in a real {@code redis-server},
 * with the test's clock passed in (the functions' test-only time argument). Every reply is compared
 * with a plain model of 3-second slots written here (a sorted map, the rules of
 * {@code limit/ByteWindow}), including time stepping back (the counters' own last time applies);
 * and on the whole trace, against an exact byte log (every charge at its real time, every refund
 * taken from its own charge), the bytes the function counts are never fewer than the exact log's
 * over the sliding minute, refunds at lower-bound stamps included: it never over-admits.
 */
class RedisBytesFunctionTest {
  private static final long SLOT_US = 3_000_000L;
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

  private static long n(Object o) {
    return ((Number) o).longValue();
  }

  /** One byte claim of an admission. */
  private record Claim(ByteDirection direction, long limitBytes, long bytes) {}

  /** {@code s3gate_admit}'s reply, the parts this test checks. */
  private record Admit(boolean admitted, int index, String window, long retryUs, long nowUs, List<Long> used) {}

  private static Admit admit(long nowUs, String counter, int perSecond, int perMinute, Claim... claims)
      throws Exception {
    String[] keys = new String[3 + claims.length];
    RedisKeys.put(counter, keys, 0);
    List<String> args = new ArrayList<>(List.of(Long.toString(nowUs), "0", "1", Integer.toString(perSecond),
        Integer.toString(perMinute)));
    for (int j = 0; j < claims.length; j++) {
      keys[3 + j] = RedisKeys.bytes(counter, claims[j].direction());
      args.add(Long.toString(claims[j].limitBytes()));
      args.add(Long.toString(claims[j].bytes()));
    }
    List<Object> r = link.fcall("s3gate_admit", keys, args.toArray(String[]::new)).get(5, TimeUnit.SECONDS);
    List<Long> used = new ArrayList<>();
    for (int j = 0; j < claims.length; j++) {
      used.add(n(r.get(7 + j)));
    }
    return new Admit(n(r.get(0)) == 1, (int) n(r.get(1)) - 1, String.valueOf(r.get(2)), n(r.get(5)), n(r.get(6)),
        used);
  }

  /** {@code s3gate_bytes} on one counter: returns { time used, bytes after }. */
  private static long[] bytes(long nowUs, String counter, ByteDirection direction, long charge, long refund,
      long stampUs) throws Exception {
    List<Object> r = link.fcall("s3gate_bytes", new String[] {RedisKeys.bytes(counter, direction)},
        Long.toString(nowUs), Long.toString(charge), Long.toString(refund), refund > 0 ? Long.toString(stampUs) : "")
        .get(5, TimeUnit.SECONDS);
    return new long[] {n(r.get(0)), n(r.get(1))};
  }

  private static long peek(long nowUs, String counter, ByteDirection direction) throws Exception {
    List<Object> r = link.fcallReadOnly("s3gate_peek_bytes", new String[] {RedisKeys.bytes(counter, direction)},
        Long.toString(nowUs)).get(5, TimeUnit.SECONDS);
    return n(r.get(0));
  }

  /** The rules of 3-second slots, written plainly: a sorted map slot -> bytes, and the last time. */
  private static final class SlotModel {
    final TreeMap<Long, Long> slots = new TreeMap<>();
    Long last;

    static long slotOf(long us) {
      return Math.floorDiv(us, SLOT_US);
    }

    long used(long now) {
      return slots.tailMap(slotOf(now) - 20, true).values().stream().mapToLong(Long::longValue).sum();
    }

    long waitUs(long now, long limit, long need) {
      if (need > limit) {
        return MINUTE_US;
      }
      long used = used(now);
      if (used + need <= limit) {
        return 0;
      }
      long mustLeave = used - (limit - need);
      long left = 0;
      for (long s = slotOf(now) - 20; s <= slotOf(now); s++) {
        left += slots.getOrDefault(s, 0L);
        if (left >= mustLeave) {
          return Math.max(1, (s + 21) * SLOT_US - now);
        }
      }
      throw new AssertionError("unreachable");
    }

    void add(long now, long bytes) {
      if (bytes > 0) {
        slots.merge(slotOf(now), bytes, Long::sum);
        last = now;
      }
    }

    /** From the stamp's slot down to the oldest still counting at {@code now}. */
    void take(long stamp, long now, long bytes) {
      long left = bytes;
      boolean took = false;
      for (long s = slotOf(stamp); left > 0 && s >= slotOf(now) - 20; s--) {
        long v = slots.getOrDefault(s, 0L);
        long take = Math.min(v, left);
        if (take > 0) {
          slots.put(s, v - take);
          left -= take;
          took = true;
        }
      }
      if (took) {
        last = now;
      }
    }
  }

  /** The exact byte log: each charge at its real time, net of the refunds of that very charge. */
  private static final class ExactLog {
    final List<long[]> charges = new ArrayList<>(); // {time us, net bytes}

    int charge(long now, long bytes) {
      charges.add(new long[] {now, bytes});
      return charges.size() - 1;
    }

    void refund(int charge, long bytes) {
      charges.get(charge)[1] -= bytes;
    }

    long used(long now) {
      return charges.stream().filter(c -> c[0] > now - MINUTE_US).mapToLong(c -> c[1]).sum();
    }
  }

  /** A charge of the trace that can still be refunded: its exact log entry, the stamp a refund names. */
  private record Open(ByteDirection direction, int logIndex, long bytes, long stampUs) {}

  @Test
  void admitAndBytes_randomTransfersWithBackwardsTime_matchTheSlotModel_neverCountFewerThanTheExactLog()
      throws Exception {
    Random random = new Random(23);
    for (int run = 0; run < 3; run++) {
      flush();
      String counter = "AKIABYTES" + run;
      Map<ByteDirection, SlotModel> model = new HashMap<>();
      Map<ByteDirection, ExactLog> exact = new HashMap<>();
      for (ByteDirection d : ByteDirection.values()) {
        model.put(d, new SlotModel());
        exact.put(d, new ExactLog());
      }
      Long requestLast = null; // the request counter's last time (it guards the admissions' time too)
      List<Open> open = new ArrayList<>();
      long limitIn = 1_000 + random.nextInt(2_000);
      long limitOut = 2_000;
      long now = 1_700_000_000_000_000L + run * 7_777_777L;
      int denials = 0;
      int refunds = 0;
      for (int step = 0; step < 1_200; step++) {
        int roll = random.nextInt(100);
        if (roll < 3) {
          now -= random.nextInt(4_000_000); // the clock steps back up to 4 s
        } else if (roll < 8) {
          now += 5_000_000 + random.nextInt(20_000_000);
        } else {
          now += random.nextInt(400_000);
        }
        int op = random.nextInt(10);
        if (op < 5) { // an admission: an upload of known or unknown length, a download, or both
          List<Claim> claims = new ArrayList<>();
          boolean upload = random.nextBoolean();
          boolean download = !upload || random.nextInt(4) == 0;
          long declared = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(700);
          if (upload) {
            claims.add(new Claim(ByteDirection.IN, limitIn, declared));
          }
          if (download) {
            claims.add(new Claim(ByteDirection.OUT, limitOut, 0));
          }
          long expectedNow = now;
          if (requestLast != null) {
            expectedNow = Math.max(expectedNow, requestLast);
          }
          for (Claim c : claims) {
            Long last = model.get(c.direction()).last;
            if (last != null) {
              expectedNow = Math.max(expectedNow, last);
            }
          }
          int deniedAt = -1;
          long retry = 0;
          for (int j = 0; j < claims.size() && deniedAt < 0; j++) {
            Claim c = claims.get(j);
            retry = model.get(c.direction()).waitUs(expectedNow, c.limitBytes(), Math.max(1, c.bytes()));
            deniedAt = retry > 0 ? j : -1;
          }
          Admit actual = admit(now, counter, 1_000, 1_000, claims.toArray(Claim[]::new));
          assertThat(actual.nowUs()).as("run %d step %d: guarded time", run, step).isEqualTo(expectedNow);
          assertThat(actual.admitted()).as("run %d step %d: admitted", run, step).isEqualTo(deniedAt < 0);
          if (deniedAt >= 0) {
            denials++;
            assertThat(actual.index()).isEqualTo(1 + deniedAt);
            assertThat(actual.window()).isEqualTo("b");
            assertThat(actual.retryUs()).as("run %d step %d: retry", run, step).isEqualTo(retry);
          } else {
            requestLast = expectedNow;
            for (Claim c : claims) {
              model.get(c.direction()).add(expectedNow, c.bytes());
            }
          }
          for (int j = 0; j < claims.size(); j++) {
            Claim c = claims.get(j);
            assertThat(actual.used().get(j)).as("run %d step %d: used", run, step)
                .isEqualTo(model.get(c.direction()).used(actual.nowUs()));
          }
          for (Claim c : deniedAt >= 0 ? List.<Claim>of() : claims) {
            if (c.bytes() > 0) {
              int logIndex = exact.get(c.direction()).charge(expectedNow, c.bytes());
              open.add(new Open(c.direction(), logIndex, c.bytes(), expectedNow));
            } else if (c.direction() == ByteDirection.OUT) {
              // the response starts a little later: its length charged then, refunded at the admission's stamp
              long start = expectedNow + random.nextInt(4_000_000);
              long length = 1 + random.nextInt(900);
              long[] r = bytes(start, counter, ByteDirection.OUT, length, 0, 0);
              SlotModel m = model.get(ByteDirection.OUT);
              long chargedAt = Math.max(start, m.last == null ? start : m.last);
              assertThat(r[0]).isEqualTo(chargedAt);
              m.add(chargedAt, length);
              assertThat(r[1]).isEqualTo(m.used(chargedAt));
              int logIndex = exact.get(ByteDirection.OUT).charge(chargedAt, length);
              open.add(new Open(ByteDirection.OUT, logIndex, length, expectedNow)); // a lower-bound stamp
              now = Math.max(now, start);
            }
          }
        } else if (op < 7 && !open.isEmpty()) { // a transfer moved less than it was charged: the rest back
          Open o = open.remove(random.nextInt(open.size()));
          long back = 1 + random.nextInt((int) o.bytes());
          SlotModel m = model.get(o.direction());
          long expectedNow = Math.max(now, m.last == null ? now : m.last);
          long[] r = bytes(now, counter, o.direction(), 0, back, o.stampUs());
          assertThat(r[0]).isEqualTo(expectedNow);
          m.take(o.stampUs(), expectedNow, back);
          assertThat(r[1]).as("run %d step %d: after refund", run, step).isEqualTo(m.used(expectedNow));
          exact.get(o.direction()).refund(o.logIndex(), back);
          refunds++;
        } else if (op < 8 && !open.isEmpty()) { // an in-flight denial: s3gate_refund takes an upload back
          Open o = open.get(random.nextInt(open.size()));
          if (o.direction() == ByteDirection.IN && o.stampUs() == exact.get(ByteDirection.IN).charges
              .get(o.logIndex())[0]) {
            open.remove(o);
            String[] keys = new String[4];
            RedisKeys.put(counter, keys, 0);
            keys[3] = RedisKeys.bytes(counter, ByteDirection.IN);
            link.fcall("s3gate_refund", keys, Long.toString(o.stampUs()), "1", Long.toString(o.bytes()))
                .get(5, TimeUnit.SECONDS);
            SlotModel m = model.get(ByteDirection.IN);
            m.take(o.stampUs(), Math.max(o.stampUs(), m.last), o.bytes());
            exact.get(ByteDirection.IN).refund(o.logIndex(), o.bytes());
          }
        } else { // an unknown-length body ends, or a download without a length: charged its bytes now
          ByteDirection d = random.nextBoolean() ? ByteDirection.IN : ByteDirection.OUT;
          long moved = random.nextInt(300);
          SlotModel m = model.get(d);
          long expectedNow = Math.max(now, m.last == null ? now : m.last);
          long[] r = bytes(now, counter, d, moved, 0, 0);
          assertThat(r[0]).isEqualTo(expectedNow);
          m.add(expectedNow, moved);
          assertThat(r[1]).isEqualTo(m.used(expectedNow));
          if (moved > 0) {
            exact.get(d).charge(expectedNow, moved);
          }
        }
        for (ByteDirection d : ByteDirection.values()) { // the property: never fewer than the exact log
          SlotModel m = model.get(d);
          long at = Math.max(now, m.last == null ? now : m.last);
          long counted = peek(at, counter, d);
          assertThat(counted).as("run %d step %d %s: the model", run, step, d).isEqualTo(m.used(at));
          assertThat(counted).as("run %d step %d %s: never fewer than the exact log", run, step, d)
              .isGreaterThanOrEqualTo(exact.get(d).used(at));
        }
      }
      assertThat(denials).as("the trace runs into the budgets").isGreaterThan(20);
      assertThat(refunds).isGreaterThan(20);
    }
  }

  @Test
  void admit_uploadsOfKnownLength_neverMoreThanTheLimitInAnySlidingMinute() throws Exception {
    Random random = new Random(5);
    long limit = 10_000;
    List<long[]> admitted = new ArrayList<>(); // {time, bytes}
    long now = 9_000_000_000L;
    int offered = 0;
    for (int i = 0; i < 600; i++) {
      now += random.nextInt(1_000_000);
      long size = 1 + random.nextInt(3_000);
      offered++;
      Admit a = admit(now, "STRICT", 1_000, 1_000, new Claim(ByteDirection.IN, limit, size));
      if (a.admitted()) {
        admitted.add(new long[] {a.nowUs(), size});
      }
    }
    for (long[] first : admitted) {
      long inWindow = admitted.stream().filter(c -> c[0] >= first[0] && c[0] - first[0] < MINUTE_US)
          .mapToLong(c -> c[1]).sum();
      assertThat(inWindow).as("bytes admitted in the minute from %d", first[0]).isLessThanOrEqualTo(limit);
    }
    assertThat(admitted.size()).isBetween(10, offered - 1);
  }

  @Test
  void admit_aByteDenial_chargesNoRequestBudget_andARequestDenial_noByteBudget() throws Exception {
    Claim upload = new Claim(ByteDirection.IN, 1_000, 800);
    assertThat(admit(1_000_000L, "BOTH", 10, 100, upload).admitted()).isTrue();
    Admit bytesDenied = admit(1_100_000L, "BOTH", 10, 100, upload);
    assertThat(bytesDenied.admitted()).isFalse();
    assertThat(bytesDenied.index()).isEqualTo(1);
    assertThat(bytesDenied.window()).isEqualTo("b");
    assertThat(bytesDenied.used()).containsExactly(800L);
    // the per-second budget of 2: the byte denial charged none of it, so one more request fits
    Admit small = admit(1_200_000L, "BOTH", 2, 100, new Claim(ByteDirection.IN, 1_000, 100));
    assertThat(small.admitted()).isTrue();
    assertThat(small.used()).containsExactly(900L);
    Admit requestDenied = admit(1_300_000L, "BOTH", 2, 100, new Claim(ByteDirection.IN, 1_000, 50));
    assertThat(requestDenied.admitted()).isFalse();
    assertThat(requestDenied.index()).isZero();
    assertThat(requestDenied.window()).isEqualTo("s");
    assertThat(peek(1_300_000L, "BOTH", ByteDirection.IN)).as("the request denial charged no bytes").isEqualTo(900);
  }

  @Test
  void admit_aDownloadNeedsOneByteOfRoom_andItsRetryIsWhenTheOldestSlotLeaves() throws Exception {
    Claim download = new Claim(ByteDirection.OUT, 1_000, 0);
    assertThat(admit(3_000_000L, "GETTER", 10, 100, download).admitted()).isTrue();
    bytes(3_000_500L, "GETTER", ByteDirection.OUT, 1_000, 0, 0); // its Content-Length: the whole budget
    Admit denied = admit(4_000_000L, "GETTER", 10, 100, download);
    assertThat(denied.admitted()).isFalse();
    // charged in slot 1 ([3 s, 6 s)), which leaves when slot 22 begins, at 66 s
    assertThat(denied.retryUs()).isEqualTo(66_000_000L - 4_000_000L);
    assertThat(admit(66_000_000L, "GETTER", 10, 100, download).admitted()).isTrue();
  }

  @Test
  void bytes_stateBytesPerKeyAndDirection_areAFewHundred_andExpireAfter64Seconds() throws Exception {
    admit(1_000_000L, "5HQZO7EDOM4XBNO642GQ", 50, 2000, new Claim(ByteDirection.IN, 10L << 20, 1 << 20));
    for (int s = 0; s < 20; s++) {
      bytes(1_000_000L + s * SLOT_US, "5HQZO7EDOM4XBNO642GQ", ByteDirection.IN, 4096, 0, 0); // every slot in use
    }
    String key = RedisKeys.bytes("5HQZO7EDOM4XBNO642GQ", ByteDirection.IN);
    long bytes = Long.parseLong(redis.command("MEMORY USAGE \"" + key + "\"").substring(1));
    long ttl = Long.parseLong(redis.command("PTTL \"" + key + "\"").substring(1));
    System.out.println("redis bytes per byte budget (one direction, 21 slots in use): " + bytes);
    assertThat(bytes).isBetween(100L, 1_000L);
    assertThat(ttl).isBetween(60_000L, 64_000L);
  }
}
