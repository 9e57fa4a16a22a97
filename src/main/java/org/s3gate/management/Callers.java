package org.s3gate.management;

import java.lang.reflect.Method;
import java.security.AccessController;
import java.security.Principal;
import java.util.Set;
import javax.management.remote.JMXPrincipal;
import javax.security.auth.Subject;

/**
 * Who is calling a JMX operation, for {@code audit.log}: the name of the authenticated JMX
 * principal (the user of {@code jmxremote.password}, {@code admin} by default, or the certificate's
 * subject), or {@code local} when the connector does not authenticate (not the shipped setup).
 *
 * <p>Immutable (static functions only).
 */
final class Callers {

  static final String LOCAL = "local";

  private Callers() {}

  static String current() {
    Subject subject = subject();
    if (subject == null) {
      return LOCAL;
    }
    Set<JMXPrincipal> jmx = subject.getPrincipals(JMXPrincipal.class);
    if (!jmx.isEmpty()) {
      return jmx.iterator().next().getName();
    }
    for (Principal p : subject.getPrincipals()) {
      return p.getName();
    }
    return LOCAL;
  }

  /** {@code Subject.current()} where it exists (Java 18+), else the access-control context's subject. */
  @SuppressWarnings({"removal", "deprecation"})
  private static Subject subject() {
    try {
      Method current = Subject.class.getMethod("current");
      return (Subject) current.invoke(null);
    } catch (ReflectiveOperationException notJava18) {
      try {
        return Subject.getSubject(AccessController.getContext());
      } catch (UnsupportedOperationException | SecurityException e) {
        return null;
      }
    }
  }
}
