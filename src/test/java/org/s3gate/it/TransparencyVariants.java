package org.s3gate.it;

import static org.s3gate.it.TransparencyTarget.BucketKind.PRIVATE;
import static org.s3gate.it.TransparencyTarget.BucketKind.PUBLIC_READ;
import static org.s3gate.it.TransparencyTarget.BucketKind.PUBLIC_WRITE;
import static org.s3gate.it.TransparencyVariant.boto3;
import static org.s3gate.it.TransparencyVariant.bytes;
import static org.s3gate.it.TransparencyVariant.presigned;
import static org.s3gate.it.TransparencyVariant.raw;
import static org.s3gate.it.TransparencyVariant.sdk;
import static org.s3gate.it.TransparencyVariant.sdkGet;
import static org.s3gate.it.TransparencyVariant.sdkSuccess;
import static org.s3gate.it.TransparencyVariant.text;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

/**
 * The differential table of {@link TransparencyIT}: every request here must get the same answer
 * (status, S3 error code, a GET's body) and leave the same stored object (body, Content-Type,
 * user metadata) straight from the backend as through the gateway. To add a case, add a row: a
 * name that says what is special about the request, and the request, built with
 * {@link RawRequest} (hand-signed, any header, any framing), the AWS SDK for Java v2, or boto3.
 *
 * <p>Left out, with the reason:
 * <ul>
 *   <li>a PUT or POST with neither Content-Length nor a body: Jetty's HTTP/1.1 client sends it with
 *       {@code Content-Length: 0} and cannot be told otherwise (see RequestHeadersIT); s3proxy
 *       answers 411 MissingContentLength directly and stores an empty object through the gateway;
 *   <li>a body shorter than its Content-Length (the client half-closes): s3proxy answers 400
 *       InvalidRequest (Jetty's "Early EOF"), the gateway 400 IncompleteBody, as S3 and MinIO do,
 *       since it cannot pass the truncation on for the backend to answer; TransparencyIT checks
 *       that case on its own.
 * </ul>
 *
 * <p>Not thread-safe: the rows share the boto3 driver, which serves one call at a time.
 */
final class TransparencyVariants {
  static final String SEED_KEY = "seed.txt";
  static final String PRIVATE_SEED_KEY = "private.txt";
  static final String SEED_BODY = "seed object\n";
  /** The object keys ProxyIT round-trips, which naive proxies corrupt. */
  static final List<String> HOSTILE_KEYS = List.of("x%2Fy", "sp ace+plus", "ünï/čødé", "100%", "a+b=c&d",
      "k".repeat(1000));

  private static final String BAR = "bar";
  private static final String MD5_OF_BAR = S3Signing.md5Base64(bytes(BAR));
  private static final String MD5_OF_OTHER = S3Signing.md5Base64(bytes("other"));
  private static final String GARBAGE_MD5 = "not-a-digest!";
  private static final String BOTO_USER_AGENT = "Boto3/1.26.27 md/Botocore#1.29.27 ua/2.0 os/linux#6.1 Python/3.11.2";
  private static final byte[] LARGE = random(20_000);
  private static final TransparencyVariant.Prepare PUT_OBJECT = (backend, bucket, key) ->
      backend.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("to be deleted"));

  private TransparencyVariants() {}

  static List<TransparencyVariant> all(Boto3Driver boto) {
    List<TransparencyVariant> rows = new ArrayList<>();
    sigV2(rows);
    sigV4(rows);
    presignedUrls(rows);
    anonymous(rows);
    postUploads(rows);
    sdkRows(rows);
    boto3Rows(rows, boto);
    return rows;
  }

  private static void sigV2(List<TransparencyVariant> rows) {
    rows.add(raw("v2 PUT without Content-Type", RawRequest.put("v2-no-type").v2().body(BAR)));
    rows.add(raw("v2 PUT with Content-Type", RawRequest.put("v2-type").v2()
        .header("Content-Type", "text/plain;charset=UTF-8").body(BAR)));
    rows.add(raw("v2 PUT with empty Content-Type", RawRequest.put("v2-empty-type").v2().header("Content-Type", "")
        .body(BAR)));
    rows.add(raw("v2 PUT with valid Content-MD5", RawRequest.put("v2-md5").v2().header("Content-MD5", MD5_OF_BAR)
        .body(BAR)));
    rows.add(raw("v2 PUT with wrong Content-MD5", RawRequest.put("v2-md5-wrong").v2()
        .header("Content-MD5", MD5_OF_OTHER).body(BAR)));
    rows.add(raw("v2 PUT with garbage Content-MD5", RawRequest.put("v2-md5-garbage").v2()
        .header("Content-MD5", GARBAGE_MD5).body(BAR)));
    rows.add(raw("v2 PUT with Content-Length below the body", RawRequest.put("v2-length-below").v2()
        .header("Content-MD5", S3Signing.md5Base64(bytes("barbaz"))).body("barbaz").contentLength(3)));
    rows.add(raw("v2 PUT with Expect 100-continue", RawRequest.put("v2-expect").v2()
        .header("Expect", "100-continue").body(BAR)));
    rows.add(raw("v2 PUT with empty User-Agent", RawRequest.put("v2-ua-empty").v2().header("User-Agent", "")
        .body(BAR)));
    rows.add(raw("v2 PUT with a User-Agent", RawRequest.put("v2-ua").v2().header("User-Agent", BOTO_USER_AGENT)
        .body(BAR)));
    rows.add(raw("v2 PUT with user metadata", RawRequest.put("v2-meta").v2().header("x-amz-meta-color", "blue")
        .header("X-Amz-Meta-Mixed-Case", "Value  with  spaces").body(BAR)));
    rows.add(raw("v2 PUT with lower-case header names", RawRequest.put("v2-lower").v2()
        .header("content-type", "text/plain").header("content-md5", MD5_OF_BAR).header("user-agent", "aws-cli/1.0")
        .body(BAR)));
    rows.add(raw("v2 PUT with chunked transfer", RawRequest.put("v2-chunked").v2().body(LARGE).chunked()));
    rows.add(raw("v2 PUT with Content-Length 0 and no body", RawRequest.put("v2-empty").v2()));
    rows.add(raw("v2 GET object", RawRequest.get(SEED_KEY).v2()));
    rows.add(raw("v2 GET missing key", RawRequest.get("v2-missing").v2()));
    rows.add(raw("v2 HEAD object", RawRequest.head(SEED_KEY).v2()));
    rows.add(raw("v2 DELETE object", RawRequest.delete("v2-delete").v2(), PUT_OBJECT));
  }

  private static void sigV4(List<TransparencyVariant> rows) {
    rows.add(raw("v4 PUT without Content-Type", RawRequest.put("v4-no-type").v4().body(BAR)));
    rows.add(raw("v4 PUT with Content-Type and metadata", RawRequest.put("v4-type-meta").v4()
        .header("Content-Type", "application/json; charset=utf-8").header("x-amz-meta-color", "blue")
        .body("{\"a\":1}")));
    rows.add(raw("v4 PUT with signed empty Content-Type", RawRequest.put("v4-empty-type").v4()
        .header("Content-Type", "").body(BAR)));
    rows.add(raw("v4 PUT UNSIGNED-PAYLOAD without Content-Type", RawRequest.put("v4-unsigned")
        .auth(RawRequest.Auth.V4_UNSIGNED_PAYLOAD).body(BAR)));
    rows.add(raw("v4 PUT with valid Content-MD5", RawRequest.put("v4-md5").v4().header("Content-MD5", MD5_OF_BAR)
        .body(BAR)));
    rows.add(raw("v4 PUT with wrong Content-MD5", RawRequest.put("v4-md5-wrong").v4()
        .header("Content-MD5", MD5_OF_OTHER).body(BAR)));
    rows.add(raw("v4 PUT with garbage Content-MD5", RawRequest.put("v4-md5-garbage").v4()
        .header("Content-MD5", GARBAGE_MD5).body(BAR)));
    rows.add(raw("v4 PUT with Content-Length below the body", RawRequest.put("v4-length-below").v4().body("barbaz")
        .contentLength(3)));
    rows.add(raw("v4 PUT with signed Content-Length", RawRequest.put("v4-signed-length").v4().signContentLength()
        .body(BAR)));
    rows.add(raw("v4 PUT with Expect 100-continue", RawRequest.put("v4-expect").v4()
        .header("Expect", "100-continue").body(BAR)));
    rows.add(raw("v4 PUT with signed Expect and no body", RawRequest.put("v4-expect-empty").v4().signed("expect")
        .header("Expect", "100-continue")));
    rows.add(raw("v4 PUT with signed empty User-Agent", RawRequest.put("v4-ua-empty").v4().signed("user-agent")
        .header("User-Agent", "").body(BAR)));
    rows.add(raw("v4 PUT with signed User-Agent", RawRequest.put("v4-ua").v4().signed("user-agent")
        .header("User-Agent", BOTO_USER_AGENT).body(BAR)));
    rows.add(raw("v4 PUT with lower-case header names, all signed", RawRequest.put("v4-lower").v4()
        .signed("user-agent").signed("expect").signContentLength().header("content-type", "text/plain")
        .header("content-md5", MD5_OF_BAR).header("user-agent", "aws-cli/2.0").header("expect", "100-continue")
        .body(BAR)));
    rows.add(raw("v4 PUT aws-chunked with chunk signatures", RawRequest.put("v4-aws-chunked")
        .auth(RawRequest.Auth.V4_STREAMING).body(LARGE)));
    rows.add(raw("v4 PUT aws-chunked with signed Content-Length", RawRequest.put("v4-aws-chunked-length")
        .auth(RawRequest.Auth.V4_STREAMING).signContentLength().header("Content-Type", "text/plain").body(LARGE)));
    rows.add(raw("v4 PUT aws-chunked in chunked transfer", RawRequest.put("v4-aws-chunked-te")
        .auth(RawRequest.Auth.V4_STREAMING).body(LARGE).chunked()));
    rows.add(raw("v4 PUT UNSIGNED-PAYLOAD in chunked transfer", RawRequest.put("v4-unsigned-te")
        .auth(RawRequest.Auth.V4_UNSIGNED_PAYLOAD).body(LARGE).chunked()));
    rows.add(raw("v4 GET object", RawRequest.get(SEED_KEY).v4()));
    rows.add(raw("v4 GET object with signed Content-Length 0", RawRequest.get(SEED_KEY).v4().contentLength(0)
        .signContentLength()));
    rows.add(raw("v4 HEAD missing key", RawRequest.head("v4-missing").v4()));
    rows.add(raw("v4 DELETE with signed Content-Length 0", RawRequest.delete("v4-delete-length").v4()
        .contentLength(0).signContentLength(), PUT_OBJECT));
    rows.add(raw("v4 DELETE with signed Expect", RawRequest.delete("v4-delete-expect").v4().signed("expect")
        .header("Expect", "100-continue"), PUT_OBJECT));
    rows.add(raw("v4 POST initiate multipart upload", RawRequest.post("v4-initiate").v4().query("uploads")));
  }

  private static void presignedUrls(List<TransparencyVariant> rows) {
    rows.add(raw("v2 presigned GET", RawRequest.get(SEED_KEY).auth(RawRequest.Auth.V2_PRESIGNED)));
    rows.add(raw("v2 presigned PUT without Content-Type", RawRequest.put("v2-presigned-put")
        .auth(RawRequest.Auth.V2_PRESIGNED).body(BAR)));
    rows.add(raw("v2 presigned PUT with Content-Type", RawRequest.put("v2-presigned-put-type")
        .auth(RawRequest.Auth.V2_PRESIGNED).header("Content-Type", "text/plain").body(BAR)));
    rows.add(sdk("v4 presigned GET (SDK presigner)", PRIVATE, SEED_KEY, (target, bucket, key) -> presigned("GET",
        target.presigner().presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(10))
            .getObjectRequest(g -> g.bucket(bucket).key(key))).url(), Map.of(), new byte[0])));
    rows.add(sdk("v4 presigned PUT without Content-Type (SDK presigner)", PRIVATE, "v4-presigned-put",
        (target, bucket, key) -> presignedPut(target.presigner().presignPutObject(p -> p
            .signatureDuration(Duration.ofMinutes(10)).putObjectRequest(g -> g.bucket(bucket).key(key))))));
    rows.add(sdk("v4 presigned PUT with Content-Type and metadata (SDK presigner)", PRIVATE, "v4-presigned-put-type",
        (target, bucket, key) -> presignedPut(target.presigner().presignPutObject(p -> p
            .signatureDuration(Duration.ofMinutes(10)).putObjectRequest(g -> g.bucket(bucket).key(key)
                .contentType("text/csv").metadata(Map.of("origin", "presigned")))))));
  }

  private static void anonymous(List<TransparencyVariant> rows) {
    rows.add(raw("anonymous GET public-read object", RawRequest.get(SEED_KEY).anonymous().bucket(PUBLIC_READ)));
    rows.add(raw("anonymous GET public-read object with empty User-Agent", RawRequest.get(SEED_KEY).anonymous()
        .bucket(PUBLIC_READ).header("User-Agent", "")));
    rows.add(raw("anonymous HEAD public-read object", RawRequest.head(SEED_KEY).anonymous().bucket(PUBLIC_READ)));
    rows.add(raw("anonymous GET private object in public-read bucket", RawRequest.get(PRIVATE_SEED_KEY).anonymous()
        .bucket(PUBLIC_READ)));
    rows.add(raw("anonymous GET in private bucket", RawRequest.get(SEED_KEY).anonymous().bucket(PRIVATE)));
    rows.add(raw("anonymous list of public-read bucket", RawRequest.get(null).anonymous().bucket(PUBLIC_READ)));
    rows.add(raw("anonymous PUT to public-read-write bucket", RawRequest.put("anon-put").anonymous()
        .bucket(PUBLIC_WRITE).body(BAR)));
    rows.add(raw("anonymous PUT with Content-Type and metadata to public-read-write bucket",
        RawRequest.put("anon-put-type").anonymous().bucket(PUBLIC_WRITE).header("Content-Type", "text/plain")
            .header("x-amz-meta-who", "anonymous").body(BAR)));
    rows.add(raw("anonymous PUT to public-read bucket", RawRequest.put("anon-put-refused").anonymous()
        .bucket(PUBLIC_READ).body(BAR)));
    rows.add(raw("anonymous DELETE in public-read-write bucket", RawRequest.delete("anon-delete").anonymous()
        .bucket(PUBLIC_WRITE), PUT_OBJECT));
    rows.add(raw("anonymous POST form to public-read-write bucket", RawRequest.post(null).anonymous()
        .bucket(PUBLIC_WRITE).form(PostForms.of(PostForms.Signing.NONE, "anon-post", Map.of(), BAR))));
    rows.add(raw("anonymous POST form with Content-Type to public-read-write bucket", RawRequest.post(null)
        .anonymous().bucket(PUBLIC_WRITE).form(PostForms.of(PostForms.Signing.NONE, "anon-post-type",
            Map.of("Content-Type", "text/html"), "<p>hi</p>"))));
    rows.add(raw("anonymous POST form to public-read bucket", RawRequest.post(null).anonymous().bucket(PUBLIC_READ)
        .form(PostForms.of(PostForms.Signing.NONE, "anon-post-refused", Map.of(), BAR))));
  }

  private static void postUploads(List<TransparencyVariant> rows) {
    Map<String, String> typed = new LinkedHashMap<>();
    typed.put("Content-Type", "image/svg+xml");
    typed.put("x-amz-meta-camera", "pinhole");
    rows.add(raw("POST form with V2 policy", RawRequest.post(null).anonymous()
        .form(PostForms.of(PostForms.Signing.V2, "post-v2", Map.of(), BAR))));
    rows.add(raw("POST form with V4 policy", RawRequest.post(null).anonymous()
        .form(PostForms.of(PostForms.Signing.V4, "post-v4", Map.of(), BAR))));
    rows.add(raw("POST form with V2 policy, Content-Type and metadata", RawRequest.post(null).anonymous()
        .form(PostForms.of(PostForms.Signing.V2, "post-v2-typed", typed, "<svg/>"))));
    rows.add(raw("POST form with V4 policy, Content-Type and metadata", RawRequest.post(null).anonymous()
        .form(PostForms.of(PostForms.Signing.V4, "post-v4-typed", typed, "<svg/>"))));
    rows.add(raw("POST form with V2 policy, forged signature", RawRequest.post(null).anonymous()
        .form(PostForms.of(PostForms.Signing.V2, "post-v2-forged", Map.of(), BAR).forged())));
    rows.add(raw("POST form with V4 policy, forged signature", RawRequest.post(null).anonymous()
        .form(PostForms.of(PostForms.Signing.V4, "post-v4-forged", Map.of(), BAR).forged())));
    rows.add(raw("POST form with V4 policy, file above content-length-range", RawRequest.post(null).anonymous()
        .form(PostForms.of(PostForms.Signing.V4, "post-v4-too-big", Map.of(), BAR).maxLength(2))));
    rows.add(raw("POST form with V2 policy and Expect 100-continue", RawRequest.post(null).anonymous()
        .header("Expect", "100-continue").form(PostForms.of(PostForms.Signing.V2, "post-v2-expect", Map.of(), BAR))));
    rows.add(raw("POST form with V4 policy in chunked transfer", RawRequest.post(null).anonymous().chunked()
        .form(PostForms.of(PostForms.Signing.V4, "post-v4-chunked", Map.of(), "x".repeat(20_000)))));
  }

  private static void sdkRows(List<TransparencyVariant> rows) {
    for (String key : HOSTILE_KEYS) {
      rows.add(sdk("sdk PUT hostile key " + (key.length() > 20 ? "k x " + key.length() : key), PRIVATE, key,
          (target, bucket, k) -> sdkSuccess(target.s3().putObject(b -> b.bucket(bucket).key(k),
              text("content of " + k)).sdkHttpResponse().statusCode(), "")));
    }
    rows.add(sdk("sdk GET hostile key sp ace+plus", PRIVATE, "sp ace+plus", (target, bucket, key) -> {
      ResponseBytes<GetObjectResponse> got = target.s3().getObjectAsBytes(b -> b.bucket(bucket).key(key));
      return sdkGet(got.asByteArray(), got.response().contentType());
    }));
    rows.add(sdk("sdk PUT (aws-chunked, trailing checksum)", PRIVATE, "sdk-put", (target, bucket, key) ->
        sdkSuccess(target.s3().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(LARGE))
            .sdkHttpResponse().statusCode(), "")));
    rows.add(sdk("sdk PUT with Content-Type, Content-MD5 and metadata", PRIVATE, "sdk-put-typed",
        (target, bucket, key) -> sdkSuccess(target.s3().putObject(b -> b.bucket(bucket).key(key)
            .contentType("text/plain; charset=utf-8").contentMD5(MD5_OF_BAR).metadata(Map.of("color", "blue")),
            text(BAR)).sdkHttpResponse().statusCode(), "")));
    rows.add(sdk("sdk GET object", PRIVATE, SEED_KEY, (target, bucket, key) -> {
      ResponseBytes<GetObjectResponse> got = target.s3().getObjectAsBytes(b -> b.bucket(bucket).key(key));
      return sdkGet(got.asByteArray(), got.response().contentType() + " " + got.response().metadata());
    }));
    rows.add(sdk("sdk DELETE object", PRIVATE, "sdk-delete", PUT_OBJECT, (target, bucket, key) ->
        sdkSuccess(target.s3().deleteObject(b -> b.bucket(bucket).key(key)).sdkHttpResponse().statusCode(), "")));
    rows.add(sdk("sdk multipart upload, two parts", PRIVATE, "sdk-multipart", (target, bucket, key) -> {
      String uploadId = target.s3().createMultipartUpload(b -> b.bucket(bucket).key(key).contentType("video/mp4"))
          .uploadId();
      byte[] first = random(5 * 1024 * 1024);
      String etag1 = target.s3().uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(1),
          RequestBody.fromBytes(first)).eTag();
      String etag2 = target.s3().uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(2),
          RequestBody.fromBytes(LARGE)).eTag();
      return sdkSuccess(target.s3().completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
          .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag1).build(),
              CompletedPart.builder().partNumber(2).eTag(etag2).build()))).sdkHttpResponse().statusCode(), "");
    }));
  }

  private static void boto3Rows(List<TransparencyVariant> rows, Boto3Driver boto) {
    TransparencyVariant.Prepare none = (backend, bucket, key) -> { };
    rows.add(boto3("boto3 v2 put_object Body='bar' (issue 14)", boto, "s3", "put_object", PRIVATE, "boto-v2-put",
        Map.of("Body", BAR), none));
    rows.add(boto3("boto3 v2 put_object with ContentType and Metadata", boto, "s3", "put_object", PRIVATE,
        "boto-v2-put-typed", Map.of("Body", BAR, "ContentType", "text/plain", "Metadata", Map.of("color", "blue")),
        none));
    rows.add(boto3("boto3 v2 put_object with garbage ContentMD5", boto, "s3", "put_object", PRIVATE,
        "boto-v2-put-md5", Map.of("Body", BAR, "ContentMD5", GARBAGE_MD5), none));
    rows.add(boto3("boto3 v4 put_object", boto, "s3v4", "put_object", PRIVATE, "boto-v4-put", Map.of("Body", BAR),
        none));
    rows.add(boto3("boto3 v4 put_object with ContentType and Metadata", boto, "s3v4", "put_object", PRIVATE,
        "boto-v4-put-typed", Map.of("Body", BAR, "ContentType", "text/plain", "Metadata", Map.of("color", "blue")),
        none));
    rows.add(boto3("boto3 v2 get_object", boto, "s3", "get_object", PRIVATE, SEED_KEY, Map.of(), none));
    rows.add(boto3("boto3 v4 get_object of a missing key", boto, "s3v4", "get_object", PRIVATE, "boto-missing",
        Map.of(), none));
    rows.add(boto3("boto3 v2 delete_object", boto, "s3", "delete_object", PRIVATE, "boto-v2-delete", Map.of(),
        PUT_OBJECT));
    rows.add(boto3("boto3 v2 presigned GET", boto, "s3", "presigned_get", PRIVATE, SEED_KEY, Map.of(), none));
    rows.add(boto3("boto3 v2 presigned PUT", boto, "s3", "presigned_put", PRIVATE, "boto-v2-presigned-put",
        Map.of("Body", BAR), none));
    rows.add(boto3("boto3 v4 presigned PUT with ContentType", boto, "s3v4", "presigned_put", PRIVATE,
        "boto-v4-presigned-put", Map.of("Body", BAR, "ContentType", "text/plain"), none));
    rows.add(boto3("boto3 v2 presigned POST", boto, "s3", "presigned_post", PRIVATE, "boto-v2-post",
        Map.of("Body", BAR), none));
    rows.add(boto3("boto3 v4 presigned POST", boto, "s3v4", "presigned_post", PRIVATE, "boto-v4-post",
        Map.of("Body", BAR), none));
  }

  private static TransparencyVariant.Outcome presignedPut(PresignedPutObjectRequest presigned) throws Exception {
    Map<String, String> headers = new LinkedHashMap<>();
    presigned.signedHeaders().forEach((name, values) -> {
      if (!name.equalsIgnoreCase("host")) {
        headers.put(name, String.join(",", values));
      }
    });
    return presigned("PUT", presigned.url(), headers, bytes(BAR));
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }
}
