package org.s3gate.policy;

/**
 * A key of the per-second and per-minute maps, taken apart: {@code GROUP}, {@code GROUP:CLASS}
 * (a method class, {@link MethodClass}), {@code GROUP@CONDITION} or {@code GROUP:CLASS@CONDITION},
 * where the condition is a schedule's name ({@code offhours}) or a header condition's name and the
 * value it must have ({@code country=CN}).
 *
 * @param group the group, never empty
 * @param methodClass the class, or null for the group's own entry
 * @param condition the condition's name, or null for an unconditioned entry
 * <p>Immutable.
 *
 * @param conditionValue the header value of a header condition ({@code CN}), or null for a schedule
 */
record LimitKey(String group, MethodClass methodClass, String condition, String conditionValue) {

  /** The key taken apart, or null when it is not of one of the four forms (the compiler says why). */
  static LimitKey parse(String key) {
    String rest = key;
    String condition = null;
    String value = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      String cond = rest.substring(at + 1);
      rest = rest.substring(0, at);
      int eq = cond.indexOf('=');
      condition = eq < 0 ? cond : cond.substring(0, eq);
      value = eq < 0 ? null : cond.substring(eq + 1);
      if (!DimensionSettingsParser.isName(condition) || (value != null && (value.isEmpty() || value.indexOf('@') >= 0))) {
        return null;
      }
    } else if (rest.indexOf('=') >= 0) {
      return null;
    }
    MethodClass methodClass = null;
    int colon = rest.indexOf(':');
    if (colon >= 0) {
      methodClass = MethodClass.ofLabel(rest.substring(colon + 1));
      rest = rest.substring(0, colon);
      if (methodClass == null) {
        return null;
      }
    }
    return rest.isEmpty() ? null : new LimitKey(rest, methodClass, condition, value);
  }

  /** The variant's name as {@code X-RateLimit-Group} shows it: {@code premium@offhours}, {@code premium@country=CN}. */
  static String variantName(String group, String condition, String conditionValue) {
    return group + "@" + condition + (conditionValue == null ? "" : "=" + conditionValue);
  }

  /** The key of this entry's condition after '@' ({@code offhours}, {@code country=CN}), or null. */
  String conditionKey() {
    return condition == null ? null : condition + (conditionValue == null ? "" : "=" + conditionValue);
  }
}
