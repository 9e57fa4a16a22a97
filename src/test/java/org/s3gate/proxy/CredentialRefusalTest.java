package org.s3gate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class CredentialRefusalTest {
  private static final String SIGNATURE = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      + "<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>";

  private static ByteBuffer bytes(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void watch_only403WithXml_isWatched() {
    assertThat(CredentialRefusal.watch(403, "application/xml")).isNotNull();
    assertThat(CredentialRefusal.watch(403, "text/XML; charset=utf-8")).isNotNull();
    assertThat(CredentialRefusal.watch(403, "text/plain")).isNull();
    assertThat(CredentialRefusal.watch(403, null)).isNull();
    assertThat(CredentialRefusal.watch(404, "application/xml")).isNull();
  }

  @Test
  void copy_codeSplitAcrossChunks_isFoundAndChunksAreNotConsumed() {
    CredentialRefusal refusal = CredentialRefusal.watch(403, "application/xml");
    ByteBuffer first = bytes(SIGNATURE.substring(0, 60));
    ByteBuffer second = bytes(SIGNATURE.substring(60));

    refusal.copy(first);
    refusal.copy(second);

    assertThat(refusal.refused()).isTrue();
    assertThat(first.position()).isZero();
    assertThat(second.position()).isZero();
  }

  @Test
  void copy_codeBeyondTheBound_isNotLookedFor() {
    CredentialRefusal refusal = CredentialRefusal.watch(403, "application/xml");
    refusal.copy(bytes(" ".repeat(CredentialRefusal.MAX_BYTES)));
    refusal.copy(bytes(SIGNATURE));

    assertThat(refusal.refused()).isFalse();
  }

  @Test
  void refused_otherCodes_areNotRefusals() {
    CredentialRefusal refusal = CredentialRefusal.watch(403, "application/xml");
    refusal.copy(bytes("<Error><Code>AccessDenied</Code></Error>"));

    assertThat(refusal.refused()).isFalse();
  }
}
