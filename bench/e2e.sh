#!/usr/bin/env bash
# s3gate end-to-end load benchmark (part of `make bench`; never part of `make test`).
#
#   bench/e2e.sh                       all rows, 3 runs each, medians with spread
#   BENCH_DURATION=5 BENCH_REPEATS=1 BENCH_WARMUP=20 bench/e2e.sh   a quick smoke run
#   BENCH_ROWS="admit deny" bench/e2e.sh   only those rows (ids below), e.g. to compare two commits
#
# Layout on a 2-core machine: the server under test alone on core 0 (the gateway's JVM; for the
# "direct" rows the backend itself), the load generator (wrk, 1 thread) and the backend on core 1.
# CPU cost per request = core 0 busy time (from /proc/stat) / requests served in the run.
# Core 1's busy share says whether the load side (wrk + backend) was the bottleneck of a row.
# Backends: nginx serving a 1 KiB and a 1 MiB file (so the gateway is the bottleneck), and the
# embedded s3proxy (a real S3 server, SigV2 presigned GETs, signature checking on).
# Reference rows: nginx serving the file itself, and Jetty alone as the proxy (no s3gate), once
# through the servlet API s3gate's WAR uses and once through Jetty's core API
# (bench/src/main/java/org/s3gate/bench/BareJettyProxy.java, same server settings, each warmed
# up as long as the gateway), and the core API with s3gate's admit-path work in front of it: a
# projection of a core request path, not a gateway (BareJettyProxy says what it leaves out).
#
# Warm-up: on one core the JIT needs about 50 s of full load before figures are steady, so the
# gateway first serves BENCH_WARMUP seconds (default 60) of mixed load: the 1,000,000-key path
# (which also fills the table to 1,000,000 keys), the admit path and the deny path. The s3proxy
# phase restarts the gateway and warms it again for as long (s3proxy load only).
#
# Needs: wrk, nginx (Debian: wrk, nginx-light; installed here if missing and running as root),
# taskset, curl, openssl, and what `make build backend` needs. Results: stdout and
# target/bench/e2e-results.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

DURATION=${BENCH_DURATION:-15}
REPEATS=${BENCH_REPEATS:-3}
WARMUP=${BENCH_WARMUP:-60}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
GATEWAY_JAVA_OPTS=${BENCH_GATEWAY_JAVA_OPTS:-}
out=$root/target/bench
GATEWAY_PORT=18080 BACKEND_PORT=18081 DIRECT_PORT=18082 S3PROXY_PORT=18090 BARE_PORT=18083

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v taskset >/dev/null || missing+=(util-linux)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "e2e.sh: please install ${missing[*]} (Debian packages)" >&2
    exit 1
  fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ "$(nproc)" -ge 2 ] || { echo "e2e.sh: needs 2 cores (gateway on core 0, load on core 1)" >&2; exit 1; }

make -s build backend >/dev/null
rm -rf "$out" && mkdir -p "$out"/{www/bench,conf,logs}
head -c 1024 /dev/urandom > "$out/www/bench/obj1k"
head -c 1048576 /dev/urandom > "$out/www/bench/obj1m"
echo ok > "$out/www/health"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

start_nginx() { # name port core
  local name=$1 port=$2 core=$3
  mkdir -p "$out/nginx-$name"
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
  }
}
CONF
  taskset -c "$core" "$NGINX" -p "$out/nginx-$name" -c "$out/nginx-$name/nginx.conf" &
  pids+=($!)
  wait_http "http://127.0.0.1:$port/health"
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
table.size=2000000
table.expire=1h
reload.interval=1s
admin.allow=127.0.0.1/8,::1/128
trusted.proxies=
backend.urls=http://127.0.0.1:$BACKEND_PORT
backend.health.path=/minio/health/live
access.log.enabled=true
access.log.file=$out/logs/s3gate-access.log
CONF
  {
    for ((i = 0; i < 1000; i++)); do printf 'BENCHA%012d open\nBENCHD%012d closed\nBENCHW%012d metered\n' "$i" "$i" "$i"; done
    echo "BENCHH000000000000 open"
    echo "5HQZO7EDOM4XBNO642GQ open"
  } > "$out/conf/api_key_groups.map"
  printf 'open 1000000000\nclosed 0\nmetered 1000000000\n' > "$out/conf/rate_limits_per_minute.map"
  printf 'open 1000000000\nclosed 0\nmetered 1000000000\n' > "$out/conf/rate_limits_per_second.map"
  # bandwidth accounting on (never reached): every GET checked, charged at its start, reconciled at its end
  printf 'metered:in 1000000G\nmetered:out 1000000G\n' > "$out/conf/bandwidth_per_minute.map"
  printf 'closed Benchmark deny path\n' > "$out/conf/error_messages.map"
}

start_gateway() { # backend_url
  S3GATE_BACKEND=$1 S3GATE_JAVA_OPTS="-Ds3gate.conf.dir=$out/conf $GATEWAY_JAVA_OPTS" \
    taskset -c 0 bin/s3gate-jetty jetty.http.port=$GATEWAY_PORT jetty.ssl.port=18443 \
      jetty.jmxremote.rmiserverport=18099 jetty.jmxremote.rmiregistryport=18099 \
      jetty.sslContext.keyStorePath="$out/keystore.p12" jetty.requestlog.dir="$out/logs" \
      s3gate.work.dir="$out/work" > "$out/gateway.log" 2>&1 &
  gateway_pid=$!
  pids+=($gateway_pid)
  wait_http "http://127.0.0.1:$GATEWAY_PORT/_s3gate/health"
}

stop_gateway() {
  kill "$gateway_pid" 2>/dev/null || true
  wait "$gateway_pid" 2>/dev/null || true
}

busy_jiffies() { # CPU: jiffies the core spent not idle
  awk -v cpu="$1" '$1 == cpu { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# wrk_once URL CONNECTIONS SECONDS: prints "rps p50ms p99ms non2xx requests mbps us_per_req core1_busy_percent"
wrk_once() {
  local url=$1 connections=$2 seconds=$3 before after before1 after1 output
  before=$(busy_jiffies cpu0)
  before1=$(busy_jiffies cpu1)
  output=$(taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" --latency -s bench/s3-request.lua "$url")
  after=$(busy_jiffies cpu0)
  after1=$(busy_jiffies cpu1)
  echo "$output" >> "$out/wrk-raw.log"
  echo "$output" | awk -v busy=$((after - before)) -v busy1=$((after1 - before1)) -v seconds="$seconds" -v hz="$(getconf CLK_TCK)" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    function mb(v) { if (v ~ /GB$/) return v * 1024; if (v ~ /MB$/) return v + 0; if (v ~ /KB$/) return v / 1024; return v / 1048576 }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /requests in/ { requests = $1 } /Non-2xx/ { non2xx = $NF } /^Requests\/sec/ { rps = $2 } /^Transfer\/sec/ { mbps = mb($2) }
    END { printf "%.0f %.2f %.2f %d %d %.1f %.1f %.0f\n", rps, p50, p99, non2xx, requests, mbps, requests ? busy * 1e6 / hz / requests : 0, 100 * busy1 / hz / seconds }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
spread() { sort -g | awk 'NR == 1 { min = $1 } { max = $1 } END { printf "%s-%s", min, max }'; }

results=$out/e2e-results.md
{
  echo "| row | req/s (median, spread) | p50 ms | p99 ms | non-2xx | MB/s | core-0 CPU µs/req (median, spread) | core-1 busy % |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$results"

# Row ids, for BENCH_ROWS (default: all): nginx admit deny hot million c256 c32 think nginx1m admit1m
# bare-servlet bare-core core-limit s3proxy gateway-s3proxy
ROWS=${BENCH_ROWS:-all}
wanted() { [ "$ROWS" = all ] || [[ " $ROWS " == *" $1 "* ]]; }

# row ID NAME URL CONNECTIONS: REPEATS runs of DURATION seconds; one table line with medians
row() {
  wanted "$1" || return 0
  shift
  local name=$1 url=$2 connections=$3 runs=() i
  for ((i = 0; i < REPEATS; i++)); do runs+=("$(wrk_once "$url" "$connections" "$DURATION")"); done
  col() { printf '%s\n' "${runs[@]}" | awk -v c="$1" '{ print $c }'; }
  local line
  line="| $name | $(col 1 | median) ($(col 1 | spread)) | $(col 2 | median) | $(col 3 | median) | $(col 4 | median) | $(col 6 | median) | $(col 7 | median) ($(col 7 | spread)) | $(col 8 | median) |"
  echo "$line" | tee -a "$results"
}

warm() { # SECONDS KEYS PREFIX
  BENCH_KEYS=$2 BENCH_KEY_PREFIX=$3 wrk_once "http://127.0.0.1:$GATEWAY_PORT/bench/obj1k" "$CONNECTIONS" "$1" >/dev/null
}

echo "s3gate e2e benchmark: $(nproc) cores, $(java -version 2>&1 | head -n 1), wrk -t1 -c$CONNECTIONS, ${DURATION}s x $REPEATS runs, warm-up ${WARMUP}s"
echo "gateway JVM options: ${GATEWAY_JAVA_OPTS:-(defaults of bin/s3gate-jetty)}"
echo
cat "$results"

write_conf
start_nginx backend $BACKEND_PORT 1
start_nginx direct $DIRECT_PORT 0
start_gateway "http://127.0.0.1:$BACKEND_PORT"

warm $((WARMUP / 2)) 1000000 BENCHM
warm $((WARMUP / 4)) 1000 BENCHA
warm $((WARMUP / 4)) 1000 BENCHD

export BENCH_URL_PATH=/bench/obj1k
BENCH_KEYS=1000 BENCH_KEY_PREFIX=BENCHA row nginx "nginx direct, 1 KiB (nginx on core 0)" "http://127.0.0.1:$DIRECT_PORT" "$CONNECTIONS"
BENCH_KEYS=1000 BENCH_KEY_PREFIX=BENCHA row admit "gateway admit, 1,000 keys, 1 KiB" "http://127.0.0.1:$GATEWAY_PORT" "$CONNECTIONS"
BENCH_KEYS=1000 BENCH_KEY_PREFIX=BENCHD row deny "gateway deny, 1,000 keys over limit" "http://127.0.0.1:$GATEWAY_PORT" "$CONNECTIONS"
BENCH_KEYS=1 BENCH_KEY_PREFIX=BENCHH row hot "gateway admit, one hot key" "http://127.0.0.1:$GATEWAY_PORT" "$CONNECTIONS"
BENCH_KEYS=1000000 BENCH_KEY_PREFIX=BENCHM row million "gateway admit, 1,000,000 keys" "http://127.0.0.1:$GATEWAY_PORT" "$CONNECTIONS"
BENCH_KEYS=1000 BENCH_KEY_PREFIX=BENCHA row c256 "gateway admit, 256 connections" "http://127.0.0.1:$GATEWAY_PORT" 256
BENCH_KEYS=1000 BENCH_KEY_PREFIX=BENCHA row c32 "gateway admit, 32 connections" "http://127.0.0.1:$GATEWAY_PORT" 32
# Latency below saturation: each connection waits 2 ms after an answer (about a third of the load).
BENCH_THINK_MS=2 BENCH_KEYS=1000 BENCH_KEY_PREFIX=BENCHA row think "gateway admit, 32 connections, 2 ms think time" "http://127.0.0.1:$GATEWAY_PORT" 32
export BENCH_URL_PATH=/bench/obj1m
BENCH_KEYS=1000 BENCH_KEY_PREFIX=BENCHA row nginx1m "nginx direct, 1 MiB (nginx on core 0)" "http://127.0.0.1:$DIRECT_PORT" "$CONNECTIONS"
BENCH_KEYS=1000 BENCH_KEY_PREFIX=BENCHA row admit1m "gateway admit, 1 MiB" "http://127.0.0.1:$GATEWAY_PORT" "$CONNECTIONS"
BENCH_KEYS=1000 BENCH_KEY_PREFIX=BENCHW row admit1mbw "gateway admit, 1 MiB, bandwidth accounting on (GROUP:in/out)" "http://127.0.0.1:$GATEWAY_PORT" "$CONNECTIONS"

stop_gateway

# Jetty alone as the proxy, on core 0 in the gateway's place: what the servlet API and the core
# API cost per request before any s3gate code runs.
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
bare_row() { # ID MODE NAME
  wanted "$1" || return 0
  [ -f bench/target/benchmarks.jar ] || mvn -q -f bench/pom.xml package
  taskset -c 0 java -XX:+UseParallelGC -cp "$(bare_classpath)" org.s3gate.bench.BareJettyProxy "$2" \
    $BARE_PORT $BACKEND_PORT "$out/logs/bare-access.log" > "$out/bare-$2.log" 2>&1 &
  local pid=$!
  pids+=($pid)
  wait_http "http://127.0.0.1:$BARE_PORT/health"
  BENCH_KEYS=1000 BENCH_KEY_PREFIX=BENCHA wrk_once "http://127.0.0.1:$BARE_PORT/bench/obj1k" "$CONNECTIONS" "$WARMUP" >/dev/null
  BENCH_KEYS=1000 BENCH_KEY_PREFIX=BENCHA row "$1" "$3" "http://127.0.0.1:$BARE_PORT" "$CONNECTIONS"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
export BENCH_URL_PATH=/bench/obj1k
bare_row bare-servlet servlet "bare Jetty proxy, servlet API (AsyncProxyServlet)"
bare_row bare-core core "bare Jetty proxy, core API (ProxyHandler)"
bare_row core-limit core-limit "core API + s3gate's admit-path work (projection)"

# s3proxy: a real S3 server on core 1, SigV2 presigned GETs of a 1 KiB object.
if ! wanted s3proxy && ! wanted gateway-s3proxy; then
  echo; echo "results: $results (raw wrk output: $out/wrk-raw.log)"
  exit 0
fi
sed -e "s/9000/$S3PROXY_PORT/" -e "s|^jclouds.filesystem.basedir=.*|jclouds.filesystem.basedir=$out/s3data|" \
  conf/backend.properties > "$out/backend.properties"
taskset -c 1 bin/s3gate-backend "$out/backend.properties" > "$out/s3proxy.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$S3PROXY_PORT/healthz"
access=$(sed -n 's/^s3proxy.identity=//p' "$out/backend.properties")
secret=$(sed -n 's/^s3proxy.credential=//p' "$out/backend.properties")
sign() { printf '%b' "$1" | openssl dgst -sha1 -hmac "$secret" -binary | base64; }
s3put() { # PATH [FILE]
  local date; date=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
  curl -sf -X PUT -H "Date: $date" -H "Content-Type: application/octet-stream" \
    -H "Authorization: AWS $access:$(sign "PUT\n\napplication/octet-stream\n$date\n$1")" \
    ${2:+--data-binary @"$2"} "http://127.0.0.1:$S3PROXY_PORT$1" >/dev/null
}
s3put /bench
s3put /bench/obj1k "$out/www/bench/obj1k"
expires=$(($(date +%s) + 86400))
signature=$(sign "GET\n\n\n$expires\n/bench/obj1k" | sed -e 's/+/%2B/g' -e 's/\//%2F/g' -e 's/=/%3D/g')
export BENCH_URL_PATH="/bench/obj1k?AWSAccessKeyId=$access&Expires=$expires&Signature=$signature"
curl -sf -o /dev/null "http://127.0.0.1:$S3PROXY_PORT$BENCH_URL_PATH" || { echo "e2e.sh: presigned GET to s3proxy failed" >&2; exit 1; }
start_gateway "http://127.0.0.1:$S3PROXY_PORT"
BENCH_KEYS=0 wrk_once "http://127.0.0.1:$GATEWAY_PORT" "$CONNECTIONS" "$WARMUP" >/dev/null
BENCH_KEYS=0 row s3proxy "s3proxy direct, 1 KiB presigned GET" "http://127.0.0.1:$S3PROXY_PORT" "$CONNECTIONS"
BENCH_KEYS=0 row gateway-s3proxy "gateway -> s3proxy, 1 KiB presigned GET" "http://127.0.0.1:$GATEWAY_PORT" "$CONNECTIONS"

echo
echo "results: $results (raw wrk output: $out/wrk-raw.log)"
