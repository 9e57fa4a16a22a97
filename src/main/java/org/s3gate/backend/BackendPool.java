package org.s3gate.backend;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The backends and the choice among them: round-robin over the healthy primaries; while every
 * primary is down, round-robin over the healthy backups; null when nothing is healthy (the proxy
 * then answers 503 ServiceUnavailable).
 *
 * <p>Thread-safe: the lists are immutable; the cursor is an {@link AtomicInteger}; backend health
 * is read through volatile fields, so a choice may use health one check old, which costs at most
 * one failed connect (that failure marks the backend down at once, and a request without a body
 * is sent to the next backend). {@link #next()} allocates nothing.
 */
public final class BackendPool {
  /** One backend's state for the health endpoint and JMX ({@code Gateway.Backends}). */
  public record BackendState(String url, String role, boolean up, String since, String lastError) {
    /** One line, e.g. {@code http://10.0.0.1:9000 primary UP since 2025-01-01T00:00:00Z}. */
    @Override
    public String toString() {
      return url + " " + role + " " + (up ? "UP" : "DOWN") + " since " + since
          + (lastError == null ? "" : " (" + lastError + ")");
    }
  }

  private final List<Backend> backends;
  private final List<Backend> primaries;
  private final List<Backend> backups;
  private final AtomicInteger cursor = new AtomicInteger();

  public BackendPool(List<URI> primaryUrls, List<URI> backupUrls) {
    if (primaryUrls.isEmpty()) {
      throw new IllegalArgumentException("no backend URLs configured");
    }
    List<Backend> all = new ArrayList<>();
    primaryUrls.forEach(url -> all.add(new Backend(url, Backend.Role.PRIMARY, all.size())));
    backupUrls.forEach(url -> all.add(new Backend(url, Backend.Role.BACKUP, all.size())));
    this.backends = List.copyOf(all);
    this.primaries = backends.subList(0, primaryUrls.size());
    this.backups = backends.subList(primaryUrls.size(), backends.size());
  }

  /** Every backend, primaries first, then backups. */
  public List<Backend> backends() {
    return backends;
  }

  /** The next healthy primary in round-robin order, else the next healthy backup, else null. */
  public Backend next() {
    int turn = cursor.getAndIncrement();
    Backend chosen = nextUp(primaries, turn);
    return chosen != null ? chosen : nextUp(backups, turn);
  }

  private static Backend nextUp(List<Backend> candidates, int turn) {
    int size = candidates.size();
    if (size == 0) {
      return null;
    }
    int start = Math.floorMod(turn, size);
    for (int i = 0; i < size; i++) {
      Backend candidate = candidates.get((start + i) % size);
      if (candidate.isUp()) {
        return candidate;
      }
    }
    return null;
  }

  public boolean anyUp() {
    for (Backend backend : backends) {
      if (backend.isUp()) {
        return true;
      }
    }
    return false;
  }

  /** Each backend's state now, primaries first: what {@code /_s3gate/health} and JMX show. */
  public List<BackendState> states() {
    List<BackendState> states = new ArrayList<>(backends.size());
    for (Backend backend : backends) {
      Backend.Health health = backend.health();
      states.add(new BackendState(backend.origin(), backend.role().label(), health.up(), health.since().toString(),
          health.lastError()));
    }
    return states;
  }

  /** {@link #states()} as one line each, a simple type for JMX ({@code Gateway.Backends}). */
  public List<String> describe() {
    return states().stream().map(BackendState::toString).toList();
  }
}
