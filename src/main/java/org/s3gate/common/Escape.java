package org.s3gate.common;

/**
 * The one place where text from outside (keys, paths, messages, file contents) is made safe for
 * the formats the gateway writes: XML (S3 error bodies), JSON (health, stats), and operator-facing
 * messages and audit lines, where a control character must be visible instead of breaking the line.
 *
 * <p>Each function is total: any input, including null where stated, gives a result; nothing throws.
 * Escaping is linear in the input and copies nothing when nothing needs escaping.
 *
 * <p>Immutable (static functions only); thread-safe.
 */
public final class Escape {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Escape() {}

  /**
   * Appends {@code text} XML-escaped ({@code < > & " '}); characters XML 1.0 forbids (control
   * characters other than tab, CR and LF) become U+FFFD. Null appends nothing.
   */
  public static void xml(String text, StringBuilder out) {
    if (text == null) {
      return;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&apos;");
        default -> out.append(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '\uFFFD' : c);
      }
    }
  }

  /**
   * Appends {@code text} as the inside of a JSON string: quote and backslash escaped, control
   * characters as backslash-u escapes.
   */
  public static void json(String text, StringBuilder out) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7F) {
        unicode(c, out);
      } else {
        out.append(c);
      }
    }
  }

  /**
   * {@code text} with every control character written as a backslash-u escape (NUL as backslash,
   * {@code u0000}), for messages and logs; the rest as written.
   */
  public static String controlCharacters(String text) {
    int first = 0;
    while (first < text.length() && !Character.isISOControl(text.charAt(first))) {
      first++;
    }
    if (first == text.length()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 8).append(text, 0, first);
    for (int i = first; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c)) {
        unicode(c, out);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** Whether {@code text} has a control character (C0, DEL or C1). */
  public static boolean hasControlCharacter(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (Character.isISOControl(text.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static void unicode(char c, StringBuilder out) {
    out.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF]).append(HEX[c >> 4 & 0xF])
        .append(HEX[c & 0xF]);
  }
}
