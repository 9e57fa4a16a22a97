package org.s3gate.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Finds out whether the backend refused a request's credentials: a 403 whose S3 error code is
 * {@code InvalidAccessKeyId} or {@code SignatureDoesNotMatch}. The body passes on to the client
 * untouched; only a copy of its first {@link #MAX_BYTES} bytes is kept, and only for a 403 with an
 * XML content type (S3 error bodies are small XML documents, well under that bound; the code comes
 * first in them). Memory: at most {@link #MAX_BYTES} per such response, nothing for any other.
 *
 * <p>Not thread-safe: confined to one response, whose listener callbacks Jetty serializes.
 */
final class CredentialRefusal {
  static final int MAX_BYTES = 4096;
  private static final String[] CODES = {"<Code>InvalidAccessKeyId</Code>", "<Code>SignatureDoesNotMatch</Code>"};

  private final byte[] head = new byte[MAX_BYTES];
  private int length;

  /** A watcher for a response with this status and content type, or null when it cannot be a refusal. */
  static CredentialRefusal watch(int status, String contentType) {
    return status == 403 && contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).contains("xml")
        ? new CredentialRefusal() : null;
  }

  /** Copies what fits of {@code content} without moving its position. */
  void copy(ByteBuffer content) {
    int n = Math.min(content.remaining(), MAX_BYTES - length);
    content.duplicate().get(head, length, n);
    length += n;
  }

  /** Whether the body seen so far names one of the credential error codes. */
  boolean refused() {
    String text = new String(head, 0, length, StandardCharsets.UTF_8);
    for (String code : CODES) {
      if (text.contains(code)) {
        return true;
      }
    }
    return false;
  }
}
