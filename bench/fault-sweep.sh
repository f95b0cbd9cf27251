#!/bin/bash
# fault-sweep.sh [-b BUILD] [-r RUNS] [-l "L1 L2 ..."] [-t PCT] [-m MODULE] [-- FLAGS...]
#
# How small a slowdown does `cmon-bench --baseline` catch? Each run records a
# baseline (no fault), then runs the same flags once per latency L with
# `--fault module=M,latency_us=L` (M default *: every kstat read of every
# collector L us slower; -m zones: only the one read of the zone_misc collector;
# L 0: the unchanged build) and `--baseline` at the tolerance, the
# latencies taking turns. Prints, per latency, how many runs the check failed
# (exit 1: caught) out of RUNS, and the median change of the first two compared
# figures (ratio.p50 and ratio.scrapes_per_s with --reference, else latency_ms.p50
# and scrapes_per_s) against the baseline: how big a slowdown it was. The default flags measure the agent without
# its cache (--cache-ttl 0): with the cache a kstat read happens once per zone
# per TTL, and no latency of it shows (see bench/README.md).
set -u
build=build runs=3 lats="0 2 5 10 20 50" tol=10 module='*'
while getopts "b:r:l:t:m:" o; do
  case $o in
  b) build=$OPTARG ;; r) runs=$OPTARG ;; l) lats=$OPTARG ;; t) tol=$OPTARG ;; m) module=$OPTARG ;;
  *) echo "usage: $0 [-b BUILD] [-r RUNS] [-l LATENCIES] [-t PCT] [-m MODULE] [-- FLAGS...]" >&2
     exit 2 ;;
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
for l in $lats; do caught[$l]=0; : > "$dir/p50.$l"; : > "$dir/rps.$l"; done
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# the change in percent of the baseline line matching $1 (e.g. "p50 ") in $dir/out
change() { awk -v k="$1" '$0 ~ k && /%/ {for (i = 1; i <= NF; i++) if ($i ~ /%$/) {sub("%", "", $i); print $i; exit}}' "$dir/out"; }
for r in $(seq "$runs"); do
  "$bench" --quiet "${flags[@]}" --json "$dir/base.json" >/dev/null 2>&1 ||
    { echo "run $r: the baseline run failed" >&2; exit 3; }
  for l in $lats; do
    fault=()
    [ "$l" = 0 ] || fault=(--fault "module=$module,latency_us=$l")
    "$bench" --quiet "${flags[@]}" "${fault[@]}" --baseline "$dir/base.json" --tolerance "$tol" \
      >"$dir/out" 2>&1
    rc=$?
    [ "$rc" -le 1 ] || { echo "run $r, latency $l: exit $rc" >&2; cat "$dir/out" >&2; exit 3; }
    caught[$l]=$((caught[$l] + rc))
    change "p50 " >> "$dir/p50.$l"
    change "scrapes_per_s " >> "$dir/rps.$l"
    echo "run $r latency_us $l: exit $rc $(grep -c REGRESSION "$dir/out") regressions, load $(cut -d' ' -f1 /proc/loadavg)" >&2
  done
done
echo "tolerance $tol %, ${runs} runs, --fault module=$module,latency_us=L, flags: ${flags[*]}"
echo "latency_us  caught  p50 change  scrapes/s change  (medians, %)"
for l in $lats; do
  printf '%10s  %4s  %10s  %16s\n' "$l" "${caught[$l]}/$runs" "$(median < "$dir/p50.$l")" \
    "$(median < "$dir/rps.$l")"
done
