package org.s3gate.bench;

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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;
import org.s3gate.admit.Admission;
import org.s3gate.admit.Outcome;
import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.CounterTable;
import org.s3gate.limit.Decision;
import org.s3gate.limit.KeyUsage;
import java.util.Map;
import org.s3gate.policy.BucketLimits;
import org.s3gate.policy.DimensionSettings;
import org.s3gate.policy.PolicySnapshot;

/**
 * The whole per-request decision of {@code RateLimitFilter}, without the servlet: the filter's
 * call of {@link Admission#decide} (identify the caller from a SigV4 {@code Authorization} header,
 * look its group's policy up in the snapshot, count it in the {@link CounterTable}), with
 * {@code System.nanoTime()} read once per request and passed in, as the filter does. It is the
 * shipped admission core, so the figure is the shipped decision's.
 *
 * <h2>What is measured</h2>
 * <ul>
 *   <li>{@link #admit}: limits of 1,000,000,000 per second and per minute, so every request is
 *       admitted and counted in both windows (the common path).
 *   <li>{@link #deny}: limits of 1/s and 1/min and every key prefilled with one request at setup,
 *       so every request is refused by the minute window ({@code count.denied=false}, the
 *       default: nothing is counted, {@code Retry-After} is computed for both windows). This
 *       holds for 60 s after setup; a run's trial teardown fails it if more than 1% was admitted.
 *   <li>{@code keys}: 10 (everything in L1/L2) or 1,000,000 (table, snapshot and headers far
 *       larger than the caches). The table holds every key before measuring, so no insert and no
 *       eviction happens; its capacity is {@code max(keys, 100000)}, table.size's default.
 *   <li>Keys are requested in a fixed random order; each thread starts at a different place in
 *       it. Headers are built at setup (about 200 chars each, distinct per key), so building
 *       strings is not measured. The returned {@link Outcome} goes to JMH's blackhole, so its
 *       allocation is measured, as are the {@link Decision}, the key substring and the
 *       {@link CallerIdentity}.
 * </ul>
 *
 * <h2>How to run</h2>
 * From the repository root: {@code make bench} (both thread counts, table printed), or after
 * {@code mvn -f bench/pom.xml package}:
 * <pre>
 *   java -jar bench/target/benchmarks.jar DecisionBenchmark -t 1 -prof gc     # one thread
 *   java -jar bench/target/benchmarks.jar DecisionBenchmark -t 2 -prof gc     # two threads
 *   java -jar bench/target/benchmarks.jar DecisionBenchmark -f 1 -wi 2 -i 3 -r 1s -p keys=10  # quick
 * </pre>
 * or {@code java -cp bench/target/benchmarks.jar org.s3gate.bench.JmhTable [jmh options]},
 * which runs 1 and 2 threads and prints one table ({@code bench/run-jmh.sh} does that).
 *
 * <p>Not thread-safe as a class; JMH gives each state its scope (the worlds are shared by all
 * threads, as the filter shares one table and one snapshot; {@link Cursor} is per thread).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class DecisionBenchmark {

  /** Limits no key reaches during a run: every request of {@link #admit} is admitted. */
  static final int UNREACHED_LIMIT = 1_000_000_000;

  @Benchmark
  public Outcome admit(AdmitWorld world, Cursor cursor) {
    return world.decide(world.requests[cursor.next(world.order)]);
  }

  /** {@link #admit} with the group's {@code GROUP:read} limits set too: two counters per request. */
  @Benchmark
  public Outcome admitWithReadClass(AdmitReadClassWorld world, Cursor cursor) {
    return world.decide(world.requests[cursor.next(world.order)]);
  }

  /**
   * {@link #admit} with a 20-block {@code allowlist.lst} that does not hold the client: the worst
   * case of the allow-list lookup (one address parse, every block compared).
   */
  @Benchmark
  public Outcome admitWithAllowlist(AdmitAllowlistWorld world, Cursor cursor) {
    return world.decide(world.requests[cursor.next(world.order)]);
  }

  /** {@link #deny} in {@code mode=shadow}: every request is a would-be denial, admitted. */
  @Benchmark
  public Outcome denyShadow(DenyShadowWorld world, Cursor cursor) {
    return world.decide(world.requests[cursor.next(world.order)]);
  }

  /**
   * {@link #admit} with {@code GROUP:read} limits and a bucket limit ({@code bucket_limits_per_*.map}
   * entries for the requests' bucket, unreached): three counters per request, the bucket's shared
   * by every key and thread (a hot bucket), and the bucket name read from the path.
   */
  @Benchmark
  public Outcome admitWithClassAndBucket(AdmitClassBucketWorld world, Cursor cursor) {
    return world.decide(world.requests[cursor.next(world.order)]);
  }

  @Benchmark
  public Outcome deny(DenyWorld world, Cursor cursor) {
    return world.decide(world.requests[cursor.next(world.order)]);
  }

  /** Keys, headers, snapshot and a table holding every key; shared by all threads. */
  abstract static class World {
    PolicySnapshot snapshot;
    CounterTable table;
    Admission admission;
    String[] authorizations;
    BenchRequest[] requests;
    int[] order;
    /** Sum of admittedTotal over all keys right after setup. */
    long admittedAtSetup;

    /** Whether the requests' bucket has a bucket limit too (its own table). */
    boolean bucketLimited() {
      return false;
    }

    void build(int keys, int limitPerSecond, int limitPerMinute) {
      build(keys, limitPerSecond, limitPerMinute, false);
    }

    /** With {@code readClass}, every key also has a read-class counter: two table entries per key. */
    void build(int keys, int limitPerSecond, int limitPerMinute, boolean readClass) {
      String[] accessKeys = BenchKeys.accessKeys(keys);
      authorizations = new String[keys];
      requests = new BenchRequest[keys];
      for (int i = 0; i < keys; i++) {
        authorizations[i] = BenchKeys.sigV4Authorization(accessKeys[i]);
        requests[i] = new BenchRequest(authorizations[i]);
      }
      snapshot = BenchKeys.snapshot(accessKeys, "bench", limitPerSecond, limitPerMinute, readClass);
      int entries = readClass ? 2 * keys : keys;
      table = new CounterTable(Math.max(entries, 100_000));
      admission = new Admission(table);
      if (bucketLimited()) { // BenchRequest's path is /bench/object: bucket "bench"
        snapshot = PolicySnapshot.of(snapshot.version(), snapshot.settings(), snapshot.keyGroups(),
            snapshot.limitsPerMinute(), snapshot.limitsPerSecond(), snapshot.errorMessages(),
            snapshot.concurrentRequests(), new BucketLimits(Map.of("bench", limitPerSecond), Map.of("bench", limitPerMinute)),
            DimensionSettings.NONE, snapshot.allowlist());
        admission = new Admission(table, new CounterTable(100_000), System::currentTimeMillis);
      }
      order = BenchKeys.shuffledOrder(keys, 42);
      // Insert every key through the measured path once, so measurement never inserts.
      for (BenchRequest request : requests) {
        if (!decide(request).forwarded()) {
          throw new IllegalStateException("setup: first request of a key was denied");
        }
      }
      if (table.size() != entries) {
        throw new IllegalStateException("setup: table holds " + table.size() + ", not " + entries);
      }
      admittedAtSetup = totals()[0];
    }

    /**
     * What the filter does per request, minus reading headers and writing the response: the
     * decision, and the completion that ends the request's time in flight.
     */
    Outcome decide(BenchRequest request) {
      Outcome outcome = admission.decide(request, snapshot, System.nanoTime());
      admission.complete(outcome);
      return outcome;
    }

    /** {admitted, denied} over all keys since the table was created. */
    long[] totals() {
      long admitted = 0;
      long denied = 0;
      for (KeyUsage usage : table.snapshot(System.nanoTime())) {
        admitted += usage.admittedTotal();
        denied += usage.deniedTotal();
      }
      return new long[] {admitted, denied};
    }
  }

  /** Every request is admitted. */
  @State(Scope.Benchmark)
  public static class AdmitWorld extends World {
    @Param({"10", "1000000"})
    int keys;

    @Setup(Level.Trial)
    public void setUp() {
      build(keys, UNREACHED_LIMIT, UNREACHED_LIMIT, readClass());
    }

    /** Whether the group also has {@code GROUP:read} limits. */
    boolean readClass() {
      return false;
    }

    @TearDown(Level.Trial)
    public void checkAllAdmitted() {
      long denied = totals()[1];
      if (denied != 0) {
        throw new IllegalStateException("admit benchmark denied " + denied + " requests");
      }
    }
  }

  /** Every request is admitted, and also counted in its key's read-class counter. */
  @State(Scope.Benchmark)
  public static class AdmitReadClassWorld extends AdmitWorld {
    @Override
    boolean readClass() {
      return true;
    }
  }


  /** Every request is admitted; the snapshot has a 20-block allow-list the client is not in. */
  @State(Scope.Benchmark)
  public static class AdmitAllowlistWorld extends AdmitWorld {
    @Override
    public void setUp() {
      super.setUp();
      snapshot = BenchKeys.withAllowlist(snapshot, 20);
    }
  }

  /** Every request would be denied by the per-minute window, and is admitted: {@code mode=shadow}. */
  @State(Scope.Benchmark)
  public static class DenyShadowWorld extends World {
    @Param({"10", "1000000"})
    int keys;

    @Setup(Level.Trial)
    public void setUp() {
      build(keys, 1, 1);
      snapshot = BenchKeys.inShadowMode(snapshot);
      if (decide(requests[0]).shadowRule() == null) {
        throw new IllegalStateException("setup: not a would-be denial in shadow mode");
      }
    }
  }

  /** Every request is admitted, counted in its key's read-class counter and in its bucket's. */
  @State(Scope.Benchmark)
  public static class AdmitClassBucketWorld extends AdmitWorld {
    @Override
    boolean readClass() {
      return true;
    }

    @Override
    boolean bucketLimited() {
      return true;
    }
  }

  /** Every request is denied by the per-minute window (for 60 s after setup). */
  @State(Scope.Benchmark)
  public static class DenyWorld extends World {
    @Param({"10", "1000000"})
    int keys;

    @Setup(Level.Trial)
    public void setUp() {
      build(keys, 1, 1);
    }

    @TearDown(Level.Trial)
    public void checkDenied() {
      long[] totals = totals();
      long admitted = totals[0] - admittedAtSetup;
      if (admitted * 100 > totals[1]) {
        throw new IllegalStateException("deny benchmark admitted " + admitted + " of "
            + (admitted + totals[1]) + " requests (> 1%): run shorter than 60 s per trial");
      }
    }
  }

  /** Where one thread is in the shared random order of keys. */
  @State(Scope.Thread)
  public static class Cursor {
    private int position;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params, ThreadParams thread) {
      // Threads start far apart in the order, so with 1,000,000 keys two threads rarely ask for
      // one key at once; with 10 keys they share every entry, as requests of a hot tenant do.
      int keys = Integer.parseInt(params.getParam("keys"));
      position = (int) ((long) keys * thread.getThreadIndex() / thread.getThreadCount());
    }

    int next(int[] order) {
      int key = order[position];
      if (++position == order.length) {
        position = 0;
      }
      return key;
    }
  }
}
