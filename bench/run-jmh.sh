#!/usr/bin/env bash
# JMH benchmarks of the per-request decision (identify + policy lookup + counter table).
# Called by `make bench` after bench/target/benchmarks.jar is built; prints one table per
# benchmark class and keeps JMH's full output under bench/target/results/.
#
#   bench/run-jmh.sh                                   # the recorded settings (~7 min on 2 cores)
#   BENCH_JMH_OPTS="-f 1 -wi 2 -i 3 -r 1s" bench/run-jmh.sh    # a quick look while developing
#
# BENCH_JMH_OPTS, when set, replaces the fork/iteration options below (JMH refuses an option
# given twice); it may also hold e.g. "-p keys=10".
#
# DecisionBenchmark runs at 1 and 2 threads, keys = 10 and 1,000,000; DecisionPartsBenchmark
# (where the time goes) single-threaded. -prof gc adds B/op (gc.alloc.rate.norm).
set -euo pipefail
cd "$(dirname "$0")"
jar=target/benchmarks.jar
results=target/results
[ -f "$jar" ] || { echo "run-jmh.sh: $jar is missing; run: mvn -f bench/pom.xml package" >&2; exit 1; }
mkdir -p "$results"
java=${JAVA:-java}

echo "== machine: $(nproc) cores, $("$java" -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== DecisionBenchmark: whole decision, admit and deny paths (ns/op, B/op)"
"$java" -cp "$jar" org.s3gate.bench.JmhTable 'DecisionBenchmark\.' \
  ${BENCH_JMH_OPTS:--f 2 -wi 4 -w 2s -i 4 -r 2s} -prof gc -o "$results/decision"
echo
echo "== DecisionPartsBenchmark: the steps of the admit path, one thread (ns/op, B/op)"
"$java" -cp "$jar" org.s3gate.bench.JmhTable 'DecisionPartsBenchmark\.' \
  -t 1 ${BENCH_JMH_OPTS:--f 1 -wi 4 -w 2s -i 4 -r 1s} -prof gc -o "$results/parts"
