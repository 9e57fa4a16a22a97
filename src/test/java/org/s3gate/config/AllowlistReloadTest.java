package org.s3gate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code allowlist.lst} joins the reload set: parsed with line numbers, all or nothing with the maps. */
class AllowlistReloadTest {
  @TempDir
  Path dir;

  @Test
  void reload_badAllowlistLine_keepsThePreviousListAndNamesFileAndLine() throws IOException {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\n");
    Files.writeString(dir.resolve("allowlist.lst"), "# comment\n\n10.0.0.0/8 # office\n::1\n");
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      assertThat(config.store().current().isAllowlisted("10.9.8.7")).isTrue();
      assertThat(config.store().current().isAllowlisted("::1")).isTrue();
      assertThat(config.store().current().isAllowlisted("192.0.2.1")).isFalse();
      assertThat(config.store().current().isAllowlisted("::ffff:10.0.0.1")).as("IPv4-mapped").isTrue();

      Files.writeString(dir.resolve("allowlist.lst"), "10.0.0.0/8\n192.0.2.0/24\nnot-an-address\n10.0.0.0/33\n");
      ReloadOutcome rejected = config.reloadNow();
      assertThat(rejected.published()).isFalse();
      assertThat(rejected.errors()).anyMatch(e -> e.startsWith("allowlist.lst:3: entry 'not-an-address'"))
          .anyMatch(e -> e.startsWith("allowlist.lst:4: entry '10.0.0.0/33'"));
      assertThat(config.store().current().isAllowlisted("192.0.2.1")).as("the old list stays").isFalse();
      assertThat(config.status().files()).anyMatch(f -> f.name().equals("allowlist.lst") && f.lastError() != null);

      Files.writeString(dir.resolve("allowlist.lst"), "192.0.2.0/24\n");
      assertThat(config.reloadNow().published()).isTrue();
      assertThat(config.store().current().isAllowlisted("192.0.2.1")).isTrue();
      assertThat(config.store().current().isAllowlisted("10.0.0.1")).isFalse();
    }
  }

  @Test
  void parse_listText_skipsCommentsAndKeepsLineNumbers() {
    var errors = new java.util.ArrayList<String>();
    var file = ListText.parse("allowlist.lst", "#a\r\n 10.0.0.1 \n\n2001:db8::/32\t# v6\nx#y\n".getBytes(), errors);
    assertThat(errors).isEmpty();
    assertThat(file.entries()).extracting(e -> e.key() + "@" + e.line())
        .containsExactly("10.0.0.1@2", "2001:db8::/32@4", "x#y@5");
  }
}
