package org.s3gate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.policy.MapFile;

class MapEditTest {

  private static final Tuning NO_SETTLE = new Tuning(Clock.fixed(Instant.parse("2025-06-01T12:00:00Z"), ZoneOffset.UTC),
      () -> {});
  private static final String PER_MINUTE = "# Group -> requests per minute\npremium 2000\n\n# the small one\nbasic=100\n";

  @TempDir
  Path dir;

  private void write(String name, String text) throws IOException {
    Files.writeString(dir.resolve(name), text);
  }

  private String read(String name) throws IOException {
    return Files.readString(dir.resolve(name));
  }

  private ConfigReloader start() throws IOException {
    write("gateway.properties", "reload.interval 1h\n");
    write("api_key_groups.map", "K1 premium\nK3 basic\n");
    write("rate_limits_per_minute.map", PER_MINUTE);
    write("rate_limits_per_second.map", "premium 50\nbasic 10\n");
    write("error_messages.map", "premium Premium rate limit exceeded\n");
    return ConfigReloader.start(dir, Map.of(), NO_SETTLE);
  }

  private List<Path> backups() throws IOException {
    Path backups = dir.resolve("backups");
    if (!Files.isDirectory(backups)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(backups)) {
      return files.sorted().toList();
    }
  }

  @Test
  void set_existingKey_replacesValueInPlaceKeepingCommentsOrderAndSeparator() throws IOException {
    try (ConfigReloader r = start()) {
      r.editMap(MapFile.LIMITS_PER_MINUTE, MapEdit.set("basic", "120"), "local");
      r.editMap(MapFile.LIMITS_PER_MINUTE, MapEdit.set("premium", "3000"), "local");
      assertThat(read("rate_limits_per_minute.map"))
          .isEqualTo("# Group -> requests per minute\npremium 3000\n\n# the small one\nbasic=120\n");
    }
  }

  @Test
  void set_publishesNewSnapshotForTheNextRequest() throws IOException {
    try (ConfigReloader r = start()) {
      long before = r.store().current().version();
      EditResult result = r.editMap(MapFile.LIMITS_PER_SECOND, MapEdit.set("basic", "3"), "local");
      assertThat(result.version()).isEqualTo(before + 1);
      assertThat(result.oldValue()).isEqualTo("10");
      assertThat(result.newValue()).isEqualTo("3");
      assertThat(r.store().current().version()).isEqualTo(before + 1);
      assertThat(r.store().current().policyForKey("K3").limitPerSecond()).isEqualTo(3);
      assertThat(r.status().file("rate_limits_per_second.map").lastReload()).isEqualTo(Instant.parse("2025-06-01T12:00:00Z"));
    }
  }

  @Test
  void set_newKeyAndMessageWithSpaces_appendedAndReadBackExactly() throws IOException {
    try (ConfigReloader r = start()) {
      r.editMap(MapFile.ERROR_MESSAGES, MapEdit.set("basic", "  Slow down, basic \\ tier  "), "local");
      assertThat(read("error_messages.map"))
          .isEqualTo("premium Premium rate limit exceeded\nbasic Slow down, basic \\\\ tier\n");
      assertThat(r.store().current().policyForKey("K3").errorMessage()).isEqualTo("Slow down, basic \\ tier");
    }
  }

  @Test
  void replace_isAtomicRename_noTemporaryFileLeft() throws IOException {
    try (ConfigReloader r = start()) {
      Path file = dir.resolve("rate_limits_per_minute.map");
      Object inodeBefore = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
      r.editMap(MapFile.LIMITS_PER_MINUTE, MapEdit.set("premium", "2500"), "local");
      Object inodeAfter = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
      if (inodeBefore != null) {
        assertThat(inodeAfter).as("a new file renamed over the old one, not a rewrite in place").isNotEqualTo(inodeBefore);
      }
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("tmp"));
      }
    }
  }

  @Test
  void edit_writesTimestampedBackupOfPreviousFileAndOneAuditLine() throws IOException {
    try (ConfigReloader r = start()) {
      EditResult result = r.editMap(MapFile.LIMITS_PER_MINUTE, MapEdit.set("premium", "3000"), "operator1");
      assertThat(backups()).hasSize(1);
      Path backup = backups().get(0);
      assertThat(backup.getFileName().toString()).isEqualTo("rate_limits_per_minute.map.20250601T120000.000Z");
      assertThat(result.backup()).isEqualTo(backup);
      assertThat(Files.readString(backup)).isEqualTo(PER_MINUTE);
      assertThat(Files.readAllLines(dir.resolve("audit.log"))).containsExactly(
          "2025-06-01T12:00:00Z map=rate_limits_per_minute.map op=set key=premium old=2000 new=3000 who=operator1"
              + " version=2 removed=\"line 2: premium 2000\"");
      r.editMap(MapFile.ERROR_MESSAGES, MapEdit.del("premium"), "local");
      assertThat(Files.readAllLines(dir.resolve("audit.log"))).hasSize(2).last().isEqualTo(
          "2025-06-01T12:00:00Z map=error_messages.map op=del key=premium old=\"Premium rate limit exceeded\" new=-"
              + " who=local version=3 removed=\"line 1: premium Premium rate limit exceeded\"");
    }
  }

  @Test
  void backups_beyondRetention_oldestDeleted() throws IOException {
    start().close();
    Path backups = dir.resolve("backups");
    Path file = dir.resolve("rate_limits_per_minute.map");
    for (int i = 0; i < 5; i++) {
      AtomicFiles.backup(file, Files.readAllBytes(file), backups, Instant.parse("2025-06-01T12:00:0" + i + "Z"), 3);
    }
    AtomicFiles.backup(file, Files.readAllBytes(file), backups, Instant.parse("2025-06-01T12:00:04Z"), 3); // same ms: -1
    assertThat(backups().stream().map(p -> p.getFileName().toString())).containsExactly(
        "rate_limits_per_minute.map.20250601T120003.000Z",
        "rate_limits_per_minute.map.20250601T120004.000Z",
        "rate_limits_per_minute.map.20250601T120004.000Z-1");
  }

  @Test
  void set_invalidLimit_refusedWithFileKeyValueRule_andNothingWritten() throws IOException {
    try (ConfigReloader r = start()) {
      long version = r.store().current().version();
      assertThatThrownBy(() -> r.editMap(MapFile.LIMITS_PER_MINUTE, MapEdit.set("premium", "-5"), "local"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("rate_limits_per_minute.map:2: group 'premium' has limit '-5': must be a whole number >= 0")
          .hasMessageContaining("nothing changed");
      assertThatThrownBy(() -> r.editMap(MapFile.KEY_GROUPS, MapEdit.set("K9", "two words"), "local"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one word");
      assertThatThrownBy(() -> r.editMap(MapFile.ERROR_MESSAGES, MapEdit.set("basic", "line1\nK2 premium"), "local"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control characters");
      assertThatThrownBy(() -> r.editMap(MapFile.LIMITS_PER_MINUTE, MapEdit.set("a b", "1"), "local"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key 'a b'");
      assertThat(read("rate_limits_per_minute.map")).isEqualTo(PER_MINUTE);
      assertThat(read("api_key_groups.map")).isEqualTo("K1 premium\nK3 basic\n");
      assertThat(backups()).isEmpty();
      assertThat(dir.resolve("audit.log")).doesNotExist();
      assertThat(r.store().current().version()).isEqualTo(version);
      assertThat(r.store().current().policyForKey("K1").limitPerMinute()).isEqualTo(2000);
    }
  }

  @Test
  void addDel_existingOrMissingKey_refusedWithMessage() throws IOException {
    try (ConfigReloader r = start()) {
      assertThatThrownBy(() -> r.editMap(MapFile.KEY_GROUPS, MapEdit.add("K1", "basic"), "local"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already there");
      assertThatThrownBy(() -> r.editMap(MapFile.KEY_GROUPS, MapEdit.del("nope"), "local"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no key 'nope'");
      r.editMap(MapFile.KEY_GROUPS, MapEdit.add("K2", "basic"), "local");
      assertThat(r.store().current().policyForKey("K2").group()).isEqualTo("basic");
    }
  }

  @Test
  void del_duplicateKey_removesEveryLineSoNoIgnoredDuplicateComesBack() throws IOException {
    try (ConfigReloader r = start()) {
      write("api_key_groups.map", "K1 premium\nK3 basic\nK1 basic\n");
      r.editMap(MapFile.KEY_GROUPS, MapEdit.del("K1"), "local");
      assertThat(read("api_key_groups.map")).isEqualTo("K3 basic\n");
      assertThat(r.store().current().keyGroups()).containsOnlyKeys("K3");
    }
  }

  @Test
  void clear_mapWithoutComments_leavesACommentSoTheNextReloadAcceptsIt() throws IOException {
    try (ConfigReloader r = start()) {
      EditResult result = r.editMap(MapFile.LIMITS_PER_SECOND, MapEdit.clear(), "local");
      assertThat(result.oldValue()).isEqualTo("2 entries");
      assertThat(read("rate_limits_per_second.map")).isEqualTo(MapText.EMPTIED_COMMENT + "\n");
      assertThat(r.store().current().limitsPerSecond()).isEmpty();
      assertThat(r.reloadNow().result()).isEqualTo(ReloadOutcome.Result.UNCHANGED);
      r.editMap(MapFile.LIMITS_PER_MINUTE, MapEdit.clear(), "local");
      assertThat(read("rate_limits_per_minute.map")).isEqualTo("# Group -> requests per minute\n\n# the small one\n");
    }
  }

  @Test
  void edit_afterConcurrentValidDiskEdit_keepsBothChanges() throws IOException {
    try (ConfigReloader r = start()) {
      // An operator edits the file; the trigger has not reloaded it yet when the JMX edit comes.
      write("rate_limits_per_minute.map", PER_MINUTE + "standard 500\n");
      write("api_key_groups.map", "K1 premium\nK3 basic\nK2 standard\n");
      r.editMap(MapFile.LIMITS_PER_MINUTE, MapEdit.set("premium", "3000"), "local");
      assertThat(read("rate_limits_per_minute.map")).contains("premium 3000", "standard 500");
      assertThat(r.store().current().policyForKey("K2").limitPerMinute()).isEqualTo(500);
      assertThat(r.store().current().policyForKey("K1").limitPerMinute()).isEqualTo(3000);
      assertThat(r.store().current().version()).isEqualTo(3); // 1 start, 2 disk edit, 3 JMX edit
    }
  }

  @Test
  void edit_afterConcurrentInvalidDiskEdit_refusedAndDiskEditKept() throws IOException {
    try (ConfigReloader r = start()) {
      String broken = PER_MINUTE + "standard lots\n";
      write("rate_limits_per_minute.map", broken);
      assertThatThrownBy(() -> r.editMap(MapFile.LIMITS_PER_MINUTE, MapEdit.set("premium", "3000"), "local"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("changed on disk")
          .hasMessageContaining("group 'standard' has limit 'lots'");
      assertThat(read("rate_limits_per_minute.map")).isEqualTo(broken);
      assertThat(r.store().current().version()).isEqualTo(1);
      assertThat(backups()).isEmpty();
    }
  }

  @Test
  void set_sameValue_writesNothing() throws IOException {
    try (ConfigReloader r = start()) {
      EditResult result = r.editMap(MapFile.LIMITS_PER_MINUTE, MapEdit.set("premium", "2000"), "local");
      assertThat(result.version()).isEqualTo(1);
      assertThat(backups()).isEmpty();
      assertThat(dir.resolve("audit.log")).doesNotExist();
    }
  }

  @Test
  void set_crlfFile_keepsLineEndings() throws IOException {
    try (ConfigReloader r = start()) {
      write("rate_limits_per_second.map", "premium 50\r\nbasic 10\r\n");
      r.editMap(MapFile.LIMITS_PER_SECOND, MapEdit.set("basic", "11"), "local");
      assertThat(read("rate_limits_per_second.map")).isEqualTo("premium 50\r\nbasic 11\r\n");
    }
  }

  @Test
  void del_fileWithLoneCrInComment_removesExactlyThatKey_andKeepsTheCr() throws IOException {
    try (ConfigReloader r = start()) {
      // Issue 13: the parser reads "# a\r# b" as two lines, the editor used to read one, so
      // del K2 removed the next line (K3's).
      String text = "# keys\r# more comment\nK1 premium\nK2 basic\nK3 basic\n";
      write("api_key_groups.map", text);
      EditResult result = r.editMap(MapFile.KEY_GROUPS, MapEdit.del("K2"), "local");
      assertThat(read("api_key_groups.map")).isEqualTo("# keys\r# more comment\nK1 premium\nK3 basic\n");
      assertThat(r.store().current().keyGroups()).containsOnlyKeys("K1", "K3");
      assertThat(result.oldValue()).isEqualTo("basic");
      assertThat(Files.readAllLines(dir.resolve("audit.log"))).last().asString()
          .endsWith("op=del key=K2 old=basic new=- who=local version=3 removed=\"line 4: K2 basic\"");
    }
  }

  @Test
  void set_fileWithLoneCrs_replacesTheKeysOwnLine() throws IOException {
    try (ConfigReloader r = start()) {
      write("error_messages.map", "# messages\rpremium Premium\rbasic Basic\r");
      r.editMap(MapFile.ERROR_MESSAGES, MapEdit.set("premium", "X"), "local");
      assertThat(read("error_messages.map")).isEqualTo("# messages\rpremium X\rbasic Basic\r");
      assertThat(r.store().current().errorMessages()).containsEntry("premium", "X").containsEntry("basic", "Basic");
    }
  }

  @Test
  void set_entryWithContinuationAndDuplicate_auditNamesEveryEntryRemovedOrReplaced() throws IOException {
    try (ConfigReloader r = start()) {
      write("rate_limits_per_minute.map", "premium 2000\nbasic 1\\\n  00\nbasic 7\n");
      r.editMap(MapFile.LIMITS_PER_MINUTE, MapEdit.set("basic", "120"), "local");
      assertThat(read("rate_limits_per_minute.map")).isEqualTo("premium 2000\nbasic 120\nbasic 7\n");
      assertThat(Files.readAllLines(dir.resolve("audit.log"))).last().asString()
          .endsWith("old=100 new=120 who=local version=3 removed=\"line 2: basic 100\"");
      r.editMap(MapFile.LIMITS_PER_MINUTE, MapEdit.del("basic"), "local");
      assertThat(Files.readAllLines(dir.resolve("audit.log"))).last().asString()
          .endsWith("removed=\"line 2: basic 120; line 3: basic 7\"");
    }
  }

  @Test
  void set_valueStartingWithSeparator_escapedAndReadBackExactly() throws IOException {
    try (ConfigReloader r = start()) {
      r.editMap(MapFile.ERROR_MESSAGES, MapEdit.set("premium", "=x"), "local");
      r.editMap(MapFile.ERROR_MESSAGES, MapEdit.set("basic", ":y = z"), "local");
      assertThat(read("error_messages.map")).isEqualTo("premium \\=x\nbasic \\:y = z\n");
      assertThat(r.store().current().errorMessages()).containsEntry("premium", "=x").containsEntry("basic", ":y = z");
      assertThat(r.reloadNow().result()).isEqualTo(ReloadOutcome.Result.UNCHANGED);
    }
  }

  @Test
  void verify_entriesOtherThanTheEditedOneDiffer_refusedNamingTheEntry() {
    List<org.s3gate.policy.RawEntry> expected = List.of(new org.s3gate.policy.RawEntry("K1", "premium", 1),
        new org.s3gate.policy.RawEntry("K3", "basic", 3));
    List<org.s3gate.policy.RawEntry> actual = List.of(new org.s3gate.policy.RawEntry("K1", "premium", 1),
        new org.s3gate.policy.RawEntry("K2", "standard", 2));
    assertThatThrownBy(() -> MapText.verify("api_key_groups.map", MapEdit.del("K2"), expected, actual))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("refused, nothing changed: the del of 'K2' in api_key_groups.map did not verify:"
            + " entry 2 would be 'K2 standard' (line 2) instead of 'K3 basic' (line 3)");
    assertThatThrownBy(() -> MapText.verify("x.map", MapEdit.clear(), List.of(), actual))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("instead of absent");
  }

  @Test
  void edit_mapWithNulByte_refusedNamingFileAndLine_andNothingWritten() throws IOException {
    try (ConfigReloader r = start()) {
      write("rate_limits_per_second.map", "premium 50\nbasic 1\0\0\n");
      assertThatThrownBy(() -> r.editMap(MapFile.LIMITS_PER_SECOND, MapEdit.set("premium", "60"), "local"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("rate_limits_per_second.map:2: contains the control character U+0000 (column 8)");
      assertThat(read("rate_limits_per_second.map")).isEqualTo("premium 50\nbasic 1\0\0\n");
      assertThat(backups()).isEmpty();
    }
  }
}
