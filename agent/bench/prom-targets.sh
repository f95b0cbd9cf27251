#!/bin/bash
# prom-targets.sh - Debian's Prometheus scraping a simulated data center of
# many targets; reports the scrape durations and interval lengths
# Prometheus itself measured. A benchmark (see agent/README.gz.md).
#   agent/bench/prom-targets.sh [BUILD_DIR] [ZONES] [SECONDS] [CNS]
# Defaults: build 10000 180 1 (10,000 targets, scrape interval 15 s).
set -euo pipefail
build=${1:-build}
zones=${2:-10000}
secs=${3:-180}
cns=${4:-1}
tmp=$(mktemp -d /tmp/cmon-promtargets.XXXXXX)
prefix=$(mktemp -u /dev/shm/cmon-promtargets.XXXXXX)
sim_pid= prom_pid=
cleanup() {
    [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null || true
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
    rm -rf "$tmp" "$prefix".*
}
trap cleanup EXIT

"$build/bin/cmon-sim" serve --cns "$cns" --zones "$zones" --world "$prefix" \
    --prom-config "$tmp/prometheus.yml" --scrape-interval 15 --seed 1 \
    --agent-arg --threads --agent-arg "${THREADS:-2}" >"$tmp/sim.out" &
sim_pid=$!
for _ in $(seq 600); do grep -q '^prometheus-config' "$tmp/sim.out" 2>/dev/null && break; sleep 0.2; done
grep -q '^prometheus-config' "$tmp/sim.out" || { echo "cmon-sim did not start" >&2; exit 1; }
cat "$tmp/sim.out"

for _ in $(seq 10); do
    port=$(( (RANDOM % 30000) + 20000 ))
    prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
        --web.listen-address="127.0.0.1:$port" --log.level=warn &
    prom_pid=$!
    sleep 3
    kill -0 "$prom_pid" 2>/dev/null && break
    prom_pid=
done
[ -n "$prom_pid" ] || { echo "prometheus did not start" >&2; exit 1; }
api="http://127.0.0.1:$port/api/v1/query"
q() { curl -s "$api" --data-urlencode "query=$1" | sed -e 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/'; }

echo "running ${secs}s with $((zones * cns)) targets ..."
sleep "$secs"
echo "targets up:                          $(q 'count(up == 1)') of $(q 'count(up)')"
echo "failed scrapes (last 1m):            $(q 'sum(count_over_time(up[1m])) - sum(sum_over_time(up[1m]))')"
echo "scrape_duration_seconds max (1m):    $(q 'max(max_over_time(scrape_duration_seconds[1m]))')"
echo "scrape_duration_seconds p99 (now):   $(q 'quantile(0.99, scrape_duration_seconds)')"
echo "scrape_duration_seconds p50 (now):   $(q 'quantile(0.5, scrape_duration_seconds)')"
echo "scrapes over 100 ms (1m):            $(q 'count(max_over_time(scrape_duration_seconds[1m]) > 0.1) or vector(0)')"
echo "Prometheus's prometheus_target_interval_length_seconds (interval 15s):"
curl -s "http://127.0.0.1:$port/metrics" | grep '^prometheus_target_interval_length_seconds{interval="15s"'
echo "the agents' own scrape latency (cmon_agent_scrape_duration_seconds, whole run):"
for t in $(awk '/^cn/{print $3}' "$tmp/sim.out"); do
    curl -s "http://$t/metrics" | grep '^cmon_agent_scrape_duration_seconds_bucket' |
        grep -E 'le="(0.0001|0.001|0.01|0.1|1|\+Inf)"' || true
done
