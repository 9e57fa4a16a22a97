package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The stats page ({@code GET /_s3gate/}) in a real headless Chromium, against the real Jetty + WAR
 * + s3proxy after admitted and denied traffic: what an operator sees, that it refreshes itself
 * without a reload, that keys chosen by clients are shown as text and run nothing, and that only
 * clients in {@code admin.allow} (127.0.0.1 here) get it. Saves a screenshot to
 * {@code target/stats-page.png} (the one in docs/ is a copy of it).
 */
class StatsPageIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** A key of the demo's {@code basic} group (10/s, 100/min). */
  private static final String BASIC_KEY = "FQ4IU19ZFZ3470XJ7GBF";
  /** A key of the demo's {@code premium} group (50/s, 2000/min). */
  private static final String PREMIUM_KEY = "5HQZO7EDOM4XBNO642GQ";
  /** Keys a client may send (printable ASCII, no space) that would run script if shown as markup. */
  private static final String SCRIPT_KEY = "<script>window.__xss=1</script>";
  private static final String IMG_KEY = "<img/src=x/onerror=window.__xss=2>";
  static final Path SCREENSHOT = ManagedProcess.ROOT.resolve("target/stats-page.png");

  private static S3Backend backend;
  private static Gateway gateway;
  private static HeadlessChromium browser;
  private static ChromeDriver driver;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("stats-page-it-backend");
    gateway = Gateway.builder("stats-page-it-gateway", backend.url())
        .setting("admin.allow", "127.0.0.1/32")
        .start();
    browser = HeadlessChromium.start(1400, 1800);
    driver = browser.driver;
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(browser, gateway, backend);
  }

  /** Sends {@code count} GETs with {@code key} as fast as one client can; returns how many got 429. */
  private static int send(String key, int count, String query) throws Exception {
    int denied = 0;
    for (int i = 0; i < count; i++) {
      HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(
          URI.create(gateway.url() + "/stats-bucket/object-" + i + query)).header("X-API-Key", key).build(),
          HttpResponse.BodyHandlers.discarding());
      denied += response.statusCode() == 429 ? 1 : 0;
    }
    return denied;
  }

  private static <T> T await(String what, Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, WAIT, Duration.ofMillis(200)).withMessage(what).until(condition);
  }

  private static void openPage() {
    driver.get(gateway.url() + "/_s3gate/");
    await("the page's first update from stats.json", d -> updates() > 0);
  }

  /**
   * The text of each cell of each body row of table {@code id}, read in one script (the page
   * redraws every two seconds, so elements found one call earlier may be gone).
   */
  @SuppressWarnings("unchecked")
  private static List<List<String>> rows(String id) {
    return (List<List<String>>) driver.executeScript("return Array.from(document.querySelectorAll("
        + "'#' + arguments[0] + ' tbody tr')).map(tr => Array.from(tr.cells).map(td => td.textContent));", id);
  }

  private static List<String> row(String id, int column, String value) {
    return rows(id).stream().filter(r -> r.size() > column && r.get(column).equals(value)).findFirst()
        .orElseThrow(() -> new AssertionError("no row with '" + value + "' in #" + id + ": " + rows(id)));
  }

  private static String text(String id) {
    return (String) driver.executeScript("return document.getElementById(arguments[0]).textContent;", id);
  }

  private static int updates() {
    return Integer.parseInt((String) driver.executeScript("return document.body.getAttribute('data-updates');"));
  }

  @Test
  void page_afterAdmittedAndDeniedTraffic_showsBackendGroupsTopKeysAndDenials() throws Exception {
    send(PREMIUM_KEY, 5, "");
    int denied = send(BASIC_KEY, 16, "?X-Amz-Signature=SIGNATURE0123456789"); // 10/s: 6 denied unless a second ends
    assertThat(denied).isPositive();
    assertThat(send(SCRIPT_KEY, 7, "") + send(IMG_KEY, 7, "")).isPositive(); // unknown group: 5/s
    HttpResponse<Void> twoKeys = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/stats-bucket/x"))
        .header("Authorization", "AWS " + PREMIUM_KEY + ":c2lnbmF0dXJl").header("Authorization", "AWS " + BASIC_KEY + ":c2lnbmF0dXJl")
        .build(), HttpResponse.BodyHandlers.discarding());
    assertThat(twoKeys.statusCode()).as("two Authorization headers are rejected").isEqualTo(400);

    openPage();
    await("the denials in the last-minute figures", d -> !text("denied-per-second-last-minute").equals("0")
        && !text("denied-per-second-last-minute").equals("-"));

    List<String> backendRow = row("backends", 0, backend.url());
    assertThat(backendRow.get(1)).isEqualTo("primary");
    assertThat(backendRow.get(2)).isEqualTo("UP");
    assertThat(backendRow.get(4)).endsWith(" ms");
    assertThat(text("backends-up")).isEqualTo("1 / 1");
    await("the rejected request in the last-minute figures", d -> text("refused-other-last-minute").equals("1"));
    assertThat(text("refused-other-detail")).isEqualTo("0 over the in-flight limit, 0 by the client-IP rules, 1 rejected as malformed");

    assertThat(row("groups", 0, "premium").subList(1, 3)).containsExactly("50", "2,000");
    assertThat(row("groups", 0, "standard").subList(1, 3)).containsExactly("25", "500");
    assertThat(row("groups", 0, "basic").subList(1, 3)).containsExactly("10", "100");
    assertThat(row("groups", 0, "unknown").subList(1, 3)).containsExactly("5", "50");
    List<String> basic = row("groups", 0, "basic");
    assertThat(basic.get(8)).isEqualTo(String.valueOf(16 - denied)); // admitted since start
    assertThat(basic.get(9)).isEqualTo(String.valueOf(denied)); // denied by the per-second limit since start

    List<String> basicKey = row("top-keys", 0, BASIC_KEY);
    assertThat(basicKey.get(1)).isEqualTo("basic");
    assertThat(basicKey.get(3)).isEqualTo((16 - denied) + " / 100");
    assertThat(basicKey.get(5)).isEqualTo(String.valueOf(denied));
    assertThat(row("top-keys", 0, PREMIUM_KEY).get(1)).isEqualTo("premium");
    assertThat(rows("top-keys")).noneMatch(r -> r.get(0).equals("unknown")); // no /favicon.ico through the proxy

    List<String> denial = row("recent-denials", 1, BASIC_KEY);
    assertThat(denial.subList(2, 5)).containsExactly("basic", "denied_per_second", "GET");
    assertThat(denial.get(5)).startsWith("/stats-bucket/object-").doesNotContain("?");
    assertThat(driver.getPageSource()).doesNotContain("SIGNATURE0123456789");
    assertThat(text("config-version")).isEqualTo("1");
    assertThat(text("config-last-error")).isEqualTo("none");

    // Client-chosen keys are shown as text, and nothing they carry was parsed or ran.
    assertThat(row("top-keys", 0, SCRIPT_KEY).get(1)).isEqualTo("unknown");
    assertThat(row("top-keys", 0, IMG_KEY).get(1)).isEqualTo("unknown");
    assertThat(row("recent-denials", 1, SCRIPT_KEY).get(2)).isEqualTo("unknown");
    assertThat(driver.findElements(By.tagName("script"))).hasSize(1); // the page's own
    assertThat(driver.findElements(By.tagName("img"))).isEmpty();
    assertThat(driver.executeScript("return typeof window.__xss")).isEqualTo("undefined");

    await("the chart", d -> !d.findElements(By.cssSelector("#chart svg polyline.denied")).isEmpty());
    assertThat(browser.consoleErrors()).as("script errors and CSP violations").isEmpty();
    Files.createDirectories(SCREENSHOT.getParent());
    Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void page_moreTraffic_figuresChangeWithoutAPageReload() throws Exception {
    openPage();
    driver.executeScript("window.__s3gateTestMarker = 'same page';");
    String admitted = text("admitted-last-minute");
    int updates = updates();

    send(PREMIUM_KEY, 3, "");

    await("the admitted figure to change from " + admitted, d -> !text("admitted-last-minute").equals(admitted));
    assertThat(driver.executeScript("return window.__s3gateTestMarker")).isEqualTo("same page");
    assertThat(updates()).isGreaterThan(updates);
  }

  @Test
  void page_headers_noStoreAndAPolicyThatAllowsOnlyItsOwnInlineCode() throws Exception {
    HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/_s3gate/stats")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
    assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
        .startsWith("default-src 'none'; script-src 'sha256-").contains("connect-src 'self'")
        .doesNotContain("unsafe-inline", "http:", "https:"));
    assertThat(page.body()).doesNotContain("src=\"http", "href=\"http", "@import", "url(");

    HttpResponse<String> json = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/_s3gate/stats.json")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(json.statusCode()).isEqualTo(200);
    assertThat(json.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(json.headers().firstValue("Cache-Control")).hasValue("no-store");
    Map<String, Object> stats = new org.openqa.selenium.json.Json().toType(json.body(), org.openqa.selenium.json.Json.MAP_TYPE);
    assertThat(stats).containsKeys("backends", "requests", "series", "groups", "topKeys", "recentDenials", "config", "table");

    HttpResponse<Void> bare = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/_s3gate")).build(),
        HttpResponse.BodyHandlers.discarding());
    assertThat(bare.statusCode()).isEqualTo(302);
    assertThat(bare.headers().firstValue("Location")).hasValueSatisfying(v -> assertThat(v).endsWith("/_s3gate/"));
  }

  @Test
  void page_clientOutsideAdminAllow_gets403() throws Exception {
    for (String path : List.of("/_s3gate/", "/_s3gate/stats", "/_s3gate/stats.json")) {
      assertThat(statusFrom("127.0.0.2", path)).as(path).isEqualTo(403);
      assertThat(statusFrom("127.0.0.1", path)).as(path).isEqualTo(200);
    }
  }

  /** The status of a GET sent from the local address {@code from} (any 127.0.0.0/8 address works on loopback). */
  private static int statusFrom(String from, String path) throws IOException {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.httpPort), 5000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String statusLine = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      return Integer.parseInt(statusLine.substring(9, 12));
    }
  }
}
