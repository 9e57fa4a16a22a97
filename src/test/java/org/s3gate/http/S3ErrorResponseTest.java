package org.s3gate.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class S3ErrorResponseTest {
  @Test
  void body_withPlainValues_isS3ErrorDocument() {
    assertThat(S3ErrorResponse.body("SlowDown", "msg (10 requests/second per API key)", "/b/k", "0123456789ABCDEF", "KEY"))
        .isEqualTo("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
            + "<Message>msg (10 requests/second per API key)</Message><Resource>/b/k</Resource>"
            + "<RequestId>0123456789ABCDEF</RequestId><ApiKey>KEY</ApiKey></Error>");
  }

  @Test
  void body_withMarkupAndControlCharacters_isEscapedAndStaysWellFormed() {
    String xml = S3ErrorResponse.body("SlowDown", "a<b>&\"c'\u0001", "/x?<y>", "ID", null);
    assertThat(xml).contains("<Message>a&lt;b&gt;&amp;&quot;c&apos;\uFFFD</Message>")
        .contains("<Resource>/x?&lt;y&gt;</Resource>")
        .doesNotContain("<ApiKey>");
  }

  @Test
  void newRequestId_always_is16UpperCaseHexDigits() {
    for (int i = 0; i < 1000; i++) {
      assertThat(S3ErrorResponse.newRequestId()).matches("[0-9A-F]{16}");
    }
  }
}
