package org.s3gate.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.s3gate.bench.DecisionBenchmark.AdmitWorld;
import org.s3gate.bench.DecisionBenchmark.Cursor;
import org.s3gate.identify.AccessKeyExtractor;
import org.s3gate.identify.CallerIdentity;
import org.s3gate.limit.Decision;
import org.s3gate.policy.GroupPolicy;

/**
 * The steps of {@link DecisionBenchmark#admit}, one at a time, to show where its time goes:
 * the clock read, identifying the caller, the policy lookup, and counting in the table (with its
 * own clock read). Same worlds, keys and order as {@link DecisionBenchmark}; the steps do not add
 * up exactly (the whole lets the JIT share work, e.g. the key's hash code, between steps).
 *
 * <p>{@link #policyForKey} and {@link #tryAcquire} are handed keys built at setup, whose hash code
 * is cached after first use; in the whole decision the key is a fresh substring and its hash is
 * computed once per request (about 20 chars).
 *
 * <h2>How to run</h2>
 * {@code make bench} runs it single-threaded; by hand, after {@code mvn -f bench/pom.xml package}:
 * {@code java -jar bench/target/benchmarks.jar DecisionPartsBenchmark -t 1 -prof gc}.
 *
 * <p>Not thread-safe as a class; JMH gives each state its scope.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class DecisionPartsBenchmark {

  /** The access keys of an {@link AdmitWorld}, built once per trial. */
  @State(Scope.Benchmark)
  public static class Keys {
    String[] accessKeys;

    @org.openjdk.jmh.annotations.Setup
    public void setUp(AdmitWorld world) {
      accessKeys = BenchKeys.accessKeys(world.keys);
    }
  }

  @Benchmark
  public long clock() {
    return System.nanoTime();
  }

  @Benchmark
  public CallerIdentity identify(AdmitWorld world, Cursor cursor) {
    return AccessKeyExtractor.identify(
        world.authorizations[cursor.next(world.order)], null, null, null);
  }

  @Benchmark
  public GroupPolicy policyForKey(AdmitWorld world, Keys keys, Cursor cursor) {
    return world.snapshot.policyForKey(keys.accessKeys[cursor.next(world.order)]);
  }

  @Benchmark
  public Decision tryAcquire(AdmitWorld world, Keys keys, Cursor cursor) {
    long nowNanos = System.nanoTime();
    return world.table.tryAcquire(keys.accessKeys[cursor.next(world.order)],
        DecisionBenchmark.UNREACHED_LIMIT, DecisionBenchmark.UNREACHED_LIMIT, false, nowNanos);
  }
}
