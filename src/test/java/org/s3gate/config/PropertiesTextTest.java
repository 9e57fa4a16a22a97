package org.s3gate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.s3gate.policy.RawEntry;
import org.s3gate.policy.RawFile;

class PropertiesTextTest {

  private static RawFile parse(String text, List<String> errors) {
    return PropertiesText.parse("x.map", text.getBytes(StandardCharsets.UTF_8), errors);
  }

  @Test
  void parse_haproxyMap_whitespaceSeparatedWithCommentsAndLineNumbers() {
    List<String> errors = new ArrayList<>();
    RawFile f = parse("# config/api_key_groups.map\n\n5HQZO7EDOM4XBNO642GQ premium\n"
        + "VSLP8GUZ6SPYILLLGHJ0\t standard  \n   # indented comment\nFQ4IU19ZFZ3470XJ7GBF basic", errors);

    assertThat(errors).isEmpty();
    assertThat(f.entries()).containsExactly(
        new RawEntry("5HQZO7EDOM4XBNO642GQ", "premium", 3),
        new RawEntry("VSLP8GUZ6SPYILLLGHJ0", "standard", 4),
        new RawEntry("FQ4IU19ZFZ3470XJ7GBF", "basic", 6));
  }

  @Test
  void parse_equalsAndMessagesWithSpaces_keepsRestOfLine() {
    RawFile f = parse("premium = Premium rate limit exceeded: slow down, please\r\nbasic=a,b;c = d\r\n",
        new ArrayList<>());

    assertThat(f.entries()).containsExactly(
        new RawEntry("premium", "Premium rate limit exceeded: slow down, please", 1),
        new RawEntry("basic", "a,b;c = d", 2));
  }

  @Test
  void parse_duplicatesAndContinuation_keptInOrderWithFirstLine() {
    RawFile f = parse("a 1\nb long \\\n  value\na 2\n", new ArrayList<>());

    assertThat(f.entries()).containsExactly(
        new RawEntry("a", "1", 1), new RawEntry("b", "long value", 2), new RawEntry("a", "2", 4));
  }

  @Test
  void parse_keyNamedInclude_isAnOrdinaryKey() {
    assertThat(parse("include premium\n", new ArrayList<>()).entries())
        .containsExactly(new RawEntry("include", "premium", 1));
  }

  @Test
  void parse_invalidUtf8_isErrorNamingLine() {
    List<String> errors = new ArrayList<>();
    byte[] bytes = {'a', ' ', '1', '\n', 'b', ' ', (byte) 0xC3, (byte) 0x28, '\n'};

    RawFile f = PropertiesText.parse("x.map", bytes, errors);

    assertThat(f.entries()).isEmpty();
    assertThat(errors).containsExactly("x.map:2: not valid UTF-8 (byte 7); save the file as UTF-8");
  }

  @Test
  void parse_byteOrderMark_isIgnored() {
    assertThat(parse("\uFEFFa 1\n", new ArrayList<>()).entries()).containsExactly(new RawEntry("a", "1", 1));
  }
}
