package org.s3gate.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The format of an access log line ({@code access.log.format}): literal text with variables
 * {@code $name} or {@code ${name}} ({@code $$} is a literal {@code $}), parsed once per reload so
 * writing a line only walks a list. Unknown variables are configuration errors.
 *
 * <p>The query string is deliberately not a variable: presigned URLs carry their signature in it.
 *
 * <p>Immutable.
 */
public final class AccessLogFormat {
  /** The variables a format can use. */
  public enum Field {
    /** Completion time, ISO-8601 UTC with milliseconds. */
    TIME,
    /** The client's address: the TCP peer, or behind a trusted proxy the X-Forwarded-For hop it names. */
    CLIENT,
    METHOD,
    /** The raw request path, as sent. */
    PATH,
    PROTOCOL,
    STATUS,
    /** The request's Content-Length, {@code -} when unknown (chunked). */
    BYTES_IN,
    /** Body bytes sent to the client. */
    BYTES_OUT,
    /** Body bytes actually read from the client (what its bandwidth is charged), {@code -} for a denied request. */
    BYTES_READ,
    /** From the filter to the response's completion, milliseconds with three decimals. */
    DURATION_MS,
    /** The access key the request claims ({@code unknown} if none; {@code -} for exempt paths). */
    KEY,
    GROUP,
    /** Where the key was found: {@code v4_header}, {@code v2_presigned}, ..., {@code none}. */
    AUTH,
    /** {@code admitted}, {@code denied_per_second}, {@code denied_per_minute} or {@code exempt}. */
    DECISION,
    /**
     * The rule that denied the request, as the {@code rule} label of {@code s3gate_denials_total}
     * ({@code key_second}, {@code class_minute}, {@code bucket_second}, {@code bytes_in},
     * {@code bytes_out}, {@code concurrent}, ...); {@code -} when it was not denied.
     */
    RULE,
    /**
     * The bucket whose limit ({@code bucket_limits_per_*.map}) the request was counted against;
     * {@code -} when no bucket limit applied.
     */
    BUCKET,
    /** The backend that answered ({@code scheme://host:port}), {@code -} if none. */
    BACKEND,
    /** The response's {@code x-amz-request-id}. */
    REQUEST_ID,
    USER_AGENT,
    /** In {@code mode=shadow}, the rule that would have denied the request ({@code key_minute}, ...); {@code -} if none. */
    SHADOW;

    /** The variable's name in a format, e.g. {@code bytes_out}. */
    public String variable() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final String pattern;
  private final List<Object> parts;

  private AccessLogFormat(String pattern, List<Object> parts) {
    this.pattern = pattern;
    this.parts = List.copyOf(parts);
  }

  /**
   * Parses a format.
   *
   * @throws IllegalArgumentException naming the unknown variable or the syntax error
   */
  public static AccessLogFormat parse(String pattern) {
    List<Object> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < pattern.length()) {
      char c = pattern.charAt(i);
      if (c != '$') {
        literal.append(c);
        i++;
        continue;
      }
      if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '$') {
        literal.append('$');
        i += 2;
        continue;
      }
      int start;
      int end;
      int next;
      if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '{') {
        start = i + 2;
        end = pattern.indexOf('}', start);
        if (end < 0) {
          throw new IllegalArgumentException("'${' at position " + i + " is not closed with '}'");
        }
        next = end + 1;
      } else {
        start = i + 1;
        end = start;
        while (end < pattern.length() && (Character.isLetterOrDigit(pattern.charAt(end)) || pattern.charAt(end) == '_')) {
          end++;
        }
        next = end;
      }
      String name = pattern.substring(start, end);
      Field field = field(name);
      if (field == null) {
        throw new IllegalArgumentException("unknown variable '$" + name + "' (known: " + known() + ")");
      }
      if (literal.length() > 0) {
        parts.add(literal.toString());
        literal.setLength(0);
      }
      parts.add(field);
      i = next;
    }
    if (literal.length() > 0) {
      parts.add(literal.toString());
    }
    return new AccessLogFormat(pattern, parts);
  }

  private static Field field(String name) {
    for (Field field : Field.values()) {
      if (field.variable().equals(name)) {
        return field;
      }
    }
    return null;
  }

  private static String known() {
    return String.join(", ", Arrays.stream(Field.values()).map(Field::variable).toList());
  }

  /** Literal strings and {@link Field}s in order. */
  public List<Object> parts() {
    return parts;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof AccessLogFormat f && f.pattern.equals(pattern);
  }

  @Override
  public int hashCode() {
    return pattern.hashCode();
  }

  @Override
  public String toString() {
    return pattern;
  }
}
