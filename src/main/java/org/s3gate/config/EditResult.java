package org.s3gate.config;

import java.nio.file.Path;
import java.util.List;

/**
 * What one accepted map edit did: the value in force before and after ({@code null} when absent;
 * for {@code CLEAR} the entry counts), the configuration version it published, the backup of the
 * previous file (null if there was no file), and the validation warnings of the new policy.
 *
 * <p>Immutable.
 */
public record EditResult(String file, MapEdit.Operation operation, String key, String oldValue, String newValue,
    long version, Path backup, List<String> warnings) {

  public EditResult {
    warnings = List.copyOf(warnings);
  }

  /** One line for an operator: {@code rate_limits_per_minute.map: set premium 2000 -> 3000 (version 7)}. */
  public String summary() {
    StringBuilder s = new StringBuilder(file).append(": ").append(operation.auditName());
    if (key != null) {
      s.append(' ').append(key);
    }
    s.append(' ').append(oldValue == null ? "(absent)" : oldValue).append(" -> ")
        .append(newValue == null ? "(absent)" : newValue).append(" (version ").append(version).append(')');
    for (String w : warnings) {
      s.append("\nwarning: ").append(w);
    }
    return s.toString();
  }
}
