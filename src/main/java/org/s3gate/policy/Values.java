package org.s3gate.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.s3gate.common.Escape;

/**
 * Parsers for the value syntaxes of the configuration files. Each returns null (or throws
 * {@link IllegalArgumentException} with the rule) on bad input instead of guessing.
 *
 * <p>Immutable (static functions only).
 */
final class Values {

  static final String WHOLE_NUMBER_RULE = "must be a whole number >= 0";
  static final String DURATION_RULE = "must be a duration like 500ms, 30s, 2m, 1h or a number of milliseconds";

  static final String BYTE_SIZE_RULE = "must be a size like 16MiB, 512KiB, 1GiB or a number of bytes";

  private static final Pattern DURATION = Pattern.compile("(\\d{1,15})\\s*(ms|s|m|h)?");
  private static final Pattern BYTE_SIZE = Pattern.compile("(\\d{1,15})\\s*(B|KiB|MiB|GiB)?");

  static final String BANDWIDTH_RULE = "must be a whole number of bytes >= 0, optionally with k, M or G (powers of"
      + " 1024), e.g. 10M, and at most " + Long.MAX_VALUE + " bytes";
  private static final Pattern BANDWIDTH = Pattern.compile("(\\d{1,19})([kKMG])?");

  private Values() {}

  /** Bytes such as {@code 10485760}, {@code 512k}, {@code 10M}, {@code 1G} (k/K, M, G: powers of 1024); else null. */
  static Long parseBandwidth(String text) {
    Matcher m = BANDWIDTH.matcher(text);
    if (!m.matches()) {
      return null;
    }
    String unit = m.group(2);
    int shift = unit == null ? 0 : switch (unit) {
      case "k", "K" -> 10;
      case "M" -> 20;
      default -> 30;
    };
    try {
      long amount = Long.parseLong(m.group(1));
      return amount > Long.MAX_VALUE >> shift ? null : amount << shift;
    } catch (NumberFormatException tooLarge) {
      return null;
    }
  }

  /** A whole number 0..Integer.MAX_VALUE written in plain decimal digits, else null. */
  static Integer parseLimit(String text) {
    if (text.isEmpty() || text.length() > 10) {
      return null;
    }
    long value = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
      value = value * 10 + (c - '0');
    }
    return value <= Integer.MAX_VALUE ? (int) value : null;
  }

  /** Explains why {@link #parseLimit} refused the text. */
  static String limitRule(String text) {
    if (!text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return WHOLE_NUMBER_RULE + " and <= " + Integer.MAX_VALUE;
    }
    return WHOLE_NUMBER_RULE;
  }

  /** {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h} or plain milliseconds; else null. */
  static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.strip());
    if (!m.matches()) {
      return null;
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "ms" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }

  /** {@code 16MiB}, {@code 512KiB}, {@code 1GiB} (binary units) or bytes ({@code 4096}, {@code 4096B}); else null. */
  static Long parseByteSize(String text) {
    Matcher m = BYTE_SIZE.matcher(text.strip());
    if (!m.matches()) {
      return null;
    }
    long amount = Long.parseLong(m.group(1));
    int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
      case "KiB" -> 10;
      case "MiB" -> 20;
      case "GiB" -> 30;
      default -> 0;
    };
    return amount > (Long.MAX_VALUE >> shift) ? null : amount << shift;
  }

  /** {@code true}/{@code false} in any case, else null. */
  static Boolean parseBoolean(String text) {
    if ("true".equalsIgnoreCase(text)) {
      return Boolean.TRUE;
    }
    if ("false".equalsIgnoreCase(text)) {
      return Boolean.FALSE;
    }
    return null;
  }

  /** Splits a list written with commas and/or whitespace; empty text is an empty list. */
  static List<String> splitList(String text) {
    List<String> items = new ArrayList<>();
    for (String item : text.split("[,\\s]+")) {
      if (!item.isEmpty()) {
        items.add(item);
      }
    }
    return items;
  }

  static boolean hasControlChar(String s) {
    return Escape.hasControlCharacter(s);
  }

  /** One word: non-empty, no whitespace, no control characters (group names). */
  static boolean isWord(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c)) {
        return false;
      }
    }
    return true;
  }

  /** The candidate closest to {@code word} by edit distance, if close enough to be a likely typo. */
  static String closest(String word, Iterable<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int d = editDistance(word, candidate);
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
    return best != null && bestDistance <= Math.max(2, word.length() / 3) ? best : null;
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /** Quotes a value for a message as written; only control characters are made visible. */
  static String quote(String s) {
    return '\'' + Escape.controlCharacters(s) + '\'';
  }
}
