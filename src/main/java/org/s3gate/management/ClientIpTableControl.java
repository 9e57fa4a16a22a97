package org.s3gate.management;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import org.s3gate.admit.ClientNetwork;
import org.s3gate.admit.ConnectionLimiterBridge;
import org.s3gate.limit.ClientIpTable;
import org.s3gate.limit.ClientIpUsage;

/**
 * The {@link TableMXBean} over the per-client-IP table: {@code s3gate:type=Table,name=client_ips},
 * the same operations and attributes as {@code api_keys} (HAProxy's {@code show table fe_http
 * data.http_req_rate gt 100}). One line per IP, sorted by address, after one {@code #} header line:
 * <pre>
 * # table: client_ips, size: 1, capacity: 200000, window_millis: 10000, shown: 1
 * key=127.0.0.2 http_req_rate=231 http_err_rate=57 conn_rate=0 admitted_total=240 denied_total=812 idle_millis=4
 * </pre>
 * An IPv6 client is one line per {@code ip.ipv6.prefix} network ({@code key=2001:db8:1:2:0:0:0:0/64}).
 * {@code http_req_rate} and {@code http_err_rate} are the requests and backend errors counted in the
 * IP's sliding {@code ip.window} now; {@code conn_rate} the connections accepted from it in that
 * window, as the connection-rate component counts them (0 where none is installed, e.g. on
 * Tomcat); the totals count since the IP entered the table. The field is {@code key=} like
 * {@code api_keys}'s, so one parser reads both tables. Reads the clock once per call.
 *
 * <p>Thread-safe: stateless; the table is thread-safe.
 */
final class ClientIpTableControl implements TableMXBean {

  private final ClientIpTable table;
  private final LongSupplier nanoClock;
  private final ConnectionLimiterBridge connections;
  private final IntSupplier ipv6PrefixBits;

  /**
   * @param connections the Jetty connection-rate component, cleared with the table: an operator who
   *     clears an address expects it admitted again, connections included (a no-op without it)
   * @param ipv6PrefixBits the {@code ip.ipv6.prefix} in force: an IPv6 address given to
   *     {@link #clearKey} clears the network it is counted in
   */
  ClientIpTableControl(ClientIpTable table, LongSupplier nanoClock, ConnectionLimiterBridge connections,
      IntSupplier ipv6PrefixBits) {
    this.table = table;
    this.nanoClock = nanoClock;
    this.connections = connections;
    this.ipv6PrefixBits = ipv6PrefixBits;
  }

  /** One IP's counts as {@code show} prints them, the connection rate read from the table's view. */
  private record Row(ClientIpUsage usage, int connections) {}

  @Override
  public String show() {
    return render(row -> true);
  }

  @Override
  public String show(String data, String op, long value) {
    String name = data == null ? "" : data.strip().toLowerCase(Locale.ROOT);
    java.util.function.ToLongFunction<Row> field = switch (name) {
      case "http_req_rate" -> row -> row.usage().requests();
      case "http_err_rate" -> row -> row.usage().errors();
      case "conn_rate" -> Row::connections;
      case "admitted" -> row -> row.usage().admittedTotal();
      case "denied" -> row -> row.usage().deniedTotal();
      default -> throw new IllegalArgumentException("unknown data '" + data
          + "': use http_req_rate, http_err_rate, conn_rate, admitted or denied");
    };
    LongPredicate test = TableControl.comparison(op, value);
    return render(row -> test.test(field.applyAsLong(row)));
  }

  private String render(Predicate<Row> filter) {
    long nowNanos = nanoClock.getAsLong();
    List<ClientIpUsage> usages = table.snapshot(nowNanos);
    StringBuilder lines = new StringBuilder(usages.size() * 110);
    int shown = 0;
    for (ClientIpUsage u : usages) {
      Row row = new Row(u, table.connections(u.address(), nowNanos));
      if (!filter.test(row)) {
        continue;
      }
      shown++;
      lines.append("key=").append(TableControl.encodeKey(u.address()))
          .append(" http_req_rate=").append(u.requests())
          .append(" http_err_rate=").append(u.errors())
          .append(" conn_rate=").append(row.connections())
          .append(" admitted_total=").append(u.admittedTotal())
          .append(" denied_total=").append(u.deniedTotal())
          .append(" idle_millis=").append(Math.max(0, TimeUnit.NANOSECONDS.toMillis(nowNanos - u.lastSeenNanos())))
          .append('\n');
    }
    return "# table: " + ObjectNames.CLIENT_IPS + ", size: " + usages.size() + ", capacity: " + table.capacity()
        + ", window_millis: " + table.window().toMillis() + ", shown: " + shown + "\n" + lines;
  }

  @Override
  public void clear() {
    table.clear();
    connections.clearAll();
  }

  @Override
  public boolean clearKey(String key) {
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("clearKey: the client IP must not be empty");
    }
    String ip = key.strip();
    // any spelling of an address (::1, [::1]) or of its network as show prints it
    boolean requests = table.clearKey(ClientNetwork.of(ip, ipv6PrefixBits.getAsInt()));
    boolean accepted = connections.clearIp(ip); // both, whichever held it
    return requests || accepted;
  }

  @Override
  public int getSize() {
    return table.size();
  }

  @Override
  public int getCapacity() {
    return table.capacity();
  }

  @Override
  public long getEvictions() {
    return table.evictions();
  }
}
