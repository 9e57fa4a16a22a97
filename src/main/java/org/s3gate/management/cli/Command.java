package org.s3gate.management.cli;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The commands of {@code bin/s3gate-admin} (SPEC section 8), with their help text and arity.
 *
 * <p>Immutable.
 */
enum Command {
  SHOW_CONFIG("show-config", "", 0, 0, "show every group's limits and message, and every key's group",
      "Prints the groups (per-minute limit, per-second limit, message; '-' where the default applies)\n"
          + "and then the api_key_groups.map entries, as in force now."),
  SET_MINUTE_LIMIT("set-minute-limit", "GROUP N", 2, 2, "set GROUP's requests per sliding minute",
      "Sets GROUP's limit in rate_limits_per_minute.map to N (a whole number >= 0; 0 blocks the group).\n"
          + "In force for the next request; written back with a backup and an audit.log line."),
  SET_SECOND_LIMIT("set-second-limit", "GROUP N", 2, 2, "set GROUP's requests per sliding second",
      "Sets GROUP's limit in rate_limits_per_second.map to N (a whole number >= 0; 0 blocks the group).\n"
          + "In force for the next request; written back with a backup and an audit.log line."),
  SET_MESSAGE("set-message", "GROUP MESSAGE...", 2, Integer.MAX_VALUE, "set the message of GROUP's SlowDown error",
      "Sets GROUP's message in error_messages.map; the words of MESSAGE are joined with single spaces."),
  ADD_KEY("add-key", "KEY GROUP", 2, 2, "put access KEY in GROUP (moves it if it is in another)",
      "Maps access KEY to GROUP in api_key_groups.map. GROUP must exist: have a limit or message, or\n"
          + "another key in it (create a group with set-minute-limit / set-second-limit first)."),
  REMOVE_KEY("remove-key", "KEY", 1, 1, "remove access KEY from api_key_groups.map",
      "Removes KEY from api_key_groups.map; it then gets the default group's limits. Fails if absent."),
  SHOW_TABLE("show-table", "[--table NAME] [--filter DATA OP VALUE]", 0, 6, "show the live per-key counters",
      "Prints a counter table (--table: its name, default api_keys), one line per key:\n"
          + "  key=K group=G per_second=N per_minute=N admitted_total=N denied_total=N idle_millis=N\n"
          + "  (and bytes_in_per_minute=N bytes_out_per_minute=N for groups with bandwidth limits)\n"
          + "--filter: DATA is per_second, per_minute, admitted, denied, bytes_in or bytes_out; OP is gt, ge,\n"
          + "lt, le, eq or ne;\n"
          + "e.g. show-table --filter per_minute gt 100. --table client_ips: one line per client IP:\n"
          + "  key=IP http_req_rate=N http_err_rate=N conn_rate=N admitted_total=N denied_total=N idle_millis=N\n"
          + "(counts in the sliding ip.window); DATA is http_req_rate, http_err_rate, conn_rate, admitted or denied;\n"
          + "e.g. show-table --table client_ips --filter http_req_rate gt 100"),
  CLEAR_TABLE("clear-table", "[--table NAME] [KEY]", 0, 3, "reset the counters of KEY (or of every key)",
      "Forgets KEY's counts so its next request is admitted at once; without KEY, forgets every key\n"
          + "(--table: the table's name, default api_keys; clear-table --table client_ips IP forgets one client IP)."),
  RELOAD("reload", "", 0, 0, "reload every configuration file now",
      "Reloads all files from disk now (all-or-nothing); fails listing every error if they are rejected."),
  INFO("info", "", 0, 0, "show totals, configuration version, backends, table and map status",
      "Prints the Gateway, Table and Map attributes: requests, denied, config version, hot reload state\n"
          + "(OK, FAILING or STUCK), backends, table size/capacity/evictions, and each map's file, entries, last\n"
          + "reload and last error.");

  final String name;
  final String arguments;
  final int minArgs;
  final int maxArgs;
  final String summary;
  final String description;

  Command(String name, String arguments, int minArgs, int maxArgs, String summary, String description) {
    this.name = name;
    this.arguments = arguments;
    this.minArgs = minArgs;
    this.maxArgs = maxArgs;
    this.summary = summary;
    this.description = description;
  }

  static Command named(String name) {
    for (Command c : values()) {
      if (c.name.equals(name)) {
        return c;
      }
    }
    throw CliException.usage("unknown command '" + name + "'; commands: "
        + Arrays.stream(values()).map(c -> c.name).collect(Collectors.joining(", ")) + " (see --help)");
  }

  String synopsis() {
    return arguments.isEmpty() ? name : name + " " + arguments;
  }

  String summary() {
    return summary;
  }

  String help() {
    return "usage: s3gate-admin " + AdminCli.OPTIONS + " " + synopsis() + "\n\n" + description + "\n";
  }

  void checkArity(List<String> args) {
    if (args.size() < minArgs || args.size() > maxArgs) {
      throw CliException.usage(name + ": expected " + (arguments.isEmpty() ? "no arguments" : arguments)
          + ", got " + args.size() + " argument" + (args.size() == 1 ? "" : "s") + " (usage: s3gate-admin "
          + synopsis() + ")");
    }
  }
}
