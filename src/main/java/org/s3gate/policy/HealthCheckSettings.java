package org.s3gate.policy;

import java.time.Duration;
import java.util.Objects;

/**
 * How backends are health-checked: a GET of {@code backend.health.path} every {@code interval},
 * failed when not answered within {@code timeout} or answered with a 5xx. A backend that is down
 * comes back after {@code rise} consecutive passes; one that is up is taken out after
 * {@code fall} consecutive failures (HAProxy's {@code inter}, {@code timeout check}, {@code rise},
 * {@code fall}). With the defaults (every 1 s, 1 s timeout, rise 2, fall 3) a backend that stops
 * answering is out within about 3 s (at once on a refused connect: passive ejection), and one that
 * comes back is in again about 2 s after its first good answer. A check still running when the
 * next is due is not started twice.
 *
 * <p>Immutable.
 */
public record HealthCheckSettings(Duration interval, Duration timeout, int rise, int fall) {

  public HealthCheckSettings {
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(timeout, "timeout");
    if (rise < 1 || fall < 1) {
      throw new IllegalArgumentException("rise and fall must be >= 1: " + rise + ", " + fall);
    }
  }
}
