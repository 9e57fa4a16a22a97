package org.s3gate.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The file operations of a map edit: timestamped backups with a retention limit, and the atomic
 * replace of a map file.
 *
 * <p>Atomic replace: the new bytes go to a temporary file in the same directory
 * ({@code .NAME.s3gate-tmp}), which is forced to disk (fsync), given the old file's POSIX
 * permissions, and renamed over the map ({@code ATOMIC_MOVE}); then the directory is forced, where
 * the platform allows it. A reader (the reload trigger, an operator's {@code cat}) sees the old
 * file or the new one, never a half-written one; a crash leaves at most a stray temporary file.
 *
 * <p>Backups: {@code backups/NAME.yyyyMMdd'T'HHmmss.SSS'Z'} (UTC, so names sort by time; a suffix
 * {@code -1}, {@code -2}... if two edits share a millisecond). After each backup only the newest
 * {@code retainPerFile} backups of that file are kept.
 *
 * <p>Thread-safe for distinct files; callers serialize edits of one configuration directory
 * (the reloader's lock).
 */
final class AtomicFiles {

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  private AtomicFiles() {}

  /** Writes {@code bytes} to {@code target} through a synced temporary file and an atomic rename. */
  static void replace(Path target, byte[] bytes) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path temp = dir.resolve("." + target.getFileName() + ".s3gate-tmp");
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      copyPermissions(target, temp);
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + target + " atomically on this file system: " + e.getMessage(), e);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
    forceDirectory(dir);
  }

  /**
   * Writes {@code bytes} (the content of {@code file} as last read) to {@code backupDir} under a
   * timestamped name, with {@code file}'s POSIX permissions, and prunes older backups of the same
   * file beyond {@code retainPerFile}. Returns the backup's path. The bytes are passed in rather
   * than copied from {@code file}, so a file that was swapped for a FIFO is never opened.
   */
  static Path backup(Path file, byte[] bytes, Path backupDir, Instant now, int retainPerFile) throws IOException {
    Files.createDirectories(backupDir);
    String base = file.getFileName() + "." + STAMP.format(now);
    Path backup = backupDir.resolve(base);
    for (int n = 1; ; n++) {
      try (FileChannel channel = FileChannel.open(backup, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
        break;
      } catch (FileAlreadyExistsException e) {
        backup = backupDir.resolve(base + "-" + n);
      }
    }
    copyPermissions(file, backup);
    prune(backupDir, file.getFileName().toString(), retainPerFile);
    return backup;
  }

  /** The backups of {@code fileName} in {@code backupDir}, oldest first. */
  static List<Path> backups(Path backupDir, String fileName) throws IOException {
    if (!Files.isDirectory(backupDir)) {
      return List.of();
    }
    String prefix = fileName + ".";
    List<Path> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(backupDir)) {
      files.filter(p -> p.getFileName().toString().startsWith(prefix)
              && p.getFileName().toString().length() > prefix.length()
              && Character.isDigit(p.getFileName().toString().charAt(prefix.length())))
          .forEach(found::add);
    }
    found.sort((a, b) -> backupOrder(a.getFileName().toString(), b.getFileName().toString()));
    return found;
  }

  private static void prune(Path backupDir, String fileName, int retainPerFile) throws IOException {
    List<Path> all = backups(backupDir, fileName);
    for (int i = 0; i < all.size() - retainPerFile; i++) {
      Files.deleteIfExists(all.get(i));
    }
  }

  /** Name order, except that {@code X-10} sorts after {@code X-9} (same-millisecond suffixes). */
  private static int backupOrder(String a, String b) {
    int dashA = a.lastIndexOf('-');
    int dashB = b.lastIndexOf('-');
    String stampA = dashA > a.lastIndexOf('Z') ? a.substring(0, dashA) : a;
    String stampB = dashB > b.lastIndexOf('Z') ? b.substring(0, dashB) : b;
    int byStamp = stampA.compareTo(stampB);
    if (byStamp != 0) {
      return byStamp;
    }
    return Integer.compare(suffix(a, stampA), suffix(b, stampB));
  }

  private static int suffix(String name, String stamp) {
    return name.length() == stamp.length() ? 0 : Integer.parseInt(name.substring(stamp.length() + 1));
  }

  private static void copyPermissions(Path from, Path to) {
    try {
      if (Files.exists(from)) {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(from);
        Files.setPosixFilePermissions(to, permissions);
      }
    } catch (UnsupportedOperationException | IOException e) {
      // not a POSIX file system: the new file gets the directory's defaults
    }
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // some platforms cannot open or sync a directory; the rename itself is still atomic
    }
  }
}
