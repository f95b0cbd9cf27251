#!/bin/bash
# make run: the demo. Builds a world of 1,000 zones with cmon-sim serve and
# shows a few zones and their kstats, then stops the world.
set -euo pipefail
build=${1:-build}
bin=$build/bin
world=$(mktemp -u /dev/shm/cmon-demo.XXXXXX)
"$bin/cmon-sim" serve --zones 1000 --world "$world" --seed 1 > "$world.out" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$world" "$world.out"' EXIT
for _ in $(seq 100); do grep -q . "$world.out" 2>/dev/null && break; sleep 0.1; done
echo "== world $(cat "$world.out")"
echo "== zones (first 5 of $("$bin/cmon-sim" zones -w "$world" | wc -l))"
"$bin/cmon-sim" zones -w "$world" | head -5
zid=$("$bin/cmon-sim" zones -w "$world" | sed -n 2p | cut -d: -f1)
echo "== kstats of zone $zid"
"$bin/cmon-sim" kstat -p -w "$world" "zones:$zid::" | head -20
"$bin/cmon-sim" kstat -p -w "$world" "memory_cap:$zid::" | head -8
