package org.s3gate.policy;

import java.util.List;
import java.util.Objects;

/**
 * The entries of one configuration file in file order, duplicates included, as the loader read
 * them. {@code name} is what error messages start with ({@code rate_limits_per_second.map}).
 * A missing optional file is a {@code RawFile} with no entries.
 *
 * <p>Immutable.
 */
public record RawFile(String name, List<RawEntry> entries) {

  public RawFile {
    Objects.requireNonNull(name, "name");
    entries = List.copyOf(entries);
  }

  public static RawFile empty(String name) {
    return new RawFile(name, List.of());
  }
}
