package org.s3gate.limit;

import java.util.List;

/**
 * The operations JMX's {@code s3gate:type=Table} MBeans offer over a table of counters: this
 * instance's {@link CounterTable}, or in cluster mode the counters all instances share (Redis).
 *
 * <p>Implementations must be thread-safe.
 */
public interface UsageTable {

  /** Every counter's usage at {@code nowNanos}, sorted by key (a shared table may bound how many). */
  List<KeyUsage> snapshot(long nowNanos);

  /** Forgets {@code key}'s counts; true if it had any. */
  boolean clearKey(String key);

  /** Forgets every key. */
  void clear();

  /** Entries in the table (a moment's estimate). */
  int size();

  /** The most entries the table holds. */
  int capacity();

  /** Entries evicted because the table was full. */
  long evictions();
}
