package org.s3gate.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.s3gate.limit.CounterTable;

/**
 * Heap retained per tracked key by {@link CounterTable}: fills a table (capacity 1,000,000) with
 * 1,000,000 distinct 20-character keys, drops the program's own references to the keys, and
 * compares the live-object class histograms taken before the keys existed and after the table
 * holds them all. So the difference is everything the table keeps for its keys, the keys'
 * storage included (their {@code String}s if the table holds them, the bytes in its slabs if it
 * does not). Each histogram is the JVM's own ({@code GC.class_histogram}, the same as
 * {@code jcmd PID GC.class_histogram}, asked through the DiagnosticCommand MBean, which runs a
 * full GC first), so the bytes are the JVM's object sizes, not estimates. Every class that grew
 * by at least 0.05 B per key is listed.
 *
 * <h2>How to run</h2>
 * {@code make bench} runs it; by hand, after {@code mvn -f bench/pom.xml package}:
 * <pre>
 *   java -Xms2g -Xmx2g -cp bench/target/benchmarks.jar org.s3gate.bench.HeapPerKey [keys]
 *   java -Xms2g -Xmx2g -XX:-UseCompressedOops -cp bench/target/benchmarks.jar org.s3gate.bench.HeapPerKey
 * </pre>
 *
 * <p>Not thread-safe; a command-line program.
 */
public final class HeapPerKey {

  private static final Map<String, String> LABELS = Map.of(
      "[I", "int[] (ring slab, in-flight words, index)",
      "[J", "long[] (clock slab: origin, last seen, totals)",
      "[B", "byte[] (key slab)",
      "[Ljava.lang.String;", "String[] (side keys)",
      "java.lang.String", "key String",
      "java.util.concurrent.ConcurrentHashMap$Node", "ConcurrentHashMap$Node",
      "[Ljava.util.concurrent.ConcurrentHashMap$Node;", "ConcurrentHashMap bins (Node[])",
      "org.s3gate.limit.CounterEntry", "CounterEntry");
  private static final Pattern HISTOGRAM_LINE =
      Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");

  private HeapPerKey() {}

  public static void main(String[] args) throws Exception {
    int keyCount = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

    Map<String, long[]> empty = histogram();
    long usedEmpty = usedAfterGc(memory);
    CounterTable table = new CounterTable(keyCount);
    fill(table, keyCount); // in its own frame, so no local of this one keeps the keys reachable
    Map<String, long[]> withTable = histogram();
    long usedWithTable = usedAfterGc(memory);
    Reference.reachabilityFence(table);

    double n = keyCount;
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT,
        "Heap per tracked key: %,d distinct %d-char keys in a CounterTable(capacity %,d)%n",
        keyCount, BenchKeys.KEY_LENGTH, keyCount));
    out.append(String.format(Locale.ROOT, "JVM %s, UseCompressedOops=%s, UseCompressedClassPointers=%s,"
        + " ObjectAlignmentInBytes=%s%n", Runtime.version(), vmOption("UseCompressedOops"),
        vmOption("UseCompressedClassPointers"), vmOption("ObjectAlignmentInBytes")));
    String format = "  %-50s %11s %14s %10s%n";
    out.append(String.format(Locale.ROOT, format, "part", "instances", "bytes", "bytes/key"));
    long total = total(withTable) - total(empty);
    long listed = 0;
    List<String> grown = new ArrayList<>(withTable.keySet());
    grown.sort(Comparator.comparingLong(c -> -(bytes(withTable, c) - bytes(empty, c))));
    for (String className : grown) {
      long bytes = bytes(withTable, className) - bytes(empty, className);
      if (bytes / n < 0.05) {
        continue;
      }
      listed += row(out, format, LABELS.getOrDefault(className, className), withTable, empty, className, n);
    }
    out.append(String.format(Locale.ROOT, format, "anything else", "",
        String.format(Locale.ROOT, "%,d", total - listed), perKey(total - listed, n)));
    out.append(String.format(Locale.ROOT, format, "= per tracked key, all included", "",
        String.format(Locale.ROOT, "%,d", total), perKey(total, n)));
    out.append("    (target: <= 200 bytes/key all included)\n");
    out.append(String.format(Locale.ROOT,
        "  cross-check, MemoryMXBean used heap after System.gc(): %s bytes/key%n",
        perKey(usedWithTable - usedEmpty, n)));
    System.out.print(out);
  }

  /** Inserts {@code keyCount} new keys; once it returns, only the table refers to them. */
  private static void fill(CounterTable table, int keyCount) {
    for (String key : BenchKeys.accessKeys(keyCount)) {
      long nowNanos = System.nanoTime();
      if (!table.tryAcquire(key, 5, 50, false, nowNanos).admitted()) {
        throw new IllegalStateException("first request of " + key + " was denied");
      }
    }
    if (table.size() != keyCount) {
      throw new IllegalStateException("table holds " + table.size() + ", not " + keyCount);
    }
  }

  private static long bytes(Map<String, long[]> histogram, String className) {
    long[] v = histogram.get(className);
    return v == null ? 0 : v[1];
  }

  /** Appends the per-key growth of {@code className} from {@code before} to {@code after}. */
  static long row(StringBuilder out, String format, String label,
      Map<String, long[]> after, Map<String, long[]> before, String className, double n) {
    long[] a = after.getOrDefault(className, new long[2]);
    long[] b = before.getOrDefault(className, new long[2]);
    long instances = a[0] - b[0];
    long bytes = a[1] - b[1];
    out.append(String.format(Locale.ROOT, format, label, String.format(Locale.ROOT, "%,d", instances),
        String.format(Locale.ROOT, "%,d", bytes), perKey(bytes, n)));
    return bytes;
  }

  static String perKey(long bytes, double n) {
    return String.format(Locale.ROOT, "%.1f", bytes / n);
  }

  static long total(Map<String, long[]> histogram) {
    return histogram.values().stream().mapToLong(v -> v[1]).sum();
  }

  /** Live objects by class: {instances, bytes}; runs a full GC first. */
  static Map<String, long[]> histogram() throws Exception {
    String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
    Map<String, long[]> byClass = new HashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = HISTOGRAM_LINE.matcher(line);
      if (m.matches()) {
        byClass.merge(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))},
            (x, y) -> new long[] {x[0] + y[0], x[1] + y[1]});
      }
    }
    return byClass;
  }

  static long usedAfterGc(MemoryMXBean memory) {
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  static String vmOption(String name) {
    return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
        .getVMOption(name).getValue();
  }
}
