package org.s3gate.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.configuration2.reloading.ReloadingDetector;

/**
 * Tells commons-configuration2's {@code ReloadingController} when any of the configuration files
 * changed: it compares each file's fingerprint (exists, size, modification time, file key, i.e.
 * inode where the platform has one) with the fingerprints of the last settled read.
 *
 * <p>Why not {@code FileHandlerReloadingDetector}: it looks at the modification time only, and
 * treats a file that did not exist at start as "initialization" when it appears, so creating a
 * missing map or deleting one is never noticed. Size and file key also catch an atomic replace
 * ({@code mv tmp file}) that keeps the old timestamp (e.g. {@code cp -p}, {@code rsync -t}).
 *
 * <p>Acceptance is explicit: {@link #reloadingPerformed()} does nothing, and the reloader calls
 * {@link #accept} with the fingerprints taken <em>before</em> it read the files, so a write that
 * lands during the read shows up as a change on the next check. Never throws: an unreadable
 * attribute is part of the fingerprint (the reload then reports the file as unreadable).
 *
 * <p>Thread-safe: the accepted fingerprints are one volatile immutable map.
 */
final class FileSetDetector implements ReloadingDetector {

  private record Fingerprint(boolean exists, long size, FileTime modified, Object fileKey, String error) {}

  private final List<Path> files;
  private volatile Map<Path, Fingerprint> accepted = Map.of();

  FileSetDetector(List<Path> files) {
    this.files = List.copyOf(files);
  }

  /** The current fingerprints of all files, to pass to {@link #accept} after a settled read. */
  Map<Path, ?> fingerprints() {
    Map<Path, Fingerprint> now = new LinkedHashMap<>();
    for (Path p : files) {
      now.put(p, fingerprint(p));
    }
    return Map.copyOf(now);
  }

  @SuppressWarnings("unchecked")
  void accept(Map<Path, ?> fingerprints) {
    accepted = (Map<Path, Fingerprint>) fingerprints;
  }

  @Override
  public boolean isReloadingRequired() {
    return !fingerprints().equals(accepted);
  }

  @Override
  public void reloadingPerformed() {
    // Acceptance happens in accept(), with fingerprints taken before the read.
  }

  private static Fingerprint fingerprint(Path p) {
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      return new Fingerprint(true, a.size(), a.lastModifiedTime(), a.fileKey(), null);
    } catch (NoSuchFileException e) {
      return new Fingerprint(false, -1, null, null, null);
    } catch (IOException | SecurityException e) {
      return new Fingerprint(true, -1, null, null, e.getClass().getSimpleName());
    }
  }
}
