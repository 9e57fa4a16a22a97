package org.s3gate.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One HTTP/1.1 exchange on a raw socket, with the request written exactly as given: header names,
 * spelling, order, empty values and framing (a {@code Content-Length} that lies, a chunked body) are
 * the caller's, which no HTTP client library allows. It is how the transparency tests send the
 * requests real S3 clients get wrong or hand-built tools send, to the backend and to the gateway alike.
 *
 * <p>With {@code Expect: 100-continue} it waits (at most {@link #CONTINUE_WAIT_MILLIS}, as curl
 * does) for the interim response before sending the body, and sends no body when a final response
 * comes first. With {@code halfClose} the output is shut after the body, so a server waiting for
 * bytes a {@code Content-Length} promised sees the end of the stream instead of a stall.
 *
 * <p>Thread-safe: static functions only; each call uses its own connection.
 */
final class RawHttp {
  static final int CONTINUE_WAIT_MILLIS = 1000;
  private static final int READ_TIMEOUT_MILLIS = 15_000;

  private RawHttp() {}

  /** A response as read off the wire; status 0 and {@code failure} set when none arrived. */
  record Response(int status, List<String> headerLines, byte[] body, String failure) {
    String header(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      return headerLines.stream().filter(line -> line.toLowerCase(Locale.ROOT).startsWith(prefix))
          .map(line -> line.substring(prefix.length()).trim()).findFirst().orElse(null);
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return failure != null ? "no response (" + failure + ")" : status + " " + headerLines + " " + bodyText();
    }
  }

  /**
   * Sends {@code head} (request line and header lines, each without CRLF; the blank line is added)
   * and {@code body} bytes as they are, and reads one final response.
   */
  static Response exchange(String host, int port, List<String> head, byte[] body, boolean halfClose)
      throws IOException {
    return exchange(null, host, port, head, body, halfClose);
  }

  /**
   * The same from the local address {@code from} (null: any), to act as another client: Linux routes
   * all of 127.0.0.0/8 on loopback, so 127.0.0.2 is a second client without any setup.
   */
  static Response exchange(String from, String host, int port, List<String> head, byte[] body, boolean halfClose)
      throws IOException {
    StringBuilder text = new StringBuilder();
    for (String line : head) {
      text.append(line).append("\r\n");
    }
    text.append("\r\n");
    boolean expectContinue = head.stream().anyMatch(line -> line.toLowerCase(Locale.ROOT).startsWith("expect:")
        && line.toLowerCase(Locale.ROOT).contains("100-continue"));
    boolean isHead = head.get(0).startsWith("HEAD ");
    try (Socket socket = new Socket()) {
      if (from != null) {
        socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      }
      socket.connect(new InetSocketAddress(host, port), 5_000);
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      Response early = null;
      if (expectContinue && body.length > 0) {
        socket.setSoTimeout(CONTINUE_WAIT_MILLIS);
        try {
          early = readResponse(in, isHead);
        } catch (SocketTimeoutException noInterim) {
          early = null;
        }
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        if (early != null && early.status() >= 200) {
          return early;
        }
      }
      try {
        out.write(body);
        out.flush();
        if (halfClose) {
          socket.shutdownOutput();
        }
      } catch (IOException refused) {
        // the server answered and closed before taking the body: read what it said
      }
      while (true) {
        Response response;
        try {
          response = readResponse(in, isHead);
        } catch (IOException e) {
          return new Response(0, List.of(), new byte[0], e.toString());
        }
        if (response == null) {
          return new Response(0, List.of(), new byte[0], "connection closed without a response");
        }
        if (response.status() >= 200) {
          return response;
        }
      }
    }
  }

  /** Reads one response (interim ones too); null at the end of the stream before any byte. */
  private static Response readResponse(InputStream in, boolean isHead) throws IOException {
    List<String> lines = readHead(in);
    if (lines == null) {
      return null;
    }
    String[] statusLine = lines.get(0).split(" ", 3);
    int status = Integer.parseInt(statusLine[1]);
    List<String> headers = List.copyOf(lines.subList(1, lines.size()));
    Response partial = new Response(status, headers, new byte[0], null);
    if (status < 200 || status == 204 || status == 304 || isHead) {
      return partial;
    }
    String length = partial.header("Content-Length");
    String transferEncoding = partial.header("Transfer-Encoding");
    byte[] body;
    if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
      body = readChunked(in);
    } else if (length != null) {
      body = in.readNBytes(Integer.parseInt(length));
    } else {
      body = in.readAllBytes();
    }
    return new Response(status, headers, body, null);
  }

  private static byte[] readChunked(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = readLine(in);
      if (sizeLine == null) {
        throw new IOException("end of stream inside a chunked body");
      }
      int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
      if (size == 0) {
        for (String trailer = readLine(in); trailer != null && !trailer.isEmpty(); trailer = readLine(in)) {
          // trailers are not kept
        }
        return body.toByteArray();
      }
      body.write(in.readNBytes(size));
      readLine(in);
    }
  }

  private static List<String> readHead(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    while (true) {
      String line = readLine(in);
      if (line == null) {
        return lines.isEmpty() ? null : lines;
      }
      if (line.isEmpty()) {
        if (lines.isEmpty()) {
          continue;
        }
        return lines;
      }
      lines.add(line);
    }
  }

  /** One CRLF-terminated line without the CRLF; null at the end of the stream before any byte. */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int previous = -1;
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (previous == '\r' && b == '\n') {
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
      previous = b;
    }
    if (line.size() == 0) {
      return null;
    }
    throw new IOException("end of stream inside a line: " + line.toString(StandardCharsets.ISO_8859_1));
  }
}
