package org.s3gate.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** {@link ClientIpTable} over slabs: hash collisions, slot reuse, IPv6 literals, clearing while in use. */
class ClientIpTableSlabTest {
  private static final long SECOND = 1_000_000_000L;
  /** Near overflow, so any comparison that is not by subtraction breaks. */
  private static final long T0 = Long.MAX_VALUE - 30 * SECOND;
  private static final KeyHash FIXED = new KeyHash(1, 2);

  private static ClientIpTable table(int capacity) {
    return new ClientIpTable(capacity, Duration.ofSeconds(10), FIXED);
  }

  private static String ipv6(int i) {
    return "2001:db8:0:0:" + Integer.toHexString(i >>> 16) + ":" + Integer.toHexString(i & 0xFFFF) + ":0:1";
  }

  /** Addresses whose keyed hash puts them in one segment at one home cell: one long probe cluster. */
  private static List<String> sameHome(int count) {
    List<String> found = new ArrayList<>();
    long wanted = -1;
    for (int i = 0; found.size() < count; i++) {
      String address = ipv6(i);
      long hash = FIXED.hash(address);
      long where = hash >>> 57 << 8 | hash & 0xFF; // segment and the low bits of every index size up to 256 cells
      if (wanted < 0) {
        wanted = where;
      }
      if (where == wanted) {
        found.add(address);
      }
    }
    return found;
  }

  @Test
  void addressesOfOneProbeCluster_keepTheirOwnCounts_throughRemovalsInTheMiddle() {
    ClientIpTable table = table(1000);
    List<String> cluster = sameHome(40);
    for (int i = 0; i < cluster.size(); i++) {
      for (int n = 0; n <= i; n++) {
        table.tryAcquire(cluster.get(i), 0, 0, 0, false, T0);
      }
    }
    for (int i = 0; i < cluster.size(); i += 3) {
      assertThat(table.clearKey(cluster.get(i))).isTrue();
    }

    for (int i = 0; i < cluster.size(); i++) {
      ClientIpUsage usage = table.usage(cluster.get(i), T0);
      if (i % 3 == 0) {
        assertThat(usage).as("cleared %s", cluster.get(i)).isNull();
      } else {
        assertThat(usage.requests()).as("%s", cluster.get(i)).isEqualTo(i + 1);
      }
    }
    assertThat(table.size()).isEqualTo(cluster.size() - (cluster.size() + 2) / 3);
    assertThat(table.tryAcquire(cluster.get(0), 0, 0, 0, false, T0).requests()).as("back on empty windows")
        .isEqualTo(1);
  }

  @Test
  void addressesWithEqualStringHashCodes_areIndependent() {
    // "1a" and "2B" have the same String.hashCode, so every address built from them does too
    List<String> addresses = new ArrayList<>();
    for (int bits = 0; bits < 64; bits++) {
      StringBuilder address = new StringBuilder("2001:db8");
      for (int b = 0; b < 6; b++) {
        address.append(':').append((bits >> b & 1) == 0 ? "1a" : "2B");
      }
      addresses.add(address.toString());
    }
    assertThat(addresses.stream().mapToInt(String::hashCode).distinct().count()).isEqualTo(1);
    ClientIpTable table = table(100);
    for (String address : addresses) {
      assertThat(table.tryAcquire(address, 1, 0, 0, false, T0).admitted()).as(address).isTrue();
    }

    assertThat(table.size()).isEqualTo(64);
    for (String address : addresses) {
      assertThat(table.tryAcquire(address, 1, 0, 0, false, T0).admitted()).as("second of %s", address).isFalse();
    }
  }

  @Test
  void aFloodOfNewAddresses_reusesFreedSlots_andNeverGrowsTheSlabBeyondItsBound() {
    ClientIpTable table = table(100);
    for (int i = 0; i < 20_000; i++) {
      table.tryAcquire(ipv6(i), 5, 0, 0, false, T0 + i * 1000L);
    }

    assertThat(table.size()).isLessThanOrEqualTo(100);
    assertThat(table.evictions()).isGreaterThanOrEqualTo(19_900);
    assertThat(table.slab.scanLimit()).as("slots ever handed out").isLessThanOrEqualTo(100 + 100 / 64 + 256);
    String last = ipv6(19_999);
    assertThat(table.usage(last, T0 + SECOND).requests()).isEqualTo(1);
    assertThat(table.usage(ipv6(0), T0 + SECOND)).as("evicted").isNull();
    assertThat(table.tryAcquire(ipv6(0), 5, 0, 0, false, T0 + SECOND).requests())
        .as("an evicted address comes back in a reused slot on empty windows").isEqualTo(1);
    assertThat(table.refund(ipv6(0), T0)).as("a charge from its evicted slot").isFalse();
  }

  @Test
  void ipv6Literals_ofEveryLength_areStoredAndShownExactly() {
    List<String> addresses = List.of(
        "::1",
        "2001:db8::1",
        "2001:db8::10", // a prefix of another is another address
        "2001:DB8::1", // as the caller passed it: not canonicalised here
        "2001:db8:0:0:0:0:2:1", // 20 chars
        "2001:db8:0:0:0:0:22:1", // 21
        "2001:db8:0:0:0:0:222:1", // 22: the longest a probe packs
        "2001:db8:0:0:0:0:2222:1", // 23: compared char by char
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334", // 39: the longest InetAddress form
        "0000:0000:0000:0000:0000:ffff:192.168.100.228", // 45
        "fe80:0:0:0:0:0:0:1%eth0",
        "fe80:0:0:0:0:0:0:1%a-very-long-interface-name-for-a-zone-id"); // 59: a side key
    ClientIpTable table = table(100);
    for (int i = 0; i < addresses.size(); i++) {
      for (int n = 0; n <= i; n++) {
        table.tryAcquire(addresses.get(i), 0, 0, 0, false, T0);
      }
      table.recordError(addresses.get(i), T0);
    }

    for (int i = 0; i < addresses.size(); i++) {
      ClientIpUsage usage = table.usage(addresses.get(i), T0);
      assertThat(usage.requests()).as(addresses.get(i)).isEqualTo(i + 1);
      assertThat(usage.errors()).as(addresses.get(i)).isEqualTo(1);
    }
    List<String> shown = table.snapshot(T0).stream().map(ClientIpUsage::address).toList();
    assertThat(shown).isEqualTo(addresses.stream().sorted().toList());
    assertThat(table.clearKey(addresses.get(addresses.size() - 1))).isTrue();
    assertThat(table.usage(addresses.get(addresses.size() - 1), T0)).isNull();
    assertThat(table.usage(addresses.get(addresses.size() - 2), T0).requests()).isEqualTo(addresses.size() - 1);
  }

  /**
   * With the longest {@code ip.window} (1 h) an address can be live after 20 idle minutes; one whose
   * only request was refunded is empty at once, and is evicted first however recently it was seen.
   */
  @Test
  void fullTable_withAnHourWindow_evictsAnEmptyAddressBeforeALongIdleLiveOne() {
    ClientIpTable table = new ClientIpTable(2, Duration.ofHours(1), FIXED);
    long minute = 60 * SECOND;
    table.tryAcquire("192.0.2.1", 0, 0, 0, false, T0); // live for the next hour
    table.tryAcquire("192.0.2.2", 0, 0, 0, false, T0 + 20 * minute);
    assertThat(table.refund("192.0.2.2", T0 + 20 * minute)).isTrue(); // empty now
    table.tryAcquire("192.0.2.3", 0, 0, 0, false, T0 + 20 * minute + 1);

    assertThat(table.evictions()).isEqualTo(1);
    assertThat(table.usage("192.0.2.1", T0 + 20 * minute + 1).requests()).as("the live one stays").isEqualTo(1);
    assertThat(table.usage("192.0.2.2", T0 + 20 * minute + 1)).as("the empty one goes").isNull();
  }

  /**
   * One thread counts requests of a few addresses while another clears them, one at a time and all
   * at once; afterwards the table is consistent: every address it shows is one of them, its count
   * within the limit, and no slot was lost (the whole capacity can be filled again).
   */
  @Test
  void clear_whileRequestsAreCounted_leavesAConsistentTable() throws Exception {
    ClientIpTable table = table(64);
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < 48; i++) {
      addresses.add(i % 2 == 0 ? "10.0." + i + ".1" : ipv6(i));
    }
    CyclicBarrier start = new CyclicBarrier(2);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread counting = new Thread(() -> {
      try {
        start.await();
        for (int i = 0; i < 200_000; i++) {
          String address = addresses.get(i % addresses.size());
          table.tryAcquire(address, 50, 0, 0, false, T0 + i);
          if (i % 7 == 0) {
            table.recordError(address, T0 + i);
          }
          if (i % 11 == 0) {
            table.refund(address, T0 + i);
          }
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    counting.start();
    start.await();
    for (int i = 0; i < 2_000; i++) {
      if (i % 10 == 0) {
        table.clear();
      } else {
        table.clearKey(addresses.get(i % addresses.size()));
      }
    }
    counting.join();

    assertThat(failure.get()).isNull();
    Set<String> known = new HashSet<>(addresses);
    List<ClientIpUsage> shown = table.snapshot(T0 + 200_000);
    assertThat(shown).hasSize(table.size());
    for (ClientIpUsage usage : shown) {
      assertThat(known).contains(usage.address());
      assertThat(usage.requests()).as(usage.address()).isBetween(0, 50);
    }
    table.clear();
    assertThat(table.size()).isZero();
    for (int i = 0; i < 64; i++) {
      table.tryAcquire("192.0.2." + i, 0, 0, 0, false, T0 + SECOND);
    }
    assertThat(table.size()).isEqualTo(64);
    assertThat(table.evictions()).as("every slot came back to the free list").isZero();
    assertThat(table.slab.scanLimit()).isLessThanOrEqualTo(64 + 1 + 256);
  }
}
