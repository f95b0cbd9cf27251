#!/bin/bash
# make run: the demo. Builds a world of 1,000 zones with `cmon-sim serve`
# (churning and rebooting a little), shows a few zones and their kstats the
# way illumos zoneadm and kstat would, then stops the world.
set -euo pipefail
build=${1:-build}
bin=$build/bin
world=$(mktemp -u /dev/shm/cmon-demo.XXXXXX)
"$bin/cmon-sim" serve --zones 1000 --world "$world" --seed 1 --tick 100 \
    --churn 2 --reboots 1 > "$world.out" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$world" "$world.out"' EXIT
for _ in $(seq 300); do grep -q . "$world.out" 2>/dev/null && break; sleep 0.1; done
grep -q . "$world.out" || { echo "cmon-sim serve did not start" >&2; exit 1; }

zones=$("$bin/cmon-sim" zones -w "$world")
echo "== world $(cat "$world.out"): $(wc -l <<< "$zones") running zones (zoneadm list -p format)"
head -4 <<< "$zones"
zid=$(sed -n 2p <<< "$zones" | cut -d: -f1)

echo
echo "== kstat -p zones:$zid (zone_misc), twice, one second apart"
"$bin/cmon-sim" kstat -p -w "$world" "zones:$zid::nsec_*" "zones:$zid::zonename"
sleep 1
"$bin/cmon-sim" kstat -p -w "$world" "zones:$zid::nsec_*"

echo
echo "== memory_cap:$zid and the zone's VNICs"
"$bin/cmon-sim" kstat -p -w "$world" "memory_cap:$zid::rss" "memory_cap:$zid::physcap" \
    "link:0:z${zid}_*:*bytes64"

echo
echo "== the compute node: unix:0:system_misc, cpu:0:sys"
"$bin/cmon-sim" kstat -p -w "$world" "unix:0:system_misc:ncpus" "unix:0:system_misc:nproc" \
    "cpu:0:sys:cpu_nsec_*"

echo
echo "== one capped zone, as kstat(1M) prints it"
caps=$("$bin/cmon-sim" kstat -p -w "$world" "caps::cpucaps_zone_*:value")
capped=$(sed -n 1p <<< "$caps" | cut -d: -f3)
"$bin/cmon-sim" kstat -w "$world" "caps::$capped"
