#!/usr/bin/env bash
# What per-client-IP tracking adds to the admit path (ClientIpBenchmark: 1,000 keys from one IP,
# and 100,000 IPs via X-Forwarded-For from a trusted proxy, each against the same path without the
# IP table), three interleaved rounds with medians and spread (RoundsTable); then the heap per
# tracked client IP (HeapPerClientIp). Called by `make bench`.
#
#   bench/run-client-ips.sh                                  # the recorded settings (~3 min)
#   BENCH_ROUNDS=5 bench/run-client-ips.sh                   # more rounds
set -euo pipefail
cd "$(dirname "$0")"
jar=target/benchmarks.jar
[ -f "$jar" ] || { echo "run-client-ips.sh: $jar is missing; run: mvn -f bench/pom.xml package" >&2; exit 1; }
mkdir -p target/results
java=${JAVA:-java}

echo "== machine: $(nproc) cores, $("$java" -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== ClientIpBenchmark: admit path without and with the client_ips table, one thread (ns/op, B/op)"
"$java" -Drounds="${BENCH_ROUNDS:-3}" -cp "$jar" org.s3gate.bench.RoundsTable 'ClientIpBenchmark\.' \
  -t 1 ${BENCH_JMH_OPTS:--f 1 -wi 3 -w 1s -i 3 -r 1s} -prof gc -o target/results/client-ips
echo
echo "== HeapPerClientIp: heap per tracked client IP"
"$java" -Xms1g -Xmx1g -cp "$jar" org.s3gate.bench.HeapPerClientIp 200000 | tee target/results/heap-client-ips.txt
