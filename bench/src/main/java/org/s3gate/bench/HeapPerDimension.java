package org.s3gate.bench;

import java.lang.ref.Reference;
import java.util.Locale;
import java.util.Map;

import org.s3gate.limit.ByteDirection;
import org.s3gate.limit.ByteTable;
import org.s3gate.limit.CounterTable;
import org.s3gate.policy.MethodClass;

/**
 * Heap retained per key by the limit dimensions of issue 16, measured like {@link HeapPerKey}
 * (the JVM's live-object class histogram, full GC first): a key whose group has method-class
 * limits ({@code GROUP:read}, {@code GROUP:write}: one more {@link CounterTable} entry per class
 * it uses, under the name {@code "KEY read"} / {@code "KEY write"} built for it), and a key whose
 * group has bandwidth limits in both directions (one {@link ByteTable} entry with two windows).
 * Each is the growth of the whole heap over the keys' own strings, divided by the key count.
 *
 * <h2>How to run</h2>
 * {@code bench/run-heap.sh} runs it after {@link HeapPerKey}; by hand, after
 * {@code mvn -f bench/pom.xml package}:
 * <pre>
 *   java -Xms1g -Xmx1g -cp bench/target/benchmarks.jar org.s3gate.bench.HeapPerDimension [keys]
 * </pre>
 *
 * <p>Not thread-safe; a command-line program.
 */
public final class HeapPerDimension {

  private HeapPerDimension() {}

  public static void main(String[] args) throws Exception {
    int keyCount = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    String[] keys = BenchKeys.accessKeys(keyCount);
    double n = keyCount;
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
        "Heap per key by limit dimension: %,d distinct %d-char keys, JVM %s%n", keyCount, BenchKeys.KEY_LENGTH,
        Runtime.version()));
    String format = "  %-62s %10s%n";
    out.append(String.format(Locale.ROOT, format, "what one key costs (table, map node, counter names)", "bytes/key"));

    long base = measure(keys, false, false);
    out.append(String.format(Locale.ROOT, format, "group limits only (one CounterTable entry)", perKey(base, n)));
    long read = measure(keys, true, false);
    out.append(String.format(Locale.ROOT, format, "+ GROUP:read used (a 'KEY read' entry)", perKey(read - base, n)));
    long both = measure(keys, true, true);
    out.append(String.format(Locale.ROOT, format, "+ GROUP:read and GROUP:write used (two class entries)",
        perKey(both - base, n)));

    Map<String, long[]> before = HeapPerKey.histogram();
    ByteTable bytes = new ByteTable(keyCount);
    long now = System.nanoTime();
    for (String key : keys) {
      bytes.tryCharge(key, ByteDirection.IN, Long.MAX_VALUE, 1024, now);
      bytes.tryCharge(key, ByteDirection.OUT, Long.MAX_VALUE, 0, now);
    }
    long bandwidth = HeapPerKey.total(HeapPerKey.histogram()) - HeapPerKey.total(before);
    Reference.reachabilityFence(bytes);
    out.append(String.format(Locale.ROOT, format, "GROUP:in and GROUP:out used (a ByteTable entry, two windows)",
        perKey(bandwidth, n)));
    Reference.reachabilityFence(keys);
    System.out.print(out);
  }

  /** Heap the counter table holds for {@code keys} with the classes asked for, key strings excluded. */
  private static long measure(String[] keys, boolean read, boolean write) throws Exception {
    Map<String, long[]> before = HeapPerKey.histogram();
    CounterTable table = new CounterTable(keys.length * 3);
    long now = System.nanoTime();
    for (String key : keys) {
      table.tryAcquire(key, 5, 50, false, now);
      if (read) {
        table.tryAcquire(MethodClass.READ.counterOf(key), 5, 50, false, now);
      }
      if (write) {
        table.tryAcquire(MethodClass.WRITE.counterOf(key), 5, 50, false, now);
      }
    }
    long grown = HeapPerKey.total(HeapPerKey.histogram()) - HeapPerKey.total(before);
    Reference.reachabilityFence(table);
    return grown;
  }

  private static String perKey(long bytes, double n) {
    return String.format(Locale.ROOT, "%.1f", bytes / n);
  }
}
