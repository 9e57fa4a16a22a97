package org.s3gate.management.cli;

/**
 * A failure the CLI reports as one line on stderr and exits with {@code exitCode} (1: the operation
 * failed, 2: bad usage). Never printed with a stack trace.
 *
 * <p>Immutable.
 */
final class CliException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  static final int FAILED = 1;
  static final int USAGE = 2;

  private final int exitCode;

  CliException(String message) {
    this(message, FAILED);
  }

  CliException(String message, int exitCode) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  static CliException usage(String message) {
    return new CliException(message, USAGE);
  }

  int exitCode() {
    return exitCode;
  }
}
