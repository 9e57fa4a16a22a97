package org.s3gate.jmxauth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The JMX connector's password and access files, created on the first start when they do not
 * exist (SPEC section 3, issue 13 item 11: authentication on by default, no password to invent or
 * to forget to change): the password file gets one user, {@link #USER}, with 24 random characters
 * (144 bits from {@link SecureRandom}, base64url), and is created owner-only ({@code rw-------})
 * in one step, so it is never readable by others, not even briefly; the access file grants that
 * user {@code readwrite} without {@code create} or {@code unregister}, so no MBean can be created
 * or removed over JMX ({@link JmxGuard} narrows {@code readwrite} further). Existing files are never
 * touched: an operator's own users, passwords (also hashed ones) and access levels stay as written.
 *
 * <p>{@code bin/s3gate-admin}, run as the gateway's user, reads the password from the file; JConsole
 * users type the user and the password it holds. Called from {@code etc/s3gate-jmx-auth.xml}, in
 * Jetty's start-up, before the connector starts.
 *
 * <p>Immutable (static functions only); two gateways generating the same file at once cannot both
 * win: the file is created with {@code CREATE_NEW}.
 */
public final class JmxCredentials {

  /** The user of a generated password file. */
  public static final String USER = "admin";

  private static final System.Logger LOG = System.getLogger(JmxCredentials.class.getName());
  private static final int PASSWORD_BYTES = 18; // 24 base64url characters

  private JmxCredentials() {}

  /**
   * Creates {@code passwordFile} (owner-only, one {@link #USER} with a random password) and
   * {@code accessFile} ({@code admin readwrite}) where they do not exist yet; warns when an
   * existing password file can be read by others.
   */
  public static void ensure(String passwordFile, String accessFile) {
    Path passwords = Path.of(passwordFile).toAbsolutePath();
    Path access = Path.of(accessFile).toAbsolutePath();
    try {
      if (create(passwords, "# JMX users of s3gate: \"user password\" per line, generated on the first start.\n"
          + "# bin/s3gate-admin reads it when run as this file's owner; JConsole users type the user and password.\n"
          + USER + " " + randomPassword() + "\n")) {
        LOG.log(System.Logger.Level.INFO, "JMX: generated the password of user ''{0}'' into {1} (owner-only)", USER,
            passwords);
      } else {
        warnIfReadableByOthers(passwords);
      }
      if (create(access, "# JMX access of s3gate: \"user readonly|readwrite\" per line (no create: no MBean can be"
          + " created over JMX).\n" + USER + " readwrite\n")) {
        LOG.log(System.Logger.Level.INFO, "JMX: generated {0} ({1} readwrite)", access, USER);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the JMX password or access file (" + passwords + ", " + access
          + "): " + e.getMessage(), e);
    }
  }

  static String randomPassword() {
    byte[] bytes = new byte[PASSWORD_BYTES];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Creates {@code file} owner-only with {@code text}; false if it exists already. */
  private static boolean create(Path file, String text) throws IOException {
    if (Files.exists(file)) {
      return false;
    }
    Files.createDirectories(file.getParent());
    try {
      if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        FileAttribute<Set<PosixFilePermission>> ownerOnly =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
        Files.createFile(file, ownerOnly);
      } else {
        Files.createFile(file);
      }
    } catch (FileAlreadyExistsException createdMeanwhile) {
      return false; // another start won the race; its file stands
    }
    Files.write(file, text.getBytes(StandardCharsets.UTF_8), StandardOpenOption.TRUNCATE_EXISTING);
    return true;
  }

  private static void warnIfReadableByOthers(Path passwords) {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(passwords);
      if (permissions.contains(PosixFilePermission.GROUP_READ)
          || permissions.contains(PosixFilePermission.OTHERS_READ)) {
        LOG.log(System.Logger.Level.WARNING, "JMX: the password file {0} is readable by others ({1}): chmod 600 it",
            passwords, PosixFilePermissions.toString(permissions));
      }
    } catch (IOException | UnsupportedOperationException e) {
      // not a POSIX file system, or not readable: the connector reports an unreadable file itself
    }
  }
}
