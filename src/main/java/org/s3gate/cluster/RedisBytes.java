package org.s3gate.cluster;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.s3gate.admit.SharedBytes;
import org.s3gate.limit.ByteDirection;

/**
 * The byte budgets in Redis after admission ({@code FCALL s3gate_bytes}, see
 * {@code s3gate-counters.lua}): a download's length charged when its response starts, the bytes of
 * an unknown-length body at its end, the unsent part of a charge taken back. The admission itself
 * is decided with the request budgets in {@code s3gate_admit} ({@link RedisCounterStore}).
 *
 * <h2>Design</h2>
 * Every call is sent without waiting for its reply: a request never waits for its byte
 * bookkeeping. A call that fails (Redis away, a timeout, an error) is counted in the store's
 * failures and logged at DEBUG, never retried: a lost charge lets the key have those bytes once more
 * in that minute (an outage's effect, like the local fallback's), a lost refund keeps them counted
 * until they leave the minute (under-admits). Redis's clock decides when the bytes count, as for
 * the request counters; refunds name the admission's Redis time.
 *
 * <p>Thread-safe: stateless besides the thread-safe link and counter.
 */
final class RedisBytes implements SharedBytes {
  private static final System.Logger LOG = System.getLogger(RedisBytes.class.getName());
  private static final String NO_TIME = "";

  private final RedisLink link;
  private final LongAdder failures;
  private final ByteDenials denials;

  /** @param denials this instance's remembered byte denials: a refund sent from here forgets the counter's */
  RedisBytes(RedisLink link, LongAdder failures, ByteDenials denials) {
    this.link = link;
    this.failures = failures;
    this.denials = denials;
  }

  @Override
  public void charge(String counter, ByteDirection direction, long bytes) {
    if (bytes > 0) {
      send(counter, direction, Long.toString(bytes), "0", NO_TIME);
    }
  }

  @Override
  public void refund(String counter, ByteDirection direction, long bytes, long chargedStamp) {
    if (bytes > 0) {
      // this instance knows the bytes are given back: its remembered denial may no longer hold
      denials.forget(counter, direction);
      send(counter, direction, "0", Long.toString(bytes), Long.toString(chargedStamp));
    }
  }

  private void send(String counter, ByteDirection direction, String charge, String refund, String stamp) {
    CompletableFuture<List<Object>> sent = link.fcall("s3gate_bytes",
        new String[] {RedisKeys.bytes(counter, direction)}, NO_TIME, charge, refund, stamp);
    if (sent == null) {
      failures.increment();
      return;
    }
    sent.exceptionally(e -> {
      failures.increment();
      LOG.log(Level.DEBUG, "byte charge to Redis failed: {0}", e.toString());
      return null;
    });
  }

  /**
   * The counter's bytes in its minute, in and out, read from Redis (management only: waits at most
   * {@code timeoutNanos}); null when Redis did not answer.
   */
  long[] used(String counter, long timeoutNanos) {
    CompletableFuture<List<Object>> read = link.fcallReadOnly("s3gate_peek_bytes",
        new String[] {RedisKeys.bytes(counter, ByteDirection.IN), RedisKeys.bytes(counter, ByteDirection.OUT)},
        NO_TIME);
    if (read == null) {
      return null;
    }
    try {
      List<Object> reply = read.get(timeoutNanos, TimeUnit.NANOSECONDS);
      return new long[] {((Number) reply.get(0)).longValue(), ((Number) reply.get(1)).longValue()};
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      return null;
    }
  }
}
