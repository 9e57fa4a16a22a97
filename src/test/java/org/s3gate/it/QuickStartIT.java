package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * README.md's quick start, run as a new user would on a fresh clone (issue 20): {@code make start}
 * (the background form of the README's {@code make run}) with the shipped {@code conf/} and
 * nothing test-only, then the README's own shell commands (the real aws-cli and curl), then what a
 * user does next: {@code aws s3 ls} must show the uploaded object (through the gateway, and directly
 * on the embedded s3proxy, ListObjects v2 and v1), {@code s3 cp} back gives identical bytes, {@code
 * s3 rm}, {@code s3 rb}, {@code curl /_s3gate/health}, {@code bin/s3gate-admin info} with the JMX
 * password the first start generated; finally {@code make stop} must leave no
 * process from the PID files alive, the ports free and {@code conf/} as it was.
 *
 * <p>The commands come from the README itself ({@link ReadmeQuickStart}: the {@code ```sh} blocks
 * under {@code ## Quick start}), so this test changes when the README does. {@code make} lines map
 * to what a test can run: {@code make run} (foreground until Ctrl-C) becomes {@code make start},
 * which the README says does the same in the background; {@code make test} (the suite running this
 * test) and {@code make bench} (~30 min) are not run. Every other line runs as written, one
 * {@code bash -c} per line from the checkout's root, with the README's {@code export} lines in
 * front of it. The follow-up steps take the endpoint, bucket and file from the README's {@code s3
 * mb} and {@code s3 cp} lines.
 *
 * <p>The shipped configuration has fixed ports (8080, 8443, 9000, 1099): the test fails at once,
 * naming the port, if one is taken, and never stops anything it did not start. aws-cli runs with
 * {@code AWS_CONFIG_FILE} and {@code AWS_SHARED_CREDENTIALS_FILE} pointing at files that do not
 * exist, so a developer's {@code ~/.aws} changes nothing. The embedded backend's data directory
 * ({@code target/s3data}) is moved aside while the test runs and put back afterwards, so a bucket
 * left by a developer's own {@code make run} neither breaks the README's {@code s3 mb} nor is
 * lost. Every command is bounded in time; the transcript is {@code target/it-logs/quickstart-it.log}.
 *
 * <p>Not thread-safe: one test, run alone (the ports are fixed).
 */
class QuickStartIT {
  private static final Path ROOT = ManagedProcess.ROOT;
  /** The ports of the shipped configuration, and where each is set. */
  private static final Map<Integer, String> PORTS = shippedPorts();
  private static final List<Path> PID_FILES = List.of(ROOT.resolve("target/s3gate.pid"), ROOT.resolve("target/s3gate-backend.pid"));
  private static final Duration MAKE_START_TIMEOUT = Duration.ofMinutes(5); // includes the Maven package it runs
  private static final Duration MAKE_STOP_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration CLIENT_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration PORTS_FREED_TIMEOUT = Duration.ofSeconds(10);

  private static final Pattern ENDPOINT = Pattern.compile("--endpoint-url\\s+(\\S+)");
  private static final Pattern MAKE_BUCKET = Pattern.compile("\\baws\\b.*\\ss3\\s+mb\\s+s3://([^/\\s]+)/?(\\s|$)");
  private static final Pattern UPLOAD = Pattern.compile("\\baws\\b.*\\ss3\\s+cp\\s+(\\S+)\\s+s3://([^/\\s]+)/(\\S*)(\\s|$)");

  private final List<String> exports = new ArrayList<>();
  private final List<ProcessHandle> started = new ArrayList<>();

  @Test
  void readmeQuickStart_asWritten_listsCopiesBackAndStopsClean() throws Exception {
    ReadmeQuickStart quickStart = ReadmeQuickStart.read(ROOT.resolve("README.md"));
    Path work = Files.createTempDirectory("s3gate-quickstart-");
    Path transcript = ROOT.resolve("target/it-logs/quickstart-it.log");
    Files.createDirectories(transcript.getParent());
    Files.deleteIfExists(transcript);
    Shell shell = new Shell(environment(work), transcript, work);

    requireAwsCli(shell);
    requireNothingRunning();
    Map<String, String> confBefore = confContents();
    String gitConfBefore = gitStatusOfConf(shell);
    Path data = dataDirectory();
    Path dataSetAside = data.resolveSibling(data.getFileName() + ".set-aside-by-QuickStartIT");
    if (Files.exists(dataSetAside)) {
      throw new AssertionError(dataSetAside + " exists: an interrupted QuickStartIT left it; it holds the embedded"
          + " backend's data from before that run. Move it back to " + data + " (or delete it) and rerun.");
    }
    if (Files.exists(data)) {
      Files.move(data, dataSetAside);
    }

    Thread stopOnExit = new Thread(() -> runQuietly(shell, "make stop"), "quickstart-it-make-stop");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
    Throwable failure = null;
    try {
      runQuickStart(quickStart, shell, work);
    } catch (Throwable t) {
      failure = t;
      throw t;
    } finally {
      List<String> problems = stopAndCheck(shell);
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
      restoreDataDirectory(data, dataSetAside, problems);
      if (!confContents().equals(confBefore)) {
        problems.add("conf/ changed while the quick start ran (its files before and after differ)");
      }
      String gitConfAfter = gitStatusOfConf(shell);
      if (!gitConfAfter.equals(gitConfBefore)) {
        problems.add("`git status --porcelain --ignored -- conf` was\n" + gitConfBefore + "before and is\n" + gitConfAfter + "after");
      }
      deleteTree(work);
      if (!problems.isEmpty()) {
        AssertionError cleanup = new AssertionError("after `make stop` (transcript " + transcript + "):\n- "
            + String.join("\n- ", problems));
        if (failure == null) {
          throw cleanup;
        }
        failure.addSuppressed(cleanup);
      }
    }
  }

  private void runQuickStart(ReadmeQuickStart quickStart, Shell shell, Path work) throws Exception {
    if (quickStart.commands.stream().noneMatch(c -> "run".equals(c.makeTarget()) || "start".equals(c.makeTarget()))) {
      throw new AssertionError("README.md's quick start no longer says `make run` (or `make start`): QuickStartIT"
          + " runs `make start` for it; update the test with the README. Commands read: " + quickStart.commands);
    }
    String endpoint = null;
    String bucket = null;
    String file = null;
    String key = null;
    for (ReadmeQuickStart.Command command : quickStart.commands) {
      String target = command.makeTarget();
      if (target != null) {
        runMake(command, target, shell);
        continue;
      }
      Shell.Result result = shell.runOk(command.toString(), withExports(command.text()), CLIENT_TIMEOUT);
      if (command.text().startsWith("export ")) {
        exports.add(command.text());
      }
      if (command.text().startsWith("curl ") && command.text().contains("/_s3gate/health")) {
        assertThat(result.output()).as("%s prints the gateway's health", command).contains("\"status\":\"UP\"");
      }
      Matcher upload = UPLOAD.matcher(command.text());
      if (upload.find()) {
        endpoint = endpointOf(command);
        file = upload.group(1);
        bucket = upload.group(2);
        key = upload.group(3).isEmpty() ? Path.of(file).getFileName().toString() : upload.group(3);
      }
    }
    boolean madeBucket = quickStart.commands.stream().anyMatch(c -> MAKE_BUCKET.matcher(c.text()).find());
    if (endpoint == null || !madeBucket) {
      throw new AssertionError("README.md's quick start no longer makes a bucket (`aws --endpoint-url URL s3 mb"
          + " s3://BUCKET`) and uploads a file to it (`aws --endpoint-url URL s3 cp FILE s3://BUCKET/`): QuickStartIT's"
          + " follow-up steps need updating with the README. Commands read: " + quickStart.commands);
    }
    followUp(shell, work, endpoint, bucket, file, key);
  }

  /** What a user does next: list, copy back, remove, and the health check, with the README's exports. */
  private void followUp(Shell shell, Path work, String endpoint, String bucket, String file, String key) throws Exception {
    String aws = "aws --endpoint-url " + endpoint;
    long size = Files.size(ROOT.resolve(file));
    Pattern listed = Pattern.compile("(?m)^\\S+ \\S+\\s+" + size + " " + Pattern.quote(key) + "$");

    Shell.Result listing = shell.runOk("ListObjectsV2 through the gateway", withExports(aws + " s3 ls s3://" + bucket), CLIENT_TIMEOUT);
    assertThat(listing.output()).as("`s3 ls` through the gateway lists the uploaded object (%s)", listing).containsPattern(listed);

    Shell.Result listingV1 = shell.runOk("ListObjects (v1) through the gateway", withExports(aws + " s3api list-objects --bucket "
        + bucket + " --query 'Contents[].[Key,Size]' --output text"), CLIENT_TIMEOUT);
    assertThat(listingV1.output()).as("ListObjects v1 through the gateway (%s)", listingV1)
        .containsPattern("(?m)^" + Pattern.quote(key) + "\\t" + size + "$");

    String backendEndpoint = backendProperties().getProperty("s3proxy.endpoint");
    Shell.Result direct = shell.runOk("ListObjectsV2 on the embedded s3proxy",
        withExports("aws --endpoint-url " + backendEndpoint + " s3 ls s3://" + bucket), CLIENT_TIMEOUT);
    assertThat(direct.output()).as("`s3 ls` directly on the embedded s3proxy (%s)", direct).containsPattern(listed);

    Path copy = work.resolve("downloaded").resolve(key);
    shell.runOk("copying the object back", withExports(aws + " s3 cp s3://" + bucket + "/" + key + " " + quoted(copy)), CLIENT_TIMEOUT);
    assertThat(Files.mismatch(ROOT.resolve(file), copy)).as("bytes of %s copied back, against %s (-1: identical)", copy, file)
        .isEqualTo(-1L);

    shell.runOk("removing the object", withExports(aws + " s3 rm s3://" + bucket + "/" + key), CLIENT_TIMEOUT);
    Shell.Result emptied = shell.run(withExports(aws + " s3 ls s3://" + bucket), CLIENT_TIMEOUT);
    assertThat(emptied.output()).as("the bucket is empty after `s3 rm` (%s)", emptied).doesNotContain(key);
    shell.runOk("removing the bucket", withExports(aws + " s3 rb s3://" + bucket), CLIENT_TIMEOUT);

    Shell.Result health = shell.runOk("the health check", "curl -sS " + endpoint + "/_s3gate/health", CLIENT_TIMEOUT);
    assertThat(health.output()).as("the gateway's health after the quick start").startsWith("{\"status\":\"UP\"")
        .contains(backendEndpoint);

    // JMX is password-protected by default: the first start generated jetty-base/etc/jmxremote.password
    // (kept by later starts), which bin/s3gate-admin finds by itself when run as the same user, and
    // which git ignores.
    Shell.Result admin = shell.runOk("s3gate-admin with the generated JMX password", "bin/s3gate-admin info",
        CLIENT_TIMEOUT);
    assertThat(admin.output()).as("`bin/s3gate-admin info` (%s)", admin).contains("config version: ");
    assertThat(ROOT.resolve("jetty-base/etc/jmxremote.password")).as("the generated JMX password file").exists();
    shell.runOk("git ignores the generated JMX files", "git check-ignore -q jetty-base/etc/jmxremote.password"
        + " && git check-ignore -q jetty-base/etc/jmxremote.access", CLIENT_TIMEOUT);
  }

  private void runMake(ReadmeQuickStart.Command command, String target, Shell shell) throws Exception {
    switch (target) {
      case "run", "start" -> {
        shell.runOk(command + " (run as `make start`, its background form)", "make start", MAKE_START_TIMEOUT);
        for (Path pidFile : PID_FILES) {
          assertThat(pidFile).as("`make start` wrote %s", pidFile).exists();
          assertThat(rememberProcessOf(pidFile)).as("the process of %s is alive after `make start`", pidFile).isPresent();
        }
      }
      case "stop" -> shell.runOk(command.toString(), "make stop", MAKE_STOP_TIMEOUT);
      case "test", "bench" -> {
        // `make test` is the suite running this test; `make bench` takes ~30 min and measures, it is not a quick-start step.
      }
      default -> throw new AssertionError(command + ": QuickStartIT does not know how to run `make " + target
          + "` from the quick start; teach it (runMake) along with the README change");
    }
  }

  /**
   * The live process a PID file names, remembered as started by this test (no PID file named a live
   * process before our {@code make start}). The handle knows the process's start time, so a PID
   * reused later is not taken for ours.
   */
  private Optional<ProcessHandle> rememberProcessOf(Path pidFile) throws IOException {
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()));
    process.filter(p -> !started.contains(p)).ifPresent(started::add);
    return process;
  }

  /** Runs {@code make stop}, then lists whatever it left behind; kills (by handle) any process of ours still alive. */
  private List<String> stopAndCheck(Shell shell) throws InterruptedException {
    List<String> problems = new ArrayList<>();
    try {
      for (Path pidFile : PID_FILES) {
        rememberProcessOf(pidFile); // also when `make start` failed or timed out after writing it
      }
      Shell.Result stop = shell.run("make stop", MAKE_STOP_TIMEOUT);
      if (stop.exitCode() != 0) {
        problems.add(stop.toString());
      }
    } catch (IOException | RuntimeException e) {
      problems.add("`make stop` failed: " + e);
    }
    for (ProcessHandle process : started) {
      if (process.isAlive()) {
        problems.add("process " + process.pid() + " (" + process.info().commandLine().orElse("?") + ") from the PID files"
            + " was still alive after `make stop`; QuickStartIT killed it");
        process.destroyForcibly();
        process.onExit().completeOnTimeout(process, 10, TimeUnit.SECONDS).join();
      }
    }
    for (Path pidFile : PID_FILES) {
      if (Files.exists(pidFile)) {
        problems.add(pidFile + " still exists after `make stop`");
      }
    }
    long deadlineNanos = System.nanoTime() + PORTS_FREED_TIMEOUT.toNanos();
    List<Integer> busy = busyPorts();
    while (!busy.isEmpty() && System.nanoTime() - deadlineNanos < 0) {
      Thread.sleep(100);
      busy = busyPorts();
    }
    for (int port : busy) {
      problems.add("port " + port + " (" + PORTS.get(port) + ") is still in use " + PORTS_FREED_TIMEOUT.toSeconds() + " s after `make stop`");
    }
    return problems;
  }

  /** Fails (never skips) without a working aws-cli: the quick start is written with it. */
  private static void requireAwsCli(Shell shell) throws Exception {
    Shell.Result version = shell.run("aws --version", CLIENT_TIMEOUT);
    if (version.exitCode() != 0) {
      throw new AssertionError("QuickStartIT runs README.md's quick start, which uses aws-cli, but " + version
          + "\nInstall Debian's awscli package (apt-get install awscli; .ci/run does it in CI).");
    }
  }

  /** The shipped configuration's ports must be free, and no PID file may name a live process, before we start. */
  private static void requireNothingRunning() throws IOException {
    List<Integer> busy = busyPorts();
    if (!busy.isEmpty()) {
      List<String> named = busy.stream().map(port -> "port " + port + " (" + PORTS.get(port) + ")").toList();
      throw new AssertionError(String.join(", ", named) + " in use by another process: QuickStartIT runs `make start`"
          + " with the shipped configuration, which needs ports " + PORTS.keySet() + ". Stop what listens there (this"
          + " checkout's own `make start` is stopped by `make stop`) and rerun; QuickStartIT stops nothing it did not start.");
    }
    for (Path pidFile : PID_FILES) {
      if (Files.exists(pidFile)) {
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        if (ProcessHandle.of(pid).isPresent()) {
          throw new AssertionError(pidFile + " names process " + pid + ", which is alive: a `make start` of this checkout"
              + " is running. Run `make stop` and rerun.");
        }
      }
    }
  }

  private static Map<Integer, String> shippedPorts() {
    Map<Integer, String> ports = new LinkedHashMap<>();
    ports.put(8080, "the gateway's HTTP port, jetty-base/start.d/http.ini");
    ports.put(8443, "the gateway's HTTPS port, jetty-base/start.d/https.ini");
    ports.put(9000, "the embedded s3proxy, conf/backend.properties");
    ports.put(1099, "JMX, jetty-base/start.d/jmx.ini");
    return Collections.unmodifiableMap(ports);
  }

  private static List<Integer> busyPorts() {
    List<Integer> busy = new ArrayList<>();
    for (int port : PORTS.keySet()) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
      } catch (IOException inUse) {
        busy.add(port);
      }
    }
    return busy;
  }

  /**
   * The user's environment without what would make this run differ from a new user's: their AWS
   * settings and profiles, s3gate's own variables, an enclosing make's flags.
   */
  private static Map<String, String> environment(Path work) {
    Map<String, String> environment = new HashMap<>(System.getenv());
    environment.keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("S3GATE_")
        || name.startsWith("MAKE") || name.equals("MFLAGS") || name.equals("MVN"));
    environment.put("AWS_CONFIG_FILE", work.resolve("aws/config").toString()); // never created
    environment.put("AWS_SHARED_CREDENTIALS_FILE", work.resolve("aws/credentials").toString());
    environment.put("AWS_PAGER", ""); // aws-cli v2 pipes output through less otherwise
    return environment;
  }

  private String withExports(String command) {
    return exports.isEmpty() ? command : String.join("\n", exports) + "\n" + command;
  }

  private static String endpointOf(ReadmeQuickStart.Command command) {
    Matcher endpoint = ENDPOINT.matcher(command.text());
    if (!endpoint.find()) {
      throw new AssertionError(command + " has no --endpoint-url: QuickStartIT's follow-up steps need it");
    }
    return endpoint.group(1);
  }

  private static Properties backendProperties() throws IOException {
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(ROOT.resolve("conf/backend.properties"))) {
      properties.load(in);
    }
    return properties;
  }

  /** The embedded backend's storage directory, resolved as bin/s3gate-backend resolves it. */
  private static Path dataDirectory() throws IOException {
    String basedir = backendProperties().getProperty("jclouds.filesystem.basedir");
    assertThat(basedir).as("jclouds.filesystem.basedir in conf/backend.properties").isNotBlank();
    return ROOT.resolve(basedir).normalize();
  }

  private static void restoreDataDirectory(Path data, Path setAside, List<String> problems) {
    try {
      deleteTree(data);
      if (Files.exists(setAside)) {
        Files.move(setAside, data, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      problems.add("could not put the embedded backend's data back from " + setAside + " to " + data + ": " + e);
    }
  }

  /** Every file under conf/ (backups and audit log included) and its contents. */
  private static Map<String, String> confContents() throws IOException {
    Map<String, String> contents = new TreeMap<>();
    Path conf = ROOT.resolve("conf");
    try (Stream<Path> files = Files.walk(conf)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        contents.put(conf.relativize(file).toString(), new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
      }
    }
    return contents;
  }

  private static String gitStatusOfConf(Shell shell) throws Exception {
    return shell.runOk("git status of conf/", "git status --porcelain --ignored -- conf", CLIENT_TIMEOUT).output();
  }

  private static void runQuietly(Shell shell, String command) {
    try {
      shell.run(command, MAKE_STOP_TIMEOUT);
    } catch (Exception e) {
      // the JVM is exiting: nothing left to report to
    }
  }

  private static String quoted(Path path) {
    return "'" + path.toString().replace("'", "'\\''") + "'";
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : (Iterable<Path>) paths.sorted((a, b) -> b.getNameCount() - a.getNameCount())::iterator) {
        Files.delete(path);
      }
    }
  }
}
