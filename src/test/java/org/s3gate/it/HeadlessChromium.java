package org.s3gate.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, headless, driven by Debian's chromedriver through Selenium: a real browser
 * for the page tests. Both come from apt ({@code chromium}, {@code chromium-driver}; .ci/run
 * installs them); Selenium is given both paths, so it never looks for or downloads a browser or
 * driver of its own. The flags keep Chromium from opening connections of its own (updates, sync,
 * field trials), which this closed network refuses, and give it a fresh profile.
 *
 * <p>Not thread-safe: one test class drives one browser.
 */
final class HeadlessChromium implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  final ChromeDriver driver;
  private final Path profile;

  private HeadlessChromium(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  /**
   * Starts the browser with a {@code width} x {@code height} window.
   *
   * @throws IllegalStateException naming the packages to install when chromium or chromedriver is missing
   */
  static HeadlessChromium start(int width, int height) throws IOException {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      throw new IllegalStateException("the page tests need Debian's chromium and chromedriver at " + CHROMIUM
          + " and " + CHROMEDRIVER + ": apt-get install -y chromium chromium-driver (.ci/run does)");
    }
    Path profile = Files.createTempDirectory("s3gate-chromium-");
    Path logs = ManagedProcess.ROOT.resolve("target/it-logs");
    Files.createDirectories(logs);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1",
        "--window-size=" + width + "," + height, "--user-data-dir=" + profile);
    options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL")); // console, CSP reports
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withLogFile(logs.resolve("chromedriver.log").toFile())
        .withTimeout(Duration.ofSeconds(30))
        .build();
    try {
      ChromeDriver driver = new ChromeDriver(service, options);
      driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
      return new HeadlessChromium(driver, profile);
    } catch (RuntimeException e) {
      delete(profile);
      throw e;
    }
  }

  /** What the page wrote to the console at level SEVERE (script errors, CSP violations) since the last call. */
  java.util.List<String> consoleErrors() {
    return driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
        .filter(entry -> entry.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
        .map(Object::toString).toList();
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      delete(profile);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException ignored) {
      // best effort: it is a temp directory
    }
  }
}
