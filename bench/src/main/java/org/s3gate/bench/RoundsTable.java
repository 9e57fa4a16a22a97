package org.s3gate.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the same JMH selection several rounds in a row (default 3, {@code -Drounds=N}), so every
 * variant is measured once per round, interleaved with the others on the same machine state, and
 * prints per variant: each round's score, the median, the spread (max - min) and B/op; then each
 * variant's median against the first variant's ({@code ratio}, {@code added ns}).
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar org.s3gate.bench.RoundsTable 'ClientIpBenchmark' -t 1 -prof gc \
 *       -o bench/target/results/client-ips
 * </pre>
 *
 * <p>Not thread-safe; a command-line program.
 */
public final class RoundsTable {

  private RoundsTable() {}

  public static void main(String[] args) throws Exception {
    CommandLineOptions cli = new CommandLineOptions(args);
    int rounds = Integer.getInteger("rounds", 3);
    String outputBase = cli.getOutput().orElse(null);
    Map<String, List<Double>> scores = new LinkedHashMap<>();
    Map<String, Double> bytes = new LinkedHashMap<>();
    for (int round = 1; round <= rounds; round++) {
      OptionsBuilder builder = new OptionsBuilder();
      builder.parent(cli);
      if (outputBase != null) {
        String log = outputBase + "-round" + round + ".log";
        Files.createDirectories(Path.of(log).toAbsolutePath().getParent());
        builder.output(log);
        System.out.println("round " + round + " of " + rounds + ": JMH output in " + log);
      }
      for (RunResult run : new Runner(builder.build()).run()) {
        String name = name(run);
        scores.computeIfAbsent(name, n -> new ArrayList<>()).add(run.getPrimaryResult().getScore());
        Result<?> alloc = run.getSecondaryResults().get("gc.alloc.rate.norm");
        if (alloc != null) {
          bytes.put(name, alloc.getScore());
        }
      }
    }
    StringBuilder out = new StringBuilder();
    String format = "%-48s %-30s %9s %9s %8s %8s %9s%n";
    out.append(String.format(Locale.ROOT, format, "benchmark", "ns/op by round", "median", "spread", "B/op", "ratio",
        "added ns"));
    double baseline = Double.NaN;
    for (Map.Entry<String, List<Double>> entry : scores.entrySet()) {
      List<Double> values = entry.getValue();
      double median = median(values);
      if (Double.isNaN(baseline)) {
        baseline = median;
      }
      double spread = values.stream().mapToDouble(Double::doubleValue).max().orElse(0)
          - values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
      List<String> each = new ArrayList<>();
      values.forEach(v -> each.add(String.format(Locale.ROOT, "%.0f", v)));
      Double b = bytes.get(entry.getKey());
      out.append(String.format(Locale.ROOT, format, entry.getKey(), String.join(" / ", each),
          String.format(Locale.ROOT, "%.0f", median), String.format(Locale.ROOT, "%.0f", spread),
          b == null ? "" : String.format(Locale.ROOT, "%.0f", b), String.format(Locale.ROOT, "%.2fx", median / baseline),
          String.format(Locale.ROOT, "%+.0f", median - baseline)));
    }
    System.out.print(out);
    if (outputBase != null) {
      Files.writeString(Path.of(outputBase + ".table.txt"), out.toString(), StandardCharsets.UTF_8);
    }
  }

  private static String name(RunResult run) {
    String benchmark = run.getParams().getBenchmark();
    benchmark = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
    List<String> params = new ArrayList<>();
    for (String key : run.getParams().getParamsKeys()) {
      params.add(run.getParams().getParam(key));
    }
    return benchmark + (params.isEmpty() ? "" : " " + String.join(",", params)) + " t" + run.getParams().getThreads();
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
