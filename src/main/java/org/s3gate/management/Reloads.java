package org.s3gate.management;

import org.s3gate.config.ReloadOutcome;

/**
 * Turns a {@link ReloadOutcome} into what a JMX caller sees: one line when the files were loaded,
 * an {@link IllegalStateException} listing every error when they were not.
 *
 * <p>Immutable (static functions only).
 */
final class Reloads {

  private Reloads() {}

  static String describe(ReloadOutcome outcome) {
    switch (outcome.result()) {
      case PUBLISHED:
        return withWarnings(outcome, "PUBLISHED version " + outcome.version() + " (changed: "
            + String.join(", ", outcome.changedFiles()) + ")");
      case UNCHANGED:
        return withWarnings(outcome, "UNCHANGED version " + outcome.version());
      default:
        throw new IllegalStateException(outcome.result() + ": version " + outcome.version()
            + " stays in force: " + String.join("; ", outcome.errors()));
    }
  }

  private static String withWarnings(ReloadOutcome outcome, String line) {
    StringBuilder out = new StringBuilder(line);
    outcome.warnings().forEach(w -> out.append("\nwarning: ").append(w));
    return out.toString();
  }
}
