#!/bin/bash
# fault-sweep.sh [-b BUILD] [-r RUNS] [-l "L1 L2 ..."] [-t PCT] [-- CMON-BENCH FLAGS...]
#
# How small a slowdown does `cmon-bench --baseline` catch? Each run records a
# baseline (no fault), then runs the same flags once per latency L with
# `--fault module=*,latency_us=L` (every kstat read of every collector L us
# slower; L 0: the unchanged build) and `--baseline` at the tolerance, the
# latencies taking turns. Prints, per latency, how many runs the check failed
# (exit 1: caught) out of RUNS. The default flags measure the agent without
# its cache (--cache-ttl 0): with the cache a kstat read happens once per zone
# per TTL, and no latency of it shows (see bench/README.md).
set -u
build=build runs=3 lats="0 2 5 10 20 50" tol=10
while getopts "b:r:l:t:" o; do
  case $o in
  b) build=$OPTARG ;; r) runs=$OPTARG ;; l) lats=$OPTARG ;; t) tol=$OPTARG ;;
  *) echo "usage: $0 [-b BUILD] [-r RUNS] [-l LATENCIES] [-t PCT] [-- FLAGS...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
flags=("$@")
[ ${#flags[@]} -gt 0 ] || flags=(--zones 100 --duration 3 --warmup 1 --rounds 3 --reference nginx
                                 --agent-arg --cache-ttl --agent-arg 0)
bench=$build/bin/cmon-bench
dir=$(mktemp -d /tmp/cmon-fault-sweep-XXXXXX)
trap 'rm -rf "$dir"' EXIT
declare -A caught
for l in $lats; do caught[$l]=0; done
for r in $(seq "$runs"); do
  "$bench" --quiet "${flags[@]}" --json "$dir/base.json" >/dev/null 2>&1 ||
    { echo "run $r: the baseline run failed" >&2; exit 3; }
  for l in $lats; do
    fault=()
    [ "$l" = 0 ] || fault=(--fault "module=*,latency_us=$l")
    "$bench" --quiet "${flags[@]}" "${fault[@]}" --baseline "$dir/base.json" --tolerance "$tol" \
      >"$dir/out" 2>&1
    rc=$?
    [ "$rc" -le 1 ] || { echo "run $r, latency $l: exit $rc" >&2; cat "$dir/out" >&2; exit 3; }
    caught[$l]=$((caught[$l] + rc))
    echo "run $r latency_us $l: exit $rc $(grep -c REGRESSION "$dir/out") regressions, load $(cut -d' ' -f1 /proc/loadavg)" >&2
  done
done
echo "tolerance $tol %, ${runs} runs, flags: ${flags[*]}"
echo "latency_us  caught"
for l in $lats; do printf '%10s  %d/%d\n' "$l" "${caught[$l]}" "$runs"; done
