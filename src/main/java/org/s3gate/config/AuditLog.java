package org.s3gate.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import org.s3gate.common.Escape;
import org.s3gate.policy.RawEntry;

/**
 * {@code conf/audit.log}: one line per accepted map edit, appended and forced to disk:
 * <pre>
 * 2025-06-01T12:00:00.123Z map=rate_limits_per_minute.map op=set key=premium old=2000 new=3000 who=admin version=7 removed="line 2: premium 2000"
 * </pre>
 * Fields are {@code name=value} separated by one space, always in this order. A value that is
 * absent is {@code -}; a value that is empty, is {@code -}, or contains whitespace, {@code "} or
 * {@code \} is written in double quotes with {@code \"} and {@code \\} escaped
 * ({@code old="Basic rate limit exceeded"}). {@code clear} records the entry counts as old and new.
 * {@code who} is the JMX principal, or {@code local} when the caller is not authenticated.
 * {@code removed} names every entry the edit took out of the file or replaced, as it was written
 * there ({@code removed="line 3: basic 100; line 9: basic 200"} for a {@code del} of a key with a
 * duplicate; {@code -} when the edit only added a line): {@code old} is the value that was in force,
 * {@code removed} is what the backup has and the new file no longer has.
 *
 * <p>Thread-safe for whole lines on POSIX ({@code O_APPEND} writes of one buffer); callers serialize
 * edits anyway (the reloader's lock).
 */
final class AuditLog {

  static final String FILE_NAME = "audit.log";

  private AuditLog() {}

  static String line(Instant time, String map, MapEdit.Operation operation, String key, String oldValue,
      String newValue, String who, long version, List<RawEntry> removed) {
    return time + " map=" + field(map) + " op=" + operation.auditName() + " key=" + field(key)
        + " old=" + field(oldValue) + " new=" + field(newValue) + " who=" + field(who) + " version=" + version
        + " removed=" + field(removed.isEmpty() ? null : removed.stream()
            .map(e -> "line " + e.line() + ": " + e.key() + " " + e.value()).collect(Collectors.joining("; ")));
  }

  static void append(Path log, String line) throws IOException {
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    try (FileChannel channel = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      channel.write(java.nio.ByteBuffer.wrap(bytes));
      channel.force(false);
    }
  }

  static String field(String value) {
    if (value == null) {
      return "-";
    }
    boolean quote = value.isEmpty() || value.equals("-");
    for (int i = 0; i < value.length() && !quote; i++) {
      char c = value.charAt(i);
      quote = Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '"' || c == '\\' || Character.isISOControl(c);
    }
    if (!quote) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    return Escape.controlCharacters(out.append('"').toString());
  }
}
