package org.s3gate.management;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * The ObjectNames of SPEC section 8, in one place for the MBeans and for {@code bin/s3gate-admin}:
 * {@code s3gate:type=Gateway}, {@code s3gate:type=Table,name=api_keys} and
 * {@code s3gate:type=Map,name=<map file without .map>}.
 *
 * <p>Immutable (constants and static functions only).
 */
public final class ObjectNames {

  public static final String DOMAIN = "s3gate";
  public static final String GATEWAY = DOMAIN + ":type=Gateway";
  public static final String TABLE = DOMAIN + ":type=Table,name=api_keys";
  /** The four map base names, in the order {@code info} and {@code show-config} list them. */
  public static final String[] MAPS = {
    "api_key_groups", "rate_limits_per_minute", "rate_limits_per_second", "error_messages"
  };

  private ObjectNames() {}

  /** {@code s3gate:type=Map,name=<baseName>}. */
  public static String map(String baseName) {
    return DOMAIN + ":type=Map,name=" + baseName;
  }

  /** Every s3gate MBean: {@code s3gate:*}. */
  public static ObjectName all() {
    return of(DOMAIN + ":*");
  }

  public static ObjectName of(String name) {
    try {
      return new ObjectName(name);
    } catch (MalformedObjectNameException e) {
      throw new IllegalArgumentException("bad ObjectName " + name + ": " + e.getMessage(), e);
    }
  }
}
