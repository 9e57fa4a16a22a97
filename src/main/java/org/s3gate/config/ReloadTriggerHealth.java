package org.s3gate.config;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether hot reload is alive, for health, metrics and JMX (issue 13: an {@code OutOfMemoryError}
 * once cancelled the periodic check for good while health stayed UP, and a read blocked on a FIFO
 * held the reload lock forever).
 *
 * <ul>
 *   <li>{@code STUCK}: no check of the files has completed for longer than {@code stuckAfter}
 *       ({@code 3 x reload.interval + 5 s}): the check is blocked, or the trigger is gone. Edits
 *       made on disk are not being picked up.
 *   <li>{@code FAILING}: checks run, but the last one ended with an unexpected failure
 *       ({@code lastFailure}, e.g. an {@code OutOfMemoryError}); the trigger keeps running and
 *       tries again on its next tick.
 *   <li>{@code OK}: the last check completed within {@code stuckAfter} without one. (A file that
 *       does not validate is not a trigger failure: the reload reports it as rejected, with its
 *       errors, and the previous configuration stays in force.)
 * </ul>
 * {@code lastCheck} is when the last check completed (the trigger's start before the first),
 * {@code checkingSince} when the running one started (null when none runs), {@code failures} the
 * unexpected failures since start.
 *
 * <p>Immutable.
 */
public record ReloadTriggerHealth(State state, Instant lastCheck, Instant checkingSince, Duration stuckAfter,
    long failures, Instant lastFailureAt, String lastFailure) {

  /** See the class comment. */
  public enum State { OK, FAILING, STUCK }
}
