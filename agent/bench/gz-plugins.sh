#!/bin/sh
# gz-plugins.sh - p99 of /v1/gz/metrics with plugins and NTP on against off:
# one still world, three agents on it (no plugin directory and no ntpq; five
# plugins of both formats kept for their 60 s TTL and the fake ntpq's answer
# kept for its 64 s, the steady state; the same five with plugin.json ttl 0
# and --ntp-ttl 0, so every answer runs them), N sequential GETs each,
# the agents taking turns for ROUNDS rounds (bench_gz: min/p50/p90/p99/max).
#   agent/bench/gz-plugins.sh [BUILD_DIR] [ZONES] [ROUNDS] [N]
set -eu
build=${1:-build}
zones=${2:-10000}
rounds=${3:-5}
n=${4:-400}
tmp=$(mktemp -d /tmp/cmon-gzplug-XXXXXX)
pids=
cleanup() {
    for p in $pids $(cat "$tmp/agent.pids" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp" /dev/shm/cmon-gzplug.world
}
trap cleanup EXIT INT TERM

# Five plugins, as an operator's: three tab-separated, two Prometheus text.
mk() { # KIND-DIR FILE BODY
    mkdir -p "$tmp/$1/gz-plugins"
    printf '#!/bin/sh\n%s\n' "$3" > "$tmp/$1/gz-plugins/$2"
    chmod 755 "$tmp/$1/gz-plugins/$2"
}
for d in on every; do
    mk $d load.sh "printf 'load1\tgauge\t0.5\tLoad\nload5\tgauge\t0.4\n'"
    mk $d disks.sh "for i in 0 1 2 3; do printf 'busy{disk=\"sd%s\"}\tgauge\t%s\n' \$i \$i; done"
    mk $d svc.sh "printf 'up\tgauge\t1\nrestarts\tcounter\t3\n'"
    mk $d net.prom "printf '# HELP drops Drops.\n# TYPE drops counter\ndrops{if=\"e0\"} 7\n'"
    mk $d lat.prom "printf '# TYPE lat histogram\nlat_bucket{le=\"0.1\"} 1\nlat_bucket{le=\"+Inf\"} 2\nlat_sum 0.3\nlat_count 2\n'"
done
printf '{"load.sh":{"ttl":0},"disks.sh":{"ttl":0},"svc.sh":{"ttl":0},"net.prom":{"ttl":0},"lat.prom":{"ttl":0}}\n' \
    > "$tmp/every/gz-plugins/plugin.json"

"$build/bin/cmon-sim" serve --zones "$zones" --world /dev/shm/cmon-gzplug.world --tick 0 \
    > "$tmp/serve.out" 2>&1 &
pids="$pids $!"
until grep -q cmon-gzplug "$tmp/serve.out" 2>/dev/null; do sleep 0.2; done

start_agent() { # NAME PLUGIN-DIR NTPQ NTP-TTL
    CMON_SIM_WORLD=/dev/shm/cmon-gzplug.world "$build/bin/cmon-agent" --listen 127.0.0.1:0 \
        --plugin-dir "$2" --ntpq "$3" --ntp-ttl "$4" > "$tmp/$1.log" 2>&1 &
    echo $! >> "$tmp/agent.pids" # start_agent runs in a $(...) subshell: $pids would not see it
    until grep -q 'listening on' "$tmp/$1.log" 2>/dev/null; do sleep 0.1; done
    sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$tmp/$1.log"
}
ntpq=$build/lib/cmon-sim/ntpq
off=$(start_agent off "$tmp/none" "$tmp/no-ntpq" 64)
on=$(start_agent on "$tmp/on" "$ntpq" 64)
every=$(start_agent every "$tmp/every" "$ntpq" 0)

for r in $(seq "$rounds"); do
    for a in off on every; do
        eval hp=\$$a
        "$build/tools/bench_gz" "http://$hp/v1/gz/metrics" 1 > /dev/null # warm (plugins cached)
        printf 'round %s %-5s ' "$r" "$a"
        "$build/tools/bench_gz" "http://$hp/v1/gz/metrics" "$n"
    done
done
