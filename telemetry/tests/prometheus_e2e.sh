#!/bin/bash
# A stock Prometheus (Debian's) scrapes cmon-telemetry running a ContainerPilot
# v3 file beside a simulated application:
#   - the application (a shell loop) serves "requests" at a load level it is
#     given, keeping its queue depth and requests served in files, as an
#     application exposes its state;
#   - a v3 sensor job reads the queue depth and calls `containerpilot
#     -putmetric`; a v2 sensor prints the requests served (a gauge);
#   - Prometheus (scrape interval 1 s; it asks for OpenMetrics and gzip) stores
#     the queue depth the application has, and follows it when the load
#     changes; the requests gauge grows; ContainerPilot's own families arrive
#     under ContainerPilot's names (containerpilot_events, not *_total).
# usage: prometheus_e2e.sh BIN_DIR [PROMETHEUS]
set -u
BINDIR=$1
PROM=${2:-/usr/bin/prometheus}
unset CONTAINERPILOT CMON_TELEMETRY_SOCKET
[ -x "$PROM" ] || {
    echo "SKIP: no $PROM (apt-get install prometheus)"
    exit 77
}
DIR=$(mktemp -d /tmp/cmon-telemetry-prom.XXXXXX)
PIDS=
cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    rm -rf "$DIR"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    for f in "$DIR/log" "$DIR/prom.log"; do [ -f "$f" ] && tail -8 "$f" | sed "s|^|  ${f##*/}: |"; done
    exit 1
}
PASSED=0
pass() {
    echo "ok: $*"
    PASSED=$((PASSED + 1))
}
wait_for() { # WHAT SECONDS CMD...
    local what=$1 n=$(($2 * 5)) i
    shift 2
    for i in $(seq $n); do
        "$@" && return 0
        sleep 0.2
    done
    fail "$what (within $((n / 5)) s)"
}

# ---- the simulated application ---------------------------------------------
# Every 0.1 s it serves one "request" and its queue holds LOAD*2 waiting ones;
# the load level is what the test writes to $DIR/app/load.
mkdir "$DIR/app"
echo 5 >"$DIR/app/load"
cat >"$DIR/app/run.sh" <<'EOF'
#!/bin/sh
cd "$1" || exit 1
served=0
while :; do
    load=$(cat load)
    served=$((served + 1))
    echo $((load * 2)) >queue.tmp && mv queue.tmp queue
    echo $served >served.tmp && mv served.tmp served
    sleep 0.1
done
EOF
sh "$DIR/app/run.sh" "$DIR/app" &
PIDS="$PIDS $!"

# ---- cmon-telemetry with a ContainerPilot v3 file --------------------------
cat >"$DIR/cp.json5" <<CONF
{
  consul: "localhost:8500",
  control: { socket: "$DIR/cp.sock" },
  jobs: [
    { name: "app", exec: "$DIR/app/run.sh", port: 8080 },
    { name: "queue-sensor",
      exec: ["sh", "-c", "containerpilot -putmetric app_queue_depth=\$(cat $DIR/app/queue)"],
      when: { interval: "500ms" } },
  ],
  telemetry: {
    port: 0, interfaces: ["static:127.0.0.1"],
    metrics: [ { namespace: "app", name: "queue_depth", help: "Requests waiting.",
                 type: "gauge" } ],
    sensors: [ { namespace: "app", name: "served", help: "Requests served so far.",
                 type: "gauge", poll: "500ms", check: ["cat", "$DIR/app/served"] } ],
  },
}
CONF
PATH=/usr/bin:/bin "$BINDIR/cmon-telemetry" -config "$DIR/cp.json5" -ready-file "$DIR/ready" \
    2>"$DIR/log" &
PIDS="$PIDS $!"
wait_for "cmon-telemetry ready" 30 test -s "$DIR/ready"
TARGET=$(sed 's|^http://||' "$DIR/ready")
pass "cmon-telemetry on $TARGET"

# ---- Prometheus -------------------------------------------------------------
cat >"$DIR/prometheus.yml" <<CONF
global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: app
    static_configs: [ { targets: ["$TARGET"] } ]
CONF
promtool check config "$DIR/prometheus.yml" >/dev/null || fail "promtool check config"
PURL=
for _ in 1 2 3 4 5 6 7 8; do # a free port: tried until Prometheus binds one
    port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
    "$PROM" --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
        --web.listen-address="127.0.0.1:$port" --log.level=warn 2>"$DIR/prom.log" &
    pid=$!
    for _ in $(seq 150); do
        kill -0 $pid 2>/dev/null || break
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/-/ready")" = 200 ]; then
            PURL=http://127.0.0.1:$port
            break
        fi
        sleep 0.2
    done
    [ -n "$PURL" ] && break
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
done
[ -n "$PURL" ] || fail "Prometheus did not start"
PIDS="$PIDS $pid"
pass "Prometheus $("$PROM" --version 2>&1 | head -1 | cut -d' ' -f3) on $PURL"

# query EXPR: the value of the first series, "" when none
query() {
    curl -sf --get --data-urlencode "query=$1" "$PURL/api/v1/query" |
        jq -r '.data.result[0].value[1] // ""'
}
query_is() { [ "$(query "$1")" = "$2" ]; }
query_above() { [ "$(query "$1")" -gt "$2" ] 2>/dev/null; }

wait_for "Prometheus scrapes the target: up 1" 60 query_is 'up{job="app"}' 1
wait_for "Prometheus stores the application's queue depth 10 (load 5)" 60 \
    query_is 'app_queue_depth{job="app"}' 10
pass "the sensor job's value of the application's load is in Prometheus"

echo 40 >"$DIR/app/load"
wait_for "Prometheus follows the load: queue depth 80" 60 query_is 'app_queue_depth{job="app"}' 80
first=$(query 'app_served{job="app"}')
[ -n "$first" ] || fail "app_served (v2 sensor) not in Prometheus"
wait_for "app_served grows in Prometheus" 30 query_above 'app_served{job="app"}' "$first"
pass "Prometheus follows the application's load (queue depth 10 -> 80, requests served grow)"

n=$(query 'containerpilot_events{code="ExitSuccess",source="queue-sensor"}')
[ -n "$n" ] && [ "$n" -ge 1 ] || fail "containerpilot_events in Prometheus: '$n'"
[ -z "$(query 'containerpilot_events_total')" ] ||
    fail "containerpilot_events stored as containerpilot_events_total"
wait_for "containerpilot_control_http_requests in Prometheus" 30 \
    query_above 'containerpilot_control_http_requests{code="200",path="/v3/metric"}' 0
pass "ContainerPilot's own families stored under ContainerPilot's names"
echo "prometheus_e2e: $PASSED passed, 0 failed"
