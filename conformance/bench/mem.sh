#!/bin/sh
# mem.sh [BUILD_DIR] [RUNS] [OLD_CMON_CONFORM]
# Peak RSS and time of cmon-conform on 2,000,000 samples, against
# `promtool check metrics` on the same text input (the reference of the same
# run) and, when given, another cmon-conform binary (e.g. built from an older
# commit), taking turns, RUNS rounds. Inputs from cmon-conform-gen:
#   zones  --zones 35714: the agent's families, 56 samples a zone (2.0 M samples)
#   series --series 2000000: one counter family of 2 M series
#   histogram --series 2000000 --shape histogram: one histogram of 2 M Metrics
#     of one +Inf bucket each (a state per Metric: the worst case in text)
#   families --series 2000000 --shape families: 2 M one-bucket histogram families
# each in text and OpenMetrics, checked in each format, in AUTO on the file
# and in AUTO on a pipe (cat FILE | cmon-conform -). Prints the medians and the ratios.
# Not a test: timings depend on the machine and its load.
build=${1:-build}
runs=${2:-5}
old=${3:-}
bin=$build/bin/cmon-conform
gen=$build/tools/cmon-conform-gen
tmp=$(mktemp -d /tmp/cmon-conform-mem-XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
"$gen" --zones 35714 >"$tmp/zones.txt" || exit 2
"$gen" --zones 35714 --format openmetrics >"$tmp/zones.om" || exit 2
"$gen" --series 2000000 >"$tmp/series.txt" || exit 2
"$gen" --series 2000000 --format openmetrics >"$tmp/series.om" || exit 2
for shape in histogram families; do
    "$gen" --series 2000000 --shape $shape >"$tmp/$shape.txt" || exit 2
    "$gen" --series 2000000 --shape $shape --format openmetrics >"$tmp/$shape.om" || exit 2
done
inputs="zones series histogram families"
for f in zones.txt zones.om series.txt series.om histogram.txt histogram.om families.txt families.om; do
    echo "input $f: $(wc -l <"$tmp/$f") lines, $(wc -c <"$tmp/$f") bytes"
done

measure() { # measure NAME CMD...: appends "wall cpu rss_kB" to $tmp/m.NAME
    name=$1
    shift
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/t" "$@" >/dev/null 2>&1
    tail -1 "$tmp/t" | awk '{ printf "%.3f %.3f %d\n", $1, $2 + $3, $4 }' >>"$tmp/m.$name"
}
one_round() { # one_round TOOL LABEL BINARY: each input, in its format and in auto mode
    for in in $inputs; do
        measure "$1.$in.text" "$3" --format text "$tmp/$in.txt"
        measure "$1.$in.om" "$3" --format openmetrics "$tmp/$in.om"
        measure "$1.$in.auto" "$3" "$tmp/$in.om"
        measure "$1.$in.pipe" sh -c 'cat "$1" | "$2" -' sh "$tmp/$in.om" "$3"
    done
}
i=0
while [ $i -lt "$runs" ]; do
    one_round new new "$bin"
    [ -n "$old" ] && one_round old old "$old"
    for in in zones series; do
        measure "promtool.$in.text" sh -c "promtool check metrics <'$tmp/$in.txt'"
    done
    i=$((i + 1))
done
median() { # median FILE COLUMN
    awk -v c="$2" '{ print $c }' "$1" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
printf '%-30s %8s %8s %10s\n' "tool.input.mode" "wall s" "cpu s" "peak kB"
for f in "$tmp"/m.*; do
    n=${f#"$tmp"/m.}
    printf '%-30s %8s %8s %10s\n' "$n" "$(median "$f" 1)" "$(median "$f" 2)" "$(median "$f" 3)"
done
for in in $inputs; do
    [ -f "$tmp/m.promtool.$in.text" ] && awk -v n="$in" -v r="$(median "$tmp/m.new.$in.text" 3)" -v p="$(median "$tmp/m.promtool.$in.text" 3)" \
        'BEGIN { printf "%s, text: peak RSS cmon-conform / promtool = %.3f\n", n, r / p }'
    [ -n "$old" ] || continue
    for mode in text om auto pipe; do
        awk -v n="$in.$mode" -v nw="$(median "$tmp/m.new.$in.$mode" 1)" -v ow="$(median "$tmp/m.old.$in.$mode" 1)" \
            -v nc="$(median "$tmp/m.new.$in.$mode" 2)" -v oc="$(median "$tmp/m.old.$in.$mode" 2)" \
            -v nr="$(median "$tmp/m.new.$in.$mode" 3)" -v or="$(median "$tmp/m.old.$in.$mode" 3)" \
            'BEGIN { printf "%s: new/old wall %.2f, cpu %.2f, peak RSS %.2f\n", n, nw / ow, nc / oc, nr / or }'
    done
done
echo "(medians of $runs runs, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg))"
