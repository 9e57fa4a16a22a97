package org.s3gate.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The one line splitter of the configuration files: the reload parser ({@link PropertiesText})
 * and the map editor ({@link MapText}) both number lines with it, so "line 7" is the same line for
 * a reload error, for the entry an edit replaces and for the operator's editor.
 *
 * <p>A line ends at {@code \r\n}, at a lone {@code \n} or at a lone {@code \r}: what
 * {@code java.io.BufferedReader.readLine} (and so commons-configuration2's {@code PropertiesReader})
 * treats as a line end. Issue 13 found the editor splitting on {@code \r?\n} only, so a lone CR in
 * a comment shifted its line numbers by one against the parser's: {@code del} of one key removed
 * the next key's line. Each {@link Line} keeps its own terminator, so an edit writes back the
 * lines it does not change byte for byte, lone CRs included.
 *
 * <p>Immutable (static functions only).
 */
final class Lines {

  /** One line: its text without the terminator, and the terminator ({@code ""} for a last line without one). */
  record Line(String text, String end) {

    @Override
    public String toString() {
      return text + end;
    }
  }

  private Lines() {}

  /** The lines of {@code text}; a final terminator does not make an extra empty line, empty text has none. */
  static List<Line> split(String text) {
    List<Line> lines = new ArrayList<>();
    int start = 0;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '\n' || c == '\r') {
        int end = c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n' ? i + 2 : i + 1;
        lines.add(new Line(text.substring(start, i), text.substring(i, end)));
        start = end;
        i = end;
      } else {
        i++;
      }
    }
    if (start < text.length()) {
      lines.add(new Line(text.substring(start), ""));
    }
    return lines;
  }

  /** The lines joined back, each with its own terminator: {@code join(split(t)).equals(t)} for every t. */
  static String join(List<Line> lines) {
    StringBuilder out = new StringBuilder();
    lines.forEach(line -> out.append(line.text()).append(line.end()));
    return out.toString();
  }
}
