package org.s3gate.it;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Browser POST uploads (POST Object with a policy), built by hand as AWS documents them
 * ("Browser-based uploads using POST"): a multipart/form-data body whose fields come before the
 * {@code file} field, with a base64 policy document signed with SigV2 ({@code AWSAccessKeyId},
 * {@code signature}: HMAC-SHA1) or SigV4 ({@code x-amz-credential}, {@code x-amz-signature}:
 * HMAC-SHA256 with the signing key), or no policy at all (an anonymous upload, which needs a
 * bucket that grants everyone WRITE). The policy names every field of the form, as S3 requires.
 *
 * <p>Immutable: each form renders afresh for the bucket and time it is sent with.
 */
final class PostForms implements RawRequest.Form {
  enum Signing { NONE, V2, V4 }

  private static final String BOUNDARY = "s3gateFormBoundary0123456789";

  private final Signing signing;
  private final String key;
  private final Map<String, String> fields;
  private final byte[] file;
  private final long maxLength;
  private final boolean forgedSignature;

  private PostForms(Signing signing, String key, Map<String, String> fields, byte[] file, long maxLength,
      boolean forgedSignature) {
    this.signing = signing;
    this.key = key;
    this.fields = fields;
    this.file = file;
    this.maxLength = maxLength;
    this.forgedSignature = forgedSignature;
  }

  /** A form for {@code key} with {@code fields} (Content-Type, x-amz-meta-*, ...) before the file. */
  static PostForms of(Signing signing, String key, Map<String, String> fields, String file) {
    return new PostForms(signing, key, new LinkedHashMap<>(fields), file.getBytes(StandardCharsets.UTF_8),
        1024 * 1024, false);
  }

  /** The same form whose policy allows at most {@code bytes} of file. */
  PostForms maxLength(long bytes) {
    return new PostForms(signing, key, fields, file, bytes, forgedSignature);
  }

  /** The same form with a signature that does not match its policy. */
  PostForms forged() {
    return new PostForms(signing, key, fields, file, maxLength, true);
  }

  @Override
  public String key() {
    return key;
  }

  @Override
  public String boundary() {
    return BOUNDARY;
  }

  @Override
  public byte[] render(String bucket, Instant now) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("key", key);
    form.putAll(fields);
    if (signing != Signing.NONE) {
      List<String> conditions = new ArrayList<>();
      conditions.add("{\"bucket\":\"" + bucket + "\"}");
      conditions.add("[\"eq\",\"$key\",\"" + key + "\"]");
      fields.forEach((name, value) -> conditions.add("{\"" + name + "\":\"" + value + "\"}"));
      conditions.add("[\"content-length-range\",0," + maxLength + "]");
      String credential = S3Backend.ACCESS_KEY + "/" + S3Signing.scope(now);
      if (signing == Signing.V4) {
        conditions.add("{\"x-amz-algorithm\":\"AWS4-HMAC-SHA256\"}");
        conditions.add("{\"x-amz-credential\":\"" + credential + "\"}");
        conditions.add("{\"x-amz-date\":\"" + S3Signing.amzDate(now) + "\"}");
      }
      String expiration = now.plus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).toString();
      String policy = Base64.getEncoder().encodeToString(("{\"expiration\":\"" + expiration + "\",\"conditions\":["
          + String.join(",", conditions) + "]}").getBytes(StandardCharsets.UTF_8));
      String signed = forgedSignature ? policy.substring(0, policy.length() - 4) + "AAA=" : policy;
      if (signing == Signing.V2) {
        form.put("AWSAccessKeyId", S3Backend.ACCESS_KEY);
        form.put("policy", policy);
        form.put("signature", S3Signing.v2Signature(S3Backend.SECRET_KEY, signed));
      } else {
        form.put("x-amz-algorithm", "AWS4-HMAC-SHA256");
        form.put("x-amz-credential", credential);
        form.put("x-amz-date", S3Signing.amzDate(now));
        form.put("policy", policy);
        form.put("x-amz-signature", S3Signing.v4PolicySignature(S3Backend.SECRET_KEY, now, signed));
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    form.forEach((name, value) -> body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\""
        + name + "\"\r\n\r\n" + value + "\r\n").getBytes(StandardCharsets.UTF_8)));
    body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.txt\"\r\n"
        + "Content-Type: text/plain\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.writeBytes(file);
    body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return body.toByteArray();
  }

  @Override
  public String toString() {
    return "POST form " + signing + " key=" + key + " fields=" + fields;
  }
}
