#!/bin/bash
# control-bench.sh - what serve's control socket costs the agent's scrapes, and how soon
# a control request is applied.
#
# usage: sim/cmd/bench/control-bench.sh [-b BUILD_DIR] [-z ZONES] [-r ROUNDS] [-d SECONDS]
#                                       [-q CONTROL_RATE] [-s SCRAPE_RATE]
#
# `cmon-sim serve --zones Z` (default 10,000; its default tick, 1 s) and a cmon-agent
# on it (its defaults: cache 10 s). After a priming pass over every instance, ROUNDS
# times (default 4), taking turns: `cmon-bench --url` at SCRAPE_RATE scrapes/s (default
# 1,000, open loop, 16 connections) for SECONDS (default 10) alone, then the same while
# build/tools/ctl-load sends CONTROL_RATE control requests/s (default 1,000; faults/set and
# faults/clear taking turns, each applied by serve's tick thread) for the whole
# measurement. Prints each round's scrape p99 with and without the control load, their
# medians and ratio, and the control requests' latency (due to answered: applied).
set -u
BUILD=build ZONES=10000 ROUNDS=4 DUR=10 QRATE=1000 SRATE=1000
while getopts "b:z:r:d:q:s:" o; do
  case $o in
  b) BUILD=$OPTARG ;; z) ZONES=$OPTARG ;; r) ROUNDS=$OPTARG ;; d) DUR=$OPTARG ;;
  q) QRATE=$OPTARG ;; s) SRATE=$OPTARG ;;
  *) echo "usage: $0 [-b BUILD] [-z ZONES] [-r ROUNDS] [-d SECONDS] [-q RATE] [-s RATE]" >&2
     exit 2 ;;
  esac
done
BIN=$(cd "$BUILD/bin" && pwd) || exit 2
TOOLS=$(cd "$BUILD/tools" && pwd) || exit 2
TMP=$(mktemp -d /tmp/cmon-control-bench-XXXXXX)
W=/dev/shm/cmon-control-bench-$$
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP" "$W" "$W.lock" "$W.ctl" "$W.zfs"
}
trap cleanup EXIT INT TERM
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
wait_for() { # file pattern
  for _ in $(seq 1 1200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}
scrape_p99() { # json -> the p99 in ms of an open loop at SRATE
  "$BIN/cmon-bench" --url "$URL" --zones-file "$TMP/uuids.txt" --rate "$SRATE" --concurrency 16 \
    --duration "$DUR" --warmup 1 --no-prime --quiet --json "$1" > "$TMP/bench.out" || {
    echo "cmon-bench failed" >&2; cat "$TMP/bench.out" >&2; exit 1; }
  jq -r '.latency_ms.p99' "$1"
}

"$BIN/cmon-sim" serve --zones "$ZONES" --world "$W" --vminfod 127.0.0.1:0 > "$TMP/sim.out" 2>&1 &
PIDS+=($!)
wait_for "$TMP/sim.out" "^$W\$"
VMINFOD=$(sed -n 's/.*vminfod on //p' "$TMP/sim.out")
CMON_SIM_WORLD=$W "$BIN/cmon-agent" --listen 127.0.0.1:0 --vminfod "$VMINFOD" 2> "$TMP/agent.err" &
PIDS+=($!)
wait_for "$TMP/agent.err" "listening on"
URL=http://$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$TMP/agent.err")
"$BIN/cmon-sim" zones -w "$W" | awk -F: '$1 != "-" && $2 != "global" {print $5}' > "$TMP/uuids.txt"
ZONE=$(sed -n 2p "$TMP/uuids.txt")
"$BIN/cmon-bench" --url "$URL" --zones-file "$TMP/uuids.txt" --rate "$SRATE" --duration 1 \
  --warmup 0 --quiet > "$TMP/prime.out" || { cat "$TMP/prime.out" >&2; exit 1; }
echo "== $ZONES zones, agent $URL, scrapes at $SRATE/s, control at $QRATE/s, ${DUR}s rounds," \
  "load $(cut -d' ' -f1 /proc/loadavg)" >&2
: > "$TMP/alone"; : > "$TMP/with"; : > "$TMP/ctl"
for r in $(seq 1 "$ROUNDS"); do
  a=$(scrape_p99 "$TMP/a.json")
  "$TOOLS/ctl-load" "$W.ctl" "$QRATE" "$((DUR + 1))" "$ZONE" > "$TMP/ctl.out" 2>&1 &
  CTL=$!
  w=$(scrape_p99 "$TMP/w.json")
  wait "$CTL" || { echo "ctl-load failed:" >&2; cat "$TMP/ctl.out" >&2; exit 1; }
  echo "$a" >> "$TMP/alone"; echo "$w" >> "$TMP/with"; cat "$TMP/ctl.out" >> "$TMP/ctl"
  echo "   round $r: scrape p99 ${a} ms alone, ${w} ms with control requests;" \
    "control: $(cat "$TMP/ctl.out"); load $(cut -d' ' -f1 /proc/loadavg)" >&2
done
ma=$(median < "$TMP/alone") mw=$(median < "$TMP/with")
echo "scrape p99 (median of $ROUNDS rounds): alone $ma ms, with $QRATE control requests/s $mw ms," \
  "ratio $(echo "$mw $ma" | awk '{printf "%.2f", $1 / $2}')"
echo "control requests (due to answered): p99 median $(awk '{print $10}' "$TMP/ctl" | median) ms," \
  "max $(awk '{print $12}' "$TMP/ctl" | sort -g | tail -1) ms, rate median" \
  "$(awk '{print $6}' "$TMP/ctl" | median)/s, errors $(awk '{s += $4} END {print s + 0}' "$TMP/ctl")"
