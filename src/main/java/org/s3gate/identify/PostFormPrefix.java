package org.s3gate.identify;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the fields of a POST Object form ({@code multipart/form-data}) that come before its
 * {@code file} part, and identifies the caller from them: {@code AWSAccessKeyId} (SigV2 policy)
 * or {@code X-Amz-Credential} (SigV4 policy) gives {@link AuthMethod#POST_POLICY}.
 *
 * <h2>Design</h2>
 * The body arrives in reads of any size, so every byte fed is kept in one growing buffer (the
 * caller replays it to the backend ahead of the rest of the stream) and parsing resumes where it
 * stopped: a delimiter or a {@code CRLF CRLF} split across two reads is found once the second
 * read arrives, and no byte is searched more than a delimiter's length times, so the work is
 * linear in the bytes fed. The buffer starts with a virtual {@code CRLF} so the first boundary
 * line, which RFC 2046 lets start the body, is found by the same search as the others.
 * Scanning stops ({@link #done()}) at the header block of the part named {@code file} (its
 * content is never parsed), at the closing delimiter, or once more than {@code maxBytes} have
 * been fed without reaching either.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>The caller is identified only if the scan reached the {@code file} part or the end of the
 *       form within {@code maxBytes}: a key field beyond the bound, or a bound reached before a
 *       later key field could contradict an earlier one, gives {@link CallerIdentity#ANONYMOUS}
 *       (a form without any key field too). A key field whose value is not a trusted key gives
 *       {@link CallerIdentity#UNKNOWN}; key fields naming two different keys are a refusal
 *       ({@link CallerIdentity.Refusal#CONFLICTING_KEYS}), as in {@link AccessKeyExtractor}.
 *   <li>Field names are compared case-insensitively (MinIO canonicalises them). A V4 credential
 *       is split as in the Authorization header: the last four {@code /}-elements are the scope.
 *   <li>Memory: the buffer holds at most {@code maxBytes} plus the last read fed. No input throws.
 * </ul>
 *
 * <p>Not thread-safe: confined to one request, fed by one reader at a time.
 */
public final class PostFormPrefix {

  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};
  private static final String V2_FIELD = "AWSAccessKeyId";
  private static final String V4_FIELD = "X-Amz-Credential";
  private static final String FILE_FIELD = "file";

  private enum State { DELIMITER, AFTER_DELIMITER, HEADERS, VALUE, DONE }

  private final byte[] delimiter; // CRLF "--" boundary
  private final int maxBytes;
  private byte[] buffer;
  private int length; // bytes in buffer, the virtual CRLF included
  private int limit; // parsing looks at buffer[0, limit): never beyond maxBytes of the body
  private State state = State.DELIMITER;
  private int position; // where the current state's search resumes
  private int partStart; // start of the current part's headers or value
  private String fieldName; // the current part's name, while in VALUE
  private boolean complete; // reached the file part or the closing delimiter
  private String v2Key; // raw field values, null if absent
  private String v4Key;
  private boolean conflict;

  /**
   * @param boundary the form's boundary, from {@link #boundary(String)}
   * @param maxBytes how many body bytes may be read before giving up, at least 1
   */
  public PostFormPrefix(String boundary, int maxBytes) {
    this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    this.maxBytes = maxBytes;
    this.buffer = new byte[Math.min(maxBytes, 4096) + CRLF.length];
    System.arraycopy(CRLF, 0, buffer, 0, CRLF.length);
    this.length = CRLF.length;
  }

  /**
   * The {@code boundary} parameter of a {@code multipart/form-data} Content-Type, unquoted; null
   * if the type is another or the boundary is missing, empty or longer than RFC 2046's 70 chars.
   */
  public static String boundary(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
    if (!type.equalsIgnoreCase("multipart/form-data") || semicolon < 0) {
      return null;
    }
    for (String parameter : contentType.substring(semicolon + 1).split(";")) {
      int equals = parameter.indexOf('=');
      if (equals > 0 && parameter.substring(0, equals).strip().equalsIgnoreCase("boundary")) {
        String value = unquote(parameter.substring(equals + 1).strip());
        return value.isEmpty() || value.length() > 70 ? null : value;
      }
    }
    return null;
  }

  /**
   * Takes the next bytes of the body and parses as far as they allow. Call only while
   * {@link #done()} is false.
   */
  public void feed(byte[] bytes, int offset, int count) {
    if (length + count > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(length + count, Math.min(buffer.length * 2,
          maxBytes + CRLF.length)));
    }
    System.arraycopy(bytes, offset, buffer, length, count);
    length += count;
    limit = Math.min(length, CRLF.length + maxBytes);
    parse();
    if (state != State.DONE && bytesFed() > maxBytes) {
      state = State.DONE; // bound reached first: not complete
    }
  }

  /** The body ended: nothing more will be fed. */
  public void end() {
    state = State.DONE;
  }

  /** Whether scanning has finished: further bytes would not change {@link #identity()}. */
  public boolean done() {
    return state == State.DONE;
  }

  /** Body bytes fed so far. */
  public int bytesFed() {
    return length - CRLF.length;
  }

  /** Copies the body bytes fed so far, to replay them ahead of the rest of the body. */
  public byte[] fed() {
    return Arrays.copyOfRange(buffer, CRLF.length, length);
  }

  /** Who the fields fed so far name (see the class comment). */
  public CallerIdentity identity() {
    if (!complete || (v2Key == null && v4Key == null)) {
      return CallerIdentity.ANONYMOUS;
    }
    if (conflict) {
      return CallerIdentity.CONFLICTING;
    }
    String fromV4 = v4Key == null ? null
        : AccessKeyExtractor.credentialKey(v4Key.strip(), 0, v4Key.strip().length());
    String fromV2 = v2Key == null ? null : KeyText.plainKey(v2Key.strip(), 0, v2Key.strip().length());
    if (fromV4 != null && fromV2 != null && !fromV4.equals(fromV2)) {
      return CallerIdentity.CONFLICTING;
    }
    String key = fromV4 != null ? fromV4 : fromV2;
    return key == null ? CallerIdentity.UNKNOWN : new CallerIdentity(key, AuthMethod.POST_POLICY);
  }

  private void parse() {
    while (state != State.DONE) {
      switch (state) {
        case DELIMITER -> {
          int at = indexOf(delimiter, position);
          if (at < 0) {
            position = Math.max(position, limit - delimiter.length + 1);
            return;
          }
          if (V2_FIELD.equalsIgnoreCase(fieldName) || V4_FIELD.equalsIgnoreCase(fieldName)) {
            field(fieldName, new String(buffer, partStart, at - partStart, StandardCharsets.UTF_8));
          }
          position = at + delimiter.length;
          partStart = position;
          state = State.AFTER_DELIMITER;
        }
        case AFTER_DELIMITER -> {
          if (limit - partStart < 2) {
            return;
          }
          if (buffer[partStart] == '-' && buffer[partStart + 1] == '-') {
            complete = true; // closing delimiter: a form without a file part
            state = State.DONE;
            return;
          }
          int lineEnd = indexOf(CRLF, position); // after transport padding
          if (lineEnd < 0) {
            position = Math.max(position, limit - CRLF.length + 1);
            return;
          }
          partStart = lineEnd; // the search below includes this CRLF: headers may be empty
          position = lineEnd;
          state = State.HEADERS;
        }
        case HEADERS -> {
          int end = indexOf(HEADER_END, position);
          if (end < 0) {
            position = Math.max(position, limit - HEADER_END.length + 1);
            return;
          }
          String name = partName(new String(buffer, partStart, end - partStart,
              StandardCharsets.UTF_8));
          if (FILE_FIELD.equalsIgnoreCase(name)) {
            complete = true;
            state = State.DONE;
            return;
          }
          fieldName = name;
          partStart = end + HEADER_END.length;
          position = end + 2; // the value may be empty: its delimiter starts with this CRLF
          state = State.DELIMITER;
        }
        default -> throw new AssertionError(state);
      }
    }
  }

  private void field(String name, String value) {
    if (V2_FIELD.equalsIgnoreCase(name)) {
      conflict |= v2Key != null && !v2Key.equals(value);
      v2Key = value;
    } else if (V4_FIELD.equalsIgnoreCase(name)) {
      conflict |= v4Key != null && !v4Key.equals(value);
      v4Key = value;
    }
  }

  /**
   * The {@code name} parameter of a part's {@code Content-Disposition: form-data} header; null if
   * there is none. {@code headers} starts with the CRLF ending the delimiter line.
   */
  static String partName(String headers) {
    for (String line : headers.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon < 0 || !line.substring(0, colon).strip().equalsIgnoreCase("Content-Disposition")) {
        continue;
      }
      String[] parameters = line.substring(colon + 1).split(";");
      if (!parameters[0].strip().equalsIgnoreCase("form-data")) {
        return null;
      }
      for (int i = 1; i < parameters.length; i++) {
        int equals = parameters[i].indexOf('=');
        if (equals > 0 && parameters[i].substring(0, equals).strip().equalsIgnoreCase("name")) {
          return unquote(parameters[i].substring(equals + 1).strip());
        }
      }
      return null;
    }
    return null;
  }

  private static String unquote(String value) {
    return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
        ? value.substring(1, value.length() - 1) : value;
  }

  /** First index of {@code needle} in {@code buffer[from, length)}, or -1. */
  private int indexOf(byte[] needle, int from) {
    int last = limit - needle.length;
    outer:
    for (int i = Math.max(from, 0); i <= last; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (buffer[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
