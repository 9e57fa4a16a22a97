package org.s3gate.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Several threads on one table; clocks are fixed or per-thread counters, never real time. */
class CounterTableConcurrencyTest {

  private static final int THREADS = 4;
  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  @Test
  void tryAcquire_manyThreadsOneKeyFixedClock_admitsExactlyTheLimit() throws Exception {
    CounterTable table = new CounterTable(100);
    AtomicInteger admitted = new AtomicInteger();
    long now = Long.MAX_VALUE - 1;

    runConcurrently(() -> {
      for (int i = 0; i < 2_000; i++) {
        if (table.tryAcquire("hot", 100, 1_000, false, now).admitted()) {
          admitted.incrementAndGet();
        }
      }
      return null;
    });

    assertThat(admitted).hasValue(100);
    assertThat(table.snapshot(now)).singleElement()
        .satisfies(u -> assertThat(u.deniedTotal()).isEqualTo(THREADS * 2_000 - 100));
  }

  @Test
  void tryAcquire_manyThreadsOneKeyWhileColdKeysAreEvicted_neverOverLimitInOneWindow()
      throws Exception {
    CounterTable table = new CounterTable(50);
    AtomicInteger admitted = new AtomicInteger();
    long now = 42;

    runConcurrently(() -> {
      for (int i = 0; i < 3_000; i++) {
        if (table.tryAcquire("hot", 30, 1_000, false, now).admitted()) {
          admitted.incrementAndGet();
        }
        table.tryAcquire("cold-" + Thread.currentThread().getId() + "-" + i, 5, 50, false, 0);
      }
      return null;
    });

    // "hot" is always the most recently seen, so eviction never takes it and its counts hold
    assertThat(admitted).hasValue(30);
  }

  @Test
  void tryAcquire_concurrentInsertsOfDistinctKeys_sizeStaysWithinDocumentedBound()
      throws Exception {
    int capacity = 200;
    CounterTable table = new CounterTable(capacity);
    AtomicInteger maxSeen = new AtomicInteger();
    AtomicInteger threadIds = new AtomicInteger();

    runConcurrently(() -> {
      int id = threadIds.getAndIncrement();
      for (int i = 0; i < 5_000; i++) {
        table.tryAcquire("t" + id + "-" + i, 5, 50, false, (long) i * 1_000_000L);
        maxSeen.accumulateAndGet(table.size(), Math::max);
      }
      return null;
    });

    // during: at most one in-flight insert per other thread; after: within capacity
    assertThat(maxSeen.get()).isLessThanOrEqualTo(capacity + THREADS);
    assertThat(table.size()).isLessThanOrEqualTo(capacity);
    // >=: threads' clocks differ, so a key just inserted by one thread can rank oldest for
    // another's eviction before its first count; it is then looked up and inserted again
    assertThat(table.evictions()).isGreaterThanOrEqualTo(THREADS * 5_000L - table.size());
  }

  private void runConcurrently(Callable<Void> task) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Void>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      futures.add(pool.submit(() -> {
        start.await();
        return task.call();
      }));
    }
    start.countDown();
    for (Future<Void> future : futures) {
      future.get(); // rethrows assertion failures from workers
    }
  }
}
