package org.s3gate.management;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import org.s3gate.policy.MapFile;

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
  /** The name of the per-key counter table, and the table {@code bin/s3gate-admin} shows by default. */
  public static final String API_KEYS = "api_keys";
  public static final String TABLE = table(API_KEYS);
  /** The name of the per-bucket counter table ({@code bucket_limits_per_*.map}). */
  public static final String BUCKETS = "buckets";
  /** The name of the per-client-IP table ({@code s3gate:type=Table,name=client_ips}). */
  public static final String CLIENT_IPS = "client_ips";

  private ObjectNames() {}

  /** {@code s3gate:type=Table,name=<table name>}. */
  public static String table(String name) {
    return DOMAIN + ":type=Table,name=" + name;
  }

  /** {@code s3gate:type=Map,name=<base name of the map file>}. */
  public static String map(MapFile map) {
    return DOMAIN + ":type=Map,name=" + map.baseName();
  }

  public static ObjectName of(String name) {
    try {
      return new ObjectName(name);
    } catch (MalformedObjectNameException e) {
      throw new IllegalArgumentException("bad ObjectName " + name + ": " + e.getMessage(), e);
    }
  }
}
