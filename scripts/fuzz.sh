#!/bin/bash
# fuzz.sh - builds every libFuzzer target with clang (ASan + UBSan, the whole
# tree instrumented for coverage) in BUILD (default SOURCE/build-fuzz) and runs
# each for SECONDS (default 120) on its corpus (BUILD/fuzz-corpus/TARGET, kept
# between runs), then prints one line per target: executions, coverage
# (edges, features), corpus size. Exit 1 when a target crashes (its
# reproducer is left in BUILD/fuzz-crash/TARGET); exit 0 without clang (skipped).
#
# usage: scripts/fuzz.sh SOURCE [SECONDS]      (make fuzz; ctest -L scale runs it too)
#        FUZZ_TARGETS="agent_fuzz_request ..." scripts/fuzz.sh SOURCE 60   (some only)
set -u
SRC=$(cd "$1" && pwd)
SECONDS_EACH=${2:-120}
BUILD=${FUZZ_BUILD:-$SRC/build-fuzz}
TARGETS=${FUZZ_TARGETS:-agent_fuzz_request telemetry_fuzz_control telemetry_fuzz_json5 cmon_conform_fuzz}

mkdir -p "$BUILD"
if ! command -v clang >/dev/null; then
    echo "skip: no clang"
    exit 0
fi
cmake -S "$SRC" -B "$BUILD" -DCMAKE_C_COMPILER=clang \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
    >"$BUILD/fuzz-cmake.log" 2>&1 || { cat "$BUILD/fuzz-cmake.log"; exit 1; }
# shellcheck disable=SC2086
cmake --build "$BUILD" -j2 --target $TARGETS >"$BUILD/fuzz-build.log" 2>&1 ||
    { tail -40 "$BUILD/fuzz-build.log"; exit 1; }

# Seeds: one plausible input each, so that coverage starts past the framing.
seed() { # TARGET NAME TEXT
    mkdir -p "$BUILD/fuzz-corpus/$1"
    printf '%b' "$3" >"$BUILD/fuzz-corpus/$1/seed-$2"
}
seed agent_fuzz_request scrape 'GET\n/v1/2b5e0a6c-8e4f-4a79-9a8e-0c5c7f2d2d3e/metrics\napplication/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\ngzip, deflate;q=0.5\neyJpc0NvcmVab25lIjp0cnVlfQ=='
seed agent_fuzz_request refresh 'POST\n/v1/refresh?x=1\ntext/*\n*;q=0\n'
seed telemetry_fuzz_control put '{"app_jobs_total": 2, "depth": "-1.5", "lat_seconds": 0.3, "size_bytes": 12}'
seed telemetry_fuzz_json5 config '{telemetry: {port: 9090, sensors: [{name: "a", type: "gauge", poll: 1, check: "echo 1"}]}}'
seed cmon_conform_fuzz text '# HELP a_total A.\n# TYPE a_total counter\na_total{x="y"} 1\n'

failed=0
for t in $TARGETS; do
    bin=$(find "$BUILD" -type f -name "$t" -perm -u+x | head -1)
    mkdir -p "$BUILD/fuzz-corpus/$t" "$BUILD/fuzz-crash/$t"
    log="$BUILD/fuzz-$t.log"
    "$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$BUILD/fuzz-crash/$t/" "$BUILD/fuzz-corpus/$t" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
    if [ "$rc" -ne 0 ]; then
        failed=1
        echo "FAIL: $t (exit $rc): see $log and $BUILD/fuzz-crash/$t"
        grep -E 'ERROR|SUMMARY' "$log" | head -5
    fi
    echo "$t: ${SECONDS_EACH}s, ${execs:-?} executions, cov ${cov:-?} edges, ft ${ft:-?}, corpus ${corp:-?}"
done
exit $failed
