package org.s3gate.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs JMH with the usual command-line options once per thread count (1, then 2, unless
 * {@code -t N} is given) and prints one table: benchmark, params, threads, score ± 99.9% error,
 * median of the measurement iterations, and {@code gc.alloc.rate.norm} (B/op) when
 * {@code -prof gc} is on.
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar org.s3gate.bench.JmhTable DecisionBenchmark -prof gc \
 *       -o bench/target/results/decision        # JMH's own output to decision-t1.log, -t2.log
 * </pre>
 * The table also goes to {@code <-o value>.table.txt} when {@code -o} is given.
 *
 * <p>Not thread-safe; a command-line program.
 */
public final class JmhTable {

  private JmhTable() {}

  public static void main(String[] args) throws Exception {
    CommandLineOptions cli = new CommandLineOptions(args);
    int[] threadCounts =
        cli.getThreads().hasValue() ? new int[] {cli.getThreads().get()} : new int[] {1, 2};
    String outputBase = cli.getOutput().orElse(null);
    List<RunResult> results = new ArrayList<>();
    for (int threads : threadCounts) {
      OptionsBuilder builder = new OptionsBuilder();
      builder.parent(cli).threads(threads);
      if (outputBase != null) {
        String log = outputBase + "-t" + threads + ".log";
        Files.createDirectories(Path.of(log).toAbsolutePath().getParent());
        builder.output(log);
        System.out.println("JMH " + String.join(" ", cli.getIncludes()) + ", " + threads
            + " thread(s): output in " + log);
      }
      Options options = builder.build();
      results.addAll(new Runner(options).run());
    }
    String table = table(results);
    System.out.print(table);
    if (outputBase != null) {
      Files.writeString(Path.of(outputBase + ".table.txt"), table, StandardCharsets.UTF_8);
    }
  }

  static String table(Collection<RunResult> results) {
    List<RunResult> sorted = new ArrayList<>(results);
    sorted.sort(Comparator.comparing((RunResult r) -> r.getParams().getBenchmark())
        .thenComparing(r -> paramsOf(r), Comparator.naturalOrder())
        .thenComparingInt(r -> r.getParams().getThreads()));
    StringBuilder out = new StringBuilder();
    String format = "%-40s %-14s %7s %12s %10s %12s %10s%n";
    out.append(String.format(Locale.ROOT, format,
        "benchmark", "params", "threads", "score", "± error", "median", "B/op"));
    for (RunResult run : sorted) {
      Result<?> primary = run.getPrimaryResult();
      Result<?> alloc = run.getSecondaryResults().get("gc.alloc.rate.norm");
      String benchmark = run.getParams().getBenchmark();
      benchmark = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
      out.append(String.format(Locale.ROOT, format,
          benchmark,
          paramsOf(run),
          run.getParams().getThreads(),
          number(primary.getScore()) + " " + primary.getScoreUnit(),
          Double.isNaN(primary.getScoreError()) ? "" : "± " + number(primary.getScoreError()),
          number(median(run)),
          alloc == null ? "" : number(alloc.getScore())));
    }
    return out.toString();
  }

  private static String paramsOf(RunResult run) {
    List<String> params = new ArrayList<>();
    for (String key : run.getParams().getParamsKeys()) {
      params.add(key + "=" + run.getParams().getParam(key));
    }
    return params.isEmpty() ? "-" : String.join(",", params);
  }

  /** Median of the primary score over all measurement iterations of all forks. */
  private static double median(RunResult run) {
    List<Double> scores = new ArrayList<>();
    for (BenchmarkResult fork : run.getBenchmarkResults()) {
      for (IterationResult iteration : fork.getIterationResults()) {
        scores.add(iteration.getPrimaryResult().getScore());
      }
    }
    double[] sorted = scores.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  private static String number(double value) {
    return String.format(Locale.ROOT, value >= 100 ? "%.0f" : value >= 10 ? "%.1f" : "%.2f", value);
  }
}
