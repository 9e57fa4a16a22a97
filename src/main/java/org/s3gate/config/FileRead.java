package org.s3gate.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The bytes of one file at one moment: present with its bytes, absent, or unreadable with the
 * reason. {@link #sameAs} compares content, not timestamps.
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

  static FileRead of(Path path) {
    try {
      return new FileRead(true, Files.readAllBytes(path), null);
    } catch (NoSuchFileException e) {
      return new FileRead(false, NO_BYTES, null);
    } catch (IOException | SecurityException e) {
      return new FileRead(true, NO_BYTES, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
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
