#!/bin/sh
# run_memory.sh CMON_CONFORM CMON_CONFORM_GEN
# Memory is bounded by the distinct series, not by the input's text: with
# 2,000,000 samples, each its own series and Metric in one family (the worst
# case: every one must be remembered; cmon-conform-gen --series), the peak
# RSS stays under 128 MB in each format, and in AUTO mode on a pipe (both
# grammars side by side). Needs GNU time; not for sanitized builds (ctest
# registers it only without CMON_SANITIZE).
bin=$1
gen=$2
limit=131072 # kB
fail=0
[ -x /usr/bin/time ] || { echo "SKIP: no /usr/bin/time"; exit 0; }
tmp=$(mktemp -d /tmp/cmon-conform-mem-XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

peak() { # peak FORMAT [cmon-conform args...]: the input on a pipe
    fmt=$1
    shift
    "$gen" --series 2000000 --format "$fmt" |
        /usr/bin/time -f %M -o "$tmp/rss" "$bin" "$@" - >/dev/null 2>"$tmp/err"
    echo $? >"$tmp/rc"
    tail -1 "$tmp/rss"
}
check() { # check DESCRIPTION FORMAT [args...]
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
check "2M series, text" text --format text
check "2M series, OpenMetrics" openmetrics --format openmetrics
check "2M series, OpenMetrics, auto on a pipe" openmetrics
echo "memory: $fail failed"
[ $fail -eq 0 ]
