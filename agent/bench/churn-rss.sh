#!/bin/bash
# churn-rss.sh - the RSS of several cmon-agent builds side by side on one
# churning node, each under its own full-rate load, so that they see the same
# world and the same machine (agent/README.md, "Memory under churn").
#
# usage: agent/bench/churn-rss.sh [-d SECONDS] [-z ZONES] [-c CHURN] [-r REBOOTS]
#                                 [-e EVERY_S] BIN_DIR...
#
# One `cmon-sim serve --zones Z --churn C --reboots R` (from the first
# BIN_DIR that has one) with its vminfod; one agent per BIN_DIR (its cmon-agent, default
# flags); per agent a loop of `wrk -t1 -c4 -d10` on random instances of its
# /v1/discover and /v1/gz/metrics (agent/bench/random-zone.lua). Every EVERY_S
# seconds a line: the time, then each agent's VmRSS/RssAnon in kB. The same
# BIN_DIR twice measures the spread of two equal agents.
set -u
DUR=600
ZONES=2000
CHURN=20
REBOOTS=10
EVERY=15
while getopts "d:z:c:r:e:" o; do
  case $o in
    d) DUR=$OPTARG ;; z) ZONES=$OPTARG ;; c) CHURN=$OPTARG ;; r) REBOOTS=$OPTARG ;;
    e) EVERY=$OPTARG ;;
    *) echo "usage: $0 [-d SECONDS] [-z ZONES] [-c CHURN] [-r REBOOTS] [-e EVERY_S] BIN_DIR..." >&2
       exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-d SECONDS] ... BIN_DIR..." >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
. "$(dirname "$0")/lib.sh"
bench_scratch churn-rss
bench_sim "$@"
"$SIM" serve --zones "$ZONES" --world "$W" --churn "$CHURN" --reboots "$REBOOTS" \
  --vminfod 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
PIDS+=("$!")
wait_for "$TMP/serve.out" "^/"
wait_for "$TMP/serve.err" "vminfod on"
VMINFOD=$(sed -n 's/.*vminfod on //p' "$TMP/serve.err")
AGENTS=()
URLS=()
k=0
for b in "$@"; do
  CMON_SIM_WORLD=$W "$b/cmon-agent" --listen 127.0.0.1:0 --vminfod "$VMINFOD" \
    >"$TMP/agent$k.log" 2>&1 &
  AGENTS+=("$!"); PIDS+=("$!")
  wait_for "$TMP/agent$k.log" "listening on"
  URLS+=("http://$(sed -n 's/.*listening on //p' "$TMP/agent$k.log")")
  echo "agent $k: $b/cmon-agent, pid ${AGENTS[$k]}, ${URLS[$k]}" >&2
  k=$((k + 1))
done

END=$((SECONDS + DUR))
load() { # index
  local u=${URLS[$1]} p=$TMP/paths$1
  while [ $SECONDS -lt $END ]; do
    curl -s "$u/v1/discover" | grep -o '"vm_uuid":"[^"]*"' |
      sed 's|"vm_uuid":"\(.*\)"|/v1/\1/metrics|' >"$p.new"
    echo /v1/gz/metrics >>"$p.new"
    mv "$p.new" "$p"
    PATHS=$p wrk -t1 -c4 -d10 -s "$HERE/random-zone.lua" "$u" >/dev/null 2>&1
  done
}
for k in "${!AGENTS[@]}"; do
  load "$k" &
  PIDS+=("$!")
done

T0=$SECONDS
echo "# s  VmRSS/RssAnon kB of agent 0, 1, ..."
while [ $SECONDS -lt $END ]; do
  line=$((SECONDS - T0))
  for p in "${AGENTS[@]}"; do
    line="$line  $(awk '/^VmRSS/ {r = $2} /^RssAnon/ {a = $2} END {print r "/" a}' "/proc/$p/status")"
  done
  echo "$line"
  sleep "$EVERY"
done
