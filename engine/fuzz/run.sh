#!/bin/bash
# run.sh SOURCE_DIR FUZZ_BUILD_DIR SECONDS: builds the libFuzzer target of the
# scenario argument checks (engine/fuzz/fuzz_args.c) with clang in
# FUZZ_BUILD_DIR (configured on first use) and runs it for SECONDS over a
# corpus seeded from engine/fuzz/seeds, with ASan and UBSan. Prints the
# executions and the corpus; exit 0 when nothing was found, 1 with the
# finding, 77 (skipped) without clang. The ctest entry fuzz_scenario_args
# (make test-scale) runs it.
set -u
src=$(realpath "$1") bdir=$(realpath -m "$2") secs=$3
command -v clang >/dev/null || { echo "fuzz: no clang, skipped"; exit 77; }
if [ ! -f "$bdir/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$bdir" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    >"$bdir.configure.log" 2>&1 || { cat "$bdir.configure.log"; exit 1; }
fi
cmake --build "$bdir" -j2 --target cmon_args_fuzz >"$bdir.build.log" 2>&1 ||
  { tail -40 "$bdir.build.log"; exit 1; }
corpus="$bdir/corpus-args"
mkdir -p "$corpus"
log=$(mktemp /tmp/cmon-fuzz-args-log-XXXXXX)
trap 'rm -f "$log"' EXIT
(cd "$bdir" && ./tests/cmon_args_fuzz -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
  -print_final_stats=1 "$corpus" "$src/engine/fuzz/seeds") >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
echo "fuzz_scenario_args: ${runs:-?} executions in $secs s, corpus $(ls "$corpus" | wc -l) inputs," \
     "exit $rc"
if [ "$rc" != 0 ]; then
  tail -60 "$log"
  exit 1
fi
exit 0
