package org.s3gate.config;

import java.util.List;

/**
 * What one reload attempt did. {@code version} is the version in force afterwards;
 * {@code changedFiles} are the files whose bytes differ from the version in force before (for
 * {@code REJECTED}: the files that would have changed).
 *
 * <p>Immutable.
 */
public record ReloadOutcome(Result result, long version, List<String> changedFiles, List<String> errors,
    List<String> warnings) {

  public enum Result {
    /** A new snapshot is in force. */
    PUBLISHED,
    /** The files are byte for byte what is in force; nothing was published. */
    UNCHANGED,
    /** At least one error: the previous snapshot stays in force; {@code errors} says why. */
    REJECTED,
    /** A file was still changing while being read (a writer is at work); retried on the next tick. */
    UNSETTLED,
    /** Another reload or edit held the reload lock for longer than the wait; nothing was read; try again. */
    BUSY
  }

  public ReloadOutcome {
    changedFiles = List.copyOf(changedFiles);
    errors = List.copyOf(errors);
    warnings = List.copyOf(warnings);
  }

  public boolean published() {
    return result == Result.PUBLISHED;
  }
}
