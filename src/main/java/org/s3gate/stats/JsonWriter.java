package org.s3gate.stats;

import java.time.Instant;

import org.s3gate.common.Escape;

/**
 * Appends JSON to a {@link StringBuilder}, putting in the commas itself: objects and arrays are
 * opened and closed by the caller, names and values are escaped here ({@link Escape#json}), so
 * client text (keys, paths, messages) can never break out of a string.
 *
 * <p>Not thread-safe; confined to the thread building one report.
 */
final class JsonWriter {
  private final StringBuilder out;
  /** Whether the innermost open object or array already has a member (the next one needs a comma). */
  private long hasMember;
  private int depth;
  /** Whether a name was just written, so the value that follows needs no comma. */
  private boolean pendingValueAfterName;

  JsonWriter(StringBuilder out) {
    this.out = out;
  }

  JsonWriter beginObject() {
    value();
    out.append('{');
    push();
    return this;
  }

  JsonWriter endObject() {
    depth--;
    out.append('}');
    return this;
  }

  JsonWriter beginArray() {
    value();
    out.append('[');
    push();
    return this;
  }

  JsonWriter endArray() {
    depth--;
    out.append(']');
    return this;
  }

  /** The name of the next member of the open object. */
  JsonWriter name(String name) {
    separate();
    out.append('"');
    Escape.json(name, out);
    out.append("\":");
    pendingValueAfterName = true;
    return this;
  }

  JsonWriter value(String text) {
    value();
    if (text == null) {
      out.append("null");
    } else {
      out.append('"');
      Escape.json(text, out);
      out.append('"');
    }
    return this;
  }

  JsonWriter value(long number) {
    value();
    out.append(number);
    return this;
  }

  /** A number with up to 3 decimals; NaN and infinities (not JSON) as null. */
  JsonWriter value(double number) {
    value();
    if (Double.isNaN(number) || Double.isInfinite(number)) {
      out.append("null");
    } else {
      out.append(Math.round(number * 1000) / 1000.0);
    }
    return this;
  }

  JsonWriter value(boolean bool) {
    value();
    out.append(bool);
    return this;
  }

  /** An ISO-8601 time, or null. */
  JsonWriter value(Instant time) {
    return value(time == null ? null : time.toString());
  }

  JsonWriter nullValue() {
    value();
    out.append("null");
    return this;
  }

  private void value() {
    if (pendingValueAfterName) {
      pendingValueAfterName = false; // the name wrote the comma
    } else {
      separate();
    }
  }

  private void separate() {
    if (depth == 0) {
      return;
    }
    long bit = 1L << (depth - 1);
    if ((hasMember & bit) != 0) {
      out.append(',');
    }
    hasMember |= bit;
  }

  private void push() {
    depth++;
    if (depth > 64) {
      throw new IllegalStateException("JSON nested deeper than 64");
    }
    hasMember &= ~(1L << (depth - 1));
  }
}
