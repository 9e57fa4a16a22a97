package org.s3gate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.s3gate.policy.PolicyTestFiles.file;
import static org.s3gate.policy.PolicyTestFiles.sources;

import org.junit.jupiter.api.Test;
import org.s3gate.policy.AccessLogFormat.Field;

class AccessLogFormatTest {

  @Test
  void parse_plainAndBracedVariables_splitIntoLiteralsAndFields() {
    AccessLogFormat format = AccessLogFormat.parse("$client \"${method} $path\" ${status}x $$5");

    assertThat(format.parts()).containsExactly(Field.CLIENT, " \"", Field.METHOD, " ", Field.PATH, "\" ",
        Field.STATUS, "x $5");
  }

  @Test
  void parse_unknownVariable_namesItAndTheKnownOnes() {
    assertThatThrownBy(() -> AccessLogFormat.parse("key=$key q=$query"))
        .hasMessageStartingWith("unknown variable '$query' (known: time, client, method, path");
  }

  @Test
  void parse_unclosedBrace_isRejected() {
    assertThatThrownBy(() -> AccessLogFormat.parse("${key")).hasMessage("'${' at position 0 is not closed with '}'");
  }

  @Test
  void compile_badFormat_errorNamesFileLineAndRule() {
    PolicySources src = sources(file("gateway.properties", "access.log.enabled yes", "access.log.format $nope"),
        file("api_key_groups.map"), file("rate_limits_per_minute.map"), file("rate_limits_per_second.map"),
        file("error_messages.map"));

    Compilation c = PolicyCompiler.compile(src, 1, null);

    assertThat(c.errors()).hasSize(2);
    assertThat(c.errors().get(0)).isEqualTo("gateway.properties:1: access.log.enabled has value 'yes': must be true or false");
    assertThat(c.errors().get(1)).startsWith("gateway.properties:2: access.log.format has value '$nope': unknown variable '$nope'");
  }

  @Test
  void compile_customFormat_isInTheSettings() {
    PolicySources src = sources(file("gateway.properties", "access.log.format $key $decision"),
        file("api_key_groups.map"), file("rate_limits_per_minute.map"), file("rate_limits_per_second.map"),
        file("error_messages.map"));

    GatewaySettings settings = PolicyCompiler.compile(src, 1, null).snapshot().settings();

    assertThat(settings.accessLogEnabled()).isTrue();
    assertThat(settings.accessLogFormat().parts()).containsExactly(Field.KEY, " ", Field.DECISION);
  }
}
