package org.s3gate.cluster;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;

/**
 * Asks Sentinel which node is master now ({@code SENTINEL get-master-addr-by-name}), so the link
 * can move to a new master as soon as Sentinel names it.
 *
 * <p>Why: a connection made through {@code redis-sentinel://} is a plain connection to the node
 * Sentinel named at connect time; Lettuce asks Sentinel again only when that connection drops.
 * After {@code SENTINEL FAILOVER} the former master keeps running, and keeps accepting writes,
 * until Sentinel reconfigures it as a replica and closes its clients, measured at about 10 s later
 * with Redis 7.0; every charge made there meanwhile is lost when it resyncs from the new master
 * (a key could get up to that much more). Asking every half second keeps that window to about
 * half a second after Sentinel's switch.
 *
 * <p>While no Sentinel answers, it asks again only every {@link #RETRY_AFTER_FAILURE_NANOS} (10 s):
 * Lettuce logs a WARNING for every Sentinel it cannot connect to, and the probe thread waits for
 * each connect attempt, so asking every half second would flood the log and slow the probe when the
 * Sentinels are down but the master is not.
 *
 * <p>Not thread-safe: confined to the probe thread (through the link's synchronized methods).
 */
final class SentinelWatch implements AutoCloseable {
  private static final Duration ANSWER_WAIT = Duration.ofSeconds(1);
  static final long RETRY_AFTER_FAILURE_NANOS = 10_000_000_000L;

  private final RedisClient client;
  private final RedisURI uri;
  private StatefulRedisSentinelConnection<String, String> connection;
  private String knownMaster;
  /** Whether the last question went unanswered, and when; the next one waits until then + 10 s. */
  private boolean failed;
  private long failedAtNanos;

  SentinelWatch(RedisClient client, RedisURI uri) {
    this.client = client;
    this.uri = uri;
  }

  /** Remembers the master Sentinel names now: the one a connection made just now went to. */
  void remember(long nowNanos) {
    String now = master(nowNanos);
    if (now != null) {
      knownMaster = now;
    }
  }

  /** Remembers {@code address} as the master the link is connected to. */
  void remember(String address) {
    knownMaster = address;
  }

  /**
   * The master Sentinel names now when it is another than the one remembered; null when it is the
   * same, or no Sentinel answers (the connection's own failures then tell).
   */
  String movedTo(long nowNanos) {
    String now = master(nowNanos);
    return now != null && knownMaster != null && !knownMaster.equals(now) ? now : null;
  }

  /** The master's address as the last answer named it, for the log; "?" before the first. */
  String knownMaster() {
    return knownMaster == null ? "?" : knownMaster;
  }

  private String master(long nowNanos) {
    if (failed && nowNanos - failedAtNanos < RETRY_AFTER_FAILURE_NANOS) {
      return null;
    }
    String address = ask();
    failed = address == null;
    failedAtNanos = nowNanos;
    return address;
  }

  private String ask() {
    try {
      if (connection == null || !connection.isOpen()) {
        close();
        connection = client.connectSentinel(uri);
      }
      SocketAddress address = connection.async().getMasterAddrByName(uri.getSentinelMasterId()).toCompletableFuture()
          .get(ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      return address instanceof InetSocketAddress inet ? inet.getHostString() + ":" + inet.getPort()
          : address == null ? null : address.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) { // no Sentinel answers: nothing to learn now
      return null;
    }
  }

  @Override
  public void close() {
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }
}
