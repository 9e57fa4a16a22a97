package org.s3gate.management.cli;

import java.io.PrintStream;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.management.MBeanException;
import javax.management.ReflectionException;
import javax.management.RuntimeMBeanException;
import javax.management.RuntimeOperationsException;

/**
 * {@code bin/s3gate-admin}: the command-line front for the s3gate MBeans (SPEC section 8), the
 * successor of HAProxy's runtime-socket commands and the {@code manage-dynamic-limits} script.
 *
 * <pre>
 * s3gate-admin [--jmx HOST:PORT] [--user NAME] [--password-file FILE] [--ssl] COMMAND [ARGS]
 * </pre>
 * Exit status 0 on success, 1 when the operation failed (refused value, unknown key or group,
 * unreachable gateway, failed verification, refused credentials), 2 on bad usage; the reason is
 * one line on stderr. The user and password come from {@code S3GATE_JMX_PASSWORD} or the
 * gateway's password file ({@link Credentials}), never from the command line (it would show in
 * {@code ps}).
 *
 * <p>Not thread-safe; runs once on the main thread.
 */
public final class AdminCli {

  static final String DEFAULT_JMX = "127.0.0.1:1099";
  static final String OPTIONS = "[--jmx HOST:PORT] [--user NAME] [--password-file FILE] [--ssl]";

  private AdminCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.getenv()));
  }

  /** Runs one command; returns the exit status. */
  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    try {
      return execute(args, out, env);
    } catch (CliException e) {
      err.println("s3gate-admin: " + e.getMessage());
      return e.exitCode();
    } catch (RuntimeException | Error e) {
      err.println("s3gate-admin: " + rootMessage(e));
      return CliException.FAILED;
    }
  }

  private static int execute(String[] args, PrintStream out, Map<String, String> env) {
    String jmx = DEFAULT_JMX;
    String user = null;
    String passwordFile = null;
    boolean ssl = false;
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--jmx") || a.equals("--user") || a.equals("--password-file")) {
        if (i + 1 >= args.length) {
          throw CliException.usage(a + " needs a value (see --help)");
        }
        if (a.equals("--jmx")) {
          jmx = checkHostPort(args[++i]);
        } else if (a.equals("--user")) {
          user = args[++i];
        } else {
          passwordFile = args[++i];
        }
      } else if (a.startsWith("--jmx=")) {
        jmx = checkHostPort(a.substring("--jmx=".length()));
      } else if (a.equals("--ssl")) {
        ssl = true;
      } else {
        rest.add(a);
      }
    }
    if (rest.isEmpty() || rest.get(0).equals("--help") || rest.get(0).equals("-h") || rest.get(0).equals("help")) {
      if (rest.size() > 1) {
        out.print(Command.named(rest.get(1)).help());
      } else {
        out.print(usage());
      }
      return 0;
    }
    Command command = Command.named(rest.get(0));
    List<String> commandArgs = rest.subList(1, rest.size());
    if (commandArgs.contains("--help") || commandArgs.contains("-h")) {
      out.print(command.help());
      return 0;
    }
    command.checkArity(commandArgs);
    Credentials credentials = Credentials.resolve(user, passwordFile, env);
    try (JmxSession session = JmxSession.connect(jmx, credentials, ssl)) {
      try {
        new AdminCommands(session, out).run(command, commandArgs);
      } catch (UndeclaredThrowableException | RuntimeMBeanException | RuntimeOperationsException e) {
        throw new CliException(rootMessage(e));
      }
    }
    return 0;
  }

  private static String checkHostPort(String value) {
    int colon = value.lastIndexOf(':');
    boolean ok = colon > 0 && colon < value.length() - 1;
    if (ok) {
      try {
        int port = Integer.parseInt(value.substring(colon + 1));
        ok = port > 0 && port < 65536;
      } catch (NumberFormatException e) {
        ok = false;
      }
    }
    if (!ok) {
      throw CliException.usage("--jmx must be HOST:PORT (e.g. 127.0.0.1:1099), got '" + value + "'");
    }
    return value;
  }

  static String usage() {
    StringBuilder s = new StringBuilder();
    s.append("usage: s3gate-admin ").append(OPTIONS).append(" COMMAND [ARGS]\n\n")
        .append("Manages a running s3gate over JMX (default --jmx ").append(DEFAULT_JMX).append(").\n")
        .append("Every change is read back and verified. Exit status: 0 ok, 1 failed, 2 bad usage.\n")
        .append("Credentials: $").append(Credentials.PASSWORD_ENV).append(" (user --user, default ")
        .append(Credentials.DEFAULT_USER).append("), else the gateway's password file (--password-file,\n")
        .append("else $").append(Credentials.PASSWORD_FILE_ENV)
        .append(", set by bin/s3gate-admin to this checkout's), readable when run as its owner.\n\ncommands:\n");
    for (Command c : Command.values()) {
      s.append(String.format("  %-40s %s%n", c.synopsis(), c.summary()));
    }
    return s.append("\ns3gate-admin COMMAND --help shows one command's help.\n").toString();
  }

  /** The most specific message of an exception chain, unwrapping JMX and proxy wrappers. */
  static String rootMessage(Throwable t) {
    Throwable current = t;
    while (true) {
      Throwable next = null;
      if (current instanceof UndeclaredThrowableException u) {
        next = u.getUndeclaredThrowable();
      } else if (current instanceof RuntimeMBeanException r) {
        next = r.getTargetException();
      } else if (current instanceof MBeanException m) {
        next = m.getTargetException();
      } else if (current instanceof ReflectionException r) {
        next = r.getTargetException();
      } else if (current instanceof RuntimeOperationsException r) {
        next = r.getTargetException();
      } else if (current.getMessage() == null || current.getMessage().isBlank()) {
        next = current.getCause();
      } else if (current.getCause() != null && current.getMessage().startsWith(current.getCause().getClass().getName())) {
        next = current.getCause();
      } else if (current instanceof java.io.IOException && current.getCause() != null) {
        next = current.getCause();
      }
      if (next == null || next == current) {
        String message = current.getMessage();
        return message == null || message.isBlank() ? current.getClass().getSimpleName() : message.replace('\n', ' ');
      }
      current = next;
    }
  }
}
