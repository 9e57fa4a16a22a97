package org.s3gate.management;

/**
 * {@code s3gate:type=Map,name=<file without .map>}: one map file (HAProxy's {@code show map},
 * {@code get map}, {@code set map}, {@code add map}, {@code del map}, {@code clear map}).
 *
 * <p>Changes go through the same validation and publish as a reload of the files: a value a reload
 * would reject is refused with an {@link IllegalArgumentException} naming the file, line, key,
 * value and rule, and nothing changes. An accepted change is in force for the next request and is
 * written back: the map file is replaced atomically, the previous one is kept under
 * {@code conf/backups/}, and {@code conf/audit.log} gets one line (time, map, operation, key, old
 * value, new value, who: the JMX principal or {@code local}). Each change returns one line such as
 * {@code rate_limits_per_minute.map: set premium 2000 -> 3000 (version 7)}, followed by
 * {@code warning: ...} lines if the new configuration has warnings.
 *
 * <p>{@code show} output: one {@code key value} line per entry in force, in file order (the key
 * has no whitespace; the value is the rest of the line, as in the file).
 *
 * <p>Thread-safe (changes are serialized with reloads by the configuration reloader).
 */
@Description("One map file of the configuration directory: show, get and change its entries (HAProxy's show/set/add/del"
    + " map)")
public interface MapMXBean {

  /** The map file's absolute path. */
  @Description("The map file's absolute path")
  String getFile();

  /** Entries in force (distinct valid keys). */
  @Description("Entries in force (distinct valid keys)")
  int getEntries();

  /** When the file's content last went into force (ISO-8601 UTC), or null if it never existed. */
  @Description("When the file's content last went into force (ISO-8601 UTC), or null if it never existed")
  String getLastReload();

  /** Why the last reload refused this file ({@code file:line: reason; ...}), or null. */
  @Description("Why the last reload refused this file (file:line: reason; ...), or null")
  String getLastReloadError();

  /** Every entry in force, one {@code key value} per line. */
  @Description("Every entry in force, one 'key value' line per entry, in file order")
  String show();

  /** The value in force for {@code key}, or null if the map has no such key. */
  @Description("The value in force for a key, or null if the map has no such key")
  String get(@Description(name = "key", value = "The key: an access key, or a group name") String key);

  /** Sets {@code key} to {@code value}, adding the entry if it is absent. */
  @Description("Sets a key's value (adds the entry if absent); validated like a reload, written back with a backup")
  String set(@Description(name = "key", value = "The key: an access key, or a group name") String key,
      @Description(name = "value", value = "The new value: a group, a limit (whole number >= 0) or a message")
      String value);

  /** Adds an entry; refused if {@code key} is already there (use {@code set}). */
  @Description("Adds an entry; refused if the key is already there (use set)")
  String add(@Description(name = "key", value = "The key: an access key, or a group name") String key,
      @Description(name = "value", value = "The value: a group, a limit (whole number >= 0) or a message")
      String value);

  /** Removes {@code key} (every line of it); refused if absent. */
  @Description("Removes a key, every line of it; refused if the key is absent")
  String del(@Description(name = "key", value = "The key to remove") String key);

  /** Removes every entry (comments stay). */
  @Description("Removes every entry of the map (comments stay)")
  String clear();

  /**
   * Reloads the configuration from disk now: all files, since a reload publishes all of them
   * together or nothing. Returns e.g. {@code PUBLISHED version 8 (changed: [...])}; throws
   * {@link IllegalStateException} with every error when the files are rejected.
   */
  @Description("Reloads the configuration from disk now: every file, all or nothing")
  String reload();
}
