#!/bin/sh
# run_memory.sh CMON_CONFORM CMON_CONFORM_GEN
# Memory is bounded by the distinct series, Metrics and families, not by the
# input's text: 2,000,000 samples on a pipe, in every shape of
# cmon-conform-gen that makes a checker remember each of them (--shape):
#   plain           one family of 2,000,000 series, each its own Metric
#   histogram       one histogram of 2,000,000 Metrics of one +Inf bucket
#   summary         one summary of 2,000,000 Metrics of one quantile
#   gaugehistogram  the same as a gauge histogram (OpenMetrics only)
#   families        2,000,000 histogram families of one bucket each
# each with --format text, --format openmetrics and AUTO (the OpenMetrics
# rendering on a pipe: copied to a temporary file, then checked as
# OpenMetrics): exit 0 and a peak RSS under 128 MB (GNU time). Not for
# sanitized builds (ctest registers it only without CMON_SANITIZE).
bin=$1
gen=$2
limit=131072 # kB
fail=0
[ -x /usr/bin/time ] || { echo "SKIP: no /usr/bin/time"; exit 0; }
tmp=$(mktemp -d /tmp/cmon-conform-mem-XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

peak() { # peak SHAPE FORMAT [cmon-conform args...]: the input on a pipe
    shape=$1
    fmt=$2
    shift 2
    "$gen" --series 2000000 --shape "$shape" --format "$fmt" |
        /usr/bin/time -f %M -o "$tmp/rss" "$bin" "$@" - >/dev/null 2>"$tmp/err"
    echo $? >"$tmp/rc"
    tail -1 "$tmp/rss"
}
check() { # check DESCRIPTION SHAPE FORMAT [args...]
    what=$1
    shift
    rss=$(peak "$@")
    rc=$(cat "$tmp/rc")
    echo "$what: exit $rc, peak RSS $rss kB"
    if [ "$rc" != 0 ]; then
        echo "FAIL $what: exit $rc (want 0, a valid exposition)"
        head -3 "$tmp/err"
        fail=$((fail + 1))
    elif [ "$rss" -ge $limit ]; then
        echo "FAIL $what: peak RSS $rss kB, limit $limit kB"
        fail=$((fail + 1))
    fi
}
for shape in plain histogram summary gaugehistogram families; do
    [ $shape = gaugehistogram ] ||
        check "2M samples, $shape, text" $shape text --format text
    check "2M samples, $shape, OpenMetrics" $shape openmetrics --format openmetrics
    check "2M samples, $shape, OpenMetrics, auto on a pipe" $shape openmetrics
done
echo "memory: $fail failed"
[ $fail -eq 0 ]
