package org.s3gate.management.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.s3gate.management.GatewayMXBean;
import org.s3gate.management.MapMXBean;
import org.s3gate.management.ObjectNames;
import org.s3gate.management.TableMXBean;
import org.s3gate.policy.MapFile;

/**
 * What each {@link Command} does over one {@link JmxSession}. Every change is read back through
 * the MBean afterwards and compared with what was asked; a mismatch is a failure.
 *
 * <p>Not thread-safe; confined to the CLI's main thread.
 */
final class AdminCommands {

  private final JmxSession session;
  private final PrintStream out;

  AdminCommands(JmxSession session, PrintStream out) {
    this.session = session;
    this.out = out;
  }

  void run(Command command, List<String> args) {
    switch (command) {
      case SHOW_CONFIG -> showConfig();
      case SET_MINUTE_LIMIT -> setValue(MapFile.LIMITS_PER_MINUTE, args.get(0), limit(args.get(1)));
      case SET_SECOND_LIMIT -> setValue(MapFile.LIMITS_PER_SECOND, args.get(0), limit(args.get(1)));
      case SET_MESSAGE -> setValue(MapFile.ERROR_MESSAGES, args.get(0), message(args.subList(1, args.size())));
      case ADD_KEY -> addKey(args.get(0), args.get(1));
      case REMOVE_KEY -> removeKey(args.get(0));
      case SHOW_TABLE -> showTable(args);
      case CLEAR_TABLE -> clearTable(args);
      case RELOAD -> out.println(session.gateway().reloadAll());
      case INFO -> info();
      default -> throw new AssertionError(command);
    }
  }

  private static String limit(String text) {
    if (!text.matches("[0-9]{1,10}") || Long.parseLong(text) > Integer.MAX_VALUE) {
      throw new CliException("limit '" + text + "' must be a whole number >= 0 (at most " + Integer.MAX_VALUE + ")");
    }
    return String.valueOf(Long.parseLong(text));
  }

  private static String message(List<String> words) {
    String message = String.join(" ", words).strip();
    if (message.isEmpty()) {
      throw new CliException("the message must not be empty");
    }
    return message;
  }

  private void setValue(MapFile mapFile, String key, String value) {
    MapMXBean map = session.map(mapFile);
    String result = map.set(key, value);
    verify(map, mapFile, key, value);
    out.println(result);
  }

  private void verify(MapMXBean map, MapFile mapFile, String key, String expected) {
    String actual = map.get(key);
    if (!Objects.equals(actual, expected)) {
      throw new CliException("verification failed: " + mapFile.fileName() + " has " + (actual == null ? "no " + key
          : key + " '" + actual + "'") + " after the change, expected " + (expected == null ? "none" : "'" + expected + "'"));
    }
  }

  private Set<String> knownGroups() {
    Set<String> groups = new LinkedHashSet<>();
    for (MapFile name : new MapFile[] {MapFile.LIMITS_PER_MINUTE, MapFile.LIMITS_PER_SECOND, MapFile.ERROR_MESSAGES}) {
      groups.addAll(parse(session.map(name).show()).keySet());
    }
    groups.addAll(parse(session.map(MapFile.KEY_GROUPS).show()).values());
    return groups;
  }

  private void addKey(String key, String group) {
    Set<String> groups = knownGroups();
    if (!groups.contains(group)) {
      throw new CliException("unknown group '" + group + "' (known: " + String.join(", ", groups)
          + "); create it first with set-minute-limit and set-second-limit");
    }
    setValue(MapFile.KEY_GROUPS, key, group);
  }

  private void removeKey(String key) {
    MapMXBean map = session.map(MapFile.KEY_GROUPS);
    if (map.get(key) == null) {
      throw new CliException("key '" + key + "' is not in " + MapFile.KEY_GROUPS.fileName());
    }
    String result = map.del(key);
    verify(map, MapFile.KEY_GROUPS, key, null);
    out.println(result);
  }

  private void showConfig() {
    Map<String, String> perMinute = parse(session.map(MapFile.LIMITS_PER_MINUTE).show());
    Map<String, String> perSecond = parse(session.map(MapFile.LIMITS_PER_SECOND).show());
    Map<String, String> messages = parse(session.map(MapFile.ERROR_MESSAGES).show());
    Map<String, String> keys = parse(session.map(MapFile.KEY_GROUPS).show());
    Set<String> groups = knownGroups();
    out.println("# groups (rate_limits_per_minute.map, rate_limits_per_second.map, error_messages.map;"
        + " '-': the default applies)");
    out.printf("%-16s %10s %10s  %s%n", "group", "per_minute", "per_second", "message");
    for (String g : groups) {
      out.printf("%-16s %10s %10s  %s%n", g, perMinute.getOrDefault(g, "-"), perSecond.getOrDefault(g, "-"),
          messages.getOrDefault(g, "-"));
    }
    out.println("# keys (api_key_groups.map)");
    keys.forEach((k, g) -> out.println(k + " " + g));
  }

  /**
   * The table a {@code --table NAME} option in {@code args} names ({@code api_keys} without one);
   * the option is removed from {@code args}.
   */
  private TableMXBean table(List<String> args) {
    int at = args.indexOf("--table");
    if (at < 0) {
      return session.table(ObjectNames.API_KEYS);
    }
    if (at + 1 >= args.size()) {
      throw CliException.usage("--table: expected a table name, e.g. --table " + ObjectNames.API_KEYS);
    }
    String name = args.get(at + 1);
    args.subList(at, at + 2).clear();
    return session.table(name);
  }

  private void showTable(List<String> arguments) {
    List<String> args = new java.util.ArrayList<>(arguments);
    TableMXBean table = table(args);
    if (args.isEmpty()) {
      out.print(table.show());
      return;
    }
    if (args.size() != 4 || !args.get(0).equals("--filter")) {
      throw CliException.usage("show-table: expected --filter DATA OP VALUE, e.g. --filter per_minute gt 100");
    }
    long value;
    try {
      value = Long.parseLong(args.get(3));
    } catch (NumberFormatException e) {
      throw new CliException("show-table: VALUE '" + args.get(3) + "' must be a whole number");
    }
    out.print(table.show(args.get(1), args.get(2), value));
  }

  private void clearTable(List<String> arguments) {
    List<String> args = new java.util.ArrayList<>(arguments);
    TableMXBean table = table(args);
    if (args.size() > 1) {
      throw CliException.usage("clear-table: expected [--table NAME] [KEY]");
    }
    String key = args.isEmpty() ? null : args.get(0);
    if (key == null) {
      int before = table.getSize();
      table.clear();
      int after = table.getSize();
      if (after > before && after > 0) {
        throw new CliException("verification failed: the table had " + before + " keys and has " + after + " after clear");
      }
      out.println("cleared the table: " + before + " keys before, " + after + " now (new requests add keys again)");
      return;
    }
    long totalBefore = totals(table.show(), key);
    boolean present = table.clearKey(key);
    long totalAfter = totals(table.show(), key);
    if (present && totalAfter >= totalBefore && totalBefore > 0) {
      throw new CliException("verification failed: " + key + " still has " + totalAfter + " requests counted");
    }
    out.println(present ? "cleared " + key + " (" + totalBefore + " requests counted before; its next request is"
        + " judged on empty windows)" : key + " was not in the table (nothing to clear)");
  }

  /** admitted_total + denied_total of {@code key} in a {@code show()} output, 0 if absent. */
  private static long totals(String show, String key) {
    for (String line : show.split("\n")) {
      if (line.startsWith("key=" + key + " ")) {
        long sum = 0;
        for (String field : line.split(" ")) {
          if (field.startsWith("admitted_total=") || field.startsWith("denied_total=")) {
            sum += Long.parseLong(field.substring(field.indexOf('=') + 1));
          }
        }
        return sum;
      }
    }
    return 0;
  }

  private void info() {
    GatewayMXBean gateway = session.gateway();
    TableMXBean table = session.table(ObjectNames.API_KEYS);
    out.println("jmx:            " + session.address());
    out.println("requests:       " + gateway.getRequests());
    out.println("denied:         " + gateway.getDenied());
    out.println("config version: " + gateway.getConfigVersion());
    String failure = gateway.getReloadFailure();
    out.println("hot reload:     " + gateway.getReloadState() + ", last check " + gateway.getLastReloadCheck()
        + (failure == null ? "" : ", last failure " + failure));
    for (String backend : gateway.getBackends()) {
      out.println("backend:        " + backend);
    }
    out.println("table:          size " + table.getSize() + ", capacity " + table.getCapacity() + ", evictions "
        + table.getEvictions());
    for (MapFile name : MapFile.values()) {
      MapMXBean map = session.map(name);
      out.println("map " + name.baseName() + ": " + map.getEntries() + " entries, file " + map.getFile() + ", last reload "
          + map.getLastReload() + (map.getLastReloadError() == null ? "" : ", last error: " + map.getLastReloadError()));
    }
  }

  /** A map's {@code show()} output back into key -> value. */
  static Map<String, String> parse(String show) {
    Map<String, String> entries = new LinkedHashMap<>();
    for (String line : show.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      int space = line.indexOf(' ');
      entries.put(space < 0 ? line : line.substring(0, space), space < 0 ? "" : line.substring(space + 1));
    }
    return entries;
  }
}
