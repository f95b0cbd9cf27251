#!/bin/bash
# cmon-telemetry benchmarks (not tests: figures for the README).
#
#   bench.sh cpu    [BIN] - 100 sensors polled every second with a trivial probe
#                           (/usr/bin/echo 1); agent CPU from /proc/PID/stat over
#                           DURATION seconds (default 60), RUNS runs (default 3);
#                           OUT_OF_STEP=1: each sensor its own period (see below).
#   bench.sh jobs   [BIN] - 100 v3 sensor jobs (when.interval 1s), each running
#                           `containerpilot -putmetric bench_gN=N`, taking turns
#                           with two references: the 100 v2 sensors of `cpu`, and
#                           100 jobs running /bin/true (what starting a program
#                           costs, whatever it does); agent CPU of each over
#                           DURATION seconds.
#   bench.sh compare BIN OLD - the jobs and the sensors of `jobs`, each run by
#                           BIN and by OLD (another build: main's, a commit's)
#                           taking turns, RUNS rounds; medians and BIN/OLD.
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
# Agent CPU = utime + stime of the cmon-telemetry process (all its threads):
# what our program adds to running the probes, the target's figure. The
# spawning work (posix_spawn, pipes, reaping, the orphan sweep) and serving
# the jobs' -putmetric requests are on the agent's side of the ledger.
# Children = cutime + cstime of the reaped probes: from the moment they
# exist (exec, the dynamic loader) to their exit, what the sensor programs
# cost whatever runs them; for jobs that includes the containerpilot client,
# which the /bin/true jobs' children separate from the cost of any exec.
# "us a run" = agent CPU over the probe runs that ended ok in the window.
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
start() { # config [bin] -> sets PID, PORT
    "${PRIO[@]}" "${2:-$BIN}" -config "$1" 2>"$DIR/log" &
    PID=$!
    for _ in $(seq 300); do # 30 s: other loads may starve it (SCHED_FIFO benchmarks)
        grep -q 'listening on' "$DIR/log" && break
        sleep 0.1
    done
    PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\),.*|\1|p' "$DIR/log")
    [ -n "$PORT" ] || { echo "bench.sh: ${2:-$BIN} did not start:" >&2 && cat "$DIR/log" >&2 && exit 1; }
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

# config_sensors FILE: 100 v2 sensors, /usr/bin/echo N every second (with
# OUT_OF_STEP=1 sensor N every 1000+N ms, timeout 1 s: they drift apart, so the
# loop wakes for each start and exit rather than for all at once)
config_sensors() {
    local poll
    {
        echo "{ control: { socket: \"$DIR/cp.sock\" }, telemetry: { port: 0,"
        echo "  interfaces: [\"static:127.0.0.1\"], sensors: ["
        for i in $(seq 100); do
            poll=1
            [ "${OUT_OF_STEP:-0}" = 1 ] && poll="\"$((1000 + i))ms\", timeout: 1"
            echo "  { name: \"s$i\", help: \"trivial\", type: \"gauge\", poll: $poll,"
            echo "    check: [\"/usr/bin/echo\", \"$i\"] },"
        done
        echo "] } }"
    } >"$1"
}

# config_jobs FILE [BIN] [EXEC]: 100 v3 sensor jobs, every second,
# `containerpilot -putmetric` (BIN's link), or EXEC (its argv as JSON strings)
config_jobs() {
    local cp exec
    cp=$(dirname "${2:-$BIN}")/containerpilot
    {
        echo "{ control: { socket: \"$DIR/cp.sock\" }, jobs: ["
        for i in $(seq 100); do
            exec=${3:-\"$cp\", \"-putmetric\", \"bench_g$i=$i\"}
            echo "  { name: \"j$i\", exec: [$exec],"
            echo "    when: { interval: \"1s\" } },"
        done
        echo "], telemetry: { port: 0, interfaces: [\"static:127.0.0.1\"], metrics: ["
        for i in $(seq 100); do
            echo "  { namespace: \"bench\", name: \"g$i\", help: \"set by job $i\", type: \"gauge\" },"
        done
        echo "] } }"
    } >"$1"
}

ok_runs() { # the probe and job runs that ended ok since the start
    local body
    local code
    if ! code=$(curl -s --max-time 30 -o "$DIR/metrics" -w '%{http_code}' "127.0.0.1:$PORT/metrics") ||
        [ "$code" != 200 ]; then
        echo "bench.sh: GET /metrics on port $PORT: $code ($(kill -0 "$PID" 2>&1 && echo running))" >&2
        tail -5 "$DIR/log" >&2
        exit 1
    fi
    body=$(cat "$DIR/metrics")
    awk '/^cmon_telemetry_(probe|job)_runs_total.*outcome="ok"/ { s += $2 } END { print s + 0 }' \
        <<<"$body"
}

# cpu_run CONFIG WHAT [BIN]: one measurement, printed; its agent % appended to
# $DIR/WHAT, its children % to $DIR/WHAT.children
cpu_run() {
    local dur=${DURATION:-60} hz s0 c0 s1 c1 n0 n1 agent probes per
    hz=$(getconf CLK_TCK)
    start "$1" "${3:-$BIN}"
    sleep 5 # warm-up: every sensor has run a few times
    n0=$(ok_runs)
    read -r s0 c0 < <(ticks "$PID")
    sleep "$dur"
    read -r s1 c1 < <(ticks "$PID")
    n1=$(ok_runs)
    stop
    agent=$(awk -v d=$((s1 - s0)) -v hz="$hz" -v t="$dur" 'BEGIN { printf "%.2f", 100 * d / hz / t }')
    probes=$(awk -v d=$((c1 - c0)) -v hz="$hz" -v t="$dur" 'BEGIN { printf "%.2f", 100 * d / hz / t }')
    per=$(awk -v d=$((s1 - s0)) -v hz="$hz" -v n=$((n1 - n0)) 'BEGIN { printf "%.0f", (n > 0 ? 1e6 * d / hz / n : 0) }')
    echo "run $r $2: agent ${agent}% of one core (${per} us a run), children ${probes}%," \
        "ok runs $((n1 - n0)) in ${dur} s"
    echo "$agent" >>"$DIR/$2"
    echo "$probes" >>"$DIR/$2.children"
}

bench_cpu() {
    config_sensors "$DIR/cpu.json5"
    : >"$DIR/sensors"
    for r in $(seq "$RUNS"); do cpu_run "$DIR/cpu.json5" sensors; done
    echo "median agent CPU over $RUNS runs: $(median <"$DIR/sensors")% of one core (100 sensors, 1 s poll)"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

bench_jobs() {
    config_sensors "$DIR/cpu.json5"
    config_jobs "$DIR/jobs.json5"
    config_jobs "$DIR/true.json5" "$BIN" '"/bin/true"'
    for w in jobs sensors true-jobs; do : >"$DIR/$w" && : >"$DIR/$w.children"; done
    for r in $(seq "$RUNS"); do
        cpu_run "$DIR/jobs.json5" jobs
        cpu_run "$DIR/cpu.json5" sensors
        cpu_run "$DIR/true.json5" true-jobs
    done
    local j s t jc tc
    j=$(median <"$DIR/jobs")
    s=$(median <"$DIR/sensors")
    t=$(median <"$DIR/true-jobs")
    jc=$(median <"$DIR/jobs.children")
    tc=$(median <"$DIR/true-jobs.children")
    echo "median agent CPU over $RUNS runs: 100 jobs ${j}% of one core;" \
        "references: 100 v2 sensors ${s}%, 100 /bin/true jobs ${t}%"
    echo "ratio jobs/sensors: $(ratio "$j" "$s"), jobs/true-jobs: $(ratio "$j" "$t")"
    echo "children: jobs ${jc}%, /bin/true jobs ${tc}%: the containerpilot client beyond" \
        "an empty program $(awk -v a="$jc" -v b="$tc" 'BEGIN { printf "%.2f", a - b }')%"
}

# bench_compare OLD: BIN against OLD on the jobs and the sensors, taking turns
bench_compare() {
    local old=$1 w
    [ -x "$old" ] || { echo "bench.sh compare: no program $old" >&2; exit 2; }
    config_sensors "$DIR/cpu.json5"
    config_jobs "$DIR/jobs.json5"
    config_jobs "$DIR/jobs-old.json5" "$old"
    for w in jobs jobs-old sensors sensors-old; do : >"$DIR/$w" && : >"$DIR/$w.children"; done
    for r in $(seq "$RUNS"); do
        cpu_run "$DIR/jobs.json5" jobs
        cpu_run "$DIR/jobs-old.json5" jobs-old "$old"
        cpu_run "$DIR/cpu.json5" sensors
        cpu_run "$DIR/cpu.json5" sensors-old "$old"
    done
    for w in jobs sensors; do
        local a b
        a=$(median <"$DIR/$w")
        b=$(median <"$DIR/$w-old")
        echo "median agent CPU over $RUNS runs, 100 $w: $BIN ${a}%, $old ${b}%, ratio $(ratio "$a" "$b")"
    done
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
compare) bench_compare "${3:-}" ;;
scrape) bench_scrape ;;
putmetric) bench_putmetric ;;
*)
    echo "usage: bench.sh cpu|jobs|scrape|putmetric [PATH/TO/cmon-telemetry]" >&2
    echo "       bench.sh compare PATH/TO/cmon-telemetry PATH/TO/OLD/cmon-telemetry" >&2
    exit 2
    ;;
esac
