package org.s3gate.common;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The thread factory of every background thread s3gate starts (reload trigger, health checks,
 * table expiry, access log writer, the admin CLI's connect timeout): daemon threads, so a thread
 * that an owner failed to stop never keeps a JVM alive, named {@code NAME-N} so a thread dump says
 * whose they are. Owners still stop their threads when the webapp stops; daemon is the safety net.
 *
 * <p>Thread-safe: the sequence is an {@link AtomicInteger}.
 */
public final class DaemonThreads implements ThreadFactory {

  private final String name;
  private final AtomicInteger sequence = new AtomicInteger();

  private DaemonThreads(String name) {
    this.name = name;
  }

  /** A factory naming its threads {@code name-1}, {@code name-2}, ... */
  public static DaemonThreads named(String name) {
    return new DaemonThreads(name);
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread thread = new Thread(task, name + "-" + sequence.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  }
}
