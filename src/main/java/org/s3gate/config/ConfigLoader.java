package org.s3gate.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.s3gate.config.ReloadOutcome.Result;
import org.s3gate.policy.Compilation;
import org.s3gate.policy.MapFile;
import org.s3gate.policy.PolicyCompiler;
import org.s3gate.policy.PolicySnapshot;
import org.s3gate.policy.PolicySources;
import org.s3gate.policy.RawEntry;
import org.s3gate.policy.RawFile;

/**
 * One reload attempt, start to end: read every file, settle, read again, parse, guard, compile,
 * and commit, with the bookkeeping that {@link ReloadStatus} shows kept in {@link ReloadHistory}.
 *
 * <p>Design, half-written files: a reload reads every file, waits {@link Tuning#settle()}
 * (150 ms) and reads them again; if any file's bytes differ, a writer is at work and the attempt
 * ends {@code UNSETTLED} without touching anything (the trigger retries on its next tick). Then two
 * guards, because their failure would be costly and their false alarms cheap: a file that was in
 * force and is now missing, and a file that was non-empty and is now 0 bytes (what {@code >}
 * redirection or an in-place rewrite shows between truncating and writing), are errors, not "empty
 * map", so the previous snapshot stays in force (to empty a map, leave a comment line in it). A line
 * cut off before its value fails validation (no group, no limit). What this cannot catch: a writer
 * that stalls longer than the settle time mid-file, after a complete line (e.g. {@code premium 20}
 * of {@code premium 2000}); and two files edited one after the other more than the settle time
 * apart, which can be published as a state with only the first edit. Writers that need more should
 * write a temporary file and rename it over the old one (atomic; what the JMX write-back does).
 * Only regular files of at most {@code reload.max_file_bytes} are read ({@link #readAll}); anything
 * else is an error naming the file, so the previous snapshot stays in force.
 * We deliberately do not treat "last line lost its trailing newline" as still-being-written: a file
 * saved without a final newline is valid and would then never load.
 *
 * <p>Not thread-safe; confined to whoever holds {@link ConfigReloader}'s reload lock.
 */
final class ConfigLoader {

  static final String DEFAULTS_RESOURCE = "gateway-defaults.properties";

  private static final System.Logger LOG = System.getLogger(ConfigReloader.class.getName());

  private final Path confDir;
  private final Map<ConfFile, Path> paths = new EnumMap<>(ConfFile.class);
  private final RawFile defaults;
  private final String backendOverride;
  private final Tuning tuning;
  private final FileSetDetector detector;
  /** {@code reload.max_file_bytes} of the built-in defaults: the least gateway.properties is read with. */
  private final long defaultMaxFileBytes;

  private Map<ConfFile, FileRead> inForce; // the bytes of the published version; null before the first
  private PolicySnapshot snapshot;
  private final ReloadHistory history = new ReloadHistory();

  ConfigLoader(Path confDir, Map<String, String> environment, Tuning tuning) {
    this.confDir = confDir;
    for (ConfFile f : ConfFile.values()) {
      paths.put(f, confDir.resolve(f.fileName));
    }
    this.defaults = readDefaults();
    this.backendOverride = environment == null ? null : environment.get(PolicySources.BACKEND_OVERRIDE_VARIABLE);
    this.tuning = tuning;
    this.detector = new FileSetDetector(List.copyOf(paths.values()));
    this.defaultMaxFileBytes = PolicyCompiler.maxFileBytes(defaults, RawFile.empty(ConfFile.GATEWAY.fileName), -1);
    if (defaultMaxFileBytes < 0) {
      throw new ConfigException("built-in defaults have no valid reload.max_file_bytes (a broken build)", List.of());
    }
  }

  FileSetDetector detector() {
    return detector;
  }

  /** The snapshot in force, null before the first successful load. */
  PolicySnapshot snapshot() {
    return snapshot;
  }

  /** One attempt, re-reading up to {@code tries} times while a file is still changing. */
  ReloadOutcome load(int tries) throws InterruptedException {
    List<String> changing = List.of();
    for (int attempt = 0; attempt < tries; attempt++) {
      Map<Path, ?> fingerprints = detector.fingerprints();
      Map<ConfFile, FileRead> first = readAll();
      tuning.settle().await();
      Map<ConfFile, FileRead> second = readAll();
      changing = new ArrayList<>();
      for (ConfFile f : ConfFile.values()) {
        if (!first.get(f).sameAs(second.get(f))) {
          changing.add(f.fileName);
        }
      }
      if (changing.isEmpty()) {
        detector.accept(fingerprints);
        return apply(second);
      }
      LOG.log(System.Logger.Level.INFO, "{0} still being written; will read again", changing);
    }
    long version = snapshot == null ? 0 : snapshot.version();
    return new ReloadOutcome(Result.UNSETTLED, version, changing,
        changing.stream().map(n -> n + ": still being written (content changed while reading)").toList(), List.of());
  }

  /**
   * Reads every file, none over its cap and none that is not a regular file ({@link FileRead}).
   * gateway.properties is read first, with the larger of the built-in and the in-force
   * {@code reload.max_file_bytes} (so lowering the setting can never lock gateway.properties itself
   * out); the maps with the value that gateway.properties, as just read, sets.
   */
  private Map<ConfFile, FileRead> readAll() {
    Map<ConfFile, FileRead> reads = new EnumMap<>(ConfFile.class);
    FileRead gateway = FileRead.of(paths.get(ConfFile.GATEWAY), gatewayMaxFileBytes());
    reads.put(ConfFile.GATEWAY, gateway);
    RawFile settings = gateway.exists() && gateway.error() == null
        ? PropertiesText.parse(ConfFile.GATEWAY.fileName, gateway.bytesForParsing(), new ArrayList<>())
        : RawFile.empty(ConfFile.GATEWAY.fileName);
    long mapMaxFileBytes = PolicyCompiler.maxFileBytes(defaults, settings, mapMaxFileBytes());
    for (ConfFile f : ConfFile.values()) {
      if (f != ConfFile.GATEWAY) {
        reads.put(f, FileRead.of(paths.get(f), mapMaxFileBytes));
      }
    }
    return reads;
  }

  /** Reads one file as the version in force caps it (what a map edit compares with and writes within). */
  FileRead read(ConfFile f) {
    return FileRead.of(paths.get(f), f == ConfFile.GATEWAY ? gatewayMaxFileBytes() : mapMaxFileBytes());
  }

  /** {@code reload.max_file_bytes} in force for the map files (the built-in default before the first load). */
  long mapMaxFileBytes() {
    return snapshot == null ? defaultMaxFileBytes : snapshot.settings().reloadMaxFileBytes();
  }

  private long gatewayMaxFileBytes() {
    return Math.max(defaultMaxFileBytes, mapMaxFileBytes());
  }

  /**
   * One set of file contents parsed and compiled against the state in force, not yet committed:
   * what a reload and a map edit both go through, so an edit is validated exactly like a file.
   */
  record Candidate(Map<ConfFile, FileRead> reads, Map<ConfFile, RawFile> raw, Compilation compilation,
      List<String> errors, List<String> changed) {}

  private ReloadOutcome apply(Map<ConfFile, FileRead> reads) {
    Candidate candidate = prepare(reads);
    history.attempted();
    if (!candidate.errors().isEmpty()) {
      return reject(candidate);
    }
    if (candidate.changed().isEmpty()) {
      history.unchanged();
      return new ReloadOutcome(Result.UNCHANGED, snapshot.version(), List.of(), List.of(),
          candidate.compilation().warnings());
    }
    return commit(candidate);
  }

  /** Parses and compiles {@code reads} as the next version; changes nothing. */
  Candidate prepare(Map<ConfFile, FileRead> reads) {
    List<String> errors = new ArrayList<>();
    Map<ConfFile, RawFile> raw = new EnumMap<>(ConfFile.class);
    for (ConfFile f : ConfFile.values()) {
      raw.put(f, readRaw(f, reads.get(f), errors));
    }
    long nextVersion = snapshot == null ? 1 : snapshot.version() + 1;
    Map<MapFile, RawFile> maps = new EnumMap<>(MapFile.class);
    for (MapFile map : MapFile.values()) {
      maps.put(map, raw.get(ConfFile.of(map)));
    }
    PolicySources sources = new PolicySources(defaults, raw.get(ConfFile.GATEWAY), maps, backendOverride,
        raw.get(ConfFile.ALLOWLIST));
    Compilation compilation = PolicyCompiler.compile(sources, nextVersion, snapshot == null ? null : snapshot.settings());
    errors.addAll(compilation.errors());

    List<String> changed = new ArrayList<>();
    for (ConfFile f : ConfFile.values()) {
      if (inForce == null || !inForce.get(f).sameAs(reads.get(f))) {
        changed.add(f.fileName);
      }
    }
    return new Candidate(Map.copyOf(reads), raw, compilation, List.copyOf(errors), List.copyOf(changed));
  }

  private ReloadOutcome reject(Candidate candidate) {
    List<String> errors = candidate.errors();
    history.rejected(errors);
    long version = snapshot == null ? 0 : snapshot.version();
    LOG.log(System.Logger.Level.ERROR, "configuration in {0} rejected ({1} errors); {2}", confDir, errors.size(),
        snapshot == null ? "nothing is in force yet" : "version " + version + " stays in force");
    errors.forEach(e -> LOG.log(System.Logger.Level.ERROR, e));
    return new ReloadOutcome(Result.REJECTED, version, candidate.changed(), errors, candidate.compilation().warnings());
  }

  /**
   * Makes a valid candidate the state in force (the caller then publishes {@link #snapshot()}).
   * A map edit calls this directly, after it has written the file.
   */
  ReloadOutcome commit(Candidate candidate) {
    if (!candidate.errors().isEmpty()) {
      throw new IllegalArgumentException("cannot commit a candidate with errors");
    }
    Instant now = tuning.clock().instant();
    Compilation compilation = candidate.compilation();
    Map<ConfFile, FileRead> reads = candidate.reads();
    List<String> changed = candidate.changed();
    compilation.warnings().forEach(w -> LOG.log(System.Logger.Level.WARNING, w));
    PolicySnapshot next = compilation.snapshot();
    Map<ConfFile, Integer> counts = entryCounts(next, candidate.raw().get(ConfFile.GATEWAY));
    history.published(counts, reads, changed, now);
    inForce = new EnumMap<>(reads);
    snapshot = next;
    LOG.log(System.Logger.Level.INFO, "configuration version {0} published from {1}; changed: {2}; entries: {3}",
        next.version(), confDir, changed, counts.entrySet().stream()
            .map(e -> e.getKey().fileName + "=" + e.getValue()).collect(Collectors.joining(", ")));
    return new ReloadOutcome(Result.PUBLISHED, next.version(), changed, List.of(), compilation.warnings());
  }

  /** The bytes of every file as the version in force read them. */
  Map<ConfFile, FileRead> inForce() {
    return new EnumMap<>(inForce);
  }

  /**
   * The files whose bytes on disk differ from what is in force (someone edited them); empty if
   * none. Never blocks: {@link FileRead} opens regular files only.
   */
  List<String> changedOnDisk() {
    Map<ConfFile, FileRead> now = readAll();
    List<String> changed = new ArrayList<>();
    for (ConfFile f : ConfFile.values()) {
      if (!now.get(f).sameAs(inForce.get(f))) {
        changed.add(f.fileName);
      }
    }
    return changed;
  }

  Path path(ConfFile f) {
    return paths.get(f);
  }

  Path confDir() {
    return confDir;
  }

  Tuning tuning() {
    return tuning;
  }

  private RawFile readRaw(ConfFile f, FileRead read, List<String> errors) {
    FileRead previous = inForce == null ? null : inForce.get(f);
    if (read.error() != null) {
      errors.add(f.fileName + ": cannot read " + paths.get(f) + ": " + read.error());
      return RawFile.empty(f.fileName);
    }
    if (!read.exists()) {
      if (previous != null && previous.exists()) {
        errors.add(f.fileName + ": file was deleted; the previous version stays in force"
            + " (to empty a map, leave only comment lines in it)");
      } else if (inForce == null) {
        LOG.log(System.Logger.Level.INFO, "{0} not found: {1}", paths.get(f),
            f == ConfFile.GATEWAY ? "built-in defaults apply" : "empty map, defaults apply");
      }
      return RawFile.empty(f.fileName);
    }
    if (read.length() == 0 && previous != null && previous.length() > 0) {
      errors.add(f.fileName + ": file is empty (0 bytes), as a file being rewritten in place looks between"
          + " truncation and writing; the previous version stays in force (to empty a map, leave a comment line)");
      return RawFile.empty(f.fileName);
    }
    return f == ConfFile.ALLOWLIST ? ListText.parse(f.fileName, read.bytesForParsing(), errors)
        : PropertiesText.parse(f.fileName, read.bytesForParsing(), errors);
  }

  private static Map<ConfFile, Integer> entryCounts(PolicySnapshot s, RawFile gateway) {
    Map<ConfFile, Integer> counts = new EnumMap<>(ConfFile.class);
    counts.put(ConfFile.GATEWAY, new LinkedHashSet<>(gateway.entries().stream().map(RawEntry::key).toList()).size());
    counts.put(ConfFile.KEY_GROUPS, s.keyGroups().size());
    counts.put(ConfFile.LIMITS_PER_MINUTE, s.limitsPerMinute().size());
    counts.put(ConfFile.LIMITS_PER_SECOND, s.limitsPerSecond().size());
    counts.put(ConfFile.ERROR_MESSAGES, s.errorMessages().size());
    counts.put(ConfFile.CONCURRENT_REQUESTS, s.concurrentRequests().size());
    counts.put(ConfFile.BANDWIDTH_PER_MINUTE, s.bandwidthPerMinute().size());
    counts.put(ConfFile.ALLOWLIST, s.allowlist().size());
    counts.put(ConfFile.BUCKET_LIMITS_PER_SECOND, s.bucketLimits().perSecond().size());
    counts.put(ConfFile.BUCKET_LIMITS_PER_MINUTE, s.bucketLimits().perMinute().size());
    return counts;
  }

  ReloadStatus status() {
    return history.status(paths, snapshot == null ? 0 : snapshot.version());
  }

  private static RawFile readDefaults() {
    try (InputStream in = PolicySnapshot.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new ConfigException("classpath resource org/s3gate/policy/" + DEFAULTS_RESOURCE
            + " is missing (a broken build)", List.of());
      }
      List<String> errors = new ArrayList<>();
      RawFile parsed = PropertiesText.parse(DEFAULTS_RESOURCE, in.readAllBytes(), errors);
      if (!errors.isEmpty()) {
        throw new ConfigException("built-in defaults unreadable", errors);
      }
      return parsed;
    } catch (IOException e) {
      throw new ConfigException("cannot read built-in defaults: " + e, List.of());
    }
  }
}
