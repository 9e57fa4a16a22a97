package org.s3gate.policy;

import java.util.List;

/**
 * The result of {@link PolicyCompiler#compile}: a snapshot when there were no errors, else null;
 * and every error and warning as {@code file:line: message}.
 *
 * <p>Immutable.
 */
public record Compilation(PolicySnapshot snapshot, List<String> errors, List<String> warnings) {

  public Compilation {
    errors = List.copyOf(errors);
    warnings = List.copyOf(warnings);
    if ((snapshot == null) == errors.isEmpty()) {
      throw new IllegalArgumentException("a compilation has a snapshot exactly when it has no errors");
    }
  }
}
