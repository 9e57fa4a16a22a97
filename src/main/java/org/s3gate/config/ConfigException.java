package org.s3gate.config;

import java.util.List;

/**
 * The configuration could not be loaded at start: the message lists every error, one
 * {@code file:line: reason} per line, so an operator fixes them all in one go.
 *
 * <p>Immutable.
 */
public final class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final List<String> errors;

  public ConfigException(String summary, List<String> errors) {
    super(summary + (errors.isEmpty() ? "" : ":\n  " + String.join("\n  ", errors)));
    this.errors = List.copyOf(errors);
  }

  /** Each error as {@code file:line: reason}. */
  public List<String> errors() {
    return errors;
  }
}
