package org.s3gate.cluster;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import javax.net.ssl.SSLException;

/**
 * Turns a failed Redis connect or call into the one line an operator reads in the outage's ERROR
 * log: what Lettuce reported, the root cause (Lettuce wraps a refused password or an untrusted
 * certificate in "Unable to connect to host:port", which alone names no problem), and for the
 * problems a configuration causes, what to change.
 *
 * <p>Never prints a password: Lettuce's messages name hosts and ports only, and as a second guard
 * the URI's password (4 characters or more: a shorter one would mangle every word it occurs in) is
 * replaced by {@code ***} wherever it would appear.
 *
 * <p>Immutable; thread-safe.
 */
final class RedisProblems {
  private final String password;

  /** @param uri {@code redis.uri}, whose password (if any) must never be printed */
  RedisProblems(String uri) {
    this.password = passwordOf(uri);
  }

  /** {@code Type: message[; cause: Type: message][ (hint)]}, without the password. */
  String describe(Throwable e) {
    Throwable top = e;
    while ((top instanceof ExecutionException || top instanceof CompletionException || top.getMessage() == null)
        && top.getCause() != null && top.getCause() != top) {
      top = top.getCause();
    }
    Throwable root = top;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    StringBuilder line = new StringBuilder(name(top));
    if (root != top && root.getMessage() != null && (top.getMessage() == null || !top.getMessage().contains(root.getMessage()))) {
      line.append("; cause: ").append(name(root));
    }
    String hint = hint(top, line.toString());
    if (hint != null) {
      line.append(" (").append(hint).append(')');
    }
    return password.length() < 4 ? line.toString() : line.toString().replace(password, "***");
  }

  private static String name(Throwable t) {
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }

  /** What to change, for the problems a setting causes; null when there is nothing to say. */
  private static String hint(Throwable top, String text) {
    if (text.contains("WRONGPASS")) {
      return "Redis refused the user or password of redis.uri";
    }
    if (text.contains("NOAUTH")) {
      return "Redis requires a password: redis://:PASSWORD@host:port or redis://USER:PASSWORD@host:port";
    }
    if (text.contains("NOPERM")) {
      return "the ACL user of redis.uri lacks a permission s3gate needs: see docs/OPERATIONS.md, cluster mode";
    }
    if (text.contains("READONLY")) {
      return "connected to a replica, not the master: reconnecting";
    }
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.contains("unknown command") && (lower.contains("function") || lower.contains("fcall"))) {
      return "s3gate needs Redis 7 or later (Redis functions)";
    }
    if (anyCause(top, CertPathBuilderException.class) || anyCause(top, CertPathValidatorException.class)
        || anyCause(top, CertificateException.class)) {
      return "the Redis server's TLS certificate is not trusted or does not name the host of redis.uri: make the"
          + " gateway's JVM trust its CA (-Djavax.net.ssl.trustStore=... in S3GATE_JAVA_OPTS, docs/OPERATIONS.md)";
    }
    if (anyCause(top, SSLException.class)) {
      return "TLS handshake with Redis failed: does the server speak TLS on this port (rediss://) or not (redis://)?";
    }
    return null;
  }

  private static boolean anyCause(Throwable top, Class<? extends Throwable> type) {
    for (Throwable t = top; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /** The password of {@code scheme://[user]:password@host...}, or "" when there is none. */
  static String passwordOf(String uri) {
    int scheme = uri.indexOf("://");
    int at = uri.lastIndexOf('@');
    if (scheme < 0 || at < scheme + 3) {
      return "";
    }
    String userInfo = uri.substring(scheme + 3, at);
    int colon = userInfo.indexOf(':');
    return colon < 0 ? userInfo : userInfo.substring(colon + 1);
  }
}
