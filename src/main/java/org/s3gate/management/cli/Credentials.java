package org.s3gate.management.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The JMX user and password {@code bin/s3gate-admin} connects with, first match wins:
 * <ol>
 *   <li>{@code $S3GATE_JMX_PASSWORD}, for {@code --user} (default {@code admin});
 *   <li>the password file ({@code --password-file}, else {@code $S3GATE_JMX_PASSWORD_FILE}, which
 *       the script sets to the file the gateway of this checkout uses: {@code s3gate.jmx.passwordFile}
 *       in {@code jetty-base/start.d/*.ini}, else {@code jetty-base/etc/jmxremote.password}), when it
 *       can be read, i.e. when run as the gateway's user: the line of {@code --user}, else the first
 *       user in it;
 *   <li>none: the connection is made without credentials (a gateway whose connector does not
 *       authenticate), and an authenticating gateway refuses it, with {@link #hint} saying where
 *       credentials come from.
 * </ol>
 * The password never comes from the command line (it would show in {@code ps}).
 *
 * <p>Immutable.
 */
record Credentials(String user, String password, String source) {

  static final String DEFAULT_USER = "admin";
  static final String PASSWORD_ENV = "S3GATE_JMX_PASSWORD";
  static final String PASSWORD_FILE_ENV = "S3GATE_JMX_PASSWORD_FILE";

  /** No credentials. */
  static final Credentials NONE = new Credentials(null, null, "none");

  static Credentials resolve(String user, String passwordFile, Map<String, String> env) {
    String password = env.get(PASSWORD_ENV);
    if (password != null) {
      return new Credentials(user == null ? DEFAULT_USER : user, password, "$" + PASSWORD_ENV);
    }
    String file = passwordFile != null ? passwordFile : env.get(PASSWORD_FILE_ENV);
    if (file == null || file.isBlank()) {
      return user == null ? NONE : new Credentials(user, "", "no password");
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException | AccessDeniedException e) {
      return user == null ? new Credentials(null, null, file + " (not readable)")
          : new Credentials(user, "", file + " (not readable)");
    } catch (IOException e) {
      throw new CliException("cannot read the JMX password file " + file + ": " + e.getMessage());
    }
    for (String line : lines) {
      String[] fields = line.strip().split("\\s+");
      if (fields[0].isEmpty() || fields[0].startsWith("#") || (user != null && !fields[0].equals(user))) {
        continue;
      }
      if (fields.length != 2) {
        throw new CliException("the JMX password file " + file + " holds no clear-text password for '" + fields[0]
            + "' (hashed?): set $" + PASSWORD_ENV + " (and --user)");
      }
      return new Credentials(fields[0], fields[1], file);
    }
    throw new CliException("the JMX password file " + file + " has " + (user == null ? "no user"
        : "no user '" + user + "'") + "; give --user and $" + PASSWORD_ENV);
  }

  /** Where credentials come from, for a refused connection's message. */
  String hint() {
    return "JMX needs a user and password: s3gate-admin reads them from the gateway's password file when run as its"
        + " user (--password-file or $" + PASSWORD_FILE_ENV + "; tried: " + source + "), or give --user and $"
        + PASSWORD_ENV;
  }
}
