package org.s3gate.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one shell command line to completion, as a user would type it, with a time bound: {@code
 * bash -c LINE} in the checkout's root, stdin from /dev/null (as in CI), stdout and stderr merged
 * into a file (never a pipe, so a background child that keeps the descriptors cannot block us), and
 * every command with its output appended to a transcript in {@code target/it-logs/}. A command that
 * outlives its bound is killed with every process it started that is still its descendant.
 *
 * <p>Not thread-safe: owned by one test class.
 */
final class Shell {
  /** What a finished command left: its exit code and everything it printed. */
  record Result(String command, int exitCode, String output) {
    @Override
    public String toString() {
      return "`" + command + "` exited " + exitCode + ", output:\n" + output;
    }
  }

  private final Map<String, String> environment;
  private final Path transcript;
  private final Path scratch;

  /**
   * @param environment the whole environment of every command (nothing is inherited)
   * @param scratch a directory for the output files
   */
  Shell(Map<String, String> environment, Path transcript, Path scratch) {
    this.environment = Map.copyOf(environment);
    this.transcript = transcript;
    this.scratch = scratch;
  }

  Result run(String command, Duration timeout) throws IOException, InterruptedException {
    Path output = Files.createTempFile(scratch, "command-", ".out");
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", command).directory(ManagedProcess.ROOT.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(output.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment);
    long startNanos = System.nanoTime();
    Process process = builder.start();
    boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!finished) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    long elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000;
    String text = Files.readString(output, StandardCharsets.UTF_8);
    Files.delete(output);
    Files.writeString(transcript, "$ " + command + "\n" + text + (text.endsWith("\n") || text.isEmpty() ? "" : "\n")
        + "# " + (finished ? "exit " + process.exitValue() : "KILLED after " + timeout) + " in " + elapsedMillis + " ms\n\n",
        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    if (!finished) {
      throw new IllegalStateException("`" + command + "` did not finish within " + timeout + " and was killed; output:\n" + text);
    }
    return new Result(command, process.exitValue(), text);
  }

  /** Runs {@code command} and fails, with its output, unless it exits 0. */
  Result runOk(String what, String command, Duration timeout) throws IOException, InterruptedException {
    Result result = run(command, timeout);
    if (result.exitCode() != 0) {
      throw new AssertionError(what + ": " + result);
    }
    return result;
  }
}
