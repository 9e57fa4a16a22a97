package org.s3gate.it;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * One row of the differential table: a named request, sent once straight to the backend and once
 * through the gateway ({@link TransparencyTarget}), and the object key whose stored state is
 * compared afterwards. {@code prepare} runs on each side before the send (e.g. an object for a
 * DELETE to remove), against the backend directly.
 *
 * <p>Immutable.
 */
record TransparencyVariant(String name, TransparencyTarget.BucketKind bucket, String key, Prepare prepare,
    Sender sender) {
  /** Sends the variant's request to one target and says what came back. */
  interface Sender {
    Outcome send(TransparencyTarget target) throws Exception;
  }

  /** Readies a target's bucket (through the backend client) before the send. */
  interface Prepare {
    void run(S3Client backend, String bucket, String key) throws Exception;
  }

  /**
   * What a client saw: status, S3 error code (null for none), SHA-256 of a successful object
   * GET's body ("-" otherwise), and a detail for failure messages only (headers, body excerpt).
   */
  record Outcome(int status, String code, String bodySha256, String detail) {
    boolean sameAs(Outcome other) {
      return status == other.status && java.util.Objects.equals(code, other.code)
          && bodySha256.equals(other.bodySha256);
    }

    @Override
    public String toString() {
      return status + " code=" + code + (bodySha256.equals("-") ? "" : " body-sha256=" + bodySha256)
          + "\n      " + detail;
    }
  }

  private static final Pattern CODE = Pattern.compile("<Code>([^<]*)</Code>");
  private static final Prepare NOTHING = (backend, bucket, key) -> { };

  static TransparencyVariant raw(String name, RawRequest request) {
    return raw(name, request, NOTHING);
  }

  static TransparencyVariant raw(String name, RawRequest request, Prepare prepare) {
    return new TransparencyVariant(name, request.bucketKind(), request.objectKey(), prepare,
        target -> outcome(request.send(target), request.objectGet()));
  }

  /** An AWS SDK for Java v2 call on the target's client; {@code call} gets the client, bucket and key. */
  static TransparencyVariant sdk(String name, TransparencyTarget.BucketKind bucket, String key, SdkCall call) {
    return sdk(name, bucket, key, NOTHING, call);
  }

  static TransparencyVariant sdk(String name, TransparencyTarget.BucketKind bucket, String key, Prepare prepare,
      SdkCall call) {
    return new TransparencyVariant(name, bucket, key, prepare, target -> {
      try {
        return call.run(target, target.bucket(bucket), key);
      } catch (S3Exception e) {
        return new Outcome(e.statusCode(), e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode(), "-",
            e.getMessage());
      } catch (SdkClientException e) {
        return new Outcome(0, null, "-", e.toString());
      }
    });
  }

  /** An SDK call that answers with an outcome (or throws the SDK's exception). */
  interface SdkCall {
    Outcome run(TransparencyTarget target, String bucket, String key) throws Exception;
  }

  /** A boto3 call (see boto3_driver.py); {@code signature} is "s3" (SigV2) or "s3v4". */
  static TransparencyVariant boto3(String name, Boto3Driver driver, String signature, String op,
      TransparencyTarget.BucketKind bucket, String key, Map<String, Object> params, Prepare prepare) {
    return new TransparencyVariant(name, bucket, key, prepare, target -> {
      Boto3Driver.Answer answer = driver.call(target.endpoint(), signature, op, target.bucket(bucket), key, params);
      return new Outcome(answer.status(), answer.code(), answer.bodySha256(), answer.detail());
    });
  }

  static Outcome sdkSuccess(int status, String detail) {
    return new Outcome(status, null, "-", detail);
  }

  static Outcome sdkGet(byte[] body, String detail) {
    return new Outcome(200, null, S3Signing.sha256Hex(body), detail);
  }

  static RequestBody text(String body) {
    return RequestBody.fromString(body);
  }

  /** Sends a presigned URL with plain HTTP: the URL's path and query as they are, and the given headers. */
  static Outcome presigned(String method, URL url, Map<String, String> headers, byte[] body) throws Exception {
    List<String> head = new ArrayList<>();
    head.add(method + " " + url.getFile() + " HTTP/1.1");
    head.add("Host: " + url.getAuthority());
    headers.forEach((name, value) -> head.add(name + ": " + value));
    if (body.length > 0 || method.equals("PUT")) {
      head.add("Content-Length: " + body.length);
    }
    return outcome(RawHttp.exchange(url.getHost(), url.getPort(), head, body, false), method.equals("GET"));
  }

  /** The outcome of a raw exchange; the body's digest counts only for an object GET that succeeded. */
  static Outcome outcome(RawHttp.Response response, boolean objectGet) {
    if (response.failure() != null) {
      return new Outcome(0, null, "-", response.failure());
    }
    String body = response.bodyText();
    Matcher code = CODE.matcher(body);
    String digest = objectGet && response.status() == 200 ? S3Signing.sha256Hex(response.body()) : "-";
    List<String> headers = response.headerLines().stream()
        .filter(line -> !line.toLowerCase(Locale.ROOT).startsWith("x-ratelimit-"))
        .filter(line -> !line.toLowerCase(Locale.ROOT).startsWith("x-api-key:"))
        .filter(line -> !line.toLowerCase(Locale.ROOT).startsWith("x-auth-method:"))
        .toList();
    String excerpt = body.length() > 300 ? body.substring(0, 300) + "..." : body;
    return new Outcome(response.status(), code.find() ? code.group(1) : null, digest,
        headers + (excerpt.isEmpty() ? "" : " body: " + excerpt.replace('\n', ' ')));
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
