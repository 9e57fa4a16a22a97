package org.s3gate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The restart-only settings are defined once, in {@link StartupSettings#KEYS}; the shipped
 * {@code conf/gateway.properties} (its {@code (restart)} marks) and docs/OPERATIONS.md (its list)
 * must say the same, so no document can drift from the code again.
 */
class StartupSettingsDocumentationTest {

  @Test
  void shippedGatewayProperties_marksExactlyTheRestartOnlyKeys() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("conf/gateway.properties"));
    List<String> marked = new ArrayList<>();
    boolean restart = false;
    for (String line : lines) {
      if (line.startsWith("#")) {
        restart |= line.startsWith("# (restart)");
      } else if (!line.isBlank()) {
        if (restart) {
          marked.add(line.split("[=\\s]", 2)[0]);
        }
        restart = false;
      } else {
        restart = false;
      }
    }
    assertThat(marked).containsExactlyElementsOf(StartupSettings.KEYS);
  }

  @Test
  void operationsManual_listsExactlyTheRestartOnlyKeys() throws IOException {
    String manual = Files.readString(Path.of("docs/OPERATIONS.md"));
    Matcher list = Pattern.compile("Settings marked `\\(restart\\)` in `gateway.properties` need a restart:(.*?)\\.\\s",
        Pattern.DOTALL)
        .matcher(manual);
    assertThat(list.find()).as("docs/OPERATIONS.md lists the restart-only settings").isTrue();
    List<String> keys = new ArrayList<>();
    Matcher key = Pattern.compile("`([a-z_.]+)`").matcher(list.group(1));
    while (key.find()) {
      keys.add(key.group(1));
    }
    assertThat(keys).containsExactlyElementsOf(StartupSettings.KEYS);
  }
}
