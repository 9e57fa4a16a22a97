#!/usr/bin/env bash
# Redis-side cost of one s3gate decision (counters.store=redis): Redis CPU and Redis commands per
# FCALL s3gate_acquire, for two versions of the function side by side, interleaved, 3 rounds.
#   bench/redis-function.sh [OLD_COMMIT]   (default 9e517c5: counts by binary search; new = working tree)
# One hot key, limits 50000/s and 100000/min (every call admitted and recorded), redis-benchmark -c 4
# on core 0, redis-server on core 1. Run under flock /tmp/s3gate-bench.lock on a shared machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$root" show "${1:-9e517c5}":src/main/resources/org/s3gate/cluster/s3gate-counters.lua > "$work/old.lua"
cp "$root/src/main/resources/org/s3gate/cluster/s3gate-counters.lua" "$work/new.lua"
cd "$work"
P=18479
for round in 1 2 3; do
  for v in old new; do
    taskset -c 1 redis-server --port $P --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
    pid=$!
    for i in $(seq 50); do redis-cli -p $P ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p $P FUNCTION LOAD REPLACE "$(cat $v.lua)" >/dev/null
    redis-cli -p $P FCALL s3gate_acquire 3 'a{K}' 'b{K}' 'c{K}' '' 0 50000 100000 >/dev/null  # first call sizes the rings
    redis-cli -p $P CONFIG RESETSTAT >/dev/null
    cpu0=$(redis-cli -p $P INFO cpu | awk -F: '/used_cpu_(user|sys):/ {s += $2} END {print s}')
    taskset -c 0 redis-benchmark -p $P -n 40000 -c 4 -q FCALL s3gate_acquire 3 'a{K}' 'b{K}' 'c{K}' '' 0 50000 100000 >/dev/null
    cpu1=$(redis-cli -p $P INFO cpu | awk -F: '/used_cpu_(user|sys):/ {s += $2} END {print s}')
    redis-cli -p $P INFO commandstats | tr -d '\r' | awk -F'[:=,]' -v v=$v -v r=$round -v c0=$cpu0 -v c1=$cpu1 '
      /^cmdstat_fcall:/ { f = $3 } /^cmdstat_/ && !/^cmdstat_(fcall|info|config)/ { a += $3 }
      END { printf "%s round %d: %d FCALLs, %.1f Redis commands/FCALL, %.1f us Redis CPU/FCALL\n", v, r, f, a / f, (c1 - c0) * 1e6 / f }'
    kill $pid; wait $pid 2>/dev/null || true
  done
done
