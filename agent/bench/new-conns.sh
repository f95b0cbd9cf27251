#!/bin/bash
# new-conns.sh - requests/s of several cmon-agent builds side by side, taking
# turns, on keep-alive connections and on a fresh connection per request
# (common/README.md, "The gate": what the gate in front of libmicrohttpd
# costs a new connection, and that a kept-alive one does not see it).
#
# usage: agent/bench/new-conns.sh [-r ROUNDS] [-d SECONDS] [-c CONNS] [-p PATH]
#                                 BIN_DIR...
#
# One `cmon-sim serve --zones 10` (from the first BIN_DIR that has one); one
# agent per BIN_DIR (its cmon-agent, default flags). Each round runs, for
# every agent in turn, `wrk -t1 -cCONNS -dSECONDS` on PATH (default
# /metrics, the agent's own metrics: small, so the connection is most of the
# cost) twice: keep-alive, then with "Connection: close" (the agent closes
# after each answer, wrk connects anew); the order of the agents turns
# round by round (ABBA). One line per run:
#   round agent mode requests/s agent-CPU-ms-per-1000-requests
# (the agent process's user+system time over the run, /proc/PID/stat: less
# sensitive to a busy machine than requests/s), and at the end, per mode and
# agent, the medians and the median (min-max) of each round's ratio to agent 0.
set -u
ROUNDS=5
DUR=5
CONNS=8
URLPATH=/metrics
while getopts "r:d:c:p:" o; do
  case $o in
    r) ROUNDS=$OPTARG ;; d) DUR=$OPTARG ;; c) CONNS=$OPTARG ;; p) URLPATH=$OPTARG ;;
    *) echo "usage: $0 [-r ROUNDS] [-d SECONDS] [-c CONNS] [-p PATH] BIN_DIR..." >&2
       exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-r ROUNDS] ... BIN_DIR..." >&2; exit 2; }
command -v wrk >/dev/null || { echo "$0: needs wrk (Debian package wrk)" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
bench_scratch new-conns
bench_sim "$@"
"$SIM" serve --zones 10 --world "$W" >"$TMP/serve.out" 2>"$TMP/serve.err" &
PIDS+=("$!")
wait_for "$TMP/serve.out" "^/"
URLS=()
APIDS=()
k=0
for b in "$@"; do
  CMON_SIM_WORLD=$W "$b/cmon-agent" --listen 127.0.0.1:0 >"$TMP/agent$k.log" 2>&1 &
  PIDS+=("$!")
  APIDS+=("$!")
  wait_for "$TMP/agent$k.log" "listening on"
  URLS+=("http://$(sed -n 's/.*listening on //p' "$TMP/agent$k.log")$URLPATH")
  echo "# agent $k: $b/cmon-agent, ${URLS[$k]}" >&2
  k=$((k + 1))
done

cpu_ms() { # pid: user+system CPU time so far, ms
  awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / hz}' "/proc/$1/stat"
}

run() { # round agent mode [header]: one wrk run; its line
  local out c0 c1 n
  c0=$(cpu_ms "${APIDS[$2]}")
  out=$(wrk -t1 -c"$CONNS" -d"$DUR" ${4:+-H "$4"} "${URLS[$2]}" 2>&1)
  c1=$(cpu_ms "${APIDS[$2]}")
  if echo "$out" | grep -q "Non-2xx"; then echo "$out" >&2; exit 1; fi
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$1 $2 $3 $(echo "$out" | awk '/^Requests\/sec/ {print $2}') \
$(awk -v c="$((${c1%.*} - ${c0%.*}))" -v n="$n" 'BEGIN {printf "%.1f", c * 1000 / n}')"
}

echo "# round agent mode requests/s agent-CPU-ms/1000-requests"
for r in $(seq 1 "$ROUNDS"); do
  order=$(seq 0 $((${#URLS[@]} - 1)))
  [ $((r % 2)) -eq 0 ] && order=$(echo "$order" | tac) # taking turns: ABBA
  for k in $order; do
    run "$r" "$k" keep-alive | tee -a "$TMP/runs"
    run "$r" "$k" new-conn "Connection: close" | tee -a "$TMP/runs"
  done
done

median() { sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratios() { # mode agent column: each round's ratio to agent 0's in the same round
  awk -v m="$1" -v k="$2" -v c="$3" '$3 == m && $2 == 0 {b[$1] = $c} $3 == m && $2 == k {a[$1] = $c}
    END {for (r in a) if (b[r] > 0) printf "%.3f\n", a[r] / b[r]}' "$TMP/runs"
}
echo "# mode agent: median requests/s, median CPU ms/1000; per-round ratios to agent 0: median (min-max) of requests/s, of CPU"
for mode in keep-alive new-conn; do
  for k in "${!URLS[@]}"; do
    rps=$(awk -v m=$mode -v k="$k" '$2 == k && $3 == m {print $4}' "$TMP/runs" | median)
    cpu=$(awk -v m=$mode -v k="$k" '$2 == k && $3 == m {print $5}' "$TMP/runs" | median)
    rr=$(ratios $mode "$k" 4 | sort -g)
    cr=$(ratios $mode "$k" 5 | sort -g)
    echo "$mode $k: $rps req/s, $cpu ms/1000; ratio req/s $(echo "$rr" | median) ($(echo "$rr" | head -1)-$(echo "$rr" | tail -1)), CPU $(echo "$cr" | median) ($(echo "$cr" | head -1)-$(echo "$cr" | tail -1))"
  done
done
