#!/bin/bash
# cmon-telemetry benchmarks (not tests: figures for the README).
#
#   bench.sh cpu    [BIN] - 100 sensors polled every second with a trivial probe
#                           (/usr/bin/echo 1); agent CPU from /proc/PID/stat over
#                           DURATION seconds (default 60), RUNS runs (default 3).
#   bench.sh jobs   [BIN] - 100 v3 sensor jobs (when.interval 1s), each running
#                           `containerpilot -putmetric bench_gN=N`, taking turns
#                           with the reference: the 100 v2 sensors of `cpu`, in
#                           the same run; agent CPU of each over DURATION seconds.
#   bench.sh scrape [BIN] - 1,000 gauges; GET /metrics latency with wrk --latency,
#                           DURATION seconds (default 20) x RUNS runs, 1 connection
#                           (and CONNS=N for more), taking turns with the reference:
#                           the same body, saved, served by nginx. NICE=-20 runs
#                           server and wrk at that nice level (root), RT=1 under
#                           SCHED_FIFO priority 1 (chrt, root), to measure the
#                           program rather than a machine shared with other loads.
#   bench.sh putmetric [BIN] - `containerpilot -putmetric` round trip, ITERATIONS
#                           (default 2000) x RUNS, against /bin/true taking turns
#                           (build/tools/telemetry_putmetric_bench).
#
# Agent CPU = utime + stime of the cmon-telemetry process (all its threads).
# Probe CPU = cutime + cstime: what the reaped probe processes used. The
# spawning work (posix_spawn, pipes, reaping) is on the agent's side of the
# ledger, so "beyond the probes themselves" is the agent figure as is.
set -euo pipefail
MODE=${1:-}
BIN=${2:-$(dirname "$0")/../../build/bin/cmon-telemetry}
RUNS=${RUNS:-3}
DIR=$(mktemp -d /tmp/cmon-telemetry-bench.XXXXXX)
PID=
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$DIR"
}
trap cleanup EXIT

NICE=${NICE:-0}
PRIO=(nice -n "$NICE")
[ "${RT:-0}" = 1 ] && PRIO=(chrt -f 1)
start() { # config -> sets PID, PORT
    "${PRIO[@]}" "$BIN" -config "$1" 2>"$DIR/log" &
    PID=$!
    for _ in $(seq 100); do
        grep -q 'listening on' "$DIR/log" && break
        sleep 0.1
    done
    PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\),.*|\1|p' "$DIR/log")
    [ -n "$PORT" ] || { cat "$DIR/log"; exit 1; }
}
stop() {
    kill "$PID"
    wait "$PID" || true
    PID=
}
ticks() { # pid -> "self children" CPU ticks
    awk '{ print $14 + $15, $16 + $17 }' "/proc/$1/stat"
}
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# config_sensors FILE: 100 v2 sensors, /usr/bin/echo N every second
config_sensors() {
    {
        echo "{ control: { socket: \"$DIR/cp.sock\" }, telemetry: { port: 0,"
        echo "  interfaces: [\"static:127.0.0.1\"], sensors: ["
        for i in $(seq 100); do
            echo "  { name: \"s$i\", help: \"trivial\", type: \"gauge\", poll: 1,"
            echo "    check: [\"/usr/bin/echo\", \"$i\"] },"
        done
        echo "] } }"
    } >"$1"
}

# config_jobs FILE: 100 v3 sensor jobs, `containerpilot -putmetric` every second
config_jobs() {
    local cp
    cp=$(dirname "$BIN")/containerpilot
    {
        echo "{ control: { socket: \"$DIR/cp.sock\" }, jobs: ["
        for i in $(seq 100); do
            echo "  { name: \"j$i\", exec: [\"$cp\", \"-putmetric\", \"bench_g$i=$i\"],"
            echo "    when: { interval: \"1s\" } },"
        done
        echo "], telemetry: { port: 0, interfaces: [\"static:127.0.0.1\"], metrics: ["
        for i in $(seq 100); do
            echo "  { namespace: \"bench\", name: \"g$i\", help: \"set by job $i\", type: \"gauge\" },"
        done
        echo "] } }"
    } >"$1"
}

# cpu_run CONFIG WHAT: one measurement, printed; its agent % appended to $DIR/WHAT
cpu_run() {
    local dur=${DURATION:-60} hz s0 c0 s1 c1 agent probes runs
    hz=$(getconf CLK_TCK)
    start "$1"
    sleep 5 # warm-up: every sensor has run a few times
    read -r s0 c0 < <(ticks "$PID")
    sleep "$dur"
    read -r s1 c1 < <(ticks "$PID")
    runs=$(curl -s "127.0.0.1:$PORT/metrics" |
        awk '/^cmon_telemetry_(probe|job)_runs_total.*outcome="ok"/ { s += $2 } END { print s }')
    stop
    agent=$(awk -v d=$((s1 - s0)) -v hz="$hz" -v t="$dur" 'BEGIN { printf "%.2f", 100 * d / hz / t }')
    probes=$(awk -v d=$((c1 - c0)) -v hz="$hz" -v t="$dur" 'BEGIN { printf "%.2f", 100 * d / hz / t }')
    echo "run $r $2: agent ${agent}% of one core, children ${probes}%, ok runs so far $runs"
    echo "$agent" >>"$DIR/$2"
}

bench_cpu() {
    config_sensors "$DIR/cpu.json5"
    : >"$DIR/sensors"
    for r in $(seq "$RUNS"); do cpu_run "$DIR/cpu.json5" sensors; done
    echo "median agent CPU over $RUNS runs: $(median <"$DIR/sensors")% of one core (100 sensors, 1 s poll)"
}

bench_jobs() {
    config_sensors "$DIR/cpu.json5"
    config_jobs "$DIR/jobs.json5"
    : >"$DIR/sensors"
    : >"$DIR/jobs"
    for r in $(seq "$RUNS"); do
        cpu_run "$DIR/jobs.json5" jobs
        cpu_run "$DIR/cpu.json5" sensors
    done
    local j s
    j=$(median <"$DIR/jobs")
    s=$(median <"$DIR/sensors")
    echo "median agent CPU over $RUNS runs: 100 jobs ${j}% of one core, reference 100 v2 sensors ${s}%"
    echo "ratio jobs/sensors: $(awk -v j="$j" -v s="$s" 'BEGIN { printf "%.2f", (s > 0 ? j / s : 0) }')"
}

bench_putmetric() {
    local tool
    tool=$(dirname "$BIN")/../tools/telemetry_putmetric_bench
    echo "{ control: { socket: \"$DIR/cp.sock\" }, telemetry: { port: 0,
      interfaces: [\"static:127.0.0.1\"], metrics: [ { name: \"g\", type: \"gauge\" } ] } }" \
        >"$DIR/put.json5"
    start "$DIR/put.json5"
    for r in $(seq "$RUNS"); do
        echo "run $r:"
        "${PRIO[@]}" "$tool" "$(dirname "$BIN")/containerpilot" "$DIR/cp.sock" g \
            "${ITERATIONS:-2000}" | sed 's/^/  /'
    done
    stop
}

# nginx_start BODYFILE: nginx serving it at /metrics on a free port (NGINX_PORT)
nginx_start() {
    mkdir -p "$DIR/www" "$DIR/nginx"
    cp "$1" "$DIR/www/metrics"
    chmod a+rx "$DIR" "$DIR/www" # nginx's workers run as another user when started as root
    chmod a+r "$DIR/www/metrics"
    for _ in $(seq 8); do
        NGINX_PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
        cat >"$DIR/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/error.log;
events { worker_connections 64; }
http {
    access_log off;
    default_type "text/plain; version=0.0.4; charset=utf-8";
    server { listen 127.0.0.1:$NGINX_PORT; root $DIR/www; }
}
CONF
        "${PRIO[@]}" nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" 2>/dev/null &
        NGINX_PID=$!
        for _ in $(seq 50); do
            curl -sf -o /dev/null "127.0.0.1:$NGINX_PORT/metrics" && return 0
            kill -0 "$NGINX_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    done
    echo "nginx did not start" >&2
    exit 1
}

# wrk_run URL WHAT: one wrk measurement, printed; p99 in ms appended to $DIR/p99.WHAT
wrk_run() {
    local out p50 p99 rps
    out=$("${PRIO[@]}" wrk -t1 -c"${CONNS:-1}" -d"${DURATION:-20}s" --latency "$1")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
    echo "run $r $2: p50 $p50, p99 $p99, $rps requests/s (${CONNS:-1} connection(s))"
    awk '{ v = $1; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0; else if (v ~ /s$/) v = v * 1000; print v }' <<<"$p99" >>"$DIR/p99.$2"
}

bench_scrape() {
    local n=1000
    {
        echo "{ control: { socket: \"$DIR/cp.sock\" }, telemetry: { port: 0,"
        echo "  interfaces: [\"static:127.0.0.1\"], metrics: ["
        for i in $(seq $n); do
            echo "  { namespace: \"bench\", name: \"g$i\", help: \"gauge number $i\", type: \"gauge\" },"
        done
        echo "] } }"
    } >"$DIR/scrape.json5"
    start "$DIR/scrape.json5"
    for base in 0 250 500 750; do
        args=()
        for i in $(seq $((base + 1)) $((base + 250))); do args+=("bench_g$i=$i.$((i * 7 % 1000))"); done
        "$BIN" -socket "$DIR/cp.sock" -putmetric "${args[@]}"
    done
    curl -s "127.0.0.1:$PORT/metrics" >"$DIR/body"
    echo "series in /metrics: $(grep -vc '^#' "$DIR/body") ($(wc -c <"$DIR/body") bytes;" \
        "$n gauges and their containerpilot_events Metric series)"
    nginx_start "$DIR/body"
    : >"$DIR/p99.cmon-telemetry"
    : >"$DIR/p99.nginx"
    for r in $(seq "$RUNS"); do
        wrk_run "http://127.0.0.1:$PORT/metrics" cmon-telemetry
        wrk_run "http://127.0.0.1:$NGINX_PORT/metrics" nginx
    done
    kill "$NGINX_PID"
    wait "$NGINX_PID" 2>/dev/null || true
    stop
    local a b
    a=$(median <"$DIR/p99.cmon-telemetry")
    b=$(median <"$DIR/p99.nginx")
    echo "median p99 over $RUNS runs: cmon-telemetry $a ms, nginx (same body, reference) $b ms"
    echo "ratio cmon-telemetry/nginx: $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
}

case $MODE in
cpu) bench_cpu ;;
jobs) bench_jobs ;;
scrape) bench_scrape ;;
putmetric) bench_putmetric ;;
*)
    echo "usage: bench.sh cpu|jobs|scrape|putmetric [PATH/TO/cmon-telemetry]" >&2
    exit 2
    ;;
esac
