package org.s3gate.policy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The settings that need a restart: what the gateway built its long-lived parts from when it
 * started (the counter tables' capacities and the client-IP window, the reload trigger's period, the backend pool, the access
 * log's file). A reload that changes one of them warns and keeps the running value
 * ({@link PolicyCompiler}), so the snapshot always describes what is really in force.
 *
 * <p>This record and {@link #KEYS} are the one list of restart-only settings; the documentation's
 * lists and the {@code (restart)} marks in {@code conf/gateway.properties} are checked against
 * {@link #KEYS} by a test.
 *
 * <p>Immutable.
 */
public record StartupSettings(int tableSize, Duration reloadInterval, List<URI> backendUrls,
    List<URI> backendBackupUrls, int backendMaxConnections, String accessLogFile, int ipTableSize, Duration ipWindow) {

  /** Each restart-only setting: its key and its value as the restart warning shows it. */
  private record Setting(String key, Function<StartupSettings, String> text) {}

  private static final List<Setting> SETTINGS = List.of(
      new Setting(SettingKeys.TABLE_SIZE, s -> String.valueOf(s.tableSize)),
      new Setting(SettingKeys.RELOAD_INTERVAL, s -> s.reloadInterval.toMillis() + "ms"),
      new Setting(SettingKeys.BACKEND_URLS, s -> s.backendUrls.toString()),
      new Setting(SettingKeys.BACKEND_BACKUP_URLS, s -> s.backendBackupUrls.toString()),
      new Setting(SettingKeys.BACKEND_MAX_CONNECTIONS, s -> String.valueOf(s.backendMaxConnections)),
      new Setting(SettingKeys.ACCESS_LOG_FILE, s -> "'" + s.accessLogFile + "'"),
      new Setting(SettingKeys.IP_TABLE_SIZE, s -> String.valueOf(s.ipTableSize)),
      new Setting(SettingKeys.IP_WINDOW, s -> s.ipWindow.toMillis() + "ms"));

  /** The keys of the restart-only settings, in documentation order. */
  public static final List<String> KEYS = SETTINGS.stream().map(Setting::key).toList();

  /** One restart-only setting whose value in the files differs from the running one, as text. */
  record Change(String key, String running, String wanted) {}

  public StartupSettings {
    Objects.requireNonNull(reloadInterval, "reloadInterval");
    Objects.requireNonNull(accessLogFile, "accessLogFile");
    Objects.requireNonNull(ipWindow, "ipWindow");
    backendUrls = List.copyOf(backendUrls);
    backendBackupUrls = List.copyOf(backendBackupUrls);
  }

  /** The settings of {@code wanted} that differ from these (the running ones), in {@link #KEYS} order. */
  List<Change> changesTo(StartupSettings wanted) {
    List<Change> changes = new ArrayList<>();
    for (Setting setting : SETTINGS) {
      String running = setting.text().apply(this);
      String next = setting.text().apply(wanted);
      if (!running.equals(next)) {
        changes.add(new Change(setting.key(), running, next));
      }
    }
    return changes;
  }
}
