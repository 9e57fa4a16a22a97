package org.s3gate.management;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

import org.s3gate.limit.ByteBudgets;
import org.s3gate.limit.ByteDirection;
import org.s3gate.limit.CounterTable;
import org.s3gate.limit.UsageTable;
import org.s3gate.limit.KeyUsage;
import org.s3gate.policy.MethodClass;
import org.s3gate.policy.PolicySnapshot;
import org.s3gate.runtime.Gateway;

/**
 * The {@link TableMXBean} over one named counter table ({@code s3gate:type=Table,name=NAME}:
 * {@code api_keys} is the gateway's per-key table; each further table a capability keeps is
 * another instance under its own name). Reads the clock ({@code nanoClock}) once per call and
 * passes the time to the table, like the filter does.
 *
 * <p>Thread-safe: stateless; the counter table is thread-safe.
 */
final class TableControl implements TableMXBean {

  private final String name;
  private final UsageTable table;
  private final Gateway gateway;
  private final LongSupplier nanoClock;
  /** The second field of each line: its name and its value for an entry's key under a snapshot. */
  private final String ownerField;
  private final BiFunction<PolicySnapshot, String, String> ownerOf;

  /** The per-key table: each line names the key's group ({@code group=basic}). */
  TableControl(String name, UsageTable table, Gateway gateway, LongSupplier nanoClock) {
    this(name, table, gateway, nanoClock, "group", (policy, key) -> policy.policyForCounter(key).group());
  }

  /**
   * @param ownerField the name of each line's second field ({@code group}, {@code limit})
   * @param ownerOf its value for an entry's key under the snapshot in force
   */
  TableControl(String name, UsageTable table, Gateway gateway, LongSupplier nanoClock, String ownerField,
      BiFunction<PolicySnapshot, String, String> ownerOf) {
    this.ownerField = ownerField;
    this.ownerOf = ownerOf;
    this.name = name;
    this.table = table;
    this.gateway = gateway;
    this.nanoClock = nanoClock;
  }

  @Override
  public String show() {
    return render(usage -> true);
  }

  @Override
  public String show(String data, String op, long value) {
    String name = data == null ? "" : data.strip().toLowerCase(Locale.ROOT);
    LongPredicate test = comparison(op, value);
    if (name.equals("bytes_in") || name.equals("bytes_out")) { // the bandwidth budgets' bytes in the minute
      ByteDirection direction = name.equals("bytes_in") ? ByteDirection.IN : ByteDirection.OUT;
      ByteBudgets bytes = gateway.bandwidth();
      long nowNanos = nanoClock.getAsLong();
      return render(usage -> test.test(bytes.used(usage.key(), direction, nowNanos)), nowNanos);
    }
    ToLongFunction<KeyUsage> field = field(data);
    return render(usage -> test.test(field.applyAsLong(usage)), nanoClock.getAsLong());
  }

  private String render(java.util.function.Predicate<KeyUsage> filter) {
    return render(filter, nanoClock.getAsLong());
  }

  private String render(java.util.function.Predicate<KeyUsage> filter, long nowNanos) {
    ByteBudgets bytes = gateway.bandwidth();
    List<KeyUsage> usages = table.snapshot(nowNanos);
    PolicySnapshot policy = gateway.policy();
    StringBuilder out = new StringBuilder(64 + usages.size() * 120);
    StringBuilder lines = new StringBuilder();
    int shown = 0;
    for (KeyUsage u : usages) {
      if (!filter.test(u)) {
        continue;
      }
      shown++;
      lines.append("key=").append(encodeKey(u.key()))
          .append(' ').append(ownerField).append('=').append(encodeKey(ownerOf.apply(policy, u.key())))
          .append(" per_second=").append(u.currentPerSecond())
          .append(" per_minute=").append(u.currentPerMinute())
          .append(" admitted_total=").append(u.admittedTotal())
          .append(" denied_total=").append(u.deniedTotal())
          .append(" idle_millis=").append(Math.max(0, TimeUnit.NANOSECONDS.toMillis(nowNanos - u.lastSeenNanos())));
      if (policy.policyForCounter(u.key()).bandwidth() != null && u.key().indexOf(' ') < 0) {
        lines.append(" bytes_in_per_minute=").append(bytes.used(u.key(), ByteDirection.IN, nowNanos))
            .append(" bytes_out_per_minute=").append(bytes.used(u.key(), ByteDirection.OUT, nowNanos));
      }
      lines.append('\n');
    }
    out.append("# table: ").append(name).append(", size: ").append(usages.size()).append(", capacity: ")
        .append(table.capacity()).append(", shown: ").append(shown).append('\n');
    return out.append(lines).toString();
  }

  static ToLongFunction<KeyUsage> field(String data) {
    String name = data == null ? "" : data.strip().toLowerCase(Locale.ROOT);
    return switch (name) {
      case "per_second" -> KeyUsage::currentPerSecond;
      case "per_minute" -> KeyUsage::currentPerMinute;
      case "admitted" -> KeyUsage::admittedTotal;
      case "denied" -> KeyUsage::deniedTotal;
      default -> throw new IllegalArgumentException("unknown data '" + data
          + "': use per_second, per_minute, admitted, denied, bytes_in or bytes_out");
    };
  }

  static LongPredicate comparison(String op, long value) {
    String name = op == null ? "" : op.strip().toLowerCase(Locale.ROOT);
    return switch (name) {
      case "gt" -> v -> v > value;
      case "ge" -> v -> v >= value;
      case "lt" -> v -> v < value;
      case "le" -> v -> v <= value;
      case "eq" -> v -> v == value;
      case "ne" -> v -> v != value;
      default -> throw new IllegalArgumentException("unknown operator '" + op + "': use gt, ge, lt, le, eq or ne");
    };
  }

  /** Percent-encodes space (any whitespace), {@code %} and {@code =}, so each line splits on spaces. */
  static String encodeKey(String key) {
    StringBuilder out = null;
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      boolean encode = c == '%' || c == '=' || Character.isWhitespace(c) || Character.isSpaceChar(c);
      if (encode && out == null) {
        out = new StringBuilder(key.length() + 8).append(key, 0, i);
      }
      if (out != null) {
        if (encode) {
          out.append('%').append(String.format("%02X", (int) c & 0xFF));
        } else {
          out.append(c);
        }
      }
    }
    return out == null ? key : out.toString();
  }

  @Override
  public void clear() {
    table.clear();
    gateway.bandwidth().clear();
  }

  @Override
  public boolean clearKey(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("clearKey: the key must not be empty");
    }
    boolean cleared = table.clearKey(key);
    if (key.indexOf(' ') < 0) { // a key, not a class counter: its class counters and its bytes go with it
      cleared |= gateway.bandwidth().clearKey(key);
      for (MethodClass methodClass : MethodClass.values()) {
        cleared |= table.clearKey(methodClass.counterOf(key));
      }
    }
    return cleared;
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
