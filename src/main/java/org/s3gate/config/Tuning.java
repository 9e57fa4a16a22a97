package org.s3gate.config;

import java.time.Clock;
import java.time.Duration;

/**
 * Knobs of the reloader that operators do not set but tests do: the clock for status timestamps,
 * the settle wait between the two reads of a reload (see {@link ConfigLoader}), how long an edit or
 * an explicit reload waits for the reload lock before it gives up, and the grace a check gets
 * beyond 3 x {@code reload.interval} before it counts as stuck ({@link ReloadTriggerHealth}).
 *
 * <p>Immutable.
 */
record Tuning(Clock clock, Settle settle, Duration lockWait, Duration stuckGrace) {

  /** Default settle time: long enough for an editor's or script's write to finish, short next to 1 s. */
  static final Duration DEFAULT_SETTLE = Duration.ofMillis(150);
  /** Default wait for the reload lock: far longer than a reload takes, far shorter than a JMX client's patience. */
  static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(5);

  /** Waits between the two reads of a reload; tests substitute a writer to simulate a racing edit. */
  @FunctionalInterface
  interface Settle {
    void await() throws InterruptedException;

    static Settle sleep(Duration d) {
      return () -> Thread.sleep(d.toMillis());
    }
  }

  /** The default lock wait and stuck grace with this clock and settle. */
  Tuning(Clock clock, Settle settle) {
    this(clock, settle, DEFAULT_LOCK_WAIT, ReloadTrigger.STUCK_GRACE);
  }

  static Tuning defaults() {
    return new Tuning(Clock.systemUTC(), Settle.sleep(DEFAULT_SETTLE));
  }
}
