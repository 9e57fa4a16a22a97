package org.s3gate.management;

/**
 * {@code s3gate:type=Table,name=api_keys}: the live per-key counters (HAProxy's {@code show table}
 * and {@code clear table}).
 *
 * <p>{@code show} output, one line per key sorted by key, after one {@code #} header line:
 * <pre>
 * # table: api_keys, size: 2, capacity: 100000, shown: 2
 * key=5HQZO7EDOM4XBNO642GQ group=premium per_second=3 per_minute=41 admitted_total=41 denied_total=0 idle_millis=120
 * </pre>
 * Fields are {@code name=value} separated by one space, always in this order. {@code per_second}
 * and {@code per_minute} are the requests counted in the sliding windows now; the totals count since
 * the key entered the table (it leaves when idle for {@code table.expire}, when evicted or cleared);
 * {@code idle_millis} is the time since its last request. A key whose group has a bandwidth
 * limit ({@code bandwidth_per_minute.map}) has two more fields at the end of its line,
 * {@code bytes_in_per_minute=} and {@code bytes_out_per_minute=}: the body bytes counted in its
 * sliding minute in each direction. In a key, space, {@code %} and {@code =}
 * are percent-encoded ({@code %20}, {@code %25}, {@code %3D}).
 *
 * <p>{@code s3gate:type=Table,name=client_ips} has the same interface over the per-client-IP
 * table; its lines and data names are {@link ClientIpTableControl}'s.
 *
 * <p>Thread-safe (implementations read the thread-safe counter table).
 */
@Description("The live counters of one table (HAProxy's stick table): api_keys per access key (sliding second and"
    + " minute), client_ips per client IP (sliding ip.window)")
public interface TableMXBean {

  /** Every key, in the format above. */
  @Description("Every key's counters, one line per key: key= group= per_second= per_minute= admitted_total="
      + " denied_total= idle_millis= (and bytes_in_per_minute= bytes_out_per_minute= for groups with bandwidth limits)")
  String show();

  /**
   * The keys whose {@code data} compares to {@code value} with {@code op}, e.g.
   * {@code show("per_minute", "gt", 100)}.
   *
   * @param data {@code per_second}, {@code per_minute}, {@code admitted} or {@code denied} (totals),
   *     {@code bytes_in} or {@code bytes_out} (bandwidth bytes in the sliding minute)
   * @param op {@code gt}, {@code ge}, {@code lt}, {@code le}, {@code eq} or {@code ne}
   */
  @Description("The keys whose counter compares to a value, e.g. show(\"per_minute\", \"gt\", 100)")
  String show(
      @Description(name = "data", value = "The counter: per_second, per_minute (api_keys); http_req_rate,"
          + " http_err_rate, conn_rate (client_ips); admitted or denied (totals);"
          + " bytes_in or bytes_out (api_keys: bandwidth bytes in the sliding minute)")
      String data,
      @Description(name = "op", value = "The comparison: gt, ge, lt, le, eq or ne") String op,
      @Description(name = "value", value = "The number to compare with") long value);

  /** Forgets every key's counts. */
  @Description("Forgets every key's counts (every key is judged on empty windows from its next request)")
  void clear();

  /**
   * Forgets one key's counts, its method-class counters ({@code KEY read}, {@code KEY write}) and its bandwidth bytes,
   * so its next request is admitted (if its limits are not 0); false if none was there.
   */
  @Description("Forgets one key's counts, its read/write class counters too, so its next request is judged on"
      + " empty windows; false if it is not there")
  boolean clearKey(@Description(name = "key", value = "The access key, e.g. FQ4IU19ZFZ3470XJ7GBF") String key);

  /** Keys in the table now. */
  @Description("Access keys in the table now")
  int getSize();

  /** The most keys the table holds ({@code table.size}, fixed at start). */
  @Description("The most keys the table holds (table.size, fixed at start)")
  int getCapacity();

  /** Keys evicted because the table was full, since start. */
  @Description("Keys evicted because the table was full, since start")
  long getEvictions();
}
