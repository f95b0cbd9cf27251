#!/bin/bash
# instr.sh - instructions the agent executes per instance scrape, counted by
# callgrind: a deterministic figure (no wall time), for comparing builds.
#
# usage: agent/bench/instr.sh [-b BUILD_DIR] [-z ZONES] [-n REQUESTS] [-t TOP]
#                             [-o CALLGRIND_OUT] [-a "EXTRA AGENT FLAGS"]
#
# A still world of ZONES zones (`cmon-sim serve --tick 0 --seed 1`, with its
# vminfod); the agent with the cache off under `valgrind --tool=callgrind`;
# REQUESTS zones taken from the world's list (every ZONES/REQUESTS-th, so the
# same ones for every build) scraped once over one keep-alive connection to
# prime them (VM records from vminfod, data buffers), the counters zeroed,
# the same requests again, the counters dumped. Prints the instructions
# (Ir) per request, and the TOP functions by their own Ir per request.
#
# Valgrind counts each byte of a `rep stos` as an instruction: libmicrohttpd
# clears its connection memory (~48 KiB) per request with one, so its
# memset shows ~49,000 instructions a request that cost the CPU little
# (perf: ~2 % of the agent's time). The line "without memset" leaves it out.
set -u
BUILD=build
ZONES=10000
REQS=2000
TOP=25
OUT=""
EXTRA=""
while getopts "b:z:n:t:o:a:" o; do
  case $o in
    b) BUILD=$OPTARG ;; z) ZONES=$OPTARG ;; n) REQS=$OPTARG ;; t) TOP=$OPTARG ;;
    o) OUT=$OPTARG ;; a) EXTRA=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-z ZONES] [-n REQUESTS] [-t TOP] [-o FILE] [-a FLAGS]" >&2
       exit 2 ;;
  esac
done
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null || {
  echo "$0: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
BIN=$(cd "$BUILD/bin" && pwd) || exit 2
TMP=$(mktemp -d /tmp/cmon-agent-instr-XXXXXX)
W=/dev/shm/cmon-agent-instr-$$
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP" "$W"
}
trap cleanup EXIT INT TERM

wait_for() { # file pattern
  for _ in $(seq 1 1200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}

"$BIN/cmon-sim" serve --zones "$ZONES" --tick 0 --world "$W" --seed 1 --vminfod 127.0.0.1:0 \
  > "$TMP/sim.out" 2>&1 &
PIDS+=($!)
wait_for "$TMP/sim.out" "$W"
VMINFOD=$(sed -n 's/.*vminfod on //p' "$TMP/sim.out")
CG=${OUT:-$TMP/callgrind.out}
CMON_SIM_WORLD=$W valgrind --tool=callgrind --callgrind-out-file="$CG" "$BIN/cmon-agent" \
  --listen 127.0.0.1:0 --cache-ttl 0 --vminfod "$VMINFOD" $EXTRA 2> "$TMP/agent.err" &
AGENT=$!
PIDS+=($AGENT)
wait_for "$TMP/agent.err" "listening on"
PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/agent.err")
"$BIN/cmon-sim" zones -w "$W" | awk -F: '$1 != "-" && $2 != "global" {print $2}' > "$TMP/uuids"
N=$(wc -l < "$TMP/uuids")
awk -v n="$N" -v r="$REQS" -v port="$PORT" 'BEGIN {step = n / r; if (step < 1) step = 1}
  { a[NR] = $0 }
  END { for (i = 0; i < r; i++) { k = int(i * step) % n + 1
          printf "url = \"http://127.0.0.1:%s/v1/%s/metrics\"\noutput = \"/dev/null\"\n", port, a[k] } }' \
  "$TMP/uuids" > "$TMP/curl.cfg"
curl -s -K "$TMP/curl.cfg" || { echo "priming failed" >&2; exit 1; }
callgrind_control -z "$AGENT" > /dev/null 2>&1
curl -s -K "$TMP/curl.cfg" || { echo "requests failed" >&2; exit 1; }
callgrind_control -d "$AGENT" > /dev/null 2>&1
kill "$AGENT"; wait "$AGENT" 2>/dev/null
DUMP=$(ls "$CG".* 2>/dev/null | tail -1)
[ -n "$DUMP" ] || { echo "no callgrind dump" >&2; exit 1; }
callgrind_annotate --threshold=100 "$DUMP" 2>/dev/null > "$TMP/ann"
awk -v r="$REQS" -v top="$TOP" '
  /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1 }
  /^ *[0-9,]+ \(/ && !/PROGRAM TOTALS/ && !/start_thread|clone\.S/ {
    v = $1; gsub(",", "", v); fn = $0; sub(/^ *[0-9,]+ \( *[0-9.]+%\) +/, "", fn); sub(/ \[.*/, "", fn)
    if (fn ~ /memset/) memset += v
    if (shown < top) { lines[shown++] = sprintf("%10.0f  %s", v / r, fn) }
  }
  END {
    printf "instructions per request: %.0f (without memset: %.0f), %d requests\n", total / r, (total - memset) / r, r
    print "own instructions per request, by function:"
    for (i = 0; i < shown; i++) print lines[i]
  }' "$TMP/ann"
