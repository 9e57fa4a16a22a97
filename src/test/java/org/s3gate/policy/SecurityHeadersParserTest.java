package org.s3gate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.s3gate.policy.PolicyTestFiles.file;
import static org.s3gate.policy.PolicyTestFiles.sources;

import java.util.Map;

import org.junit.jupiter.api.Test;

class SecurityHeadersParserTest {

  private static Compilation compile(String... gatewayLines) {
    return PolicyCompiler.compile(sources(file("gateway.properties", gatewayLines), file("api_key_groups.map"),
        file("rate_limits_per_minute.map"), file("rate_limits_per_second.map"), file("error_messages.map")), 1, null);
  }

  @Test
  void compile_defaults_nosniffEverywhereAndHstsForHttps() {
    SecurityHeaderSettings headers = compile().snapshot().settings().securityHeaders();

    assertThat(headers.headers()).containsExactly(Map.entry("X-Content-Type-Options", "nosniff"));
    assertThat(headers.hsts()).isEqualTo("max-age=31536000");
    assertThat(headers.replaces("x-content-type-options")).isTrue();
    assertThat(headers.replaces("strict-transport-security")).isTrue();
    assertThat(headers.replaces("ETag")).isFalse();
  }

  @Test
  void compile_addedHeaderAndDisabledDefaults_areApplied() {
    SecurityHeaderSettings headers = compile("security.header.X-Frame-Options DENY",
        "security.header.X-Content-Type-Options", "security.hsts").snapshot().settings().securityHeaders();

    assertThat(headers.headers()).containsExactly(Map.entry("X-Frame-Options", "DENY"));
    assertThat(headers.hsts()).isEmpty();
    assertThat(headers.replaces("Strict-Transport-Security")).isFalse();
    assertThat(headers.replaces("X-Content-Type-Options")).isFalse();
  }

  @Test
  void compile_headersS3ClientsDependOn_areRefusedWithFileAndLine() {
    Compilation c = compile("security.header.Content-Type text/html", "security.header.x-amz-request-id x",
        "security.header.Strict-Transport-Security max-age=1", "security.header.Bad(Name) x",
        "security.header.X-Ok a\u0007b");

    assertThat(c.errors()).containsExactly(
        "gateway.properties:1: security.header.Content-Type has value 'text/html': header Content-Type is not a "
            + "security header the gateway may set (S3 clients or HTTP depend on it)",
        "gateway.properties:2: security.header.x-amz-request-id has value 'x': header x-amz-request-id is not a "
            + "security header the gateway may set (S3 clients or HTTP depend on it)",
        "gateway.properties:3: security.header.Strict-Transport-Security has value 'max-age=1': header "
            + "Strict-Transport-Security is not a security header the gateway may set (S3 clients or HTTP depend on it; "
            + "use security.hsts)",
        "gateway.properties:4: security.header.Bad(Name) has value 'x': header name 'Bad(Name)' is not an HTTP token",
        "gateway.properties:5: security.header.X-Ok has value 'a\\u0007b': value must not contain control characters");
  }
}
