package org.s3gate.config;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.s3gate.policy.PolicySnapshot;

/**
 * Holds the {@link PolicySnapshot} in force. Readers call {@link #current()} once per request;
 * the reloader replaces the whole snapshot with one atomic set, so a reader sees the old snapshot
 * or the new one, never a mix.
 *
 * <p>Thread-safe: one {@link AtomicReference}; reads are a single volatile load. Only
 * {@link ConfigReloader} publishes, under its reload lock, so versions go up by exactly one.
 * Listeners ({@link #onPublish}) run on the publishing thread, after the swap, in order.
 */
public final class PolicyStore {

  private static final System.Logger LOG = System.getLogger(PolicyStore.class.getName());

  private final AtomicReference<PolicySnapshot> current;
  private final CopyOnWriteArrayList<Consumer<PolicySnapshot>> listeners = new CopyOnWriteArrayList<>();

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
    for (Consumer<PolicySnapshot> listener : listeners) {
      notify(listener, next);
    }
  }

  /**
   * Calls {@code listener} with the snapshot in force now and with every one published later: for
   * the parts outside the request path that must follow the configuration (the Jetty connection-rate
   * component). A listener must be quick and must not publish; what it throws is logged, never
   * passed to the reload, which has published already.
   */
  public void onPublish(Consumer<PolicySnapshot> listener) {
    listeners.add(listener);
    notify(listener, current.get());
  }

  private static void notify(Consumer<PolicySnapshot> listener, PolicySnapshot snapshot) {
    try {
      listener.accept(snapshot);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "a listener of configuration version " + snapshot.version() + " failed", e);
    }
  }
}
