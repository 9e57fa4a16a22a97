package org.s3gate.management;

import java.time.Instant;
import java.util.Map;

import org.s3gate.config.EditResult;
import org.s3gate.config.MapEdit;
import org.s3gate.policy.MapFile;
import org.s3gate.config.ReloadStatus;
import org.s3gate.runtime.Gateway;

/**
 * The {@link MapMXBean} of one map file: reads come from the snapshot in force, changes go to
 * {@link org.s3gate.config.ConfigReloader#editMap}, the one path that validates, writes and
 * publishes them.
 *
 * <p>Thread-safe: stateless; the reloader serializes changes.
 */
final class MapControl implements MapMXBean {

  private final Gateway gateway;
  private final MapFile map;

  MapControl(Gateway gateway, MapFile map) {
    this.gateway = gateway;
    this.map = map;
  }

  private ReloadStatus.FileStatus status() {
    return gateway.config().status().file(map.fileName());
  }

  @Override
  public String getFile() {
    return status().path().toString();
  }

  @Override
  public int getEntries() {
    return status().entries();
  }

  @Override
  public String getLastReload() {
    Instant last = status().lastReload();
    return last == null ? null : last.toString();
  }

  @Override
  public String getLastReloadError() {
    return status().lastError();
  }

  @Override
  public String show() {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> e : gateway.policy().entries(map).entrySet()) {
      out.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
    }
    return out.toString();
  }

  @Override
  public String get(String key) {
    return gateway.policy().entries(map).get(key);
  }

  @Override
  public String set(String key, String value) {
    return edit(() -> MapEdit.set(key, value));
  }

  @Override
  public String add(String key, String value) {
    return edit(() -> MapEdit.add(key, value));
  }

  @Override
  public String del(String key) {
    return edit(() -> MapEdit.del(key));
  }

  @Override
  public String clear() {
    return edit(MapEdit::clear);
  }

  @Override
  public String reload() {
    return Reloads.describe(gateway.config().reloadNow());
  }

  private String edit(java.util.function.Supplier<MapEdit> edit) {
    try {
      EditResult result = gateway.config().editMap(map, edit.get(), Callers.current());
      return result.summary();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw e;
    } catch (RuntimeException e) {
      // Only JDK exception types without foreign causes cross to a remote JMX client (JConsole).
      throw new IllegalStateException(e.getMessage());
    }
  }
}
