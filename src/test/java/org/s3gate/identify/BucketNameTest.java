package org.s3gate.identify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which bucket a request addresses: path-style, virtual-hosted, and the spellings a backend resolves alike. */
class BucketNameTest {
  private static final String DOMAIN = "s3.example.com";

  @Test
  void pathStyle_isTheFirstSegmentOfTheRawPath() {
    assertThat(BucketName.of("/hot/a/b.txt", "127.0.0.1:8080", null)).isEqualTo("hot");
    assertThat(BucketName.of("/hot", null, null)).isEqualTo("hot");
    assertThat(BucketName.of("/hot/", null, DOMAIN)).isEqualTo("hot");
    assertThat(BucketName.of("/hot;x=1/k", null, null)).isEqualTo("hot");
    assertThat(BucketName.of("/my.bucket-1_x/k", null, null)).isEqualTo("my.bucket-1_x");
  }

  @Test
  void listBuckets_andNamesNoBucketCanHave_areNoBucket() {
    assertThat(BucketName.of("/", null, null)).isNull();
    assertThat(BucketName.of("", null, null)).isNull();
    assertThat(BucketName.of("//", null, null)).isNull();
    assertThat(BucketName.of("/a b/k", null, null)).isNull();
    assertThat(BucketName.of("/" + "x".repeat(256) + "/k", null, null)).isNull();
    assertThat(BucketName.of("/" + "x".repeat(255) + "/k", null, null)).hasSize(255);
    assertThat(BucketName.of("/%2Fhot/k", null, null)).isNull();
    assertThat(BucketName.of("/h%C3%A9/k", null, null)).isNull();
  }

  @Test
  void spellingsABackendResolvesToTheSameBucket_countAgainstIt() {
    assertThat(BucketName.of("//hot/k", null, null)).isEqualTo("hot"); // a backend collapsing slashes
    assertThat(BucketName.of("/h%6Ft/k", null, null)).isEqualTo("hot");
    assertThat(BucketName.of("/h%6ft/k", null, null)).isEqualTo("hot");
    assertThat(BucketName.of("/HOT/k", null, null)).isEqualTo("hot");
    assertThat(BucketName.of("/hot%2Fk", null, null)).isEqualTo("hot"); // decoded before splitting
    assertThat(BucketName.of("/hot%zz/k", null, null)).isNull(); // a malformed escape: no bucket has '%'
  }

  @Test
  void virtualHosted_underTheDomain_portAndCaseAndTrailingDotIgnored() {
    assertThat(BucketName.of("/k", "hot.s3.example.com", DOMAIN)).isEqualTo("hot");
    assertThat(BucketName.of("/k", "HOT.S3.Example.COM:8080", DOMAIN)).isEqualTo("hot");
    assertThat(BucketName.of("/k", "hot.s3.example.com.", DOMAIN)).isEqualTo("hot");
    assertThat(BucketName.of("/k", "my.bucket.s3.example.com:443", DOMAIN)).isEqualTo("my.bucket");
    assertThat(BucketName.of("/", "hot.s3.example.com", DOMAIN)).isEqualTo("hot"); // ListObjects, not ListBuckets
  }

  @Test
  void hostNotUnderTheDomain_orTheDomainItself_isPathStyle() {
    assertThat(BucketName.of("/cold/k", "s3.example.com", DOMAIN)).isEqualTo("cold");
    assertThat(BucketName.of("/cold/k", "s3.example.com:8080", DOMAIN)).isEqualTo("cold");
    assertThat(BucketName.of("/cold/k", "hot.xs3.example.com", DOMAIN)).isEqualTo("cold");
    assertThat(BucketName.of("/cold/k", "hot.s3.example.com.evil", DOMAIN)).isEqualTo("cold");
    assertThat(BucketName.of("/cold/k", "[::1]:8080", DOMAIN)).isEqualTo("cold");
    assertThat(BucketName.of("/cold/k", ".s3.example.com", DOMAIN)).isEqualTo("cold");
    assertThat(BucketName.of("/cold/k", "hot.s3.example.com", null)).isEqualTo("cold"); // no s3.domain
    assertThat(BucketName.of("/", "s3.example.com", DOMAIN)).isNull();
  }
}
