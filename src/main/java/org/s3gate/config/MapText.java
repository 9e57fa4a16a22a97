package org.s3gate.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.s3gate.common.Escape;
import org.s3gate.config.Lines.Line;
import org.s3gate.policy.RawEntry;

/**
 * Applies a {@link MapEdit} to the text of a map file, keeping everything else as it was: comments,
 * blank lines, the order of entries, the separator style of the line it changes ({@code key value},
 * {@code key=value}, tabs) and every untouched line byte for byte, its own line terminator included.
 *
 * <p>Design: lines are split by {@link Lines} and entries located with {@link PropertiesText} (the
 * reload parser, which numbers lines with the same splitter), so the line an entry is on is the
 * line an edit changes; an entry spans its key's line plus any continuation lines (a line ending in
 * an odd number of backslashes). {@code SET} rewrites the first entry of the key (the one in force;
 * later duplicates stay ignored), {@code ADD} and {@code SET} of a new key append a line, {@code DEL}
 * removes every entry of the key, {@code CLEAR} removes every entry. A result with no non-blank line
 * gets a comment line, because the reloader refuses a map that went from non-empty to 0 bytes (it
 * looks like a half-written file). New lines end like the file's lines do ({@code \r\n} if any line
 * does, else {@code \n}).
 *
 * <p>Verified before anything is written (issue 13: a line-splitting disagreement once made
 * {@code del} of one key remove another's line and still publish it): the new text is parsed again
 * and its entries must be exactly the old entries with the intended change, every other entry
 * identical (key and value) and in the same order. Otherwise the edit is refused with an
 * {@link IllegalStateException}, and nothing is written or published. The entries the edit removes
 * or replaces are returned, for the audit line.
 *
 * <p>Keys are written literally, so they must be one token the parser reads back unchanged: no
 * whitespace, {@code =}, {@code :}, backslash or control characters, not starting with {@code #} or
 * {@code !}. Values are stripped; a backslash is escaped, and so is a leading {@code =} or
 * {@code :} (the parser would take it as part of the separator: {@code premium =x} reads as
 * {@code x}); control characters (a newline would smuggle in a second entry) are refused. Values are
 * not validated here: the compiler does that for the whole would-be policy.
 *
 * <p>Immutable (static functions only).
 */
final class MapText {

  static final String EMPTIED_COMMENT = "# (no entries)";

  /** The new text of the file, and the entries of the old text it removes or replaces (file order). */
  record Change(String text, List<RawEntry> removed) {
    Change {
      removed = List.copyOf(removed);
    }
  }

  private MapText() {}

  /** The new text, or an {@link IllegalArgumentException} naming the file, key and rule. */
  static Change apply(String fileName, String text, MapEdit edit) {
    List<Line> lines = new ArrayList<>(Lines.split(text));
    String newline = lines.stream().anyMatch(l -> l.end().equals("\r\n")) ? "\r\n" : "\n";
    List<RawEntry> entries = parse(fileName, text);
    List<RawEntry> removed = new ArrayList<>();
    List<RawEntry> expected = new ArrayList<>(entries);
    String key = edit.key();
    switch (edit.operation()) {
      case SET, ADD -> {
        checkKey(fileName, key);
        String value = checkValue(fileName, key, edit.value());
        RawEntry first = entries.stream().filter(e -> e.key().equals(key)).findFirst().orElse(null);
        if (first != null && edit.operation() == MapEdit.Operation.ADD) {
          throw new IllegalArgumentException(fileName + ": key '" + key + "' is already there (line " + first.line()
              + ", value '" + first.value() + "'): use set to change it");
        }
        RawEntry written = new RawEntry(key, value, 0);
        if (first == null) {
          dropTrailingBlankLines(lines);
          terminateLastLine(lines, newline);
          lines.add(new Line(key + " " + escapeValue(value), newline));
          expected.add(written);
        } else {
          int start = first.line() - 1;
          int end = entryEnd(lines, start);
          String end0 = lines.get(end).end();
          Line replaced = new Line(key + separatorOf(lines.get(start).text(), key) + escapeValue(value),
              end0.isEmpty() ? newline : end0);
          for (int i = end; i > start; i--) {
            lines.remove(i);
          }
          lines.set(start, replaced);
          removed.add(first);
          expected.set(entries.indexOf(first), written);
        }
      }
      case DEL -> {
        if (entries.stream().noneMatch(e -> e.key().equals(key))) {
          throw new IllegalArgumentException(fileName + ": no key '" + key + "' to delete");
        }
        removed.addAll(removeEntries(lines, entries, key));
        expected.removeIf(e -> e.key().equals(key));
      }
      case CLEAR -> {
        removed.addAll(removeEntries(lines, entries, null));
        expected.clear();
      }
      default -> throw new AssertionError(edit.operation());
    }
    if (lines.stream().allMatch(l -> l.text().isBlank())) {
      lines.clear();
      lines.add(new Line(EMPTIED_COMMENT, newline));
    }
    terminateLastLine(lines, newline);
    String newText = Lines.join(lines);
    verify(fileName, edit, expected, parse(fileName, newText));
    return new Change(newText, removed);
  }

  /**
   * Checks that the entries of the new text are {@code expected} (keys and values, in order; line
   * numbers may move), else refuses the edit naming the first difference.
   */
  static void verify(String fileName, MapEdit edit, List<RawEntry> expected, List<RawEntry> actual) {
    int n = Math.max(expected.size(), actual.size());
    for (int i = 0; i < n; i++) {
      RawEntry want = i < expected.size() ? expected.get(i) : null;
      RawEntry got = i < actual.size() ? actual.get(i) : null;
      boolean same = want != null && got != null && want.key().equals(got.key()) && want.value().equals(got.value());
      if (!same) {
        throw new IllegalStateException("refused, nothing changed: the " + edit.operation().auditName() + " of "
            + (edit.key() == null ? fileName : "'" + Escape.controlCharacters(edit.key()) + "' in " + fileName)
            + " did not verify: entry " + (i + 1) + " would be " + describe(got) + " instead of " + describe(want)
            + " (the file's text is not what the editor expects; edit it by hand or report a bug)");
      }
    }
  }

  private static String describe(RawEntry e) {
    return e == null ? "absent" : "'" + Escape.controlCharacters(e.key()) + " " + Escape.controlCharacters(e.value())
        + "'" + (e.line() > 0 ? " (line " + e.line() + ")" : "");
  }

  private static List<RawEntry> parse(String fileName, String text) {
    return PropertiesText.parse(fileName, text.getBytes(StandardCharsets.UTF_8), new ArrayList<>()).entries();
  }

  /**
   * Removes the entries of {@code key} (all entries when null), from the bottom up so line numbers
   * hold; returns them in file order.
   */
  private static List<RawEntry> removeEntries(List<Line> lines, List<RawEntry> entries, String key) {
    List<RawEntry> removed = new ArrayList<>();
    for (int i = entries.size() - 1; i >= 0; i--) {
      RawEntry e = entries.get(i);
      if (key == null || e.key().equals(key)) {
        int start = e.line() - 1;
        int end = entryEnd(lines, start);
        for (int j = end; j >= start; j--) {
          lines.remove(j);
        }
        removed.add(0, e);
      }
    }
    return removed;
  }

  static void checkKey(String fileName, String key) {
    String rule = null;
    if (key.isEmpty()) {
      rule = "must not be empty";
    } else if (key.charAt(0) == '#' || key.charAt(0) == '!') {
      rule = "must not start with '#' or '!' (a comment)";
    } else {
      for (int i = 0; i < key.length() && rule == null; i++) {
        char c = key.charAt(i);
        if (Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c)) {
          rule = "must be one word without spaces or control characters";
        } else if (c == '=' || c == ':' || c == '\\') {
          rule = "must not contain '=', ':' or '\\'";
        }
      }
    }
    if (rule != null) {
      throw new IllegalArgumentException(fileName + ": key '" + Escape.controlCharacters(key) + "' " + rule);
    }
  }

  private static String checkValue(String fileName, String key, String value) {
    String stripped = value.strip();
    for (int i = 0; i < stripped.length(); i++) {
      if (Character.isISOControl(stripped.charAt(i))) {
        throw new IllegalArgumentException(fileName + ": key '" + key + "' has value '" + Escape.controlCharacters(stripped)
            + "': must not contain control characters (newline, tab, ...)");
      }
    }
    return stripped;
  }

  /** The value as the parser reads it back: backslashes doubled, a leading separator character escaped. */
  static String escapeValue(String value) {
    String escaped = value.replace("\\", "\\\\");
    return escaped.startsWith("=") || escaped.startsWith(":") ? "\\" + escaped : escaped;
  }

  /** The separator the line uses after the key ({@code " "}, {@code "="}, {@code " = "}, a tab), else one space. */
  private static String separatorOf(String line, String key) {
    String rest = line.stripLeading();
    if (!rest.startsWith(key)) {
      return " ";
    }
    int i = key.length();
    int sepStart = i;
    while (i < rest.length() && (rest.charAt(i) == ' ' || rest.charAt(i) == '\t')) {
      i++;
    }
    if (i < rest.length() && (rest.charAt(i) == '=' || rest.charAt(i) == ':')) {
      i++;
      while (i < rest.length() && (rest.charAt(i) == ' ' || rest.charAt(i) == '\t')) {
        i++;
      }
    }
    return i == sepStart ? " " : rest.substring(sepStart, i);
  }

  /** The last line index of the entry starting at {@code start} (continuation lines included). */
  private static int entryEnd(List<Line> lines, int start) {
    int end = start;
    while (end < lines.size() - 1 && endsWithContinuation(lines.get(end).text())) {
      end++;
    }
    return end;
  }

  private static boolean endsWithContinuation(String line) {
    int backslashes = 0;
    for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
      backslashes++;
    }
    return backslashes % 2 == 1;
  }

  private static void dropTrailingBlankLines(List<Line> lines) {
    while (!lines.isEmpty() && lines.get(lines.size() - 1).text().isBlank()) {
      lines.remove(lines.size() - 1);
    }
  }

  /** Gives a last line without a terminator one, so the file ends with a line end (and a line can follow). */
  private static void terminateLastLine(List<Line> lines, String newline) {
    int last = lines.size() - 1;
    if (last >= 0 && lines.get(last).end().isEmpty()) {
      lines.set(last, new Line(lines.get(last).text(), newline));
    }
  }
}
