package org.s3gate.identify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AccessKeyExtractorTest {

  private static final String KEY = "AKIAIOSFODNN7EXAMPLE";
  private static final String OTHER = "5HQZO7EDOM4XBNO642GQ";
  private static final String V4 =
      "AWS4-HMAC-SHA256 Credential=" + KEY + "/20150830/us-east-1/s3/aws4_request, "
          + "SignedHeaders=host;range;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d04";
  private static final String V2 = "AWS " + KEY + ":frJIUN8DYpKDtOLCwo//yllqDzg=";
  private static final String V4_QUERY =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + KEY
          + "%2F20150830%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20150830T123600Z"
          + "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=abc";
  private static final String V2_QUERY =
      "AWSAccessKeyId=" + KEY + "&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D&Expires=1141889120";
  private static final String LONG_KEY = "K".repeat(129);
  private static final String KEY_128 = "K".repeat(128);
  private static final String TEN_KB = "A".repeat(10 * 1024);

  static Stream<Arguments> sources() {
    return Stream.of(
        // case, authorization, query, X-API-Key, X-Access-Key-Id, expected key, expected method
        arguments("v4 header", V4, null, null, null, KEY, AuthMethod.V4_HEADER),
        arguments("v4 header, no spaces after commas",
            "AWS4-HMAC-SHA256 Credential=" + KEY + "/20150830/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host,Signature=abc", null, null, null, KEY, AuthMethod.V4_HEADER),
        arguments("v4 header, Credential not first",
            "AWS4-HMAC-SHA256 SignedHeaders=host, Credential=" + KEY
                + "/20150830/us-east-1/s3/aws4_request, Signature=abc",
            null, null, null, KEY, AuthMethod.V4_HEADER),
        arguments("v4a header", "AWS4-ECDSA-P256-SHA256 Credential=" + KEY
            + "/20150830/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc",
            null, null, null, KEY, AuthMethod.V4_HEADER),
        arguments("v4 header, slash in key as MinIO allows", "AWS4-HMAC-SHA256 Credential=a/b"
            + "/20150830/us-east-1/s3/aws4_request, Signature=abc",
            null, null, null, "a/b", AuthMethod.V4_HEADER),
        arguments("v4 header, tab after the algorithm", "AWS4-HMAC-SHA256\tCredential=" + KEY
            + "/20150830/us-east-1/s3/aws4_request, Signature=abc",
            null, null, null, KEY, AuthMethod.V4_HEADER),
        arguments("v4 header, algorithm longer than HMAC-SHA256", "AWS4-HMAC-SHA256X Credential="
            + KEY + "/20150830/us-east-1/s3/aws4_request, Signature=abc",
            null, null, null, KEY, AuthMethod.V4_HEADER),
        arguments("v2 header", V2, null, null, null, KEY, AuthMethod.V2_HEADER),
        arguments("v4 presigned", null, V4_QUERY, null, null, KEY, AuthMethod.V4_PRESIGNED),
        arguments("v4 presigned, unencoded slashes", null,
            "X-Amz-Credential=" + KEY + "/20150830/us-east-1/s3/aws4_request&X-Amz-Signature=a",
            null, null, KEY, AuthMethod.V4_PRESIGNED),
        arguments("v4 presigned, lower-case hex, encoded key char", null,
            "X-Amz-Credential=AB%43%2f20150830%2fus-east-1%2fs3%2faws4_request",
            null, null, "ABC", AuthMethod.V4_PRESIGNED),
        arguments("v4 presigned, encoded parameter name", null,
            "X%2DAmz-Credential=" + KEY + "%2F20150830%2Fus-east-1%2Fs3%2Faws4_request",
            null, null, KEY, AuthMethod.V4_PRESIGNED),
        arguments("v2 presigned", null, V2_QUERY, null, null, KEY, AuthMethod.V2_PRESIGNED),
        arguments("v2 presigned, not first parameter", null,
            "Expires=1&Signature=x&AWSAccessKeyId=" + KEY, null, null, KEY,
            AuthMethod.V2_PRESIGNED),
        arguments("X-API-Key", null, null, KEY, null, KEY, AuthMethod.CUSTOM_HEADER),
        arguments("X-API-Key with surrounding spaces", null, null, "  " + KEY + "\t", null,
            KEY, AuthMethod.CUSTOM_HEADER),
        arguments("X-Access-Key-Id", null, null, null, KEY, KEY, AuthMethod.CUSTOM_HEADER),
        arguments("nothing", null, null, null, null, "anonymous", AuthMethod.NONE),
        arguments("unrelated query", null, "list-type=2&prefix=a%2Fb", null, null, "anonymous",
            AuthMethod.NONE),
        arguments("key of exactly 128 chars", null, null, KEY_128, null, KEY_128,
            AuthMethod.CUSTOM_HEADER));
  }

  static Stream<Arguments> precedence() {
    return Stream.of(
        arguments("v4 header beats custom headers", V4, null, OTHER, OTHER, KEY, AuthMethod.V4_HEADER),
        arguments("v4 header and a query naming the same key", V4, "AWSAccessKeyId=" + KEY, OTHER, OTHER, KEY,
            AuthMethod.V4_HEADER),
        arguments("v2 header and a presigned credential of the same key", V2, "X-Amz-Credential=" + KEY
            + "%2F20150830%2Fus-east-1%2Fs3%2Faws4_request", null, null, KEY, AuthMethod.V2_HEADER),
        arguments("v2 presigned beats custom headers", null, V2_QUERY, OTHER, OTHER, KEY,
            AuthMethod.V2_PRESIGNED),
        arguments("X-API-Key beats X-Access-Key-Id", null, null, KEY, OTHER, KEY,
            AuthMethod.CUSTOM_HEADER),
        arguments("duplicate parameters naming the same key", null,
            "AWSAccessKeyId=" + KEY + "&AWSAccessKeyId=" + KEY, null, null, KEY, AuthMethod.V2_PRESIGNED),
        arguments("a malformed occurrence is ignored, the well-formed one counts", null,
            "AWSAccessKeyId=%ZZ&AWSAccessKeyId=" + KEY, null, null, KEY, AuthMethod.V2_PRESIGNED));
  }

  /** Requests that name two different keys: whichever the backend reads, it must be the one counted. */
  static Stream<Arguments> conflicting() {
    return Stream.of(
        arguments("v4 header and v2 presigned of another key", V4, "AWSAccessKeyId=" + OTHER),
        arguments("v2 header and v4 presigned of another key", V2, "X-Amz-Credential=" + OTHER
            + "%2F20150830%2Fus-east-1%2Fs3%2Faws4_request"),
        arguments("v2 presigned plus a forged X-Amz-Credential", null, V2_QUERY + "&X-Amz-Credential=" + OTHER
            + "%2F20150830%2Fus-east-1%2Fs3%2Faws4_request"),
        arguments("duplicate AWSAccessKeyId", null, "AWSAccessKeyId=" + KEY + "&AWSAccessKeyId=" + OTHER),
        arguments("duplicate X-Amz-Credential, the second encoded", null, "X-Amz-Credential=" + KEY
            + "%2F20150830%2Fus-east-1%2Fs3%2Faws4_request&X%2DAmz-Credential=" + OTHER
            + "%2F20150830%2Fus-east-1%2Fs3%2Faws4_request"));
  }

  /** AWS4-/AWS Authorization headers that servers would not all read the same way. */
  static Stream<Arguments> malformedAuthorization() {
    return Stream.of(
        arguments("algorithm only", "AWS4-HMAC-SHA256"),
        arguments("v4 Credential= missing slash",
            "AWS4-HMAC-SHA256 Credential=" + KEY + ", SignedHeaders=host, Signature=abc"),
        arguments("v4 truncated scope", "AWS4-HMAC-SHA256 Credential=" + KEY + "/20150830/us-east-1"),
        arguments("v4 empty scope element", "AWS4-HMAC-SHA256 Credential=" + KEY + "/20150830//s3/aws4_request"),
        arguments("v4 empty key", "AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/s3/aws4_request"),
        arguments("v4 truncated mid-prefix", "AWS4-HMAC-SHA256 Creden"),
        arguments("v4 scope one short, slash before Credential", "AWS4-x/y Credential=" + KEY + "/us-east-1/s3/aws4_request"),
        arguments("v4 lower-case credential", "AWS4-HMAC-SHA256 credential=" + KEY + "/20150830/us-east-1/s3/aws4_request"),
        arguments("v4 key > 128 chars", "AWS4-HMAC-SHA256 Credential=" + LONG_KEY + "/20150830/us-east-1/s3/aws4_request"),
        arguments("v4 key with control char", "AWS4-HMAC-SHA256 Credential=AK\u0001IA/20150830/us-east-1/s3/aws4_request"),
        arguments("v4 key with unicode", "AWS4-HMAC-SHA256 Credential=AKIä/20150830/us-east-1/s3/aws4_request"),
        arguments("v4 10 KB credential", "AWS4-HMAC-SHA256 Credential=" + TEN_KB + "/20150830/us-east-1/s3/aws4_request"),
        arguments("v4 10 KB of commas", "AWS4-HMAC-SHA256 " + ",".repeat(10 * 1024)),
        arguments("v4 credential hidden in an unknown component", "AWS4-HMAC-SHA256 X=Credential=" + KEY
            + "/20150830/us-east-1/s3/aws4_request, Credential=" + OTHER
            + "/20150830/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc"),
        arguments("v4 two Credentials", "AWS4-HMAC-SHA256 Credential=" + KEY + "/20150830/us-east-1/s3/aws4_request, "
            + "Credential=" + OTHER + "/20150830/us-east-1/s3/aws4_request, Signature=abc"),
        arguments("v4 two Signatures", V4 + ", Signature=def"),
        arguments("v4 trailing comma", V4 + ","),
        arguments("v2 without colon", "AWS " + KEY),
        arguments("v2 without signature", "AWS " + KEY + ":"),
        arguments("v2 empty key", "AWS :sig"),
        arguments("v2 key with space", "AWS AK IA:sig"),
        arguments("v2 key > 128 chars", "AWS " + LONG_KEY + ":sig"),
        arguments("v2 10 KB", "AWS " + TEN_KB),
        arguments("header with newline", "AWS AK\nIA:sig"));
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        // each case has a trusted X-Access-Key-Id to fall through to
        arguments("empty authorization", "", null),
        arguments("blank authorization", "   ", null),
        arguments("bearer token", "Bearer " + TEN_KB, null),
        arguments("query: bad percent-encoding", null,
            "X-Amz-Credential=" + KEY + "%2G20150830%2Fus-east-1%2Fs3%2Faws4_request"),
        arguments("query: truncated percent-encoding", null, "AWSAccessKeyId=" + KEY + "%2"),
        arguments("query: lone percent", null, "AWSAccessKeyId=%"),
        arguments("query: Credential missing slash", null, "X-Amz-Credential=" + KEY),
        arguments("query: truncated scope", null,
            "X-Amz-Credential=" + KEY + "%2F20150830%2Fus-east-1"),
        arguments("query: encoded empty scope element", null,
            "X-Amz-Credential=" + KEY + "%2F20150830%2F%2Fs3%2Faws4_request"),
        arguments("query: name without value", null, "AWSAccessKeyId&X-Amz-Credential"),
        arguments("query: empty value", null, "AWSAccessKeyId=&X-Amz-Credential="),
        arguments("query: encoded control char", null, "AWSAccessKeyId=AK%00IA"),
        arguments("query: encoded non-ASCII", null, "AWSAccessKeyId=AK%C3%A4IA"),
        arguments("query: plus decodes to space", null, "AWSAccessKeyId=AK+IA"),
        arguments("query: key > 128 chars", null, "AWSAccessKeyId=" + LONG_KEY),
        arguments("query: encoded key > 128 chars", null,
            "AWSAccessKeyId=" + "%41".repeat(129)),
        arguments("query: 10 KB of percents", null, "AWSAccessKeyId=" + "%".repeat(10 * 1024)));
  }

  /** Queries that name no key parameter at all: a caller with nothing else is anonymous, not unknown. */
  static Stream<Arguments> namingNoKey() {
    return Stream.of(
        arguments("query: lower-case name", null,
            "x-amz-credential=" + KEY + "%2F20150830%2Fus-east-1%2Fs3%2Faws4_request"),
        arguments("query: 10 KB without separators", null, TEN_KB),
        arguments("query: 10 KB of ampersands", null, "&".repeat(10 * 1024)),
        arguments("query: only ampersand and equals", null, "&=&=="));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("conflicting")
  void identify_twoDifferentKeys_isRefusedAsConflicting(String name, String authorization, String query) {
    CallerIdentity identity = AccessKeyExtractor.identify(authorization, query, null, OTHER);

    assertThat(identity.refusal()).isEqualTo(CallerIdentity.Refusal.CONFLICTING_KEYS);
    assertThat(identity.accessKey()).isEqualTo("unknown");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedAuthorization")
  void identify_malformedAwsAuthorization_isRefused(String name, String authorization) {
    CallerIdentity identity = AccessKeyExtractor.identify(authorization, null, null, OTHER);

    assertThat(identity.refusal()).isEqualTo(CallerIdentity.Refusal.MALFORMED_AUTHORIZATION);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"sources", "precedence"})
  void identify_source_yieldsKeyAndMethod(String name, String authorization, String query,
      String xApiKey, String xAccessKeyId, String expectedKey, AuthMethod expectedMethod) {
    CallerIdentity identity =
        AccessKeyExtractor.identify(authorization, query, xApiKey, xAccessKeyId);

    assertThat(identity).isEqualTo(new CallerIdentity(expectedKey, expectedMethod));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("namingNoKey")
  void identify_queryNamingNoKeyAlone_isAnonymous(String name, String authorization, String query) {
    assertThat(AccessKeyExtractor.identify(authorization, query, null, null)).isSameAs(CallerIdentity.ANONYMOUS);
    assertThat(AccessKeyExtractor.identify(authorization, query, null, OTHER))
        .isEqualTo(new CallerIdentity(OTHER, AuthMethod.CUSTOM_HEADER));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void identify_malformedSource_fallsThroughToNextSource(
      String name, String authorization, String query) {
    CallerIdentity identity = AccessKeyExtractor.identify(authorization, query, null, OTHER);

    assertThat(identity).isEqualTo(new CallerIdentity(OTHER, AuthMethod.CUSTOM_HEADER));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void identify_malformedSourceAlone_isUnknown(String name, String authorization, String query) {
    assertThat(AccessKeyExtractor.identify(authorization, query, null, null))
        .isSameAs(CallerIdentity.UNKNOWN);
  }

  static Stream<Arguments> untrustedCustomHeaders() {
    return Stream.of(
        arguments("empty", ""),
        arguments("blank", " \t "),
        arguments("129 chars", LONG_KEY),
        arguments("10 KB", TEN_KB),
        arguments("control char", "AK\u0007IA"),
        arguments("DEL", "AK\u007FIA"),
        arguments("inner space", "AK IA"),
        arguments("unicode", "Ключ"),
        arguments("surrogate pair", "AK\uD83D\uDE00"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("untrustedCustomHeaders")
  void identify_untrustedXApiKey_fallsThroughToXAccessKeyId(String name, String value) {
    assertThat(AccessKeyExtractor.identify(null, null, value, OTHER))
        .isEqualTo(new CallerIdentity(OTHER, AuthMethod.CUSTOM_HEADER));
    assertThat(AccessKeyExtractor.identify(null, null, null, value))
        .isSameAs(CallerIdentity.UNKNOWN);
  }

  @Test
  void identify_noKeySourceAtAll_isAnonymous() {
    assertThat(AccessKeyExtractor.identify(null, "", null, null)).isSameAs(CallerIdentity.ANONYMOUS);
    assertThat(AccessKeyExtractor.identify(null, "prefix=x&delimiter=%2F", null, null).anonymous()).isTrue();
  }

  @Test
  void identify_keyNamingTheAddressCounterPrefix_isNotTrusted() {
    assertThat(AccessKeyExtractor.identify(null, null, "anonymous@192.0.2.1", null)).isSameAs(CallerIdentity.UNKNOWN);
    assertThat(AccessKeyExtractor.identify(null, "AWSAccessKeyId=anonymous%40192.0.2.1", null, null))
        .isSameAs(CallerIdentity.UNKNOWN);
    assertThat(AccessKeyExtractor.identify("AWS anonymous@192.0.2.1:sig", null, null, null).refused()).isTrue();
  }

  @Test
  void identify_everyPrefixOfValidInputs_neverThrowsNorInventsKeys() {
    String[] inputs = {V4, V2, V4_QUERY, V2_QUERY};
    for (String input : inputs) {
      for (int end = 0; end <= input.length(); end++) {
        String prefix = input.substring(0, end);
        CallerIdentity identity = AccessKeyExtractor.identify(prefix, prefix, null, null);
        // "AWSAccessKeyId=AKIA" cut mid-key is a well-formed query naming a shorter key
        assertThat(identity.accessKey()).satisfiesAnyOf(
            key -> assertThat(key).isIn("unknown", "anonymous"),
            key -> assertThat(KEY).startsWith(key));
      }
    }
  }

  @Test
  void headerValue_everyMethod_isLowerCaseName() {
    for (AuthMethod method : AuthMethod.values()) {
      assertThat(method.headerValue()).isEqualTo(method.name().toLowerCase(java.util.Locale.ROOT));
    }
  }
}
