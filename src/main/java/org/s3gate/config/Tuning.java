package org.s3gate.config;

import java.time.Clock;
import java.time.Duration;

/**
 * Knobs of the reloader that operators do not set but tests do: the clock for status timestamps
 * and the settle wait between the two reads of a reload (see {@link ConfigLoader}).
 *
 * <p>Immutable.
 */
record Tuning(Clock clock, Settle settle) {

  /** Default settle time: long enough for an editor's or script's write to finish, short next to 1 s. */
  static final Duration DEFAULT_SETTLE = Duration.ofMillis(150);

  /** Waits between the two reads of a reload; tests substitute a writer to simulate a racing edit. */
  @FunctionalInterface
  interface Settle {
    void await() throws InterruptedException;

    static Settle sleep(Duration d) {
      return () -> Thread.sleep(d.toMillis());
    }
  }

  static Tuning defaults() {
    return new Tuning(Clock.systemUTC(), Settle.sleep(DEFAULT_SETTLE));
  }
}
