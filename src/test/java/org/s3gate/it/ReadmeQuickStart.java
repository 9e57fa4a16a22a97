package org.s3gate.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The commands of README.md's quick start, read from the README itself so that QuickStartIT runs
 * what a new user is told to type, and changes when the README does.
 *
 * <p>What is read: the section that starts at the line {@code ## Quick start} and ends before the
 * next {@code ## } heading; in it, every fenced block opened by exactly {@code ```sh} and closed by
 * {@code ```}; in those blocks, every line that is not blank and not a {@code #} comment line, one
 * command per line (a line ending in {@code \} continues on the next). Prose, other headings'
 * blocks and blocks of another language ({@code ```json}, plain {@code ```}) are not commands.
 * The section may be moved, grow or shrink: as long as it keeps its heading and its {@code sh}
 * blocks, the test follows it.
 *
 * <p>Immutable.
 */
final class ReadmeQuickStart {
  static final String HEADING = "## Quick start";
  private static final String FENCE = "```";

  /** One command as written, and the README line it starts on (for failure messages). */
  record Command(int lineNumber, String text) {
    /** The first word after {@code make}, or null when this is not a {@code make} command. */
    String makeTarget() {
      String[] words = text.trim().split("\\s+");
      return words.length >= 2 && words[0].equals("make") ? words[1] : null;
    }

    @Override
    public String toString() {
      return "README.md:" + lineNumber + ": `" + text + "`";
    }
  }

  final List<Command> commands;

  private ReadmeQuickStart(List<Command> commands) {
    this.commands = List.copyOf(commands);
  }

  static ReadmeQuickStart read(Path readme) throws IOException {
    List<String> lines = Files.readAllLines(readme);
    int start = lines.indexOf(HEADING);
    if (start < 0) {
      throw new IllegalStateException(readme + " has no line '" + HEADING + "': QuickStartIT reads its commands from"
          + " there; update ReadmeQuickStart if the quick start moved");
    }
    List<Command> commands = new ArrayList<>();
    boolean inShBlock = false;
    boolean inOtherBlock = false;
    StringBuilder continued = null;
    int continuedFrom = 0;
    for (int i = start + 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (!inShBlock && !inOtherBlock && line.startsWith("## ")) {
        break;
      }
      if (line.startsWith(FENCE)) {
        if (inShBlock || inOtherBlock) {
          inShBlock = false;
          inOtherBlock = false;
        } else if (line.strip().equals(FENCE + "sh")) {
          inShBlock = true;
        } else {
          inOtherBlock = true;
        }
        continue;
      }
      if (!inShBlock) {
        continue;
      }
      if (continued == null && (line.isBlank() || line.strip().startsWith("#"))) {
        continue;
      }
      if (continued == null) {
        continued = new StringBuilder();
        continuedFrom = i + 1;
      }
      if (line.endsWith("\\")) {
        continued.append(line, 0, line.length() - 1);
        continue;
      }
      commands.add(new Command(continuedFrom, continued.append(line).toString().strip()));
      continued = null;
    }
    if (commands.isEmpty()) {
      throw new IllegalStateException(readme + ": no commands in ```sh blocks under '" + HEADING + "'");
    }
    return new ReadmeQuickStart(commands);
  }
}
