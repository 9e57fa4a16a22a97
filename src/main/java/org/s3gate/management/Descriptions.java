package org.s3gate.management;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;

/**
 * Finds the {@link Description} of an MXBean interface, attribute, operation or parameter, for
 * {@link ManagementBeans}' {@code StandardMBean} hooks. An attribute is found by its getter
 * ({@code getX}, {@code isX}), an operation by name and parameter types (the MXBeans here use
 * only simple types, whose {@code MBeanParameterInfo} type is the Java type's name). Where an
 * annotation is missing the JDK's default stays, and {@code ManagementBeansTest} fails.
 *
 * <p>Immutable (static functions only).
 */
final class Descriptions {

  private Descriptions() {}

  static String ofType(Class<?> mxbean, String fallback) {
    Description d = mxbean.getAnnotation(Description.class);
    return d == null ? fallback : d.value();
  }

  static String ofAttribute(Class<?> mxbean, MBeanAttributeInfo attribute, String fallback) {
    for (String prefix : List.of("get", "is")) {
      try {
        Description d = mxbean.getMethod(prefix + attribute.getName()).getAnnotation(Description.class);
        if (d != null) {
          return d.value();
        }
      } catch (NoSuchMethodException notThisPrefix) {
        // try the next one
      }
    }
    return fallback;
  }

  static String ofOperation(Class<?> mxbean, MBeanOperationInfo operation, String fallback) {
    Method method = method(mxbean, operation);
    Description d = method == null ? null : method.getAnnotation(Description.class);
    return d == null ? fallback : d.value();
  }

  static String parameterName(Class<?> mxbean, MBeanOperationInfo operation, int index, String fallback) {
    Description d = ofParameter(mxbean, operation, index);
    return d == null || d.name().isEmpty() ? fallback : d.name();
  }

  static String parameterDescription(Class<?> mxbean, MBeanOperationInfo operation, int index, String fallback) {
    Description d = ofParameter(mxbean, operation, index);
    return d == null ? fallback : d.value();
  }

  private static Description ofParameter(Class<?> mxbean, MBeanOperationInfo operation, int index) {
    Method method = method(mxbean, operation);
    if (method == null || index >= method.getParameterCount()) {
      return null;
    }
    return method.getParameters()[index].getAnnotation(Description.class);
  }

  /** The interface method of {@code operation}: same name and parameter type names. */
  static Method method(Class<?> mxbean, MBeanOperationInfo operation) {
    List<String> types = Arrays.stream(operation.getSignature()).map(MBeanParameterInfo::getType).toList();
    for (Method m : mxbean.getMethods()) {
      if (m.getName().equals(operation.getName())
          && Arrays.stream(m.getParameterTypes()).map(Class::getName).toList().equals(types)) {
        return m;
      }
    }
    return null;
  }
}
