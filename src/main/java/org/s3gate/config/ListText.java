package org.s3gate.config;

import java.util.ArrayList;
import java.util.List;

import org.s3gate.policy.RawEntry;
import org.s3gate.policy.RawFile;

/**
 * Reads the bytes of a list file ({@code allowlist.lst}: one item per line) into a {@link RawFile}
 * whose entries have the item as key and an empty value, each with its 1-based line.
 *
 * <p>Syntax: blank lines and lines starting with {@code #} are skipped; a {@code #} after
 * whitespace starts a comment to the end of the line ({@code 10.0.0.0/8  # office}); surrounding
 * whitespace is trimmed. Text must be UTF-8 and free of control characters other than tab, checked
 * exactly as for the map files ({@link PropertiesText}), and lines are numbered by {@link Lines},
 * so {@code allowlist.lst:7} is line 7 in the operator's editor. What an item must look like is
 * the compiler's business.
 *
 * <p>Immutable (static functions only).
 */
final class ListText {

  private ListText() {}

  /** Parses the bytes; problems are added to {@code errors} as {@code name:line: reason}. */
  static RawFile parse(String name, byte[] bytes, List<String> errors) {
    String text = PropertiesText.decodeUtf8(name, bytes, errors);
    if (text == null) {
      return RawFile.empty(name);
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<RawEntry> entries = new ArrayList<>();
    List<Lines.Line> lines = Lines.split(text);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).text();
      PropertiesText.checkControlCharacters(name, i + 1, line, errors);
      String item = withoutComment(line).strip();
      if (!item.isEmpty()) {
        entries.add(new RawEntry(item, "", i + 1));
      }
    }
    return new RawFile(name, entries);
  }

  /** The line up to a {@code #} at its start or after whitespace. */
  private static String withoutComment(String line) {
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
        return line.substring(0, i);
      }
    }
    return line;
  }
}
