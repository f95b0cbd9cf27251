#!/bin/bash
# Golden end-to-end: the real cmon-telemetry fed known values through
# -putmetric; both exposition formats must equal the expected files in
# tests/golden/, which are written by hand from the specifications (not
# produced by the program). The only unstable sample, the start time, is
# dropped before the comparison.
# usage: golden.sh PATH/TO/cmon-telemetry
set -u
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)/golden
DIR=$(mktemp -d /tmp/cmon-telemetry-golden.XXXXXX)
SOCK=$DIR/cp.sock
PID=
cleanup() {
    if [ -n "$PID" ]; then kill -9 "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
    rm -rf "$DIR"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}

sed "s|@SOCK@|$SOCK|" "$HERE/config.json5" >"$DIR/config.json5"
"$BIN" -config "$DIR/config.json5" -ready-file "$DIR/ready" 2>"$DIR/log" &
PID=$!
for _ in $(seq 300); do
    [ -s "$DIR/ready" ] && break
    kill -0 "$PID" 2>/dev/null || fail "cmon-telemetry exited early"
    sleep 0.1
done
URL=$(cat "$DIR/ready")
case $URL in http://127.0.0.1:[0-9]*) ;; *) fail "ready file: $URL" ;; esac

put() { "$BIN" -socket "$SOCK" "$@" || fail "-putmetric $*"; }
put -putmetric shop_orders_placed_total=2 queue_depth=-1.5 job_seconds=0.25 req_seconds=0.5
put -putmetric shop_orders_placed_total=3 job_seconds=1 req_seconds=1
put -putmetric job_seconds=3 req_seconds=2
put -putmetric req_seconds=4
"$BIN" -socket "$SOCK" -putmetric unknown=1 2>/dev/null && fail "unknown metric accepted"
curl -s -o /dev/null --unix-socket "$SOCK" -d '{' http://localhost/v3/metric
"$BIN" -socket "$SOCK" -ping >/dev/null || fail "-ping"
"$BIN" -socket "$SOCK" -maintenance enable || fail "-maintenance enable"

unstable='^cmon_telemetry_start_time_seconds '
curl -sf "$URL/metrics" | grep -v "$unstable" >"$DIR/got.txt" ||
    fail "GET /metrics"
curl -sf -H 'Accept: application/openmetrics-text' "$URL/metrics" |
    grep -v "$unstable" >"$DIR/got.om" || fail "GET /metrics (OpenMetrics)"
diff -u "$HERE/metrics.txt" "$DIR/got.txt" || fail "text 0.0.4 differs from the golden file"
diff -u "$HERE/metrics.om" "$DIR/got.om" || fail "OpenMetrics differs from the golden file"
kill -TERM "$PID"
wait "$PID" || fail "exit status after SIGTERM"
PID=
[ ! -e "$DIR/ready" ] || fail "ready file left behind"
echo "golden: 3 passed, 0 failed"
