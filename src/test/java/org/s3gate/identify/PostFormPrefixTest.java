package org.s3gate.identify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PostFormPrefixTest {

  private static final String KEY = "AKIAIOSFODNN7EXAMPLE";
  private static final String BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
  private static final int MAX = 64 * 1024;

  private static String part(String name, String value) {
    return "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n"
        + value + "\r\n";
  }

  private static String file(String content) {
    return "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\""
        + "\r\nContent-Type: text/plain\r\n\r\n" + content + "\r\n--" + BOUNDARY + "--\r\n";
  }

  private static String v2Form() {
    return part("key", "uploads/${filename}") + part("AWSAccessKeyId", KEY)
        + part("policy", "eyJleHBpcmF0aW9uIjoiMjAzMC0wMS0wMVQwMDowMDowMFoifQ==")
        + part("signature", "0RavWzkygo6QX9caELEqKi9kDbU=") + file("hello");
  }

  private static String v4Form() {
    return part("key", "a.txt") + part("x-amz-algorithm", "AWS4-HMAC-SHA256")
        + part("X-Amz-Credential", KEY + "/20300101/us-east-1/s3/aws4_request")
        + part("X-Amz-Date", "20300101T000000Z") + part("Policy", "eyJ9")
        + part("X-Amz-Signature", "abc") + file("hello");
  }

  private static PostFormPrefix scanWhole(String body, int max) {
    return scan(body.getBytes(StandardCharsets.UTF_8), max, new int[] {Integer.MAX_VALUE});
  }

  /** Feeds {@code body} in chunks of the given sizes (cycled) until the scan is done or ends. */
  private static PostFormPrefix scan(byte[] body, int max, int[] chunks) {
    PostFormPrefix prefix = new PostFormPrefix(BOUNDARY, max);
    int offset = 0;
    for (int n = 0; offset < body.length && !prefix.done(); n++) {
      int count = Math.min(chunks[n % chunks.length], body.length - offset);
      prefix.feed(body, offset, count);
      offset += count;
    }
    if (!prefix.done()) {
      prefix.end();
    }
    assertThat(prefix.fed()).isEqualTo(Arrays.copyOf(body, offset));
    return prefix;
  }

  @Test
  void boundary_formData_returnsUnquotedBoundary() {
    assertThat(PostFormPrefix.boundary("multipart/form-data; boundary=" + BOUNDARY))
        .isEqualTo(BOUNDARY);
    assertThat(PostFormPrefix.boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b\""))
        .isEqualTo("a b");
  }

  @Test
  void boundary_otherTypeOrMissing_null() {
    assertThat(PostFormPrefix.boundary(null)).isNull();
    assertThat(PostFormPrefix.boundary("application/octet-stream")).isNull();
    assertThat(PostFormPrefix.boundary("multipart/mixed; boundary=x")).isNull();
    assertThat(PostFormPrefix.boundary("multipart/form-data")).isNull();
    assertThat(PostFormPrefix.boundary("multipart/form-data; boundary=")).isNull();
    assertThat(PostFormPrefix.boundary("multipart/form-data; boundary=" + "b".repeat(71))).isNull();
  }

  @Test
  void identity_v2PolicyForm_keyFromAwsAccessKeyId() {
    PostFormPrefix prefix = scanWhole(v2Form(), MAX);
    assertThat(prefix.identity()).isEqualTo(new CallerIdentity(KEY, AuthMethod.POST_POLICY));
  }

  @Test
  void identity_v4PolicyForm_keyFromCredential() {
    PostFormPrefix prefix = scanWhole(v4Form(), MAX);
    assertThat(prefix.identity()).isEqualTo(new CallerIdentity(KEY, AuthMethod.POST_POLICY));
  }

  @Test
  void feed_reachesFilePart_doneBeforeFileContent() {
    String body = v2Form().replace("hello", "x".repeat(100_000));
    PostFormPrefix prefix = new PostFormPrefix(BOUNDARY, MAX);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    int fileContent = body.indexOf("xxxx");
    for (int i = 0; i < bytes.length && !prefix.done(); i++) {
      prefix.feed(bytes, i, 1);
    }
    assertThat(prefix.done()).isTrue();
    assertThat(prefix.bytesFed()).isEqualTo(fileContent);
  }

  @Test
  void identity_fileContentLooksLikeKeyField_notRead() {
    String body = part("key", "a") + file(part("AWSAccessKeyId", KEY));
    assertThat(scanWhole(body, MAX).identity()).isEqualTo(CallerIdentity.ANONYMOUS);
  }

  @Test
  void identity_noKeyField_anonymous() {
    String body = part("key", "a") + part("acl", "public-read") + file("x");
    assertThat(scanWhole(body, MAX).identity()).isEqualTo(CallerIdentity.ANONYMOUS);
  }

  @Test
  void identity_keyFieldBeyondBound_anonymous() {
    String padding = part("x-amz-meta-pad", "p".repeat(1000));
    String body = padding + part("AWSAccessKeyId", KEY) + file("x");
    assertThat(scanWhole(body, padding.length()).identity()).isEqualTo(CallerIdentity.ANONYMOUS);
    assertThat(scanWhole(body, body.length()).identity().accessKey()).isEqualTo(KEY);
  }

  @Test
  void identity_boundReachedAfterKeyBeforeFile_anonymous() {
    String body = part("AWSAccessKeyId", KEY) + part("x-amz-meta-pad", "p".repeat(1000)) + file("x");
    PostFormPrefix prefix = scanWhole(body, 500);
    assertThat(prefix.bytesFed()).isLessThanOrEqualTo(body.length());
    assertThat(prefix.identity()).isEqualTo(CallerIdentity.ANONYMOUS);
  }

  @Test
  void identity_twoDifferentKeys_conflictRefused() {
    String body = part("AWSAccessKeyId", KEY) + part("awsaccesskeyid", "OTHERKEY") + file("x");
    assertThat(scanWhole(body, MAX).identity()).isEqualTo(CallerIdentity.CONFLICTING);
    String mixed = part("AWSAccessKeyId", KEY)
        + part("X-Amz-Credential", "OTHERKEY/20300101/us-east-1/s3/aws4_request") + file("x");
    assertThat(scanWhole(mixed, MAX).identity()).isEqualTo(CallerIdentity.CONFLICTING);
  }

  @Test
  void identity_untrustedKeyValue_unknown() {
    assertThat(scanWhole(part("AWSAccessKeyId", "a b") + file("x"), MAX).identity())
        .isEqualTo(CallerIdentity.UNKNOWN);
    assertThat(scanWhole(part("X-Amz-Credential", KEY) + file("x"), MAX).identity())
        .isEqualTo(CallerIdentity.UNKNOWN);
  }

  @Test
  void identity_formWithoutFileClosed_identified() {
    String body = part("AWSAccessKeyId", KEY) + "--" + BOUNDARY + "--\r\n";
    assertThat(scanWhole(body, MAX).identity().accessKey()).isEqualTo(KEY);
  }

  @Test
  void identity_bodyTruncatedBeforeFile_anonymous() {
    String body = part("AWSAccessKeyId", KEY) + part("policy", "abc");
    assertThat(scanWhole(body, MAX).identity()).isEqualTo(CallerIdentity.ANONYMOUS);
  }

  @Test
  void identity_preambleAndPaddingAndEmptyValues_parsed() {
    String body = "preamble text\r\n" + part("acl", "") + "--" + BOUNDARY + "  \t\r\n"
        + "content-disposition: form-data; name=AWSAccessKeyId\r\n\r\n" + KEY + "\r\n" + file("");
    assertThat(scanWhole(body, MAX).identity().accessKey()).isEqualTo(KEY);
  }

  @Test
  void identity_anyChunking_sameAsWhole() {
    Random random = new Random(14);
    String[] forms = {v2Form(), v4Form(), part("a", "\r\n--" + BOUNDARY.substring(3)) + v2Form(),
        part("AWSAccessKeyId", KEY) + part("AWSAccessKeyId", "X") + file("x")};
    for (int trial = 0; trial < 2000; trial++) {
      String form = forms[trial % forms.length];
      byte[] bytes = form.getBytes(StandardCharsets.UTF_8);
      int[] chunks = new int[1 + random.nextInt(8)];
      for (int i = 0; i < chunks.length; i++) {
        chunks[i] = 1 + random.nextInt(random.nextBoolean() ? 4 : 200);
      }
      int max = random.nextInt(4) == 0 ? 1 + random.nextInt(bytes.length) : MAX;
      assertThat(scan(bytes, max, chunks).identity())
          .as("form %d, chunks %s, max %d", trial % forms.length, Arrays.toString(chunks), max)
          .isEqualTo(scanWhole(form, max).identity());
    }
  }
}
