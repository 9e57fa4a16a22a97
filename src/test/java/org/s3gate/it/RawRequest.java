package org.s3gate.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A hand-built S3 request, described once and rendered for any target (the backend itself or the
 * gateway in front of it): the Host header, bucket and signature are the target's, everything else
 * is the description's, byte for byte. Built with small calls that read as the variant's name:
 * {@code RawRequest.put("k").v2().header("Content-MD5", "garbage").body("bar")}.
 *
 * <p>Signing: {@link Auth#V2} and {@link Auth#V4} sign in the Authorization header (V4 signs
 * every header given here but User-Agent and Expect, which SDKs leave out too; {@link #signed}
 * signs those, {@link #signContentLength} Content-Length, {@link #unsigned} leaves out another),
 * {@link Auth#V4_UNSIGNED_PAYLOAD} signs no payload hash, {@link Auth#V4_STREAMING} sends the payload
 * aws-chunked with chunk signatures, {@link Auth#V2_PRESIGNED} signs in the query string, and
 * {@link Auth#NONE} is an anonymous request. {@link #contentLength} may state a length that is
 * not the body's (a client's mistake, which the backend must be the one to answer); the signature
 * then still covers the payload the client meant to send. Without it, PUT and POST say the body's
 * length and other methods send none unless they have a body.
 *
 * <p>Not thread-safe: built and used by one test thread; {@link #send} renders afresh each time.
 */
final class RawRequest {
  enum Auth { NONE, V2, V4, V4_UNSIGNED_PAYLOAD, V4_STREAMING, V2_PRESIGNED }

  /** The body of a browser POST upload, rendered for the bucket it is sent to. */
  interface Form {
    byte[] render(String bucket, Instant now);

    /** The object key the form names. */
    String key();

    String boundary();
  }

  private static final int AWS_CHUNK_SIZE = 8192;

  private final String method;
  private final String key;
  private String query = "";
  private TransparencyTarget.BucketKind bucketKind = TransparencyTarget.BucketKind.PRIVATE;
  private Auth auth = Auth.V4;
  private final List<Map.Entry<String, String>> headers = new ArrayList<>();
  private final List<String> unsignedHeaders = new ArrayList<>(List.of("user-agent", "expect"));
  private byte[] payload = new byte[0];
  private Long contentLength;
  private boolean omitContentLength;
  private boolean chunkedTransfer;
  private boolean halfClose;
  private boolean signContentLength;
  private Form form;

  private RawRequest(String method, String key) {
    this.method = method;
    this.key = key;
  }

  static RawRequest put(String key) {
    return new RawRequest("PUT", key);
  }

  static RawRequest get(String key) {
    return new RawRequest("GET", key);
  }

  static RawRequest head(String key) {
    return new RawRequest("HEAD", key);
  }

  static RawRequest delete(String key) {
    return new RawRequest("DELETE", key);
  }

  /** A POST to the bucket itself (browser upload) when {@code key} is null. */
  static RawRequest post(String key) {
    return new RawRequest("POST", key);
  }

  RawRequest v2() {
    return auth(Auth.V2);
  }

  RawRequest v4() {
    return auth(Auth.V4);
  }

  RawRequest anonymous() {
    return auth(Auth.NONE);
  }

  RawRequest auth(Auth auth) {
    this.auth = auth;
    return this;
  }

  RawRequest bucket(TransparencyTarget.BucketKind kind) {
    this.bucketKind = kind;
    return this;
  }

  RawRequest query(String rawQuery) {
    this.query = rawQuery;
    return this;
  }

  /** A header as the client writes it (any case, any value, empty too), in this order. */
  RawRequest header(String name, String value) {
    headers.add(Map.entry(name, value));
    return this;
  }

  /** Signs {@code name} (lower-case) in V4 although it is left out by default (user-agent, expect). */
  RawRequest signed(String name) {
    unsignedHeaders.remove(name);
    return this;
  }

  /** Signs Content-Length in V4 (left out by default, as most SDKs do). */
  RawRequest signContentLength() {
    this.signContentLength = true;
    return this;
  }

  /** Leaves {@code name} (lower-case) out of the V4 signature. */
  RawRequest unsigned(String name) {
    unsignedHeaders.add(name);
    return this;
  }

  RawRequest body(String text) {
    return body(text.getBytes(StandardCharsets.UTF_8));
  }

  RawRequest body(byte[] bytes) {
    this.payload = bytes;
    return this;
  }

  /** States this Content-Length whatever the body's length is. */
  RawRequest contentLength(long length) {
    this.contentLength = length;
    return this;
  }

  RawRequest noContentLength() {
    this.omitContentLength = true;
    return this;
  }

  /** Sends the body with {@code Transfer-Encoding: chunked} (and no Content-Length). */
  RawRequest chunked() {
    this.chunkedTransfer = true;
    return this;
  }

  /** Shuts the connection's output after the body (for a Content-Length above the body). */
  RawRequest halfClose() {
    this.halfClose = true;
    return this;
  }

  RawRequest form(Form form) {
    this.form = form;
    return this;
  }

  /** A GET of an object (not of a bucket): its body is the object, the same both ways. */
  boolean objectGet() {
    return method.equals("GET") && key != null;
  }

  /** The object the request writes or reads: its key, or the key a POST form names; null for none. */
  String objectKey() {
    return key != null ? key : form != null ? form.key() : null;
  }

  TransparencyTarget.BucketKind bucketKind() {
    return bucketKind;
  }

  String key() {
    return key;
  }

  RawHttp.Response send(TransparencyTarget target) throws IOException {
    Instant now = Instant.now();
    String bucket = target.bucket(bucketKind);
    String path = "/" + bucket + (key == null ? "" : "/" + encodeKey(key));
    byte[] logical = form != null ? form.render(bucket, now) : payload;
    List<Map.Entry<String, String>> all = new ArrayList<>();
    all.add(Map.entry("Host", "127.0.0.1:" + target.port()));
    if (form != null) {
      all.add(Map.entry("Content-Type", "multipart/form-data; boundary=" + form.boundary()));
    }
    all.addAll(headers);
    String fullQuery = query;
    byte[] wire = logical;
    switch (auth) {
      case NONE -> { }
      case V2 -> {
        String date = S3Signing.httpDate(now);
        all.add(Map.entry("Date", date));
        String toSign = S3Signing.v2StringToSign(method, value(all, "content-md5"), value(all, "content-type"), date,
            amzHeaders(all), path + subResource());
        all.add(Map.entry("Authorization", "AWS " + S3Backend.ACCESS_KEY + ":"
            + S3Signing.v2Signature(S3Backend.SECRET_KEY, toSign)));
      }
      case V2_PRESIGNED -> {
        String expires = Long.toString(now.getEpochSecond() + 600);
        String toSign = S3Signing.v2StringToSign(method, value(all, "content-md5"), value(all, "content-type"), expires,
            amzHeaders(all), path + subResource());
        String signature = S3Signing.v2Signature(S3Backend.SECRET_KEY, toSign);
        fullQuery = (query.isEmpty() ? "" : query + "&") + "AWSAccessKeyId=" + S3Backend.ACCESS_KEY + "&Expires="
            + expires + "&Signature=" + S3Signing.uriEncode(signature);
      }
      case V4, V4_UNSIGNED_PAYLOAD, V4_STREAMING -> {
        String payloadHash = switch (auth) {
          case V4 -> S3Signing.sha256Hex(logical);
          case V4_UNSIGNED_PAYLOAD -> "UNSIGNED-PAYLOAD";
          default -> "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
        };
        all.add(Map.entry("x-amz-date", S3Signing.amzDate(now)));
        all.add(Map.entry("x-amz-content-sha256", payloadHash));
        if (auth == Auth.V4_STREAMING) {
          all.add(Map.entry("Content-Encoding", "aws-chunked"));
          all.add(Map.entry("x-amz-decoded-content-length", Integer.toString(logical.length)));
        }
        List<Map.Entry<String, String>> toSign = new ArrayList<>();
        for (Map.Entry<String, String> header : all) {
          if (!unsignedHeaders.contains(header.getKey().toLowerCase(Locale.ROOT))) {
            toSign.add(header);
          }
        }
        long length = auth == Auth.V4_STREAMING ? awsChunkedLength(logical.length) : logical.length;
        if (signContentLength && !omitContentLength && !chunkedTransfer
            && (contentLength != null || length > 0 || hasBodyMethod())) {
          toSign.add(Map.entry("content-length", Long.toString(contentLength != null ? contentLength : length)));
        }
        String seed = S3Signing.v4Signature(S3Backend.SECRET_KEY, now, method, path, query, toSign, payloadHash);
        all.add(Map.entry("Authorization", "AWS4-HMAC-SHA256 Credential=" + S3Backend.ACCESS_KEY + "/"
            + S3Signing.scope(now) + ", SignedHeaders=" + S3Signing.signedHeaderNames(toSign) + ", Signature=" + seed));
        if (auth == Auth.V4_STREAMING) {
          wire = awsChunked(logical, now, seed);
        }
      }
      default -> throw new IllegalStateException(auth.toString());
    }
    if (chunkedTransfer) {
      all.add(Map.entry("Transfer-Encoding", "chunked"));
      wire = httpChunked(wire);
    } else if (!omitContentLength && (contentLength != null || wire.length > 0 || hasBodyMethod())) {
      all.add(Map.entry("Content-Length", Long.toString(contentLength != null ? contentLength : wire.length)));
    }
    List<String> head = new ArrayList<>();
    head.add(method + " " + path + (fullQuery.isEmpty() ? "" : "?" + fullQuery) + " HTTP/1.1");
    for (Map.Entry<String, String> header : all) {
      head.add(header.getKey() + ":" + (header.getValue().isEmpty() ? "" : " " + header.getValue()));
    }
    return RawHttp.exchange("127.0.0.1", target.port(), head, wire, halfClose);
  }

  /** PUT and POST always say how long their body is (S3 wants a length); others only when asked or non-empty. */
  private boolean hasBodyMethod() {
    return method.equals("PUT") || method.equals("POST");
  }

  private String subResource() {
    for (String name : List.of("uploads", "acl", "tagging")) {
      if (query.equals(name)) {
        return "?" + name;
      }
    }
    return "";
  }

  private static String value(List<Map.Entry<String, String>> headers, String lowerName) {
    return headers.stream().filter(header -> header.getKey().toLowerCase(Locale.ROOT).equals(lowerName))
        .map(Map.Entry::getValue).findFirst().orElse("");
  }

  private static Map<String, String> amzHeaders(List<Map.Entry<String, String>> headers) {
    Map<String, String> amz = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, String> header : headers) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith("x-amz-")) {
        amz.merge(name, header.getValue().trim(), (a, b) -> a + "," + b);
      }
    }
    return amz;
  }

  static String encodeKey(String key) {
    StringBuilder path = new StringBuilder();
    for (String segment : key.split("/", -1)) {
      if (!path.isEmpty() || key.startsWith("/")) {
        path.append('/');
      }
      path.append(S3Signing.uriEncode(segment));
    }
    return path.toString();
  }

  private static long awsChunkedLength(int payloadLength) {
    long length = 0;
    for (int offset = 0; offset < payloadLength; offset += AWS_CHUNK_SIZE) {
      int size = Math.min(AWS_CHUNK_SIZE, payloadLength - offset);
      length += Integer.toHexString(size).length() + ";chunk-signature=".length() + 64 + 2 + size + 2;
    }
    return length + 1 + ";chunk-signature=".length() + 64 + 4;
  }

  private static byte[] awsChunked(byte[] payload, Instant now, String seedSignature) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String previous = seedSignature;
    int offset = 0;
    while (true) {
      int size = Math.min(AWS_CHUNK_SIZE, payload.length - offset);
      byte[] chunk = Arrays.copyOfRange(payload, offset, offset + size);
      previous = S3Signing.v4ChunkSignature(S3Backend.SECRET_KEY, now, previous, chunk);
      String chunkHead = Integer.toHexString(size) + ";chunk-signature=" + previous + "\r\n";
      out.writeBytes(chunkHead.getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(chunk);
      out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
      if (size == 0) {
        return out.toByteArray();
      }
      offset += size;
    }
  }

  /** The bytes as two HTTP chunks (or one), then the last chunk. */
  private static byte[] httpChunked(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int half = body.length / 2;
    for (byte[] piece : List.of(Arrays.copyOfRange(body, 0, half), Arrays.copyOfRange(body, half, body.length))) {
      if (piece.length > 0) {
        out.writeBytes((Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(piece);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
    }
    out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  @Override
  public String toString() {
    return method + " " + (key == null ? "(bucket)" : key) + " " + auth + " " + headers;
  }
}
