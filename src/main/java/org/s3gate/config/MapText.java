package org.s3gate.config;

import java.util.ArrayList;
import java.util.List;
import org.s3gate.common.Escape;
import org.s3gate.policy.RawEntry;

/**
 * Applies a {@link MapEdit} to the text of a map file, keeping everything else as it was: comments,
 * blank lines, the order of entries, the separator style of the line it changes ({@code key value},
 * {@code key=value}, tabs) and the file's line ending.
 *
 * <p>Design: the entries are located with {@link PropertiesText} (the reload parser, so a line is
 * found exactly as a reload would read it); an entry spans its key's line plus any continuation
 * lines (a line ending in an odd number of backslashes). {@code SET} rewrites the first entry of the
 * key (the one in force; later duplicates stay ignored), {@code ADD} and {@code SET} of a new key
 * append a line, {@code DEL} removes every entry of the key, {@code CLEAR} removes every entry. A
 * result with no non-blank line gets a comment line, because the reloader refuses a map that went
 * from non-empty to 0 bytes (it looks like a half-written file).
 *
 * <p>Keys are written literally, so they must be one token the parser reads back unchanged: no
 * whitespace, {@code =}, {@code :}, backslash or control characters, not starting with {@code #} or
 * {@code !}. Values are stripped; a backslash is escaped; control characters (a newline would
 * smuggle in a second entry) are refused. Values are not validated here: the compiler does that
 * for the whole would-be policy.
 *
 * <p>Immutable (static functions only).
 */
final class MapText {

  static final String EMPTIED_COMMENT = "# (no entries)";

  private MapText() {}

  /** The new text, or an {@link IllegalArgumentException} naming the file, key and rule. */
  static String apply(String fileName, String text, MapEdit edit) {
    List<String> lines = splitLines(text);
    String newline = text.contains("\r\n") ? "\r\n" : "\n";
    List<RawEntry> entries = PropertiesText.parse(fileName, text.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        new ArrayList<>()).entries();
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
        if (first == null) {
          dropTrailingBlankLines(lines);
          lines.add(key + " " + escapeValue(value));
        } else {
          int start = first.line() - 1;
          int end = entryEnd(lines, start);
          String replaced = key + separatorOf(lines.get(start), key) + escapeValue(value);
          for (int i = end; i > start; i--) {
            lines.remove(i);
          }
          lines.set(start, replaced);
        }
      }
      case DEL -> {
        if (entries.stream().noneMatch(e -> e.key().equals(key))) {
          throw new IllegalArgumentException(fileName + ": no key '" + key + "' to delete");
        }
        removeEntries(lines, entries, key);
      }
      case CLEAR -> removeEntries(lines, entries, null);
      default -> throw new AssertionError(edit.operation());
    }
    if (lines.stream().allMatch(String::isBlank)) {
      lines.clear();
      lines.add(EMPTIED_COMMENT);
    }
    return String.join(newline, lines) + newline;
  }

  /** Removes the entries of {@code key} (all entries when null), from the bottom up so line numbers hold. */
  private static void removeEntries(List<String> lines, List<RawEntry> entries, String key) {
    for (int i = entries.size() - 1; i >= 0; i--) {
      RawEntry e = entries.get(i);
      if (key == null || e.key().equals(key)) {
        int start = e.line() - 1;
        int end = entryEnd(lines, start);
        for (int j = end; j >= start; j--) {
          lines.remove(j);
        }
      }
    }
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

  private static String escapeValue(String value) {
    return value.replace("\\", "\\\\");
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
  private static int entryEnd(List<String> lines, int start) {
    int end = start;
    while (end < lines.size() - 1 && endsWithContinuation(lines.get(end))) {
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

  private static void dropTrailingBlankLines(List<String> lines) {
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
      lines.remove(lines.size() - 1);
    }
  }

  /** Lines without their terminators; a final newline does not make an extra empty line. */
  private static List<String> splitLines(String text) {
    List<String> lines = new ArrayList<>(List.of(text.split("\r?\n", -1)));
    if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    return lines;
  }
}
