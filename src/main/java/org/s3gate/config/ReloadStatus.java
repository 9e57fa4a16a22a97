package org.s3gate.config;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The reloader's state for JMX and metrics: when the configuration was last published and as
 * which version, every file's state, and counters. {@code totalReloads} counts attempts that read a
 * settled set of files (published, unchanged or rejected; the first load included);
 * {@code failedReloads} counts the rejected ones. {@code lastErrors} are the errors of the last
 * attempt, empty once an attempt succeeds.
 *
 * <p>Immutable.
 */
public record ReloadStatus(Instant lastSuccessfulReload, long configVersion, List<FileStatus> files,
    long totalReloads, long failedReloads, List<String> lastErrors) {

  /**
   * One file: its name ({@code api_key_groups.map}), absolute path, entries in force (distinct
   * valid keys), when its content last went into force (null if never present), and the errors of
   * the last attempt about it ({@code file:line: reason}, joined with {@code "; "}), or null.
   */
  public record FileStatus(String name, Path path, int entries, Instant lastReload, String lastError) {}

  public ReloadStatus {
    files = List.copyOf(files);
    lastErrors = List.copyOf(lastErrors);
  }

  /** The status of one file by name, e.g. {@code rate_limits_per_second.map}. */
  public FileStatus file(String name) {
    for (FileStatus f : files) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("no configuration file named '" + name + "'");
  }
}
