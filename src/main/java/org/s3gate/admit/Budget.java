package org.s3gate.admit;

import java.util.Objects;

/**
 * One budget a request is charged to: a counter and its limits per sliding second and minute, as a
 * {@link Limiter} computed them from the request's snapshot. A {@link CounterStore} decides all the
 * budgets of one request together.
 *
 * <p>The counter's name is its {@code owner} (the access key, {@code anonymous@ADDRESS}, a bucket),
 * optionally followed by a space and a qualifier ({@code "AKIA... write"}): a shared store keeps
 * every counter of one owner together (one Redis hash tag), so one owner's budgets can always be
 * decided in one atomic step.
 *
 * <p>Immutable.
 *
 * @param counter the counter's name; never contains a control character
 * @param limitPerSecond requests per sliding second; {@code <= 0} admits nothing
 * @param limitPerMinute requests per sliding minute; {@code <= 0} admits nothing
 * @param bucket whether the counter is a bucket's ({@code bucket_limits_per_*.map}, shared by every
 *     caller): kept apart from the callers' counters (the {@code buckets} table, Redis keys
 *     {@code s3gate:bc:{BUCKET}}), since a bucket name and an access key may be the same text
 */
public record Budget(String counter, int limitPerSecond, int limitPerMinute, boolean bucket) {

  public Budget {
    Objects.requireNonNull(counter, "counter");
  }

  /** A caller's budget (its key's, class's or address's). */
  public Budget(String counter, int limitPerSecond, int limitPerMinute) {
    this(counter, limitPerSecond, limitPerMinute, false);
  }

  /** A bucket's budget, shared by every caller. */
  public static Budget ofBucket(String bucket, int limitPerSecond, int limitPerMinute) {
    return new Budget(bucket, limitPerSecond, limitPerMinute, true);
  }

  /** The owner part of the counter's name: everything before its first space. */
  public String owner() {
    if (bucket) {
      return counter;
    }
    int space = counter.indexOf(' ');
    return space < 0 ? counter : counter.substring(0, space);
  }
}
