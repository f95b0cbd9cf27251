#!/bin/sh
# bench.sh [BUILD_DIR] [ZONES] [RUNS]
# Throughput of cmon-conform against `promtool check metrics` on the same
# realistic exposition (cmon-conform-gen, ZONES zones: 10000 give ~54 MB),
# side by side, RUNS runs each, alternating. Prints per run wall time, CPU
# time (user+sys) and peak RSS, then the medians, MB/s and the ratios.
# Not a test: timings depend on the machine and its load.
build=${1:-build}
zones=${2:-10000}
runs=${3:-7}
tmp=$(mktemp -d /tmp/cmon-conform-bench-XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
in=$tmp/exposition.txt
"$build/tools/cmon-conform-gen" --zones "$zones" >"$in" || exit 2
"$build/tools/cmon-conform-gen" --zones "$zones" --format openmetrics >"$tmp/exposition.om" || exit 2
bytes=$(wc -c <"$in")
echo "input: $zones zones, $bytes bytes, $(wc -l <"$in") lines"

measure() { # measure NAME CMD... ; appends "wall cpu rss" to $tmp/NAME
    name=$1
    shift
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/t" "$@" >/dev/null 2>&1
    tail -1 "$tmp/t" | awk '{ printf "%.3f %.3f %d\n", $1, $2 + $3, $4 }' >>"$tmp/$name"
}
i=0
while [ $i -lt "$runs" ]; do
    measure conform "$build/bin/cmon-conform" --format text "$in"
    measure conform_om "$build/bin/cmon-conform" --format openmetrics "$tmp/exposition.om"
    measure conform_auto "$build/bin/cmon-conform" "$in"
    measure conform_lint "$build/bin/cmon-conform" --format text --lint "$in"
    sh -c "promtool check metrics <'$in'" >/dev/null 2>&1 # warm
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/t" sh -c "promtool check metrics <'$in' >/dev/null 2>&1"
    tail -1 "$tmp/t" | awk '{ printf "%.3f %.3f %d\n", $1, $2 + $3, $4 }' >>"$tmp/promtool"
    i=$((i + 1))
done
median() { # median FILE COLUMN
    awk -v c="$2" '{ print $c }' "$1" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
printf '%-34s %9s %9s %9s %10s %10s\n' tool "wall s" "cpu s" "RSS kB" "MB/s wall" "MB/s cpu"
for t in conform conform_om conform_auto conform_lint promtool; do
    w=$(median "$tmp/$t" 1)
    c=$(median "$tmp/$t" 2)
    r=$(median "$tmp/$t" 3)
    label=$t
    case $t in
    conform) label="cmon-conform --format text" ;;
    conform_om) label="cmon-conform --format openmetrics" ;;
    conform_auto) label="cmon-conform (auto: both formats)" ;;
    conform_lint) label="cmon-conform --format text --lint" ;;
    promtool) label="promtool check metrics" ;;
    esac
    awk -v l="$label" -v w="$w" -v c="$c" -v r="$r" -v b="$bytes" 'BEGIN {
        printf "%-34s %9s %9s %9s %10.0f %10.0f\n", l, w, c, r, b / 1e6 / (w + 1e-4), b / 1e6 / (c + 1e-4) }'
done
pw=$(median "$tmp/promtool" 1)
pc=$(median "$tmp/promtool" 2)
cw=$(median "$tmp/conform" 1)
cc=$(median "$tmp/conform" 2)
awk -v pw="$pw" -v pc="$pc" -v cw="$cw" -v cc="$cc" -v n="$runs" 'BEGIN {
    printf "ratio promtool/cmon-conform (text): wall %.1fx, cpu %.1fx (medians of %d runs)\n",
        pw / cw, pc / cc, n }'
