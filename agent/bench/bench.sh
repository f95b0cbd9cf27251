#!/bin/bash
# bench.sh - cmon-agent throughput and latency against nginx, on this machine.
#
# usage: agent/bench/bench.sh [-b BUILD_DIR] [-z "100 10000"] [-r RUNS] [-d SECONDS]
#                             [-a "EXTRA AGENT FLAGS"]
#
# For each zone count: `cmon-sim serve --zones N --tick 0` builds a still
# world and serves its vminfod (the agent asks it for link labels, every zone
# once in a priming pass before the first run); cmon-agent
# serves it with the cache off; nginx (our own instance on
# a free port, temp config) serves one zone's response bytes from a file.
# Then, RUNS times, alternating the two servers so that both see the same
# machine load:
#   - closed loop: wrk, 2 threads, 16 keep-alive connections, each request a
#     random zone (bench/random-zone.lua) -> requests/s;
#   - open loop: `cmon-bench --url` at 2,000 scrapes/s over 32 keep-alive
#     connections, after its priming pass over every zone and 1 s of warm-up,
#     latency from the time each request was due -> p99 (read from its --json).
# Finally the agent's peak RSS (VmHWM). Prints medians and ratios.
set -u
BUILD=build
ZONES="100 10000"
RUNS=3
DUR=10
EXTRA=""
while getopts "b:z:r:d:a:" o; do
  case $o in
    b) BUILD=$OPTARG ;; z) ZONES=$OPTARG ;; r) RUNS=$OPTARG ;; d) DUR=$OPTARG ;;
    a) EXTRA=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-z ZONE_COUNTS] [-r RUNS] [-d SECONDS]" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(cd "$BUILD/bin" && pwd) || exit 2
TMP=$(mktemp -d /tmp/cmon-agent-bench-XXXXXX)
chmod 755 "$TMP" # nginx's workers run as an unprivileged user: they must read body.txt
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -f "$TMP/nginx.pid" ] && kill "$(cat "$TMP/nginx.pid")" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$TMP" /dev/shm/cmon-agent-bench-$$-*
}
trap cleanup EXIT INT TERM

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

wait_for() { # file pattern
  for _ in $(seq 1 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}

start_nginx() { # body file -> sets NGINX_PORT
  mkdir -p "$TMP/ng/logs"
  for _ in $(seq 1 20); do
    NGINX_PORT=$((20000 + RANDOM % 40000))
    cat > "$TMP/ng/nginx.conf" <<NGX
worker_processes 2;
pid $TMP/nginx.pid;
error_log $TMP/ng/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $TMP;
    location / { default_type "text/plain; version=0.0.4; charset=utf-8"; try_files /body.txt =404; }
  }
}
NGX
    nginx -c "$TMP/ng/nginx.conf" -p "$TMP/ng" -g 'daemon on;' 2>/dev/null && return 0
  done
  echo "cannot start nginx" >&2; exit 1
}

ticks() { # pids... -> utime+stime clock ticks, summed
  for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s += $1} END {print s + 0}'
}

wrk_rps() { # url pids... -> "requests/s server-CPU-us/request"
  local url=$1; shift
  local t0; t0=$(ticks "$@")
  PATHS=$TMP/paths.txt wrk -t2 -c16 -d"${DUR}s" -s "$HERE/random-zone.lua" "$url/" > "$TMP/wrk.out"
  local t1; t1=$(ticks "$@")
  if grep -q 'Non-2xx' "$TMP/wrk.out"; then # a rate of error answers is no figure
    echo "$url answered errors:" >&2; cat "$TMP/wrk.out" >&2; return 1
  fi
  awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" '/requests in/ {n = $1} /^Requests\/sec/ {r = $2}
    END {printf "%s %.1f\n", r, t * 1e6 / hz / n}' "$TMP/wrk.out"
}

p99() { # url -> p99 ms of an open loop at 2,000 scrapes/s (cmon-bench, bench/README.md)
  "$BIN/cmon-bench" --url "$1" --zones-file "$TMP/uuids.txt" --rate 2000 --concurrency 32 \
    --duration "$DUR" --warmup 1 --quiet --json "$TMP/p99.json" > "$TMP/p99.out" || {
    echo "cmon-bench against $1 failed" >&2; cat "$TMP/p99.out" >&2; return 1; }
  jq -r '.latency_ms.p99' "$TMP/p99.json"
}

declare -A RES
for N in $ZONES; do
  W=/dev/shm/cmon-agent-bench-$$-$N
  "$BIN/cmon-sim" serve --zones "$N" --tick 0 --world "$W" --seed 1 --vminfod 127.0.0.1:0 \
    > "$TMP/sim.out" 2>&1 &
  SIM=$!; PIDS+=("$SIM")
  wait_for "$TMP/sim.out" "$W"
  VMINFOD=$(sed -n 's/.*vminfod on //p' "$TMP/sim.out") # the node's vminfod: link labels
  CMON_SIM_WORLD=$W "$BIN/cmon-agent" --listen 127.0.0.1:0 --cache-ttl 0 --vminfod "$VMINFOD" \
    $EXTRA 2> "$TMP/agent.err" &
  AGENT=$!; PIDS+=("$AGENT")
  wait_for "$TMP/agent.err" "listening on"
  "$BIN/cmon-sim" zones -w "$W" | awk -F: '$1 != "-" && $2 != "global" {print "/v1/" $2 "/metrics"}' \
    > "$TMP/paths.txt"
  sed -e 's,^/v1/,,' -e 's,/metrics$,,' "$TMP/paths.txt" > "$TMP/uuids.txt" # for cmon-bench
  PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/agent.err")
  AGENT_URL=http://127.0.0.1:$PORT
  curl -s "$AGENT_URL$(head -1 "$TMP/paths.txt")" > "$TMP/body.txt"
  start_nginx
  NGINX_URL=http://127.0.0.1:$NGINX_PORT
  echo "== $N zones: agent $AGENT_URL, nginx $NGINX_URL, body $(wc -c < "$TMP/body.txt") bytes" >&2
  NGINX_PIDS=$(pgrep -P "$(cat "$TMP/nginx.pid")" | tr '\n' ' ')
  # Every zone scraped once before the first run (cmon-bench's priming pass):
  # its VM record read from vminfod, as an agent that has run a while has it;
  # else the first closed-loop run measures 10,000 vminfod requests.
  "$BIN/cmon-bench" --url "$AGENT_URL" --zones-file "$TMP/uuids.txt" --rate 2000 \
    --concurrency 32 --duration 1 --warmup 1 --quiet > "$TMP/prime.out" || {
    echo "priming $AGENT_URL failed" >&2; cat "$TMP/prime.out" >&2; exit 1; }
  : > "$TMP/a_rps"; : > "$TMP/n_rps"; : > "$TMP/ratio"; : > "$TMP/a_p99"; : > "$TMP/n_p99"
  : > "$TMP/a_cpu"; : > "$TMP/n_cpu"
  for r in $(seq 1 "$RUNS"); do
    wrk_rps "$AGENT_URL" "$AGENT" > "$TMP/rps" || exit 1
    read -r a acpu < "$TMP/rps"
    # shellcheck disable=SC2086
    wrk_rps "$NGINX_URL" $NGINX_PIDS > "$TMP/rps" || exit 1
    read -r n ncpu < "$TMP/rps"
    echo "$acpu" >> "$TMP/a_cpu"; echo "$ncpu" >> "$TMP/n_cpu"
    pa=$(p99 "$AGENT_URL") || exit 1
    pn=$(p99 "$NGINX_URL") || exit 1
    echo "$a" >> "$TMP/a_rps"; echo "$n" >> "$TMP/n_rps"
    echo "$a $n" | awk '{print $1 / $2}' >> "$TMP/ratio"
    echo "$pa" >> "$TMP/a_p99"; echo "$pn" >> "$TMP/n_p99"
    echo "   run $r: agent $a req/s ($acpu us CPU/req), nginx $n req/s ($ncpu us CPU/req);" \
      "p99 at 2000/s: agent $pa ms, nginx $pn ms" >&2
  done
  RES[$N,rps]=$(median < "$TMP/a_rps"); RES[$N,nrps]=$(median < "$TMP/n_rps")
  RES[$N,ratio]=$(median < "$TMP/ratio")
  RES[$N,p99]=$(median < "$TMP/a_p99"); RES[$N,np99]=$(median < "$TMP/n_p99")
  RES[$N,cpu]=$(median < "$TMP/a_cpu"); RES[$N,ncpu]=$(median < "$TMP/n_cpu")
  RES[$N,hwm]=$(awk '/VmHWM/ {print $2 / 1024}' "/proc/$AGENT/status")
  kill "$(cat "$TMP/nginx.pid")"; rm -f "$TMP/nginx.pid"
  kill "$AGENT" "$SIM"; wait "$AGENT" "$SIM" 2>/dev/null
  rm -f "$W"
done

echo "agent flags: --cache-ttl 0 $EXTRA"
printf '\n%7s %10s %10s %12s %10s %10s %10s %12s %8s\n' zones agent_rps nginx_rps agent/nginx \
  agent_us nginx_us p99_ms nginx_p99_ms rss_mb
for N in $ZONES; do
  printf '%7s %10.0f %10.0f %12.2f %10.1f %10.1f %10.3f %12.3f %8.1f\n' "$N" "${RES[$N,rps]}" \
    "${RES[$N,nrps]}" "${RES[$N,ratio]}" "${RES[$N,cpu]}" "${RES[$N,ncpu]}" "${RES[$N,p99]}" \
    "${RES[$N,np99]}" "${RES[$N,hwm]}"
done
echo "(medians of $RUNS runs; *_us: server CPU per request, user+system)"
set -- $ZONES
if [ $# -ge 2 ]; then
  S=$1; L=${!#}
  echo "$L vs $S zones: throughput ratio $(echo "${RES[$S,rps]} ${RES[$L,rps]}" |
    awk '{printf "%.2f", $1 / $2}') (small/large), p99 ratio $(echo "${RES[$L,p99]} ${RES[$S,p99]}" |
    awk '{printf "%.2f", $1 / $2}') (large/small)"
fi
