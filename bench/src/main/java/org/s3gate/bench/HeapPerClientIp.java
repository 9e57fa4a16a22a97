package org.s3gate.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.s3gate.limit.ClientIpTable;

/**
 * Heap retained per tracked client IP by {@link ClientIpTable}, measured like {@link HeapPerKey}:
 * class histograms ({@code GC.class_histogram}, after a full GC) before the addresses exist, with
 * the addresses and the table, and with the table alone after the program dropped its addresses
 * (so what the table keeps of them, a map key {@code String} per IP or nothing, is counted in the
 * table's bytes: the honest "all included" for any table design). Addresses are IPv4 literals
 * {@code 10.x.y.z} (8 to 11 characters), as the container reports them, or with {@code v6}
 * networks {@code 2001:db8:x:y:0:0:0:0/64} (up to 30 characters), as {@code ClientNetwork} counts
 * a flood of IPv6 clients from distinct /64s (addresses of one /64 are one entry).
 *
 * <h2>How to run</h2>
 * {@code make bench} runs it ({@code bench/run-client-ips.sh}); by hand:
 * <pre>
 *   java -Xms1g -Xmx1g -cp bench/target/benchmarks.jar org.s3gate.bench.HeapPerClientIp [ips, default 200000] [v4|v6]
 * </pre>
 *
 * <p>Not thread-safe; a command-line program.
 */
public final class HeapPerClientIp {
  private static final int CLASS_ROWS = 6;

  private HeapPerClientIp() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    boolean v6 = args.length > 1 && args[1].equals("v6");
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    Map<String, long[]> empty = HeapPerKey.histogram();
    long usedEmpty = HeapPerKey.usedAfterGc(memory);
    String[] addresses = new String[count];
    for (int i = 0; i < count; i++) {
      addresses[i] = v6
          ? "2001:db8:" + Integer.toHexString(i >>> 16) + ":" + Integer.toHexString(i & 0xFFFF) + ":0:0:0:0/64"
          : "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
    }
    Map<String, long[]> withAddresses = HeapPerKey.histogram();

    ClientIpTable table = new ClientIpTable(count, Duration.ofSeconds(10));
    for (String address : addresses) {
      if (!table.tryAcquire(address, 100, 200, 50, false, System.nanoTime()).admitted()) {
        throw new IllegalStateException("first request of " + address + " was denied");
      }
    }
    if (table.size() != count) {
      throw new IllegalStateException("table holds " + table.size() + ", not " + count);
    }
    Map<String, long[]> withBoth = HeapPerKey.histogram();
    Reference.reachabilityFence(addresses);
    addresses = null; // from here only the table holds whatever it keeps of them
    Map<String, long[]> withTable = HeapPerKey.histogram();
    long usedWithTable = HeapPerKey.usedAfterGc(memory);
    Reference.reachabilityFence(table);

    double n = count;
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "Heap per tracked client IP: %,d %s addresses in a ClientIpTable"
        + " (capacity %,d, ip.window 10s)%n", count, v6 ? "IPv6" : "IPv4", count));
    out.append(String.format(Locale.ROOT, "JVM %s, UseCompressedOops=%s, ObjectAlignmentInBytes=%s%n",
        Runtime.version(), HeapPerKey.vmOption("UseCompressedOops"), HeapPerKey.vmOption("ObjectAlignmentInBytes")));
    String format = "  %-46s %11s %14s %10s%n";
    out.append(String.format(Locale.ROOT, format, "part (the table alone, largest classes)", "instances", "bytes",
        "bytes/IP"));
    for (String className : largestGrowth(withTable, empty)) {
      HeapPerKey.row(out, format, className, withTable, empty, className, n);
    }
    long tableTotal = HeapPerKey.total(withTable) - HeapPerKey.total(empty);
    out.append(String.format(Locale.ROOT, format, "= per tracked IP, all included", "",
        String.format(Locale.ROOT, "%,d", tableTotal), HeapPerKey.perKey(tableTotal, n)));
    long strings = HeapPerKey.total(withAddresses) - HeapPerKey.total(empty);
    long beside = HeapPerKey.total(withBoth) - HeapPerKey.total(withAddresses);
    out.append(String.format(Locale.ROOT, format, "(the program's address strings, for scale)", "",
        String.format(Locale.ROOT, "%,d", strings), HeapPerKey.perKey(strings, n)));
    out.append(String.format(Locale.ROOT, format, "(the table beside them: what it adds to them)", "",
        String.format(Locale.ROOT, "%,d", beside), HeapPerKey.perKey(beside, n)));
    out.append(String.format(Locale.ROOT, "  cross-check, MemoryMXBean used heap after System.gc(): table %s bytes/IP%n",
        HeapPerKey.perKey(usedWithTable - usedEmpty, n)));
    System.out.print(out);
  }

  /** The classes whose bytes grew most from {@code before} to {@code after}, largest first. */
  private static List<String> largestGrowth(Map<String, long[]> after, Map<String, long[]> before) {
    List<String> sorted = new ArrayList<>(after.keySet());
    sorted.sort((x, y) -> Long.compare(growth(after, before, y), growth(after, before, x)));
    return sorted.subList(0, Math.min(CLASS_ROWS, sorted.size()));
  }

  private static long growth(Map<String, long[]> after, Map<String, long[]> before, String name) {
    return after.getOrDefault(name, new long[2])[1] - before.getOrDefault(name, new long[2])[1];
  }
}
