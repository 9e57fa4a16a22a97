package org.s3gate.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import org.s3gate.limit.ClientIpTable;

/**
 * Heap retained per tracked client IP by {@link ClientIpTable}, measured like {@link HeapPerKey}:
 * class histograms ({@code GC.class_histogram}, after a full GC) before the addresses exist, after
 * they exist, and after the table counts one request of each. Addresses are IPv4 literals
 * {@code 10.x.y.z} (8 to 11 characters), as the container reports them.
 *
 * <h2>How to run</h2>
 * {@code make bench} runs it ({@code bench/run-client-ips.sh}); by hand:
 * <pre>
 *   java -Xms1g -Xmx1g -cp bench/target/benchmarks.jar org.s3gate.bench.HeapPerClientIp [ips, default 200000]
 * </pre>
 *
 * <p>Not thread-safe; a command-line program.
 */
public final class HeapPerClientIp {
  private static final String ENTRY = "org.s3gate.limit.ClientIpEntry";

  private HeapPerClientIp() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    Map<String, long[]> empty = HeapPerKey.histogram();
    String[] addresses = new String[count];
    for (int i = 0; i < count; i++) {
      addresses[i] = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
    }
    Map<String, long[]> withAddresses = HeapPerKey.histogram();
    long usedWithAddresses = HeapPerKey.usedAfterGc(memory);

    ClientIpTable table = new ClientIpTable(count, Duration.ofSeconds(10));
    for (String address : addresses) {
      if (!table.tryAcquire(address, 100, 200, 50, false, System.nanoTime()).admitted()) {
        throw new IllegalStateException("first request of " + address + " was denied");
      }
    }
    if (table.size() != count) {
      throw new IllegalStateException("table holds " + table.size() + ", not " + count);
    }
    Map<String, long[]> withTable = HeapPerKey.histogram();
    long usedWithTable = HeapPerKey.usedAfterGc(memory);
    Reference.reachabilityFence(addresses);
    Reference.reachabilityFence(table);

    double n = count;
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "Heap per tracked client IP: %,d IPv4 addresses in a ClientIpTable"
        + "(capacity %,d, ip.window 10s)%n", count, count));
    out.append(String.format(Locale.ROOT, "JVM %s, UseCompressedOops=%s, ObjectAlignmentInBytes=%s%n",
        Runtime.version(), HeapPerKey.vmOption("UseCompressedOops"), HeapPerKey.vmOption("ObjectAlignmentInBytes")));
    String format = "  %-46s %11s %14s %10s%n";
    out.append(String.format(Locale.ROOT, format, "part", "instances", "bytes", "bytes/IP"));
    long entryBytes = HeapPerKey.row(out, format, "ClientIpEntry", withTable, withAddresses, ENTRY, n);
    long ringBytes = HeapPerKey.row(out, format, "int[22] (requests and errors windows)", withTable, withAddresses,
        "[I", n);
    out.append(String.format(Locale.ROOT, format, "= entry + both windows", "", "", HeapPerKey.perKey(entryBytes
        + ringBytes, n)));
    long tableTotal = HeapPerKey.total(withTable) - HeapPerKey.total(withAddresses);
    out.append(String.format(Locale.ROOT, format, "= table (map nodes and bins included)", "",
        String.format(Locale.ROOT, "%,d", tableTotal), HeapPerKey.perKey(tableTotal, n)));
    long strings = HeapPerKey.total(withAddresses) - HeapPerKey.total(empty);
    out.append(String.format(Locale.ROOT, format, "address strings (String + byte[])", "",
        String.format(Locale.ROOT, "%,d", strings), HeapPerKey.perKey(strings, n)));
    out.append(String.format(Locale.ROOT, format, "= per tracked IP, all included", "", "",
        HeapPerKey.perKey(tableTotal + strings, n)));
    out.append(String.format(Locale.ROOT, "  cross-check, MemoryMXBean used heap after System.gc(): table %s bytes/IP%n",
        HeapPerKey.perKey(usedWithTable - usedWithAddresses, n)));
    System.out.print(out);
  }
}
