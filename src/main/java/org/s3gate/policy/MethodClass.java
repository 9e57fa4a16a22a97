package org.s3gate.policy;

/**
 * The method classes a group may have limits of its own for ({@code GROUP:read} and
 * {@code GROUP:write} entries of the per-second and per-minute maps): reads are GET and HEAD,
 * writes PUT, POST and DELETE. Other methods belong to no class and are limited by the group's
 * limits only.
 *
 * <p>Immutable.
 */
public enum MethodClass {
  READ("read"),
  WRITE("write");

  private final String label;

  MethodClass(String label) {
    this.label = label;
  }

  /** The suffix of map keys ({@code basic:write}) and the word in messages ({@code 3 write requests/second}). */
  public String label() {
    return label;
  }

  /**
   * The name of {@code owner}'s counter of this class in the counter table ({@code "KEY write"}):
   * a space never occurs in a key a request can name, so no request reaches it under its own name.
   */
  public String counterOf(String owner) {
    return owner + " " + label;
  }

  /** The class of an S3 method as received (upper case), or null for a method of no class. */
  public static MethodClass of(String method) {
    return switch (method) {
      case "GET", "HEAD" -> READ;
      case "PUT", "POST", "DELETE" -> WRITE;
      default -> null;
    };
  }

  /** The class named by a map key's suffix after {@code ':'}, or null when none is. */
  static MethodClass ofLabel(String label) {
    for (MethodClass c : values()) {
      if (c.label.equals(label)) {
        return c;
      }
    }
    return null;
  }
}
