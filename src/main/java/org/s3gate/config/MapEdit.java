package org.s3gate.config;

import java.util.Objects;

/**
 * One change to a map, as JMX and {@code bin/s3gate-admin} ask for it:
 * <ul>
 *   <li>{@code SET key value}: replaces the key's value, or appends the entry if the key is absent;
 *   <li>{@code ADD key value}: appends the entry; refused if the key is already there (use SET);
 *   <li>{@code DEL key}: removes every line of the key (duplicates included, so an ignored
 *       duplicate never comes back into force); refused if the key is absent;
 *   <li>{@code CLEAR}: removes every entry, keeping the comments.
 * </ul>
 *
 * <p>Immutable.
 */
public record MapEdit(Operation operation, String key, String value) {

  /** What to do; the lower-case name is what the audit log records. */
  public enum Operation {
    SET, ADD, DEL, CLEAR;

    public String auditName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public MapEdit {
    Objects.requireNonNull(operation, "operation");
    if (operation != Operation.CLEAR && (key == null || key.isBlank())) {
      throw new IllegalArgumentException(operation.auditName() + ": the key must not be empty");
    }
    if ((operation == Operation.SET || operation == Operation.ADD) && value == null) {
      throw new IllegalArgumentException(operation.auditName() + " " + key + ": the value must not be null");
    }
  }

  public static MapEdit set(String key, String value) {
    return new MapEdit(Operation.SET, key, value);
  }

  public static MapEdit add(String key, String value) {
    return new MapEdit(Operation.ADD, key, value);
  }

  public static MapEdit del(String key) {
    return new MapEdit(Operation.DEL, key, null);
  }

  public static MapEdit clear() {
    return new MapEdit(Operation.CLEAR, null, null);
  }
}
