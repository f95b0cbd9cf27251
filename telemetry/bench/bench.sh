#!/bin/bash
# cmon-telemetry benchmarks (not tests: figures for the README).
#
#   bench.sh cpu    [BIN] - 100 sensors polled every second with a trivial probe
#                           (/usr/bin/echo 1); agent CPU from /proc/PID/stat over
#                           DURATION seconds (default 60), RUNS runs (default 3).
#   bench.sh scrape [BIN] - 1,000 series; GET /metrics latency with wrk --latency,
#                           DURATION seconds (default 20) x RUNS runs, 1 connection
#                           (and CONNS=N for more). NICE=-20 runs server and wrk at
#                           that nice level (root), RT=1 under SCHED_FIFO priority 1
#                           (chrt, root), to measure the program rather than a
#                           machine shared with other loads.
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

bench_cpu() {
    local dur=${DURATION:-60} hz n=100
    hz=$(getconf CLK_TCK)
    {
        echo "{ control: { socket: \"$DIR/cp.sock\" }, telemetry: { port: 0,"
        echo "  interfaces: [\"static:127.0.0.1\"], sensors: ["
        for i in $(seq $n); do
            echo "  { name: \"s$i\", help: \"trivial\", type: \"gauge\", poll: 1,"
            echo "    check: [\"/usr/bin/echo\", \"$i\"] },"
        done
        echo "] } }"
    } >"$DIR/cpu.json5"
    : >"$DIR/agent"
    for r in $(seq "$RUNS"); do
        start "$DIR/cpu.json5"
        sleep 5 # warm-up: every sensor has run a few times
        read -r s0 c0 < <(ticks "$PID")
        sleep "$dur"
        read -r s1 c1 < <(ticks "$PID")
        runs=$(curl -s "127.0.0.1:$PORT/metrics" |
            awk '/^cmon_telemetry_probe_runs_total.*outcome="ok"/ { s += $2 } END { print s }')
        stop
        agent=$(awk -v d=$((s1 - s0)) -v hz="$hz" -v t="$dur" 'BEGIN { printf "%.2f", 100 * d / hz / t }')
        probes=$(awk -v d=$((c1 - c0)) -v hz="$hz" -v t="$dur" 'BEGIN { printf "%.2f", 100 * d / hz / t }')
        echo "run $r: agent ${agent}% of one core, probes ${probes}%, ok runs so far $runs"
        echo "$agent" >>"$DIR/agent"
    done
    echo "median agent CPU over $RUNS runs: $(median <"$DIR/agent")% of one core ($n sensors, 1 s poll)"
}

bench_scrape() {
    local dur=${DURATION:-20} conns=${CONNS:-1} n=1000
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
    series=$(curl -s "127.0.0.1:$PORT/metrics" | grep -vc '^#')
    echo "series in /metrics: $series ($(curl -s "127.0.0.1:$PORT/metrics" | wc -c) bytes)"
    : >"$DIR/p99"
    for r in $(seq "$RUNS"); do
        out=$("${PRIO[@]}" wrk -t1 -c"$conns" -d"${dur}s" --latency "http://127.0.0.1:$PORT/metrics")
        p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
        p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
        rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
        echo "run $r: p50 $p50, p99 $p99, $rps requests/s ($conns connection(s))"
        awk '{ v = $1; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0; else if (v ~ /s$/) v = v * 1000; print v }' <<<"$p99" >>"$DIR/p99"
    done
    stop
    echo "median p99 over $RUNS runs: $(median <"$DIR/p99") ms"
}

case $MODE in
cpu) bench_cpu ;;
scrape) bench_scrape ;;
*)
    echo "usage: bench.sh cpu|scrape [PATH/TO/cmon-telemetry]" >&2
    exit 2
    ;;
esac
