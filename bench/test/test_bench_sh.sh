#!/bin/bash
# test_bench_sh.sh - agent/bench/bench.sh runs end to end, briefly (two small
# worlds, one run of 1 s each: about 20 s) and prints its table with every
# figure a number (positive but the CPU ones), its per-run lines and the ratio
# line. Figures are not judged: this only proves the script and cmon-bench
# --url still fit together.
# usage: test_bench_sh.sh SOURCE_DIR BUILD_DIR
set -u
src=$1
build=$2
out=$(mktemp /tmp/cmon-bench-sh-XXXXXX)
err=$(mktemp /tmp/cmon-bench-sh-XXXXXX)
trap 'rm -f "$out" "$err"' EXIT

fail() {
  echo "FAIL: $*"
  echo "--- stdout"; cat "$out"
  echo "--- stderr"; cat "$err"
  echo "0 passed, 1 failed"
  exit 1
}

"$src/agent/bench/bench.sh" -b "$build" -z "5 10" -r 1 -d 1 > "$out" 2> "$err"
rc=$?
[ "$rc" -eq 0 ] || fail "bench.sh exited with $rc"
for z in 5 10; do
  row=$(awk -v z="$z" '$1 == z && $2 != "vs"' "$out")
  [ -n "$row" ] || fail "no row for $z zones"
  # zones, then 8 figures: rps, nginx rps, ratio, CPU us, nginx CPU us, p99, nginx p99, RSS;
  # the CPU per request may round to 0.0 when a short run is charged no clock tick
  echo "$row" | awk 'NF != 9 { exit 1 }
    { for (i = 2; i <= 9; i++) if ($i !~ /^[0-9]+(\.[0-9]+)?$/ || ($i + 0 <= 0 && i != 5 && i != 6)) exit 1 }' ||
    fail "row for $z zones is not 8 figures, all positive but CPU: $row"
  grep -q "^== $z zones: agent http://127.0.0.1:[0-9]*, nginx http://127.0.0.1:[0-9]*" "$err" ||
    fail "no heading for $z zones on stderr"
done
grep -Eq '^   run 1: .* p99 at 2000/s: agent [0-9.]+ ms, nginx [0-9.]+ ms$' "$err" ||
  fail "no per-run line with both p99 figures"
grep -Eq '^10 vs 5 zones: throughput ratio [0-9.]+ \(small/large\), p99 ratio [0-9.]+ \(large/small\)$' \
  "$out" || fail "no ratio line"
echo "1 passed, 0 failed"
