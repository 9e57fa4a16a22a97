package org.s3gate.limit;

/**
 * The two directions a caller's bytes are budgeted in ({@code GROUP:in} and {@code GROUP:out} of
 * {@code bandwidth_per_minute.map}): request bodies received from the client, response bodies sent
 * to it.
 *
 * <p>Immutable.
 */
public enum ByteDirection {
  IN("in"),
  OUT("out");

  private final String label;

  ByteDirection(String label) {
    this.label = label;
  }

  /** The map key's suffix ({@code basic:in}) and the metrics label: {@code in} or {@code out}. */
  public String label() {
    return label;
  }
}
