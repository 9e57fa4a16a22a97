package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.json.Json;

/**
 * docs/grafana-dashboard.json and docs/prometheus-alerts.yml work on the metrics s3gate really
 * exposes: the dashboard is an importable Grafana model whose every query goes to the
 * {@code datasource} variable; every metric name either file uses appears in a real scrape of
 * {@code /_s3gate/metrics} after admitted and denied traffic; {@code promtool check rules} passes
 * on the alerts and on the dashboard's expressions, and {@code promtool test rules} on the alerts'
 * unit tests (docs/prometheus-alerts.test.yml), when promtool is installed (.ci/run installs
 * Debian's {@code prometheus} for it); and the reload-failing alert's gauge behaves as the alert
 * assumes.
 *
 * <p>Metric names are taken from the expressions with a pattern, not a PromQL parser: every
 * {@code s3gate_...} identifier in an {@code expr} (dashboard targets, alert rules) or a template
 * variable's query. Our metric names all start with {@code s3gate_}, label names never do, and a
 * histogram is used through its {@code _bucket}, {@code _sum} and {@code _count} series, which
 * are what a scrape shows, so each name must start a sample line of the scrape. The alert file is
 * read line by line (no YAML library): {@code expr:} with its value on the line, or a block
 * scalar ({@code |}, {@code >-}) on the lines indented below it.
 */
class DashboardAndAlertsIT {
  private static final Path DASHBOARD = ManagedProcess.ROOT.resolve("docs/grafana-dashboard.json");
  private static final Path ALERTS = ManagedProcess.ROOT.resolve("docs/prometheus-alerts.yml");
  private static final Path ALERT_TESTS = ManagedProcess.ROOT.resolve("docs/prometheus-alerts.test.yml");
  private static final Pattern METRIC_NAME = Pattern.compile("\\bs3gate_[a-z0-9_]+");
  private static final Pattern EXPR_LINE = Pattern.compile("^(\\s*)(?:- )?expr:\\s*(.*)$");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static S3Backend backend;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("dashboard-it-backend");
    gateway = Gateway.builder("dashboard-it-gateway", backend.url()).start();
    int denied = 0;
    for (int i = 0; i < 15; i++) { // the demo's basic group allows 10/s: admitted and denied series
      HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/dash-bucket/k" + i))
          .header("X-API-Key", "FQ4IU19ZFZ3470XJ7GBF").build(), HttpResponse.BodyHandlers.discarding());
      denied += response.statusCode() == 429 ? 1 : 0;
    }
    assertThat(denied).isPositive();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> dashboard() throws IOException {
    return new Json().toType(Files.readString(DASHBOARD), Json.MAP_TYPE);
  }

  /** Every panel, rows' nested panels included. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> panels(Map<String, Object> dashboard) {
    List<Map<String, Object>> all = new ArrayList<>();
    for (Map<String, Object> panel : (List<Map<String, Object>>) dashboard.get("panels")) {
      all.add(panel);
      all.addAll((List<Map<String, Object>>) panel.getOrDefault("panels", List.of()));
    }
    return all;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> targets(Map<String, Object> panel) {
    return (List<Map<String, Object>>) panel.getOrDefault("targets", List.of());
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> variables(Map<String, Object> dashboard) {
    return (List<Map<String, Object>>) ((Map<String, Object>) dashboard.get("templating")).get("list");
  }

  /** The PromQL of every dashboard target. */
  private static List<String> dashboardExpressions() throws IOException {
    List<String> expressions = new ArrayList<>();
    for (Map<String, Object> panel : panels(dashboard())) {
      targets(panel).forEach(target -> expressions.add((String) target.get("expr")));
    }
    return expressions;
  }

  /** The queries of the dashboard's query variables ({@code label_values(...)}). */
  @SuppressWarnings("unchecked")
  private static List<String> variableQueries() throws IOException {
    List<String> queries = new ArrayList<>();
    for (Map<String, Object> variable : variables(dashboard())) {
      Object query = variable.get("query");
      if ("query".equals(variable.get("type"))) {
        queries.add(query instanceof Map ? (String) ((Map<String, Object>) query).get("query") : (String) query);
      }
    }
    return queries;
  }

  /** The {@code expr} of every alert rule, block scalars joined into one line. */
  static List<String> alertExpressions(List<String> lines) {
    List<String> expressions = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = EXPR_LINE.matcher(lines.get(i));
      if (!m.matches()) {
        continue;
      }
      String value = m.group(2).trim();
      if (!value.startsWith("|") && !value.startsWith(">")) {
        expressions.add(value.replaceAll("^(['\"])(.*)\\1$", "$2"));
        continue;
      }
      int indent = m.group(1).length();
      StringBuilder block = new StringBuilder();
      while (i + 1 < lines.size() && (lines.get(i + 1).isBlank() || leadingSpaces(lines.get(i + 1)) > indent)) {
        block.append(lines.get(++i).trim()).append(' ');
      }
      expressions.add(block.toString().trim());
    }
    return expressions;
  }

  private static int leadingSpaces(String line) {
    int n = 0;
    while (n < line.length() && line.charAt(n) == ' ') {
      n++;
    }
    return n;
  }

  private static Set<String> metricNames(List<String> expressions) {
    Set<String> names = new TreeSet<>();
    for (String expression : expressions) {
      Matcher m = METRIC_NAME.matcher(expression);
      while (m.find()) {
        names.add(m.group());
      }
    }
    return names;
  }

  private static String scrape() throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/_s3gate/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  @Test
  void dashboard_isAnImportableModelWhoseQueriesAllUseTheDatasourceVariable() throws IOException {
    Map<String, Object> dashboard = dashboard();
    assertThat(((Number) dashboard.get("schemaVersion")).intValue()).isGreaterThanOrEqualTo(36);
    assertThat(dashboard).containsEntry("uid", "s3gate-overview").containsEntry("title", "s3gate");
    assertThat(variables(dashboard)).anySatisfy(v -> assertThat(v).containsEntry("type", "datasource")
        .containsEntry("name", "datasource").containsEntry("query", "prometheus"));
    Map<String, Object> viaVariable = Map.of("type", "prometheus", "uid", "${datasource}");
    Set<Object> ids = new TreeSet<>();
    for (Map<String, Object> panel : panels(dashboard)) {
      assertThat(ids.add(((Number) panel.get("id")).intValue())).as("unique id of " + panel.get("title")).isTrue();
      assertThat(panel).containsKeys("type", "title", "gridPos");
      if ("row".equals(panel.get("type"))) {
        continue;
      }
      assertThat(panel.get("datasource")).as(panel.get("title") + "'s datasource").isEqualTo(viaVariable);
      assertThat(targets(panel)).as(panel.get("title") + "'s targets").isNotEmpty().allSatisfy(target -> {
        assertThat(target.get("datasource")).isEqualTo(viaVariable);
        assertThat((String) target.get("expr")).isNotBlank();
      });
    }
    for (Map<String, Object> variable : variables(dashboard)) {
      if ("query".equals(variable.get("type"))) {
        assertThat(variable.get("datasource")).isEqualTo(viaVariable);
      }
    }
    assertThat(panels(dashboard).stream().map(p -> (String) p.get("title")))
        .contains("Requests by group and decision", "Denials by group and reason", "Latency percentiles",
            "Backend up / down", "Backend errors", "Counter table size", "Table evictions", "Config reloads");
  }

  @Test
  void dashboardAndAlerts_everyMetricName_appearsInARealScrape() throws Exception {
    Set<String> dashboardNames = metricNames(dashboardExpressions());
    dashboardNames.addAll(metricNames(variableQueries()));
    Set<String> alertNames = metricNames(alertExpressions(Files.readAllLines(ALERTS)));
    assertThat(dashboardNames).hasSizeGreaterThanOrEqualTo(12);
    assertThat(alertNames).hasSizeGreaterThanOrEqualTo(7);

    String metrics = scrape();
    for (String name : union(dashboardNames, alertNames)) {
      assertThat(Pattern.compile("(?m)^" + name + "[{ ]").matcher(metrics).find())
          .as(name + " (used by " + (dashboardNames.contains(name) ? "the dashboard" : "")
              + (alertNames.contains(name) ? " the alerts" : "") + ") in the scrape:\n" + metrics)
          .isTrue();
    }
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new TreeSet<>(a);
    all.addAll(b);
    return all;
  }

  @Test
  void alertExpressions_blockScalarsAndPlainValues_areReadWhole() {
    List<String> lines = List.of(
        "      - alert: A",
        "        expr: s3gate_backend_up == 0",
        "      - alert: B",
        "        expr: |",
        "          sum(rate(s3gate_requests_total[5m]))",
        "            > 1",
        "        for: 5m",
        "      - alert: C",
        "        expr: \"s3gate_table_keys > 1\"");
    assertThat(alertExpressions(lines)).containsExactly(
        "s3gate_backend_up == 0", "sum(rate(s3gate_requests_total[5m])) > 1", "s3gate_table_keys > 1");
  }

  @Test
  void alerts_promtoolCheckRules_passes() throws Exception {
    Path promtool = promtool();
    assertThat(run(promtool.toString(), "check", "rules", ALERTS.toString())).contains("SUCCESS");
  }

  @Test
  void alerts_promtoolTestRules_fireAsTheirUnitTestsSay() throws Exception {
    Path promtool = promtool();
    assertThat(run(promtool.toString(), "test", "rules", ALERT_TESTS.toString())).contains("SUCCESS");
  }

  @Test
  void dashboardExpressions_promtool_parsesEachAsPromQL() throws Exception {
    Path promtool = promtool();
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard-expressions\n    rules:\n");
    int n = 0;
    for (String expression : dashboardExpressions()) {
      // Grafana's variables as Prometheus would see them once Grafana has filled them in.
      String promql = expression.replaceAll("\\$__\\w+", "5m").replaceAll("\\$\\{?\\w+}?", ".*");
      rules.append("      - record: s3gate_dashboard:panel_").append(++n).append("\n        expr: |\n          ")
          .append(promql).append('\n');
    }
    Path file = ManagedProcess.ROOT.resolve("target/dashboard-expressions.rules.yml");
    Files.writeString(file, rules);
    assertThat(run(promtool.toString(), "check", "rules", file.toString())).contains("SUCCESS: " + n + " rules found");
  }

  @Test
  void reloadErrorsGauge_rejectedFileOnDisk_staysAboveZeroUntilFixed() throws Exception {
    Path map = gateway.confDir.resolve("rate_limits_per_second.map");
    String original = Files.readString(map);
    assertThat(gauge("s3gate_config_last_reload_errors")).isZero();
    try {
      replace(map, original + "\nbrokengroup abc\n");
      awaitGauge("s3gate_config_last_reload_errors", v -> v >= 1);
    } finally {
      replace(map, original);
    }
    awaitGauge("s3gate_config_last_reload_errors", v -> v == 0);
  }

  private static void replace(Path file, String text) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temp, text);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static double gauge(String name) throws Exception {
    Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(scrape());
    assertThat(m.find()).as(name).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static void awaitGauge(String name, java.util.function.DoublePredicate condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    double value = gauge(name);
    while (!condition.test(value) && System.nanoTime() - deadline < 0) {
      Thread.sleep(200);
      value = gauge(name);
    }
    assertThat(condition.test(value)).as(name + " = " + value).isTrue();
  }

  /** promtool from PATH; the test is skipped without it (.ci/run installs it). */
  private static Path promtool() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "promtool");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    assumeTrue(false, "promtool is not installed (apt-get install prometheus; .ci/run does)");
    return null;
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command) + " within 60 s").isTrue();
    String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(String.join(" ", command) + ":\n" + output).isZero();
    return output;
  }
}
