#!/bin/sh
# core-latency.sh URL CORE_UUID PLAIN_UUID [ROUNDS] [PAUSE] - a core zone's
# scrape latency (2 metric ports, triton_core) against a plain zone's, in
# alternating rounds: each round waits PAUSE seconds (default 5.2: past
# triton_core's 5 s TTL, so its ports are asked again), then scrapes the core
# zone with x-joyent-cmon-opts {"isCoreZone":true} (fresh), the plain zone,
# the core zone again (triton_core cached) and the plain zone again. Prints
# the median and the maximum of each column, in milliseconds (curl's
# time_total). Needs curl and sort; the agent and its world are the caller's
# (see agent/README.md, "triton_core").
set -eu
url=$1 core=$2 plain=$3 rounds=${4:-20} pause=${5:-5.2}
opts='x-joyent-cmon-opts: eyJpc0NvcmVab25lIjp0cnVlfQ=='
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t() { curl -s -o /dev/null -w '%{time_total}\n' "$@"; }
i=0
while [ "$i" -lt "$rounds" ]; do
    sleep "$pause"
    t -H "$opts" "$url/v1/$core/metrics" >>"$tmp/core_fresh"
    t "$url/v1/$plain/metrics" >>"$tmp/plain"
    t -H "$opts" "$url/v1/$core/metrics" >>"$tmp/core_cached"
    t "$url/v1/$plain/metrics" >>"$tmp/plain"
    i=$((i + 1))
done
for f in core_fresh core_cached plain; do
    sort -n "$tmp/$f" | awk -v name="$f" '{ v[NR] = $1 * 1000 }
        END { printf "%-12s n=%-3d median %.3f ms  max %.3f ms\n", name, NR,
              (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }'
done
