package org.s3gate.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;
import org.s3gate.admit.Admission;
import org.s3gate.admit.Outcome;
import org.s3gate.admit.RequestFacts;
import org.s3gate.limit.ClientIpTable;
import org.s3gate.limit.CounterTable;
import org.s3gate.policy.PolicySnapshot;

/**
 * What per-client-IP tracking (the {@code client_ips} table and its rules) adds to the admit path:
 * {@link Admission#decide} + {@link Admission#complete}, as {@code DecisionBenchmark.admit}, for
 * 1,000 keys, with and without a {@link ClientIpTable}, in the same run.
 *
 * <h2>Variants ({@code variant})</h2>
 * <ul>
 *   <li>{@code base}: today's admit row, no IP tracking, every request from 127.0.0.1;
 *   <li>{@code one_ip}: the same requests counted in the IP table too: 1,000 keys from one IP
 *       (one hot IP entry, as behind a NAT);
 *   <li>{@code forwarded_base}: no IP tracking, requests from a trusted proxy (10.0.0.1, in
 *       {@code trusted.proxies}) naming 100,000 client IPs in {@code X-Forwarded-For};
 *   <li>{@code forwarded_ips}: the same counted in the IP table: 100,000 IPs, each entry inserted
 *       at setup, so no insert or eviction is measured;
 *   <li>{@code forwarded_flood}: the same 100,000 IPs through an IP table of 10,000
 *       ({@code ip.table.size}), so every request is a new address that inserts and, every
 *       100th, evicts 1% of the table: what a flood of new client addresses costs per request.
 * </ul>
 * The IP rules are on with unreached thresholds ({@code ip.limit.requests} 1,000,000,000; the
 * tarpit's defaults, no errors), so every request is checked and counted. The cost of tracking is
 * {@code one_ip - base} and {@code forwarded_ips - forwarded_base}.
 *
 * <h2>How to run</h2>
 * {@code bench/run-client-ips.sh} (in {@code make bench}) runs three interleaved rounds and prints
 * medians and spread; by hand, after {@code mvn -f bench/pom.xml package}:
 * <pre>
 *   java -jar bench/target/benchmarks.jar ClientIpBenchmark -t 1 -prof gc
 * </pre>
 *
 * <p>Not thread-safe as a class; JMH gives each state its scope.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ClientIpBenchmark {
  static final int KEYS = 1000;
  static final int FORWARDED_IPS = 100_000;
  /** {@code ip.table.size} of {@code forwarded_flood}: a tenth of the addresses, so each request is new. */
  static final int FLOOD_TABLE = 10_000;

  @Benchmark
  public Outcome admit(World world, Cursor cursor) {
    Outcome outcome = world.admission.decide(world.requests[cursor.next(world.requests.length)], world.snapshot,
        System.nanoTime());
    world.admission.complete(outcome);
    return outcome;
  }

  /** Keys, requests, snapshot, tables; shared by all threads. */
  @State(Scope.Benchmark)
  public static class World {
    @Param({"base", "one_ip", "forwarded_base", "forwarded_ips", "forwarded_flood"})
    String variant;

    PolicySnapshot snapshot;
    Admission admission;
    ClientIpTable clientIps;
    RequestFacts[] requests;

    @Setup(Level.Trial)
    public void setUp() {
      boolean forwarded = variant.startsWith("forwarded");
      boolean flood = variant.equals("forwarded_flood");
      boolean tracked = variant.equals("one_ip") || variant.equals("forwarded_ips") || flood;
      String[] keys = BenchKeys.accessKeys(KEYS);
      snapshot = BenchKeys.snapshot(keys, "bench", DecisionBenchmark.UNREACHED_LIMIT, DecisionBenchmark.UNREACHED_LIMIT,
          false, BenchKeys.settings("trusted.proxies=" + ForwardedBenchRequest.PROXY + "/32\n"
              + "ip.limit.requests=" + DecisionBenchmark.UNREACHED_LIMIT + "\n"));
      CounterTable table = new CounterTable(100_000);
      clientIps = tracked ? new ClientIpTable(flood ? FLOOD_TABLE : 200_000, Duration.ofSeconds(10)) : null;
      admission = tracked ? new Admission(table, clientIps) : new Admission(table);
      int[] order = BenchKeys.shuffledOrder(forwarded ? FORWARDED_IPS : KEYS, 42);
      requests = new RequestFacts[order.length];
      for (int i = 0; i < order.length; i++) {
        String authorization = BenchKeys.sigV4Authorization(keys[order[i] % KEYS]);
        requests[i] = forwarded
            ? new ForwardedBenchRequest(authorization, "172." + (16 + order[i] / 65536) + "." + (order[i] / 256 % 256)
                + "." + (order[i] % 256))
            : new BenchRequest(authorization);
      }
      for (RequestFacts request : requests) { // every key and IP inserted before measuring
        admission.complete(admission.decide(request, snapshot, System.nanoTime()));
      }
      boolean expectedSize = flood // a full table evicts 1% at a time
          ? clientIps.size() <= FLOOD_TABLE && clientIps.size() > FLOOD_TABLE - FLOOD_TABLE / 50
          : !tracked || clientIps.size() == (forwarded ? FORWARDED_IPS : 1);
      if (!expectedSize) {
        throw new IllegalStateException("setup: " + clientIps.size() + " client IPs tracked");
      }
    }

    @TearDown(Level.Trial)
    public void checkAdmitted() {
      Outcome last = admission.decide(requests[0], snapshot, System.nanoTime());
      if (!last.forwarded()) {
        throw new IllegalStateException("client-IP benchmark denied a request: " + last);
      }
    }
  }

  /** Where one thread is in the requests. */
  @State(Scope.Thread)
  public static class Cursor {
    private int position = -1;

    @Setup(Level.Trial)
    public void setUp(ThreadParams thread) {
      position = thread.getThreadIndex() * 7919;
    }

    int next(int length) {
      position = position + 1 >= length ? 0 : position + 1;
      return position;
    }
  }
}
