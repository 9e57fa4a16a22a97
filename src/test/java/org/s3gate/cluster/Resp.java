package org.s3gate.cluster;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Just enough of the Redis protocol (RESP2) for test helpers to talk to a server without Lettuce:
 * a command goes out as an array of bulk strings (so arguments may hold spaces), a reply comes back
 * as {@code String} (simple and bulk strings), {@code Long}, {@code List<Object>}, {@code null} or
 * {@link Error}.
 *
 * <p>Stateless; thread-safe.
 */
final class Resp {
  /** An error reply ({@code -ERR ...}), returned rather than thrown so a test can assert on it. */
  record Error(String message) {
    @Override
    public String toString() {
      return "-" + message;
    }
  }

  private Resp() {}

  static void write(OutputStream out, String... args) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    buffer.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
    for (String arg : args) {
      byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
      buffer.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
      buffer.writeBytes(bytes);
      buffer.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    out.write(buffer.toByteArray());
    out.flush();
  }

  static Object read(InputStream in) throws IOException {
    String line = line(in);
    String rest = line.substring(1);
    return switch (line.charAt(0)) {
      case '+' -> rest;
      case '-' -> new Error(rest);
      case ':' -> Long.parseLong(rest);
      case '$' -> {
        int length = Integer.parseInt(rest);
        if (length < 0) {
          yield null;
        }
        byte[] body = in.readNBytes(length);
        line(in);
        yield new String(body, StandardCharsets.UTF_8);
      }
      case '*' -> {
        int n = Integer.parseInt(rest);
        if (n < 0) {
          yield null;
        }
        List<Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          items.add(read(in));
        }
        yield items;
      }
      default -> throw new IOException("not a RESP2 reply: " + line);
    };
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new EOFException("connection closed after '" + line + "'");
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }
}
