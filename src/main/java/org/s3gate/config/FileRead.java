package org.s3gate.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/**
 * The bytes of one file at one moment: present with its bytes, absent, or unreadable with the
 * reason. {@link #sameAs} compares content, not timestamps.
 *
 * <p>Design, never block and never run out of memory (issue 13: a map pointed at {@code /dev/zero}
 * grew the heap by 4.4 GB until an {@code OutOfMemoryError} killed hot reload; a FIFO in
 * {@code conf/} blocked the reload, and with it every edit, on {@code open}): the file's attributes
 * are read first, following symbolic links, and only a regular file is opened; a FIFO, device,
 * socket or directory is an error naming what it is. A regular file is read up to
 * {@code maxBytes + 1} bytes, never more, so a file over the cap (or one growing while it is read)
 * is an error too, whatever its size claimed. What remains: a regular file swapped for a FIFO
 * between the attribute check and the open (microseconds) would still block that one read.
 *
 * <p>Immutable (the byte array is never handed out or modified after construction).
 */
final class FileRead {

  private static final byte[] NO_BYTES = new byte[0];

  private final boolean exists;
  private final byte[] bytes;
  private final String error;

  private FileRead(boolean exists, byte[] bytes, String error) {
    this.exists = exists;
    this.bytes = bytes;
    this.error = error;
  }

  /** Reads {@code path} if it is a regular file of at most {@code maxBytes} bytes; anything else is an error. */
  static FileRead of(Path path, long maxBytes) {
    try {
      BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
      if (!attributes.isRegularFile()) {
        return unreadable("not a regular file (" + kind(path, attributes) + "); only regular files are read");
      }
      if (attributes.size() > maxBytes) {
        return unreadable(tooBig(attributes.size() + " bytes", maxBytes));
      }
      byte[] bytes;
      try (InputStream in = Files.newInputStream(path)) {
        bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      }
      if (bytes.length > maxBytes) {
        return unreadable(tooBig("more than " + maxBytes + " bytes", maxBytes));
      }
      return new FileRead(true, bytes, null);
    } catch (NoSuchFileException e) {
      return new FileRead(false, NO_BYTES, null);
    } catch (IOException | SecurityException e) {
      return unreadable(e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private static FileRead unreadable(String reason) {
    return new FileRead(true, NO_BYTES, reason);
  }

  private static String tooBig(String size, long maxBytes) {
    return "the file is " + size + ", over reload.max_file_bytes (" + maxBytes + " bytes); raise the setting in"
        + " gateway.properties if the file is meant to be that big";
  }

  /**
   * What a non-regular file is, with the target of a symbolic link: {@code a FIFO},
   * {@code a character device, a link to /dev/zero}.
   */
  private static String kind(Path path, BasicFileAttributes attributes) {
    String kind = attributes.isDirectory() ? "a directory" : "a FIFO, device or socket";
    try {
      Object mode = Files.getAttribute(path, "unix:mode");
      if (mode instanceof Integer m) {
        kind = switch (m & 0170000) {
          case 0010000 -> "a FIFO";
          case 0020000 -> "a character device";
          case 0060000 -> "a block device";
          case 0140000 -> "a socket";
          case 0040000 -> "a directory";
          default -> kind;
        };
      }
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
      // no unix view on this platform: the generic description stands
    }
    if (Files.isSymbolicLink(path)) {
      try {
        kind += ", a link to " + path.toRealPath();
      } catch (IOException | SecurityException e) {
        kind += ", a symbolic link";
      }
    }
    return kind;
  }

  /** A file that exists with these bytes (a map edit's would-be content); the array must not change afterwards. */
  static FileRead ofBytes(byte[] bytes) {
    return new FileRead(true, bytes, null);
  }

  boolean exists() {
    return exists;
  }

  /** Why the file could not be read, or null. */
  String error() {
    return error;
  }

  int length() {
    return bytes.length;
  }

  byte[] bytesForParsing() {
    return bytes; // PropertiesText only reads it
  }

  boolean sameAs(FileRead other) {
    return exists == other.exists && java.util.Objects.equals(error, other.error) && Arrays.equals(bytes, other.bytes);
  }
}
