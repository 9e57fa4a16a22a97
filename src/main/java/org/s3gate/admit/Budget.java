package org.s3gate.admit;

import java.util.Objects;

/**
 * One budget a request is charged to: a counter and its limits per sliding second and minute, as a
 * {@link Limiter} computed them from the request's snapshot. A {@link CounterStore} decides all the
 * budgets of one request together.
 *
 * <p>The counter's name is its {@code owner} (the access key, or {@code anonymous@ADDRESS}),
 * optionally followed by a space and a qualifier ({@code "AKIA... write"}): a shared store keeps
 * every counter of one owner together (one Redis hash tag), so one owner's budgets can always be
 * decided in one atomic step.
 *
 * <p>Immutable.
 *
 * @param counter the counter's name; never contains a control character
 * @param limitPerSecond requests per sliding second; {@code <= 0} admits nothing
 * @param limitPerMinute requests per sliding minute; {@code <= 0} admits nothing
 */
public record Budget(String counter, int limitPerSecond, int limitPerMinute) {

  public Budget {
    Objects.requireNonNull(counter, "counter");
  }

  /** The owner part of the counter's name: everything before its first space. */
  public String owner() {
    int space = counter.indexOf(' ');
    return space < 0 ? counter : counter.substring(0, space);
  }
}
