package org.s3gate.accesslog;

import java.time.Instant;

import org.s3gate.policy.AccessLogFormat;

/**
 * Formats access log lines: the record's fields in its {@code access.log.format}, each value
 * escaped so a line always splits on spaces (bytes below 0x21, DEL, {@code "} and {@code \}
 * become {@code \xHH}; an empty or missing value is {@code -}). Values that need no escaping, the
 * usual case, are appended in one bulk copy.
 *
 * <p>Not thread-safe: one instance per writer thread (its line buffer and time cache are reused).
 */
final class AccessLineFormatter {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private final StringBuilder text = new StringBuilder(256);
  private final InstantText time = new InstantText();

  /**
   * The record's line, without a line terminator, in a buffer reused by the next call; prefixed
   * with its ISO-8601 completion time and a space when {@code timePrefix}.
   */
  StringBuilder format(AccessRecord record, boolean timePrefix) {
    text.setLength(0);
    if (timePrefix) {
      text.append(time.text(record.epochMillis())).append(' ');
    }
    format(record, text, time);
    return text;
  }

  /** Appends the record's line in its format. */
  static void format(AccessRecord r, StringBuilder out) {
    format(r, out, new InstantText());
  }

  private static void format(AccessRecord r, StringBuilder out, InstantText time) {
    for (Object part : r.format().parts()) {
      if (part instanceof String literal) {
        out.append(literal);
        continue;
      }
      switch ((AccessLogFormat.Field) part) {
        case TIME -> out.append(time.text(r.epochMillis()));
        case CLIENT -> value(r.client(), out);
        case METHOD -> value(r.method(), out);
        case PATH -> value(r.path(), out);
        case PROTOCOL -> value(r.protocol(), out);
        case STATUS -> out.append(r.status());
        case BYTES_IN -> {
          if (r.bytesIn() < 0) {
            out.append('-');
          } else {
            out.append(r.bytesIn());
          }
        }
        case BYTES_OUT -> out.append(r.bytesOut());
        case BYTES_READ -> {
          if (r.bytesRead() < 0) {
            out.append('-');
          } else {
            out.append(r.bytesRead());
          }
        }
        case RULE -> value(r.rule(), out);
        case BUCKET -> value(r.bucket(), out);
        case DURATION_MS -> {
          long micros = r.durationNanos() / 1000;
          out.append(micros / 1000).append('.');
          long fraction = micros % 1000;
          out.append(fraction < 100 ? (fraction < 10 ? "00" : "0") : "").append(fraction);
        }
        case KEY -> value(r.key(), out);
        case GROUP -> value(r.group(), out);
        case AUTH -> value(r.auth(), out);
        case DECISION -> value(r.decision(), out);
        case BACKEND -> value(r.backend(), out);
        case REQUEST_ID -> value(r.requestId(), out);
        case USER_AGENT -> value(r.userAgent(), out);
        case SHADOW -> value(r.shadow(), out);
        default -> throw new IllegalStateException("unhandled field " + part);
      }
    }
  }

  private static void value(String value, StringBuilder out) {
    if (value == null || value.isEmpty()) {
      out.append('-');
      return;
    }
    int first = firstToEscape(value);
    if (first == value.length()) {
      out.append(value); // the usual case: one bulk copy instead of a char at a time
      return;
    }
    out.append(value, 0, first);
    for (int i = first; i < value.length(); i++) {
      char c = value.charAt(i);
      if (needsEscape(c)) {
        out.append("\\x").append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
      } else {
        out.append(c);
      }
    }
  }

  private static int firstToEscape(String value) {
    int i = 0;
    while (i < value.length() && !needsEscape(value.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean needsEscape(char c) {
    return c <= 0x20 || c == 0x7F || c == '"' || c == '\\';
  }

  /**
   * ISO-8601 text of an epoch millisecond, as {@link Instant#toString()} writes it, remembering
   * the last one: lines of a batch mostly share their millisecond (dozens per millisecond under
   * load), and formatting an {@code Instant} was ~0.5 % of the gateway's CPU. Not thread-safe.
   */
  private static final class InstantText {
    private long epochMillis = Long.MIN_VALUE;
    private String text = "";

    String text(long epochMillis) {
      if (epochMillis != this.epochMillis) {
        this.text = Instant.ofEpochMilli(epochMillis).toString();
        this.epochMillis = epochMillis;
      }
      return text;
    }
  }
}
