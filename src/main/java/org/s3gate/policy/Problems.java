package org.s3gate.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the errors and warnings of one compile, each as {@code file:line: message}
 * ({@code file: message} when there is no line), so a reload reports all of them together.
 *
 * <p>Not thread-safe; confined to the thread running one {@link PolicyCompiler#compile}.
 */
final class Problems {

  private final List<String> errors = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  void error(String file, int line, String message) {
    errors.add(format(file, line, message));
  }

  void warn(String file, int line, String message) {
    warnings.add(format(file, line, message));
  }

  List<String> errors() {
    return List.copyOf(errors);
  }

  List<String> warnings() {
    return List.copyOf(warnings);
  }

  boolean hasErrors() {
    return !errors.isEmpty();
  }

  static String format(String file, int line, String message) {
    return line > 0 ? file + ":" + line + ": " + message : file + ": " + message;
  }
}
