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
 * <p>Immutable (static functions only).
 */
final class PropertiesText {

  private PropertiesText() {}

  /** Parses the bytes; problems (invalid UTF-8) are added to {@code errors} as {@code name:line: reason}. */
  static RawFile parse(String name, byte[] bytes, List<String> errors) {
    String text = decodeUtf8(name, bytes, errors);
    if (text == null) {
      return RawFile.empty(name);
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<RawEntry> entries = new ArrayList<>();
    try (PropertiesReader reader = new PropertiesReader(new StringReader(text))) {
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

  private static String decodeUtf8(String name, byte[] bytes, List<String> errors) {
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
      int line = 1;
      for (int i = 0; i < in.position(); i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      errors.add(name + ":" + line + ": not valid UTF-8 (byte " + (in.position() + 1) + "); save the file as UTF-8");
      return null;
    }
    return out.flip().toString();
  }
}
