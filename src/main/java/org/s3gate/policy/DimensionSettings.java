package org.s3gate.policy;

import java.time.ZoneId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of the limit dimensions (issue 16) in {@code gateway.properties}, all hot:
 * {@code s3.domain} (the virtual-hosted bucket's domain, or null when unset), {@code limit.timezone}
 * (the zone schedules are read in), {@code limit.schedule.NAME} (schedules by name, in file order)
 * and {@code limit.header.NAME} (request header by condition name, in file order). Kept apart from
 * {@link GatewaySettings} so each capability's settings stay in one small record.
 *
 * <p>Immutable.
 */
public record DimensionSettings(String s3Domain, ZoneId timezone, Map<String, Schedule> schedules,
    Map<String, String> headers) {

  /** No domain, UTC, no conditions: what the built-in defaults give. */
  public static final DimensionSettings NONE = new DimensionSettings(null, ZoneId.of("UTC"), Map.of(), Map.of());

  public DimensionSettings {
    Objects.requireNonNull(timezone, "timezone");
    schedules = Collections.unmodifiableMap(new LinkedHashMap<>(schedules));
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }
}
