package org.s3gate.accesslog;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.s3gate.common.DaemonThreads;

/**
 * The access log: one line per request, in the {@code access.log.format} in force when the request
 * completed, either appended to {@code access.log.file} by this class (each line prefixed with its
 * ISO-8601 completion time), or, with no file, logged at INFO on the logger {@value #LOGGER_NAME} (a
 * {@code java.lang.System.Logger}, so the container's logging routes it: JUL on Jetty and Tomcat).
 *
 * <p>Why a file of its own: through JUL's console handler every line costs a
 * {@code java.util.Formatter} parse of the handler's pattern and a flushed write, about 16 us of CPU
 * per request on the benchmark machine (docs/BENCHMARKS.md); the file sink formats into one
 * buffered stream and flushes once per batch of queued lines.
 *
 * <p>Design: the request's thread only adds an {@link AccessRecord} to a bounded lock-free queue and
 * never waits or wakes anything; one daemon thread wakes every {@value #FLUSH_INTERVAL_MILLIS} ms,
 * formats and logs what has queued, so lines appear within about that delay. (A blocking queue
 * woke the writer for nearly every request: two context switches per request, ~8 % of the
 * gateway's CPU in a profile at 32 connections.) The interval is short on purpose: a writer that
 * slept long wakes with a large batch and, favoured by the scheduler after its sleep, runs it
 * while requests wait; at 50 ms that was ~2,400 lines, ~4 ms of CPU, and it set the deny path's
 * p99 latency (4.0 ms; 2.6 ms at 5 ms, the same as with the log off; docs/BENCHMARKS.md).
 * When the queue is full (the log's destination is slower than the traffic) the record is
 * dropped and counted ({@link #dropped()}, metric {@code s3gate_access_log_dropped_total}) rather
 * than slowing S3 clients down. Lines are formatted on the writer thread by
 * {@link AccessLineFormatter}.
 *
 * <p>Thread-safe: the queue and the counters are thread-safe; the writer thread is the only reader
 * of the queue; {@code queued} reserves a place before a record is added, so the queue never
 * holds more than {@code capacity} records (a submitter that finds no place undoes its reservation
 * and drops); {@link #close()} stops it after writing what is queued (up to 2 s).
 */
public final class AccessLog implements AutoCloseable {
  /** The logger's name: route or silence the access log through the container's logging by this name. */
  public static final String LOGGER_NAME = "s3gate.access";

  private static final System.Logger LOG = System.getLogger(LOGGER_NAME);

  private static final int BATCH = 512;
  private static final int OUTPUT_BUFFER_BYTES = 64 * 1024;
  private static final long FLUSH_INTERVAL_MILLIS = 5;
  private static final long REOPEN_DELAY_NANOS = 10_000_000_000L;

  private final ConcurrentLinkedQueue<AccessRecord> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final int capacity;
  private final Path file;
  private final LongAdder dropped = new LongAdder();
  private final Thread writer;
  private volatile boolean closing;
  private long nextOpenAttemptNanos = System.nanoTime(); // writer thread only

  /** An access log appended to {@code file} (created with its directory), or on the logger when null. */
  public AccessLog(int capacity, Path file) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("access log capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.file = file;
    this.writer = DaemonThreads.named("s3gate-access-log").newThread(this::drain);
    writer.start();
  }

  /** Queues a line; never blocks (drops and counts when the queue is full). */
  public void submit(AccessRecord record) {
    if (closing) {
      dropped.increment();
    } else if (queued.incrementAndGet() > capacity) {
      queued.decrementAndGet();
      dropped.increment();
    } else {
      queue.add(record);
    }
  }

  /** Lines dropped because the queue was full (or the log was closing). */
  public long dropped() {
    return dropped.sum();
  }

  private void drain() {
    List<AccessRecord> batch = new ArrayList<>(BATCH);
    AccessLineFormatter line = new AccessLineFormatter();
    OutputStream out = null;
    try {
      while (true) {
        boolean last = closing; // read before draining, so what was queued before close() is written
        for (AccessRecord record; batch.size() < BATCH && (record = queue.poll()) != null; ) {
          batch.add(record);
        }
        queued.addAndGet(-batch.size());
        boolean full = batch.size() == BATCH;
        if (!batch.isEmpty()) {
          if (file != null && out == null && System.nanoTime() - nextOpenAttemptNanos >= 0) {
            out = open();
            nextOpenAttemptNanos = System.nanoTime() + REOPEN_DELAY_NANOS;
          }
          write(batch, line, out);
          batch.clear();
        }
        if (!full) {
          if (last) {
            return;
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(FLUSH_INTERVAL_MILLIS)); // let lines gather
        }
      }
    } finally {
      closeQuietly(out);
    }
  }

  private void write(List<AccessRecord> batch, AccessLineFormatter line, OutputStream out) {
    for (AccessRecord record : batch) {
      try {
        StringBuilder text = line.format(record, file != null);
        if (out != null) {
          text.append('\n');
          // toString() of an ASCII/Latin-1 line is one array copy, and so is getBytes(UTF_8) of
          // an ASCII one: cheaper than a Writer's inflate-to-char[] and encode (~1 % of the
          // gateway's CPU at 32 connections before).
          out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        } else if (file == null) {
          LOG.log(Level.INFO, text.toString());
        } else {
          dropped.increment(); // the file could not be opened
        }
      } catch (IOException | RuntimeException e) {
        dropped.increment();
        System.getLogger(AccessLog.class.getName()).log(Level.WARNING, "access log line failed: {0}", e.toString());
      }
    }
    if (out != null) {
      try {
        out.flush();
      } catch (IOException e) {
        System.getLogger(AccessLog.class.getName()).log(Level.WARNING, "access log flush failed: {0}", e.toString());
      }
    }
  }

  private OutputStream open() {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      return new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND, StandardOpenOption.WRITE), OUTPUT_BUFFER_BYTES);
    } catch (IOException e) {
      System.getLogger(AccessLog.class.getName()).log(Level.ERROR,
          "cannot open access log {0}: {1}; lines are dropped and counted", file, e.toString());
      return null;
    }
  }

  private static void closeQuietly(OutputStream out) {
    if (out != null) {
      try {
        out.close();
      } catch (IOException ignored) {
        // nothing more to do with it
      }
    }
  }

  /** Stops accepting lines, writes what is queued and stops the writer (waits up to 2 s). */
  @Override
  public void close() {
    closing = true;
    writer.interrupt();
    try {
      writer.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
