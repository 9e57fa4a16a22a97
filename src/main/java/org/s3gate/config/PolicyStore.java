package org.s3gate.config;

import java.util.concurrent.atomic.AtomicReference;
import org.s3gate.policy.PolicySnapshot;

/**
 * Holds the {@link PolicySnapshot} in force. Readers call {@link #current()} once per request;
 * the reloader replaces the whole snapshot with one atomic set, so a reader sees the old snapshot
 * or the new one, never a mix.
 *
 * <p>Thread-safe: one {@link AtomicReference}; reads are a single volatile load. Only
 * {@link ConfigReloader} publishes, under its reload lock, so versions go up by exactly one.
 */
public final class PolicyStore {

  private final AtomicReference<PolicySnapshot> current;

  PolicyStore(PolicySnapshot initial) {
    this.current = new AtomicReference<>(initial);
  }

  /** The snapshot in force; never null. */
  public PolicySnapshot current() {
    return current.get();
  }

  void publish(PolicySnapshot next) {
    PolicySnapshot previous = current.get();
    if (next.version() != previous.version() + 1) {
      throw new IllegalStateException("version " + next.version() + " does not follow " + previous.version());
    }
    if (!current.compareAndSet(previous, next)) {
      throw new IllegalStateException("concurrent publish: only the reloader publishes, under its lock");
    }
  }
}
