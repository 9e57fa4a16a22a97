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

  @Test
  void parse_loneCrCrlfAndLf_areEachOneLineEnd_likeLines() {
    RawFile f = parse("# a\r# b\r\na 1\rb 2\nc 3", new ArrayList<>());
    assertThat(f.entries()).containsExactly(new RawEntry("a", "1", 3), new RawEntry("b", "2", 4),
        new RawEntry("c", "3", 5));
    assertThat(Lines.split("# a\r# b\r\na 1\rb 2\nc 3")).extracting(Lines.Line::text)
        .containsExactly("# a", "# b", "a 1", "b 2", "c 3");
  }

  @Test
  void parse_rawControlCharacters_areErrorsNamingLine_tabAndFormFeedAreWhitespace() {
    List<String> errors = new ArrayList<>();
    RawFile f = parse("a\t1\f\nbasic 1\0\0\nk\u0001 v\n# bell \u0007\n", errors);
    assertThat(f.entries()).startsWith(new RawEntry("a", "1", 1));
    assertThat(errors).containsExactly(
        "x.map:2: contains the control character U+0000 (column 8); remove it: a control character at the end of"
            + " a key or value would be dropped silently",
        "x.map:3: contains the control character U+0001 (column 2); remove it: a control character at the end of"
            + " a key or value would be dropped silently",
        "x.map:4: contains the control character U+0007 (column 8); remove it: a control character at the end of"
            + " a key or value would be dropped silently");
  }

  @Test
  void parse_invalidUtf8AfterLoneCr_namesTheLineLinesCounts() {
    List<String> errors = new ArrayList<>();
    PropertiesText.parse("x.map", new byte[] {'a', '\r', 'b', ' ', (byte) 0xC3, (byte) 0x28}, errors);
    assertThat(errors).singleElement().asString().startsWith("x.map:2: not valid UTF-8");
  }

  @Test
  void lines_joinOfSplit_givesTheTextBack() {
    for (String text : new String[] {"", "a", "a\n", "\r\n\r", "a\rb\r\nc\n\nd"}) {
      assertThat(Lines.join(Lines.split(text))).isEqualTo(text);
    }
  }
}
