package org.s3gate.config;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The bookkeeping of reload attempts that {@link ReloadStatus} shows (JMX, metrics): attempts and
 * rejections counted, when the configuration was last published, and per file its entry count, when
 * its content last went into force and the last attempt's errors about it.
 *
 * <p>Not thread-safe; confined, like its {@link ConfigLoader}, to whoever holds the reload lock.
 */
final class ReloadHistory {

  private record FileState(int entries, Instant lastReload, String lastError) {}

  private final Map<ConfFile, FileState> states = new EnumMap<>(ConfFile.class);
  private long totalReloads;
  private long failedReloads;
  private Instant lastSuccess;
  private List<String> lastErrors = List.of();

  ReloadHistory() {
    for (ConfFile f : ConfFile.values()) {
      states.put(f, new FileState(0, null, null));
    }
  }

  /** A settled set of files was read and compiled (published, unchanged or rejected). */
  void attempted() {
    totalReloads++;
  }

  /** The files are what is in force: the last errors are cleared, nothing else changes. */
  void unchanged() {
    lastErrors = List.of();
    states.replaceAll((f, s) -> new FileState(s.entries(), s.lastReload(), null));
  }

  /** The attempt was rejected: each file keeps its state and gets the errors that name it. */
  void rejected(List<String> errors) {
    failedReloads++;
    lastErrors = List.copyOf(errors);
    for (ConfFile f : ConfFile.values()) {
      String prefix = f.fileName + ":";
      String mine = errors.stream().filter(e -> e.startsWith(prefix)).collect(Collectors.joining("; "));
      FileState s = states.get(f);
      states.put(f, new FileState(s.entries(), s.lastReload(), mine.isEmpty() ? null : mine));
    }
  }

  /**
   * A version was published at {@code now} from {@code reads}; a file whose bytes changed and that
   * exists went into force now, one that no longer exists has none.
   */
  void published(Map<ConfFile, Integer> entries, Map<ConfFile, FileRead> reads, List<String> changed, Instant now) {
    lastErrors = List.of();
    for (ConfFile f : ConfFile.values()) {
      boolean exists = reads.get(f).exists();
      Instant lastReload = exists ? (changed.contains(f.fileName) ? now : states.get(f).lastReload()) : null;
      states.put(f, new FileState(entries.get(f), lastReload, null));
    }
    lastSuccess = now;
  }

  ReloadStatus status(Map<ConfFile, Path> paths, long configVersion) {
    List<ReloadStatus.FileStatus> files = new ArrayList<>();
    for (ConfFile f : ConfFile.values()) {
      FileState s = states.get(f);
      files.add(new ReloadStatus.FileStatus(f.fileName, paths.get(f), s.entries(), s.lastReload(), s.lastError()));
    }
    return new ReloadStatus(lastSuccess, configVersion, files, totalReloads, failedReloads, lastErrors);
  }
}
