package org.s3gate.proxy;

import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The backends and the round-robin choice among the healthy ones.
 *
 * <p>Thread-safe: the list is immutable; the cursor is an {@link AtomicInteger}; backend health is
 * read through volatile fields, so a choice may use health one check old, which costs at most one
 * failed connect (that failure marks the backend down at once).
 */
public final class BackendPool {
  private final List<Backend> backends;
  private final AtomicInteger cursor = new AtomicInteger();

  public BackendPool(List<URI> urls) {
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("no backend URLs configured");
    }
    this.backends = urls.stream().map(Backend::new).toList();
  }

  public List<Backend> backends() {
    return backends;
  }

  /** The next healthy backend in round-robin order, or null when none is healthy. */
  public Backend next() {
    int size = backends.size();
    int start = Math.floorMod(cursor.getAndIncrement(), size);
    for (int i = 0; i < size; i++) {
      Backend candidate = backends.get((start + i) % size);
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
}
