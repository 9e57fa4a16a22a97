#!/usr/bin/env bash
# Heap bytes per tracked key in CounterTable with 1,000,000 keys (class histograms, see
# HeapPerKey). Called by `make bench`; the default JVM layout (compressed oops, as any heap
# under 32 GB has), then without compressed oops for comparison.
set -euo pipefail
cd "$(dirname "$0")"
jar=target/benchmarks.jar
[ -f "$jar" ] || { echo "run-heap.sh: $jar is missing; run: mvn -f bench/pom.xml package" >&2; exit 1; }
mkdir -p target/results
java=${JAVA:-java}
keys=${BENCH_HEAP_KEYS:-1000000}

echo "== HeapPerKey: compressed oops (default)"
"$java" -Xms2g -Xmx2g -cp "$jar" org.s3gate.bench.HeapPerKey "$keys" | tee target/results/heap.txt
echo
echo "== HeapPerKey: -XX:-UseCompressedOops (heaps of 32 GB and more)"
"$java" -Xms2g -Xmx2g -XX:-UseCompressedOops -cp "$jar" org.s3gate.bench.HeapPerKey "$keys" \
  | tee target/results/heap-no-compressed-oops.txt
echo
echo "== HeapPerDimension: method-class and bandwidth entries per key (issue 16)"
"$java" -Xms1g -Xmx1g -cp "$jar" org.s3gate.bench.HeapPerDimension "${BENCH_HEAP_DIMENSION_KEYS:-200000}" \
  | tee target/results/heap-dimensions.txt
