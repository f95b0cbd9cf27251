#!/bin/bash
# End-to-end: the real cmon-telemetry with sensors that print numbers,
# garbage, hang, fail and flood; checks /metrics (and promtool accepts it),
# OpenMetrics, /status, -putmetric answers 200/400/422, bad input, and a clean
# shutdown that leaves no probe behind.
# With a second argument, cmon-conform checks both formats too.
# usage: e2e.sh PATH/TO/cmon-telemetry [PATH/TO/cmon-conform]
set -u
BIN=$1
CONFORM=${2:-}
unset CONTAINERPILOT
DIR=$(mktemp -d /tmp/cmon-telemetry-e2e.XXXXXX)
SOCK=$DIR/cp.sock
MARK=$((700000 + $$ % 100000)) # a sleep length no one else uses: finds our probes
PID=

sleepers() { # pids whose command line is exactly "sleep $MARK" (no procps needed)
    local f
    for f in /proc/[0-9]*/cmdline; do
        [ "$({ tr '\0' ' ' <"$f"; } 2>/dev/null)" = "sleep $MARK " ] && basename "${f%/cmdline}"
    done
}
cleanup() {
    if [ -n "$PID" ]; then kill -9 "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
    for p in $(sleepers); do kill -9 "$p"; done
    rm -rf "$DIR"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    [ -f "$DIR/log" ] && sed 's/^/  log: /' "$DIR/log" | tail -20
    exit 1
}
# ContainerPilot's own families keep ContainerPilot's names (dashboards
# written for it query them), which the naming lints flag: counters without
# "_total". The lints run on the rest; the whole is checked without lints,
# and what promtool says of the whole must be only those complaints (the
# requests family has no sample before the first request: no complaint).
CP_FAMILIES='^(# (HELP|TYPE) )?containerpilot_(events|control_http_requests)[ {]'
lintable() { grep -Ev "$CP_FAMILIES"; }
promtool_check() { # $1: the exposition; $2: what for
    promtool check metrics <<<"$(lintable <<<"$1")" || fail "promtool rejects $2"
    local said
    said=$(promtool check metrics <<<"$1" 2>&1)
    grep -qx 'containerpilot_events counter metrics should have "_total" suffix' <<<"$said" &&
        ! grep -vEx 'containerpilot_(events|control_http_requests) counter metrics should have "_total" suffix' <<<"$said" ||
        fail "promtool on the whole of $2: $said"
}
conform_check() { # $1: format, $2: the exposition, $3: what for
    "$CONFORM" --format "$1" --lint=error - <<<"$(lintable <<<"$2")" || fail "cmon-conform: $3"
    "$CONFORM" --format "$1" - <<<"$2" || fail "cmon-conform (no lints, whole): $3"
}
PASSED=0
pass() {
    echo "ok: $*"
    PASSED=$((PASSED + 1))
}

cat >"$DIR/cp.json5" <<CONF
// end-to-end configuration, JSON5-lite on purpose
{
  consul: "localhost:8500", // ContainerPilot's own, ignored
  control: { socket: "$SOCK" },
  telemetry: {
    port: 0, interfaces: ["static:127.0.0.1"], tags: ["e2e", "blue"],
    sensors: [
      { namespace: "e2e", name: "number", help: "Prints a number.", type: "gauge",
        poll: 0.2, timeout: "10s", check: ["echo", "42.5"] },
      { name: "garbage", help: "Prints garbage.", type: "gauge", poll: 0.2, timeout: 10,
        check: "echo not-a-number" },
      { name: "hang", help: "Hangs.", type: "gauge", poll: 0.2, timeout: "300ms",
        check: ["sleep", "$MARK"] },
      { name: "fail", help: "Fails.", type: "gauge", poll: 0.2, timeout: 10,
        check: ["sh", "-c", "echo 7; exit 1"] },
      { name: "flood", help: "Floods.", type: "gauge", poll: 1, timeout: 30,
        check: ["yes", "1"] },
      { name: "calls_total", help: "Counts by two.", type: "counter", poll: 0.2, timeout: 10,
        check: ["echo", "2"] },
      { name: "probe_seconds", help: "Observes.", type: "histogram", poll: 0.2, timeout: 10,
        buckets: [0.1, 0.5, 1], check: ["echo", "0.3"] },
    ],
    metrics: [
      { namespace: "e2e", subsystem: "jobs", name: "done_total", type: "counter",
        help: "Jobs done, with a \\\\ and a \"quote\"." },
      { name: "queue_depth", type: "gauge", help: "Name only." },
      { name: "latency_seconds", type: "summary", help: "Latency." },
    ],
  },
}
CONF

# ---- bad input first: no server needed --------------------------------------
"$BIN" >/dev/null 2>&1
[ $? -eq 2 ] || fail "no arguments: want exit 2"
"$BIN" -config "$DIR/cp.json5" -bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown flag: want exit 2"
printf '{\n  telemetry: {\n    port: "x",\n  }\n}\n' >"$DIR/bad.json5"
msg=$("$BIN" -config "$DIR/bad.json5" 2>&1)
[ $? -eq 2 ] || fail "bad config: want exit 2"
case $msg in *"bad.json5:3:11: "*port*) ;; *) fail "bad config message: $msg" ;; esac
printf '{ telemetry: { metrics: [ /* open' >"$DIR/bad2.json5"
msg=$("$BIN" -config "$DIR/bad2.json5" 2>&1)
[ $? -eq 2 ] || fail "unterminated comment: want exit 2"
case $msg in *"bad2.json5:1:27: unterminated comment"*) ;; *) fail "comment message: $msg" ;; esac
"$BIN" -config "$DIR/missing.json5" >/dev/null 2>&1
[ $? -eq 2 ] || fail "missing config: want exit 2"
"$BIN" -socket "$SOCK" -putmetric novalue >/dev/null 2>&1
[ $? -eq 2 ] || fail "-putmetric without =: want exit 2"
"$BIN" -socket "$SOCK" -putmetric x=abc >/dev/null 2>&1
[ $? -eq 2 ] || fail "-putmetric with a non-number: want exit 2"
"$BIN" -socket "$SOCK" -putmetric x=1 >/dev/null 2>&1
[ $? -eq 1 ] || fail "-putmetric with no server: want exit 1"
msg=$(CONTAINERPILOT="file://$DIR/bad.json5" "$BIN" 2>&1)
[ $? -eq 2 ] || fail "CONTAINERPILOT names the configuration: want exit 2 for a bad one"
case $msg in *"bad.json5:3:11: "*) ;; *) fail "CONTAINERPILOT message: $msg" ;; esac
pass "bad input"

# ---- start ------------------------------------------------------------------
"$BIN" -config "$DIR/cp.json5" 2>"$DIR/log" &
PID=$!
for _ in $(seq 300); do
    grep -q 'listening on http://' "$DIR/log" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || fail "cmon-telemetry exited early"
    sleep 0.1
done
PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\),.*|\1|p' "$DIR/log")
[ -n "$PORT" ] || fail "no listening line"
URL=http://127.0.0.1:$PORT
pass "started on port $PORT"

runs() { # sensor outcome -> count
    curl -sf "$URL/metrics" |
        sed -n "s/^cmon_telemetry_probe_runs_total{sensor=\"$1\",outcome=\"$2\"} //p"
}
want="e2e_number:ok garbage:invalid hang:timeout fail:failed flood:overflow calls_total:ok
      probe_seconds:ok"
for _ in $(seq 600); do
    missing=0
    for w in $want; do
        n=$(runs "${w%%:*}" "${w##*:}")
        [ "${n:-0}" -ge 1 ] || missing=1
    done
    [ $missing -eq 0 ] && break
    sleep 0.1
done
[ $missing -eq 0 ] || fail "not every sensor reached its outcome"
pass "every sensor ran with its expected outcome"

# ---- /metrics ----------------------------------------------------------------
M=$(curl -sf -D "$DIR/headers" "$URL/metrics") || fail "GET /metrics"
grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$DIR/headers" ||
    fail "text content type"
grep -qx 'e2e_number 42.5' <<<"$M" || fail "number sensor value"
grep -qx 'garbage 0' <<<"$M" || fail "garbage must not be recorded"
grep -qx 'fail 0' <<<"$M" || fail "a failing probe's output must not be recorded"
grep -qx '# HELP e2e_jobs_done_total Jobs done, with a \\\\ and a "quote".' <<<"$M" ||
    fail "HELP escaping"
calls=$(sed -n 's/^calls_total //p' <<<"$M")
[ $((calls % 2)) -eq 0 ] && [ "$calls" -ge 2 ] || fail "counter adds: $calls"
inf=$(sed -n 's/^probe_seconds_bucket{le="+Inf"} //p' <<<"$M")
half=$(sed -n 's/^probe_seconds_bucket{le="0.5"} //p' <<<"$M")
low=$(sed -n 's/^probe_seconds_bucket{le="0.1"} //p' <<<"$M")
cnt=$(sed -n 's/^probe_seconds_count //p' <<<"$M")
[ "$inf" = "$cnt" ] && [ "$half" = "$cnt" ] && [ "$low" = 0 ] && [ "$cnt" -ge 1 ] ||
    fail "histogram buckets: inf=$inf half=$half low=$low count=$cnt"
grep -q 'sensor garbage: invalid: output is not one number' "$DIR/log" || fail "garbage log line"
grep -q 'sensor hang: timeout' "$DIR/log" || fail "timeout log line"
grep -q 'sensor flood: overflow' "$DIR/log" || fail "overflow log line"
promtool_check "$M" /metrics
if [ -n "$CONFORM" ]; then
    conform_check text "$M" "/metrics"
fi
pass "/metrics values, escaping, promtool${CONFORM:+, cmon-conform}"

# ---- OpenMetrics ---------------------------------------------------------------
O=$(curl -sf -D "$DIR/headers" -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5' \
    "$URL/metrics") || fail "GET /metrics (OpenMetrics)"
grep -qi '^Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8' \
    "$DIR/headers" || fail "OpenMetrics content type"
[ "$(tail -n1 <<<"$O")" = "# EOF" ] || fail "OpenMetrics must end with # EOF"
grep -qx '# TYPE e2e_jobs_done counter' <<<"$O" || fail "OpenMetrics counter family name"
grep -qx 'probe_seconds_bucket{le="1.0"} '"$(sed -n 's/^probe_seconds_count //p' <<<"$O")" <<<"$O" ||
    fail "OpenMetrics canonical le"
if [ -n "$CONFORM" ]; then
    conform_check openmetrics "$O" "OpenMetrics"
    # and it is a checker that can fail: the same without its EOF line
    ! "$CONFORM" --quiet --format openmetrics - <<<"$(sed '$d' <<<"$O")" ||
        fail "cmon-conform accepted an exposition without # EOF"
fi
pass "OpenMetrics${CONFORM:+, cmon-conform}"

# ---- /status -------------------------------------------------------------------
S=$(curl -sf "$URL/status") || fail "GET /status"
grep -q '"listen": "127.0.0.1:'"$PORT"'"' <<<"$S" || fail "/status listen"
grep -q '"outcome": "timeout"' <<<"$S" || fail "/status timeout outcome"
grep -q '"outcome": "invalid"' <<<"$S" || fail "/status invalid outcome"
grep -q '"e2e"' <<<"$S" || fail "/status tags"
pass "/status"

# ---- -putmetric ----------------------------------------------------------------
code() { curl -s -o "$DIR/body" -w '%{http_code}' --unix-socket "$SOCK" "$@"; }
"$BIN" -socket "$SOCK" -putmetric e2e_jobs_done_total=3 -putmetric queue_depth=12 ||
    fail "-putmetric of configured metrics"
"$BIN" -config "$DIR/cp.json5" -putmetric e2e_jobs_done_total=1.5 latency_seconds=0.25 ||
    fail "-putmetric with positional pairs, socket from the configuration"
M=$(curl -sf "$URL/metrics")
grep -qx 'e2e_jobs_done_total 4.5' <<<"$M" || fail "counter from -putmetric"
grep -qx 'queue_depth 12' <<<"$M" || fail "name-only metric from -putmetric"
grep -qx 'latency_seconds{quantile="0.5"} 0.25' <<<"$M" || fail "summary from -putmetric"
err=$("$BIN" -socket "$SOCK" -putmetric nope=1 -putmetric queue_depth=99 2>&1)
[ $? -eq 1 ] || fail "-putmetric unknown: want exit 1"
case $err in *"nope is not a configured metric"*) ;; *) fail "unknown metric message: $err" ;; esac
grep -q 'control POST /v3/metric: 400: nope is not a configured metric' "$DIR/log" || fail "400 log line"
[ "$(code -d '{"e2e_number": 1}' http://localhost/v3/metric)" = 400 ] ||
    fail "a sensor is not a -putmetric target"
[ "$(code -d '{"e2e_jobs_done_total": -1}' http://localhost/v3/metric)" = 400 ] ||
    fail "negative counter increment"
[ "$(code -d '{"queue_depth": ' http://localhost/v3/metric)" = 422 ] || fail "bad JSON: 422"
[ "$(code -d '{"queue_depth": "one"}' http://localhost/v3/metric)" = 422 ] || fail "string: 422"
[ "$(code -d '{"queue_depth": "6"}' http://localhost/v3/metric)" = 200 ] ||
    fail "ContainerPilot's client form (number in a string): 200"
[ "$(code -d '{"queue_depth": 5}' http://localhost/v3/metric)" = 200 ] || fail "curl post: 200"
[ "$(code http://localhost/v3/metric)" = 405 ] || fail "GET /v3/metric: 405"
[ "$(code -d '{}' http://localhost/v3/other)" = 404 ] || fail "unknown control path: 404"
M=$(curl -sf "$URL/metrics")
grep -qx 'queue_depth 5' <<<"$M" || fail "refused requests must record nothing"
grep -qx 'e2e_jobs_done_total 4.5' <<<"$M" || fail "negative increment must record nothing"
grep -qx 'cmon_telemetry_putmetric_requests_total{code="422"} 2' <<<"$M" || fail "422 count"
promtool_check "$M" "/metrics after -putmetric"
if [ -n "$CONFORM" ]; then
    conform_check text "$M" "after -putmetric"
    conform_check openmetrics "$(curl -sf -H 'Accept: application/openmetrics-text' \
        "$URL/metrics")" "OpenMetrics after -putmetric"
fi
pass "-putmetric 200/400/422"

# ---- a second instance on the same socket or port -------------------------------
msg=$("$BIN" -config "$DIR/cp.json5" 2>&1)
[ $? -eq 1 ] || fail "second instance on a live socket: want exit 1"
case $msg in *"another process serves it"*) ;; *) fail "live socket message: $msg" ;; esac
sed -e "s|port: 0,|port: $PORT,|" -e "s|$SOCK|$DIR/other.sock|" "$DIR/cp.json5" >"$DIR/same-port.json5"
msg=$("$BIN" -config "$DIR/same-port.json5" 2>&1)
[ $? -eq 1 ] || fail "second instance on a busy port: want exit 1"
case $msg in *"cannot listen on 127.0.0.1:$PORT: "*) ;; *) fail "busy port message: $msg" ;; esac
[ -S "$SOCK" ] || fail "the first instance lost its socket"
pass "a second instance is refused"

# ---- HTTP errors ---------------------------------------------------------------
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/nope")" = 404 ] || fail "404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$URL/metrics")" = 405 ] || fail "405"
pass "HTTP errors"

# ---- shutdown ------------------------------------------------------------------
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
[ $rc -eq 0 ] || fail "exit status after SIGTERM: $rc"
[ ! -e "$SOCK" ] || fail "control socket left behind"
sleep 0.5
[ -z "$(sleepers)" ] || fail "a hung probe outlived cmon-telemetry"
pass "clean shutdown"
echo "e2e: $PASSED passed, 0 failed"
