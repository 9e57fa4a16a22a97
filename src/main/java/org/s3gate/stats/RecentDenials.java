package org.s3gate.stats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The most recent {@link #CAPACITY} denials, newest first: the stats page's "recent denials".
 *
 * <h2>Design</h2>
 * A ring of {@link Denial} references indexed by a sequence number ({@code sequence % CAPACITY}).
 * A writer takes the next sequence number from an {@link AtomicLong} and stores its record in its
 * slot with a CAS that never replaces a newer record (a writer that stalled for {@code CAPACITY}
 * denials loses its record rather than hiding a newer one). A reader copies the slots and sorts
 * them by sequence. Memory is bounded: {@code CAPACITY} records, each with a path of at most
 * {@link #MAX_PATH_CHARS} characters and a key of at most 128 (the identifier's bound).
 *
 * <p><b>Cost.</b> Only on the deny path: one record (and, for a long path, one substring), one
 * {@code getAndIncrement}, one CAS. Admitted requests never touch it.
 *
 * <p>Thread-safe: lock-free (atomic sequence, CAS per slot); a reader may miss a record being
 * written at that moment, never sees a torn one.
 */
final class RecentDenials {
  static final int CAPACITY = 64;
  static final int MAX_PATH_CHARS = 256;

  private final AtomicLong nextSequence = new AtomicLong();
  private final AtomicReferenceArray<Denial> slots = new AtomicReferenceArray<>(CAPACITY);

  void add(long epochMillis, String key, String group, String reason, String method, String rawPath) {
    String path = rawPath.length() > MAX_PATH_CHARS ? rawPath.substring(0, MAX_PATH_CHARS) : rawPath;
    long sequence = nextSequence.getAndIncrement();
    Denial denial = new Denial(sequence, epochMillis, key, group, reason, method, path);
    int slot = (int) (sequence % CAPACITY);
    while (true) {
      Denial current = slots.get(slot);
      if (current != null && current.sequence() > sequence) {
        return; // a newer denial already took the slot
      }
      if (slots.compareAndSet(slot, current, denial)) {
        return;
      }
    }
  }

  /** Up to {@code limit} of the most recent denials, newest first. */
  List<Denial> newest(int limit) {
    List<Denial> denials = new ArrayList<>(CAPACITY);
    for (int i = 0; i < CAPACITY; i++) {
      Denial denial = slots.get(i);
      if (denial != null) {
        denials.add(denial);
      }
    }
    denials.sort(Comparator.comparingLong(Denial::sequence).reversed());
    return denials.size() > limit ? List.copyOf(denials.subList(0, limit)) : denials;
  }

  /** Denials recorded since start. */
  long total() {
    return nextSequence.get();
  }
}
