package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/s3gate-admin} run as a process from the checkout, the way an operator runs it: its
 * exit status, stdout and stderr. Bounded: a run that has not ended after 60 s fails the test (and
 * is killed), so a hanging command shows as a failure, not as a stuck build.
 *
 * <p>Immutable (static functions only).
 */
final class AdminProcess {

  /** What one run printed and returned. */
  record Run(int exit, String out, String err) {
    void assertOk() {
      assertThat(exit).as("exit status; stderr: %s", err).isZero();
    }

    /** Failed with {@code expectedExit} and one line on stderr containing {@code expectedText}, no stack trace. */
    void assertOneLineFailure(int expectedExit, String expectedText) {
      assertThat(exit).as("exit status; stderr: %s", err).isEqualTo(expectedExit);
      assertThat(err.strip()).doesNotContain("\n").startsWith("s3gate-admin: ").contains(expectedText)
          .doesNotContain("Exception").doesNotContain("\tat ");
    }
  }

  private AdminProcess() {}

  /** Runs {@code bin/s3gate-admin --jmx 127.0.0.1:PORT ARGS...} with {@code env} added to the environment. */
  static Run admin(int jmxPort, Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bin/s3gate-admin", "--jmx", "127.0.0.1:" + jmxPort));
    command.addAll(List.of(args));
    return run(command, env);
  }

  static Run run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
    Path out = Files.createTempFile("s3gate-admin", ".out");
    Path err = Files.createTempFile("s3gate-admin", ".err");
    try {
      ProcessBuilder builder = new ProcessBuilder(command).directory(ManagedProcess.ROOT.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("s3gate-admin did not finish within 60 s: " + command);
      }
      return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
