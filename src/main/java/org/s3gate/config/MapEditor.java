package org.s3gate.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.s3gate.config.ConfigLoader.Candidate;
import org.s3gate.policy.MapFile;
import org.s3gate.policy.PolicySnapshot;

/**
 * Carries out one map edit on the loader's state in force: edit the text, validate the whole
 * would-be policy, back up, replace the file atomically, commit, append the audit line.
 *
 * <p>Design, all-or-nothing: the new text of the map is combined with the bytes in force of the
 * other four files and goes through {@link ConfigLoader#prepare}, exactly what a reload of the
 * same files would do; any error is thrown as an {@link IllegalArgumentException} listing every
 * error ({@code file:line: reason}) before anything is written. Only then the backup is made (a
 * failed backup also leaves everything as it was), the file is replaced atomically
 * ({@link AtomicFiles#replace}), and the candidate is committed; the caller publishes it. An edit
 * whose text does not verify ({@link MapText}: any entry but the intended ones would change) is
 * refused at the start, before the backup. The backup is written from the bytes in force, which
 * were just compared with the file on disk, so making it never opens the file again. The audit
 * line comes last: if it cannot be written the change stands and the failure is logged at
 * ERROR (the file, the backup and the configuration version tell what happened).
 *
 * <p>Lost updates: the caller ({@link ConfigReloader#editMap}) first reloads any file that changed on
 * disk since the version in force was read, so the edit is applied to the operator's on-disk text,
 * not over it. Right before the rename the file is compared with the bytes the edit started from
 * once more; a difference (a writer in the last few milliseconds) refuses the edit and writes
 * nothing. What remains is a write landing between that comparison and the rename (microseconds),
 * which the rename replaces; its author's editor will show the file changed.
 *
 * <p>Not thread-safe; confined to whoever holds {@link ConfigReloader}'s reload lock.
 */
final class MapEditor {

  /** Backups kept per map file; older ones are deleted after each new backup. */
  static final int DEFAULT_BACKUPS_PER_FILE = 50;
  static final String BACKUP_DIRECTORY = "backups";

  private static final System.Logger LOG = System.getLogger(ConfigReloader.class.getName());

  private final int backupsPerFile;

  MapEditor(int backupsPerFile) {
    if (backupsPerFile < 1) {
      throw new IllegalArgumentException("backupsPerFile must be >= 1, was " + backupsPerFile);
    }
    this.backupsPerFile = backupsPerFile;
  }

  /** Validates, writes and commits {@code edit}; the caller publishes {@code loader.snapshot()}. */
  EditResult edit(ConfigLoader loader, MapFile map, MapEdit edit, String who) {
    ConfFile f = ConfFile.of(map);
    String name = f.fileName;
    FileRead base = loader.inForce().get(f);
    String oldText = base.exists() ? new String(base.bytesForParsing(), StandardCharsets.UTF_8) : "";
    MapText.Change change = MapText.apply(name, oldText, edit);
    byte[] newBytes = change.text().getBytes(StandardCharsets.UTF_8);
    if (newBytes.length > loader.mapMaxFileBytes()) {
      throw new IllegalArgumentException("refused, nothing changed: " + name + " would be " + newBytes.length
          + " bytes, over reload.max_file_bytes (" + loader.mapMaxFileBytes() + " bytes), and no reload would read it");
    }

    PolicySnapshot before = loader.snapshot();
    String oldValue = valueOf(map, before, edit);
    if (base.exists() && base.sameAs(FileRead.ofBytes(newBytes))) {
      return new EditResult(name, edit.operation(), edit.key(), oldValue, oldValue, before.version(), null,
          java.util.List.of());
    }
    Map<ConfFile, FileRead> reads = new EnumMap<>(loader.inForce());
    reads.put(f, FileRead.ofBytes(newBytes));
    Candidate candidate = loader.prepare(reads);
    if (!candidate.errors().isEmpty()) {
      throw new IllegalArgumentException("refused, nothing changed: " + String.join("; ", candidate.errors()));
    }
    String newValue = valueOf(map, candidate.compilation().snapshot(), edit);

    Path path = loader.path(f);
    Instant now = loader.tuning().clock().instant();
    Path backup = null;
    try {
      if (!loader.read(f).sameAs(base)) {
        throw new IllegalStateException("refused, nothing changed: " + name + " was changed on disk while this edit"
            + " was being made; try again (it reloads the file first)");
      }
      if (base.exists()) {
        backup = AtomicFiles.backup(path, base.bytesForParsing(), loader.confDir().resolve(BACKUP_DIRECTORY), now,
            backupsPerFile);
      }
      AtomicFiles.replace(path, newBytes);
    } catch (IOException e) {
      throw new UncheckedIOException("refused, nothing changed: cannot write " + path + " or its backup: " + e, e);
    }
    ReloadOutcome outcome = loader.commit(candidate);
    try {
      AuditLog.append(loader.confDir().resolve(AuditLog.FILE_NAME), AuditLog.line(now, name, edit.operation(),
          edit.key(), oldValue, newValue, who, outcome.version(), change.removed()));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.ERROR, "map edit of {0} applied (version {1}) but not recorded in {2}: {3}",
          name, outcome.version(), AuditLog.FILE_NAME, e.toString());
    }
    LOG.log(System.Logger.Level.INFO, "{0} {1} {2} by {3}: {4} -> {5} (version {6}, backup {7})", name,
        edit.operation().auditName(), edit.key() == null ? "" : edit.key(), who, oldValue, newValue,
        outcome.version(), backup);
    return new EditResult(name, edit.operation(), edit.key(), oldValue, newValue, outcome.version(), backup,
        outcome.warnings());
  }

  /** The key's value in force in {@code snapshot}; for {@code CLEAR}, the map's entry count. */
  private static String valueOf(MapFile map, PolicySnapshot snapshot, MapEdit edit) {
    Map<String, String> entries = snapshot.entries(map);
    if (edit.operation() == MapEdit.Operation.CLEAR) {
      return entries.size() + " entries";
    }
    return entries.get(edit.key());
  }
}
