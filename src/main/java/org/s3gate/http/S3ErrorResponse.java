package org.s3gate.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.common.Escape;

/**
 * Writes S3-style XML error responses ({@code <Error><Code>..</Code>...</Error>}), the only error
 * format S3 clients parse and retry on. Used by the rate-limit filter (SlowDown) and the proxy
 * (ServiceUnavailable), so every error a client sees from the gateway looks like one from S3.
 *
 * <p>Immutable (static methods only); thread-safe.
 */
public final class S3ErrorResponse {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private S3ErrorResponse() {}

  /** A new request id in S3's shape: 16 upper-case hex digits. */
  public static String newRequestId() {
    long bits = ThreadLocalRandom.current().nextLong();
    char[] id = new char[16];
    for (int i = 15; i >= 0; i--) {
      id[i] = HEX[(int) (bits & 0xF)];
      bits >>>= 4;
    }
    return new String(id);
  }

  /**
   * Builds the XML body. {@code apiKey} may be null (then no ApiKey element is written). All values
   * are XML-escaped, so a hostile path or key cannot break the document.
   */
  public static String body(String code, String message, String resource, String requestId, String apiKey) {
    StringBuilder xml = new StringBuilder(256);
    xml.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>");
    Escape.xml(code, xml);
    xml.append("</Code><Message>");
    Escape.xml(message, xml);
    xml.append("</Message><Resource>");
    Escape.xml(resource, xml);
    xml.append("</Resource><RequestId>");
    Escape.xml(requestId, xml);
    xml.append("</RequestId>");
    if (apiKey != null) {
      xml.append("<ApiKey>");
      Escape.xml(apiKey, xml);
      xml.append("</ApiKey>");
    }
    xml.append("</Error>");
    return xml.toString();
  }

  /**
   * Sends {@code status} with the XML body and {@code x-amz-request-id}. Does nothing if the
   * response is already committed (the client then sees the connection closed mid-response).
   */
  public static void send(HttpServletResponse response, int status, String code, String message,
      String resource, String apiKey) throws IOException {
    if (response.isCommitted()) {
      return;
    }
    String requestId = newRequestId();
    byte[] bytes = body(code, message, resource, requestId, apiKey).getBytes(StandardCharsets.UTF_8);
    response.resetBuffer();
    response.setStatus(status);
    response.setContentType("application/xml");
    response.setHeader("x-amz-request-id", requestId);
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
    response.flushBuffer();
  }
}
