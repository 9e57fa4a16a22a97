package org.s3gate.cluster;

import org.s3gate.admit.Budget;

/**
 * The Redis keys of one counter (see {@code s3gate-counters.lua}): {@code s3gate:c:{OWNER}REST}
 * (its state), {@code s3gate:s:{OWNER}REST} and {@code s3gate:m:{OWNER}REST} (its per-second and
 * per-minute rings), where OWNER is the counter's owner ({@link Budget#owner()}: the access key or
 * {@code anonymous@ADDRESS}) and REST the rest of its name (e.g. {@code " write"}). All of one
 * owner's keys share the hash tag {@code {OWNER}}, so on Redis Cluster they live in one slot and
 * one function call can decide a key's own and its method class's budgets together. (An owner
 * containing {@code '}'} is tagged by the text before it: still the same tag for all of its keys.)
 * A caller counter's byte budgets ({@code bandwidth_per_minute.map}) are {@code s3gate:b:{OWNER}REST in}
 * and {@code ... out} ({@link #bytes}), under the same tag, so they are decided in the same call.
 *
 * <p>Immutable (static helpers only).
 */
final class RedisKeys {
  static final String STATE_PREFIX = "s3gate:c:{";
  static final String SECOND_PREFIX = "s3gate:s:{";
  static final String MINUTE_PREFIX = "s3gate:m:{";
  static final String BYTES_PREFIX = "s3gate:b:{";
  /** What SCAN matches to list every counter's state key. */
  static final String STATE_PATTERN = "s3gate:c:*";

  private RedisKeys() {}

  /** {@code {OWNER}REST} for counter {@code OWNER REST}: everything after a prefix. */
  private static String tagged(String counter) {
    int space = counter.indexOf(' ');
    return space < 0 ? counter + "}" : counter.substring(0, space) + "}" + counter.substring(space);
  }

  /** Writes the three keys of {@code counter} into {@code keys} from {@code at}. */
  static void put(String counter, String[] keys, int at) {
    String tagged = tagged(counter);
    keys[at] = STATE_PREFIX + tagged;
    keys[at + 1] = SECOND_PREFIX + tagged;
    keys[at + 2] = MINUTE_PREFIX + tagged;
  }

  /**
   * The keys of a budget: a caller's as {@link #put}, a bucket's under {@code s3gate:bc:}, {@code bs:},
   * {@code bm:} (a bucket name may be the same text as an access key; the JMX key table lists only
   * {@code s3gate:c:}).
   */
  static void put(org.s3gate.admit.Budget budget, String[] keys, int at) {
    if (!budget.bucket()) {
      put(budget.counter(), keys, at);
      return;
    }
    String tagged = budget.counter() + "}";
    keys[at] = "s3gate:bc:{" + tagged;
    keys[at + 1] = "s3gate:bs:{" + tagged;
    keys[at + 2] = "s3gate:bm:{" + tagged;
  }

  /** The key of {@code counter}'s byte budget in {@code direction}: {@code s3gate:b:{OWNER}REST in|out}. */
  static String bytes(String counter, org.s3gate.limit.ByteDirection direction) {
    return BYTES_PREFIX + tagged(counter) + " " + direction.label();
  }

  static String[] of(String counter) {
    String[] keys = new String[3];
    put(counter, keys, 0);
    return keys;
  }

  /** The counter whose state key is {@code stateKey}, or null for a key that is not one. */
  static String counterOf(String stateKey) {
    if (!stateKey.startsWith(STATE_PREFIX)) {
      return null;
    }
    String body = stateKey.substring(STATE_PREFIX.length());
    int space = body.indexOf(' ');
    int brace = space < 0 ? body.length() - 1 : space - 1;
    if (brace < 0 || body.charAt(brace) != '}') {
      return null;
    }
    return body.substring(0, brace) + body.substring(brace + 1);
  }
}
