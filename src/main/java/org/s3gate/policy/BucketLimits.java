package org.s3gate.policy;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The per-bucket limits of one snapshot ({@code bucket_limits_per_second.map},
 * {@code bucket_limits_per_minute.map}): a bucket's requests per sliding second and minute across
 * all callers. A bucket's window takes its own entry, else the {@code *} entry of that map, else no
 * limit; a bucket with neither window limited has no bucket limit at all ({@link #limitsOf} null).
 *
 * <p>Design: a {@link Limits} is precomputed per listed bucket and one for {@code *}, so the
 * request path does one hash lookup and allocates nothing. Keys are bucket names as requests are
 * matched: lower case ({@code BucketName} lower-cases what a request names).
 *
 * <p>Immutable (unmodifiable copies).
 */
public final class BucketLimits {

  /** The map key that gives every bucket without an entry of its own its limit. */
  public static final String DEFAULT_ENTRY = "*";

  /** No bucket limits: both maps absent or empty. */
  public static final BucketLimits NONE = new BucketLimits(Map.of(), Map.of());

  /**
   * One bucket's limits; a window without an entry (own or {@code *}) is {@link Integer#MAX_VALUE}.
   * {@code entry} is the bucket's own name when either map lists it, else {@code *}.
   */
  public record Limits(int limitPerSecond, int limitPerMinute, String entry) {}

  private final Map<String, Integer> perSecond;
  private final Map<String, Integer> perMinute;
  private final Map<String, Limits> byBucket;
  private final Limits defaultLimits;

  public BucketLimits(Map<String, Integer> perSecond, Map<String, Integer> perMinute) {
    this.perSecond = Collections.unmodifiableMap(new LinkedHashMap<>(perSecond));
    this.perMinute = Collections.unmodifiableMap(new LinkedHashMap<>(perMinute));
    this.defaultLimits = compute(DEFAULT_ENTRY);
    Map<String, Limits> buckets = new HashMap<>();
    for (Map<String, Integer> m : java.util.List.of(this.perSecond, this.perMinute)) {
      for (String bucket : m.keySet()) {
        if (!bucket.equals(DEFAULT_ENTRY)) {
          buckets.computeIfAbsent(bucket, this::compute);
        }
      }
    }
    this.byBucket = Map.copyOf(buckets);
  }

  private Limits compute(String bucket) {
    Integer second = perSecond.getOrDefault(bucket, perSecond.get(DEFAULT_ENTRY));
    Integer minute = perMinute.getOrDefault(bucket, perMinute.get(DEFAULT_ENTRY));
    if (second == null && minute == null) {
      return null;
    }
    boolean own = perSecond.containsKey(bucket) || perMinute.containsKey(bucket);
    return new Limits(second == null ? Integer.MAX_VALUE : second, minute == null ? Integer.MAX_VALUE : minute,
        own ? bucket : DEFAULT_ENTRY);
  }

  /** Whether any bucket is limited; when not, the request path never looks at a request's bucket. */
  public boolean isEmpty() {
    return perSecond.isEmpty() && perMinute.isEmpty();
  }

  /** The limits of {@code bucket} (lower case, as {@code BucketName} gives it), or null for no limit. */
  public Limits limitsOf(String bucket) {
    if (bucket == null) {
      return null;
    }
    Limits own = byBucket.get(bucket);
    return own != null ? own : defaultLimits;
  }

  /** bucket_limits_per_second.map in force, file order. */
  public Map<String, Integer> perSecond() {
    return perSecond;
  }

  /** bucket_limits_per_minute.map in force, file order. */
  public Map<String, Integer> perMinute() {
    return perMinute;
  }
}
