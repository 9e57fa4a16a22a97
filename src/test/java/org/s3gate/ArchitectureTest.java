package org.s3gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The package structure of docs/ARCHITECTURE.md, enforced: every package of {@code org.s3gate}
 * may use only the packages listed for it here (so the arrows point one way and there is no
 * cycle), and the container-free core never touches the servlet API, Jetty, commons-configuration2
 * or the Prometheus client.
 *
 * <p>Read from the sources, not the class files: a reference is an {@code import} or a fully
 * qualified name in code ({@code org.s3gate.x.Y}, {@code jakarta.servlet.Z}); comments and string
 * literals are ignored, so a {@code {@link}} to another package documents without depending (a
 * same-package simple name needs no import and is no dependency). A new package must be added to
 * {@link #ALLOWED} deliberately, with its place in the layering.
 *
 * <p>Not thread-safe; JUnit runs it on one thread.
 */
class ArchitectureTest {

  private static final Path SOURCES = Path.of("src/main/java/org/s3gate");

  /**
   * Package (relative to {@code org.s3gate}; {@code ""} is the root) to the packages it may use,
   * bottom layer first. Keep in step with the table in docs/ARCHITECTURE.md.
   */
  static final Map<String, Set<String>> ALLOWED = new TreeMap<>(Map.ofEntries(
      Map.entry("common", Set.of()),
      Map.entry("jetty", Set.of()),
      Map.entry("identify", Set.of("common")),
      Map.entry("limit", Set.of("common")),
      Map.entry("policy", Set.of("common", "identify")),
      Map.entry("admit", Set.of("common", "identify", "limit", "policy")),
      Map.entry("config", Set.of("common", "policy")),
      Map.entry("accesslog", Set.of("common", "policy")),
      Map.entry("backend", Set.of("common", "policy")),
      Map.entry("cluster", Set.of("common", "admit", "limit", "policy")),
      Map.entry("metrics", Set.of("common", "admit", "limit", "config", "backend")),
      Map.entry("stats", Set.of("common", "admit", "limit", "policy", "config", "backend", "metrics")),
      Map.entry("runtime", Set.of("common", "admit", "limit", "policy", "config", "accesslog", "backend", "metrics",
          "stats")),
      Map.entry("http", Set.of("common", "admit", "identify", "limit", "policy", "accesslog", "backend", "metrics",
          "runtime", "stats")),
      Map.entry("proxy", Set.of("common", "backend", "http", "metrics", "policy", "runtime")),
      Map.entry("management", Set.of("common", "admit", "config", "limit", "policy", "runtime")),
      Map.entry("management.cli", Set.of("common", "management", "policy")),
      Map.entry("jmxauth", Set.of()),
      Map.entry("", Set.of("common", "admit", "limit", "policy", "config", "accesslog", "backend", "metrics",
          "stats", "runtime", "management", "cluster"))));

  /** The container-free core: plain Java, tested without a container. */
  static final Set<String> CONTAINER_FREE = Set.of("common", "identify", "limit", "policy", "admit");

  /** What the container-free core must not use. */
  static final List<String> CONTAINER_PREFIXES = List.of(
      "jakarta.servlet.", "org.eclipse.jetty.", "org.apache.commons.configuration2.", "io.prometheus.");

  private static final Pattern OWN_REFERENCE = Pattern.compile("\\borg\\.s3gate\\.((?:[a-z][a-z0-9_]*\\.)*)[A-Z]");
  private static final Pattern FOREIGN_REFERENCE = Pattern.compile(
      "\\b((?:jakarta\\.servlet|org\\.eclipse\\.jetty|org\\.apache\\.commons\\.configuration2|io\\.prometheus)\\.[\\w.]*)");

  @Test
  void everyPackage_usesOnlyThePackagesBelowIt() {
    List<Reference> references = references();
    assertThat(dependencies(references).keySet()).as("packages without a place in ArchitectureTest.ALLOWED")
        .isSubsetOf(ALLOWED.keySet());
    List<String> violations = references.stream()
        .filter(r -> !r.to().equals(r.from()) && !ALLOWED.getOrDefault(r.from(), Set.of()).contains(r.to()))
        .map(r -> name(r.from()) + " -> " + name(r.to()) + " in " + SOURCES.relativize(r.file()))
        .distinct().toList();
    assertThat(violations).as("dependencies against the layering of docs/ARCHITECTURE.md").isEmpty();
  }

  @Test
  void packageGraph_hasNoCycle() {
    Map<String, Set<String>> uses = dependencies(references());
    List<List<String>> cycles = new ArrayList<>();
    for (String start : uses.keySet()) {
      List<String> cycle = cycleThrough(start, uses);
      if (cycle != null) {
        cycles.add(cycle);
      }
    }
    assertThat(cycles).as("package cycles").isEmpty();
  }

  @Test
  void allowedLayering_itselfHasNoCycle() {
    for (String start : ALLOWED.keySet()) {
      assertThat(cycleThrough(start, ALLOWED)).as("cycle in ALLOWED through " + name(start)).isNull();
    }
  }

  @Test
  void containerFreeCore_usesNoServletJettyConfigurationOrPrometheusClass() {
    List<String> violations = new ArrayList<>();
    for (Path file : sources()) {
      if (CONTAINER_FREE.contains(packageOf(file))) {
        Matcher m = FOREIGN_REFERENCE.matcher(code(file));
        while (m.find()) {
          violations.add(SOURCES.relativize(file) + " uses " + m.group(1));
        }
      }
    }
    assertThat(violations).isEmpty();
  }

  /** A source file of package {@code from} that names a class of package {@code to}. */
  private record Reference(Path file, String from, String to) {}

  private static List<Reference> references() {
    List<Reference> references = new ArrayList<>();
    for (Path file : sources()) {
      String from = packageOf(file);
      Matcher m = OWN_REFERENCE.matcher(code(file));
      while (m.find()) {
        String dotted = m.group(1);
        references.add(new Reference(file, from, dotted.isEmpty() ? "" : dotted.substring(0, dotted.length() - 1)));
      }
    }
    return references;
  }

  /** Package to the other packages it references; every package with a source file is a key. */
  private static Map<String, Set<String>> dependencies(List<Reference> references) {
    Map<String, Set<String>> uses = new TreeMap<>();
    sources().forEach(file -> uses.computeIfAbsent(packageOf(file), k -> new TreeSet<>()));
    references.forEach(r -> uses.get(r.from()).add(r.to()));
    return uses;
  }

  /** A path of dependencies from {@code start} back to itself, or null. */
  private static List<String> cycleThrough(String start, Map<String, Set<String>> graph) {
    return search(start, start, graph, new ArrayList<>(List.of(name(start))), new TreeSet<>());
  }

  private static List<String> search(String start, String at, Map<String, Set<String>> graph, List<String> path,
      Set<String> visited) {
    for (String next : graph.getOrDefault(at, Set.of())) {
      if (next.equals(at)) {
        continue;
      }
      if (next.equals(start)) {
        List<String> cycle = new ArrayList<>(path);
        cycle.add(name(start));
        return cycle;
      }
      if (visited.add(next)) {
        path.add(name(next));
        List<String> found = search(start, next, graph, path, visited);
        if (found != null) {
          return found;
        }
        path.remove(path.size() - 1);
      }
    }
    return null;
  }

  private static String name(String pkg) {
    return pkg.isEmpty() ? "org.s3gate" : pkg;
  }

  private static List<Path> sources() {
    try (Stream<Path> files = Files.walk(SOURCES)) {
      return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String packageOf(Path file) {
    Path dir = SOURCES.relativize(file.getParent());
    return dir.toString().replace('/', '.');
  }

  /** The file's code: comments and the contents of string and char literals removed (text, not references). */
  static String code(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '"' || c == '\'') {
        i = endOfLiteral(text, i);
        out.append("\"\"");
      } else if (text.startsWith("//", i)) {
        int end = text.indexOf('\n', i);
        i = end < 0 ? text.length() : end;
      } else if (text.startsWith("/*", i)) {
        int end = text.indexOf("*/", i + 2);
        i = end < 0 ? text.length() : end + 2;
        out.append(' ');
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static int endOfLiteral(String text, int start) {
    char quote = text.charAt(start);
    if (quote == '"' && text.startsWith("\"\"\"", start)) {
      int end = text.indexOf("\"\"\"", start + 3);
      return end < 0 ? text.length() : end + 3;
    }
    int i = start + 1;
    while (i < text.length() && text.charAt(i) != quote && text.charAt(i) != '\n') {
      i += text.charAt(i) == '\\' ? 2 : 1;
    }
    return Math.min(text.length(), i + 1);
  }
}
