package org.s3gate.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Where the configuration lives (SPEC section 4): system property {@code s3gate.conf.dir}, else
 * environment variable {@code S3GATE_CONF}, else the webapp's default (a context parameter, may be
 * null), else {@code ./conf}. Blank values count as unset. The result is absolute and normalized.
 *
 * <p>Immutable (static functions only).
 */
public final class ConfigDirectory {

  public static final String SYSTEM_PROPERTY = "s3gate.conf.dir";
  public static final String ENVIRONMENT_VARIABLE = "S3GATE_CONF";

  private ConfigDirectory() {}

  public static Path resolve(String contextDefault) {
    return resolve(contextDefault, System::getProperty, System.getenv());
  }

  static Path resolve(String contextDefault, UnaryOperator<String> systemProperties, Map<String, String> environment) {
    String chosen = firstNonBlank(
        systemProperties.apply(SYSTEM_PROPERTY), environment.get(ENVIRONMENT_VARIABLE), contextDefault, "conf");
    return Path.of(chosen.strip()).toAbsolutePath().normalize();
  }

  private static String firstNonBlank(String... candidates) {
    for (String c : candidates) {
      if (c != null && !c.isBlank()) {
        return c;
      }
    }
    throw new AssertionError("the last candidate is a constant");
  }
}
