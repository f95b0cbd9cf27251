#!/bin/sh
# prom_own.sh BIN_DIR SOURCE_DIR PROMETHEUS - Debian's stock Prometheus
# scraping /v1/gz/metrics stores the agent's own metrics under the series
# names the original's text gave (reference 3.7; agent/README.md, "The
# agent's own metrics"): queries by le under the histogram's own name, its
# _count and histogram_quantile() answer, as Triton's dashboards ask them.
# Ports: 0 everywhere; the agent's from its log, Prometheus' from ss.
set -u
BIN=$1 SRC=$2 PROM=$3
. "$SRC/scripts/cli_lib.sh"
cli_scratch cmon-agent-prom-own

cli_start "$TMP/sim.log" "$BIN/cmon-sim" serve --zones 3 --tick 0 --world "$TMP/world"
cli_wait_log "$TMP/sim.log" "$TMP/world" >/dev/null || { cli_fail "no world"; cli_done; exit 1; }
cli_start "$TMP/agent.log" env CMON_SIM_WORLD="$TMP/world" "$BIN/cmon-agent" \
    --listen 127.0.0.1:0 --plugin-dir "$TMP/none" --datacenter test-1 \
    --server-uuid 44454c4c-3200-1056-8044-b2c04f383432
agent=$(cli_wait_log "$TMP/agent.log" 'listening on [^ ]+' | sed 's/listening on //')
[ -n "$agent" ] || { cli_fail "the agent listens"; cli_done; exit 1; }

cat >"$TMP/prom.yml" <<CONF
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: gz
    metrics_path: /v1/gz/metrics
    static_configs: [{targets: ['$agent']}]
CONF
cli_start "$TMP/prom.log" "$PROM" --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/data" \
    --web.listen-address=127.0.0.1:0
ppid=$CLI_PID
prom=
i=0
while [ -z "$prom" ] && [ $i -lt 200 ]; do
    prom=$(ss -ltnpH 2>/dev/null | grep "pid=$ppid," | grep -oE '127\.0\.0\.1:[0-9]+' | head -1)
    sleep 0.1
    i=$((i + 1))
done
[ -n "$prom" ] || { cli_fail "prometheus listens"; cat "$TMP/prom.log"; cli_done; exit 1; }

# query Q: the first result's value ("" for none)
query() {
    curl -s "http://$prom/api/v1/query" --data-urlencode "query=$1" |
        grep -oE '"value":\[[0-9.]+,"[^"]*"' | head -1 | sed 's/.*,"//; s/"$//'
}
# Until Prometheus has a few scrapes (rate needs two), at most 60 s.
i=0
while [ $i -lt 600 ]; do
    n=$(query 'count_over_time(up{job="gz"}[1m])')
    [ -n "$n" ] && [ "$n" -ge 4 ] 2>/dev/null && break
    sleep 0.1
    i=$((i + 1))
done
cli_check "Prometheus scraped /v1/gz/metrics 4 times (got '${n:-}')" [ "${n:-0}" -ge 4 ]
cli_check "the scrapes are up" [ "$(query 'min_over_time(up{job="gz"}[1m])')" = 1 ]

v=$(query 'collector_time_seconds{collector="cpu_util",le="+Inf",service="cmon-agent"}')
cli_check "collector_time_seconds{le=\"+Inf\"} under the family's own name: '$v'" [ -n "$v" ]
v=$(query 'collector_time_seconds_bucket')
cli_check "no _bucket series (the original had none): '$v'" [ -z "$v" ]
v=$(query 'histogram_quantile(0.9, rate(collector_time_seconds{collector="cpu_util"}[30s]))')
cli_check "histogram_quantile over collector_time_seconds answers: '$v'" [ -n "$v" ]
v=$(query 'sum(rate(http_request_duration_seconds_count{route="getmetrics"}[30s]))')
cli_check "rate(http_request_duration_seconds_count) answers: '$v'" [ -n "$v" ]
v=$(query 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds[30s])))')
cli_check "histogram_quantile over http_request_duration_seconds by le answers: '$v'" [ -n "$v" ]
v=$(query 'http_requests_completed{route="getmetrics",method="GET",status_code="200",datacenter="test-1",server="44454c4c-3200-1056-8044-b2c04f383432"}')
cli_check "http_requests_completed with the static labels: '$v'" [ -n "$v" ]
for f in cached_items cache_gets_total cache_get_hits_total collector_time_total_seconds_sum; do
    v=$(query "$f{service=\"cmon-agent\"}")
    cli_check "$f is stored: '$v'" [ -n "$v" ]
done
cli_done
