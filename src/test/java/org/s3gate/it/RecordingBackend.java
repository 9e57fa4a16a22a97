package org.s3gate.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP server on a raw socket that records each request's head exactly as it arrived on the
 * wire (request line and header lines, byte for byte) and answers 200 with an empty body (and, like
 * MinIO, its own X-Content-Type-Options and Strict-Transport-Security headers). It is
 * the instrument for "what does the gateway send to the backend": no HTTP library sits between
 * the bytes and the assertion. Health checks are answered but not recorded.
 *
 * <p>Thread-safe: one acceptor thread, one thread per connection, a copy-on-write list of records.
 */
final class RecordingBackend implements AutoCloseable {
  /** One request as received: the request line and the header lines in order. */
  record Recorded(String requestLine, List<String> headerLines) {
    String header(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      return headerLines.stream().filter(line -> line.toLowerCase(Locale.ROOT).startsWith(prefix))
          .map(line -> line.substring(prefix.length()).trim()).findFirst().orElse(null);
    }

    List<String> headers(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      return headerLines.stream().filter(line -> line.toLowerCase(Locale.ROOT).startsWith(prefix)).toList();
    }
  }

  private final ServerSocket server;
  private final List<Recorded> recorded = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  RecordingBackend() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptLoop, "recording-backend");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  List<Recorded> recorded() {
    return List.copyOf(recorded);
  }

  void clear() {
    recorded.clear();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        Thread handler = new Thread(() -> serve(socket), "recording-backend-conn");
        handler.setDaemon(true);
        handler.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
      socket.setSoTimeout(10_000);
      while (true) {
        List<String> lines = readHead(in);
        if (lines == null || lines.isEmpty()) {
          return;
        }
        Recorded request = new Recorded(lines.get(0), List.copyOf(lines.subList(1, lines.size())));
        if (!request.requestLine().contains("/health")) {
          recorded.add(request);
        }
        String expect = request.header("Expect");
        if (expect != null && expect.equalsIgnoreCase("100-continue")) {
          out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
        skipBody(in, request);
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nETag: \"d41d8cd98f00b204e9800998ecf8427e\"\r\n"
            + "x-amz-request-id: RECORDED\r\nX-Content-Type-Options: backend-value\r\n"
            + "Strict-Transport-Security: max-age=1; includeSubDomains\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    } catch (IOException ignored) {
      // client went away
    }
  }

  /** The request line and header lines of the next request on {@code in}; null at the end of the stream. */
  static List<String> readHead(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int previous = -1;
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (previous == '\r' && b == '\n') {
        byte[] bytes = line.toByteArray();
        String text = new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
        if (text.isEmpty()) {
          return lines;
        }
        lines.add(text);
        line.reset();
        previous = -1;
        continue;
      }
      line.write(b);
      previous = b;
    }
    return lines.isEmpty() ? null : lines;
  }

  /** Reads past the body {@code request}'s framing announces (Content-Length or chunked). */
  static void skipBody(InputStream in, Recorded request) throws IOException {
    String length = request.header("Content-Length");
    if (length != null) {
      in.skipNBytes(Long.parseLong(length));
    } else if ("chunked".equalsIgnoreCase(request.header("Transfer-Encoding"))) {
      while (true) {
        StringBuilder size = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
          if (b < 0) {
            throw new IOException("eof in chunk size");
          }
          size.append((char) b);
        }
        int chunk = Integer.parseInt(size.toString().trim().split(";")[0], 16);
        in.skipNBytes(chunk + 2L);
        if (chunk == 0) {
          return;
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
