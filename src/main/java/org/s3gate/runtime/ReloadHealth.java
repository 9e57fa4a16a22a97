package org.s3gate.runtime;

import java.time.Instant;
import java.util.List;

import org.s3gate.config.ConfigReloader;
import org.s3gate.config.ReloadTriggerHealth;

/**
 * Hot reload's health as {@code /_s3gate/health} shows it (the {@code reload} object): the
 * trigger's state ({@code OK}, {@code FAILING}, {@code STUCK}, see {@link ReloadTriggerHealth}),
 * when its last check completed, since when a check has been running, its unexpected failures, and
 * the errors of the last reload attempt (empty once one succeeds: files on disk that are not in
 * force because they do not validate).
 *
 * <p>Immutable.
 */
public record ReloadHealth(String state, Instant lastCheck, Instant checkingSince, long failures,
    Instant lastFailureAt, String lastFailure, List<String> errors) {

  public ReloadHealth {
    errors = List.copyOf(errors);
  }

  /** The health of {@code config}'s hot reload at {@code now}. */
  static ReloadHealth of(ConfigReloader config, Instant now) {
    ReloadTriggerHealth t = config.triggerHealth(now);
    return new ReloadHealth(t.state().name(), t.lastCheck(), t.checkingSince(), t.failures(), t.lastFailureAt(),
        t.lastFailure(), config.status().lastErrors());
  }
}
