package org.s3gate.management;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What JConsole (any JMX client reading {@code MBeanInfo}) shows for an MXBean, an attribute
 * getter, an operation or an operation's parameter: a one-line {@link #value description}, and
 * for a parameter its {@link #name}, instead of the JDK's {@code p0}, {@code p1} and "Operation
 * exposed for management" (issue 13 item 13). Declared once, on the MXBean interfaces;
 * {@link ManagementBeans} reads it when it builds each MBean's {@code MBeanInfo}, and a test checks
 * that every attribute, operation and parameter has one.
 *
 * <p>Immutable (an annotation).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.PARAMETER})
public @interface Description {

  /** One line saying what it is or does. */
  String value();

  /** The parameter's name as JMX clients show it ({@code key}, {@code value}); for parameters only. */
  String name() default "";
}
