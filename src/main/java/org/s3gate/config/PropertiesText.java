package org.s3gate.config;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.configuration2.PropertiesConfiguration.PropertiesReader;
import org.s3gate.policy.RawEntry;
import org.s3gate.policy.RawFile;

/**
 * Reads the bytes of one properties-style file into a {@link RawFile}: every entry in file order,
 * duplicates kept, each with the line its key is on.
 *
 * <p>Design: the syntax is exactly commons-configuration2's ({@code PropertiesReader}, what
 * {@code PropertiesConfiguration} itself uses): {@code key value}, {@code key=value} or
 * {@code key: value}; {@code #} and {@code !} comments; a trailing backslash continues a line;
 * backslash escapes (tab, unicode); surrounding whitespace trimmed; the value is the rest of the
 * line, spaces included, so HAProxy map files load as they are. We drive the reader ourselves
 * instead of loading a {@code PropertiesConfiguration} because the configuration object merges
 * duplicate keys into a list and forgets line numbers, and treats a key named {@code include} as a
 * file include; the reader is a {@code LineNumberReader}, so the line of each key is the line count
 * before the entry plus the comment and blank lines it skipped. No list delimiter handler is
 * involved, so {@code a,b} stays one value. Text must be UTF-8 (checked strictly, a leading BOM is
 * ignored): a byte that is not UTF-8 is an error naming its line, not a silent replacement char.
 *
 * <p>Lines are split by {@link Lines} (the splitter the map editor uses too) and handed to the
 * reader joined with {@code \n}, so the line numbers here are {@link Lines}'s by construction. A
 * control character other than tab and form feed (both whitespace in properties syntax) anywhere
 * in a line is an error naming the line: the reader would trim it silently at either end of a key
 * or value ({@code basic 1\0\0} loaded as {@code 1}, issue 13) or take it as a separator. Escapes
 * such as {@code \u0000} are not raw control characters; the compiler refuses them in values.
 *
 * <p>Immutable (static functions only).
 */
final class PropertiesText {

  private PropertiesText() {}

  /**
   * Parses the bytes; problems (invalid UTF-8, control characters) are added to {@code errors} as
   * {@code name:line: reason}.
   */
  static RawFile parse(String name, byte[] bytes, List<String> errors) {
    String text = decodeUtf8(name, bytes, errors);
    if (text == null) {
      return RawFile.empty(name);
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<Lines.Line> lines = Lines.split(text);
    StringBuilder normalized = new StringBuilder(text.length());
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).text();
      checkControlCharacters(name, i + 1, line, errors);
      normalized.append(line).append('\n');
    }
    List<RawEntry> entries = new ArrayList<>();
    try (PropertiesReader reader = new PropertiesReader(new StringReader(normalized.toString()))) {
      while (true) {
        int linesBefore = reader.getLineNumber();
        if (!reader.nextProperty()) {
          break;
        }
        int line = linesBefore + reader.getCommentLines().size() + 1;
        entries.add(new RawEntry(reader.getPropertyName(), reader.getPropertyValue(), line));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading from a string cannot fail", e);
    }
    return new RawFile(name, entries);
  }

  static void checkControlCharacters(String name, int line, String text, List<String> errors) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c) && c != '\t' && c != '\f') {
        errors.add(name + ":" + line + ": contains the control character " + String.format("U+%04X", (int) c)
            + " (column " + (i + 1) + "); remove it: a control character at the end of a key or value would be"
            + " dropped silently");
        return;
      }
    }
  }

  /** The text of {@code bytes} as strict UTF-8, or null with the line of the first bad byte in {@code errors}. */
  static String decodeUtf8(String name, byte[] bytes, List<String> errors) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length + 1);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      int line = 1; // counted as Lines splits: CRLF, lone LF, lone CR
      for (int i = 0; i < in.position(); i++) {
        if (bytes[i] == '\n' || (bytes[i] == '\r' && (i + 1 >= bytes.length || bytes[i + 1] != '\n'))) {
          line++;
        }
      }
      errors.add(name + ":" + line + ": not valid UTF-8 (byte " + (in.position() + 1) + "); save the file as UTF-8");
      return null;
    }
    return out.flip().toString();
  }
}
