#!/bin/bash
# ContainerPilot v3 end to end: a mixed configuration file as ContainerPilot
# users write them (a service job with a health check, watches, consul,
# sensor jobs with when.interval, telemetry metrics), run unchanged:
#   - the sensor jobs run on their schedule; a script written for
#     ContainerPilot calls `containerpilot -putmetric` and finds the command
#     on the PATH the jobs run with (cmon-telemetry is started with a PATH
#     that does not hold it); what the job reads from a simulated
#     application's load file shows in /metrics and follows it;
#   - the rest is named in one log line and not run;
#   - bad jobs (hanging, forking and exiting, flooding stdout, failing,
#     missing) are killed, logged and counted, never holding the others;
#   - every control verb through the CLI: -putenv (seen by later runs),
#     -maintenance (in /status and the gauge), -ping, -reload (values of
#     unchanged metrics kept; a broken file refused with its position, the
#     old configuration running on), SIGHUP;
#   - garbage on the control socket, a body too big, a flood of -putmetric
#     from parallel clients: the right statuses, nothing dropped, /metrics
#     served throughout;
#   - /status in ContainerPilot's shape, ContainerPilot's own families, gzip;
#   - telemetry without metrics serves ContainerPilot's own families;
#   - SIGTERM: exit 0, no job process left.
# usage: v3.sh BIN_DIR (holding cmon-telemetry and the containerpilot link)
set -u
BINDIR=$1
BIN=$BINDIR/cmon-telemetry
CP=$BINDIR/containerpilot
unset CONTAINERPILOT CMON_TELEMETRY_SOCKET
DIR=$(mktemp -d /tmp/cmon-telemetry-v3.XXXXXX)
SOCK=$DIR/cp.sock
HANG=$((800000 + $$ % 100000)) # sleep lengths no one else uses: find our jobs' processes
FORKED=$((HANG + 1))
STUCK=$((HANG + 2))
PID=
PID2=

procs() { # pids whose command line is exactly "sleep $1"
    local f
    for f in /proc/[0-9]*/cmdline; do
        [ "$({ tr '\0' ' ' <"$f"; } 2>/dev/null)" = "sleep $1 " ] && basename "${f%/cmdline}"
    done
}
cleanup() {
    for p in $PID $PID2; do
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    for p in $(procs $HANG) $(procs $FORKED) $(procs $STUCK); do kill -9 "$p"; done
    rm -rf "$DIR"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    [ -f "$DIR/log" ] && grep -v 'job flood: ' "$DIR/log" | tail -20 | sed 's/^/  log: /'
    exit 1
}
PASSED=0
pass() {
    echo "ok: $*"
    PASSED=$((PASSED + 1))
}
metrics() { curl -sf "$URL/metrics"; }
value() { metrics | sed -n "s/^$1 //p"; }
status() { curl -sf "$URL/status"; }
# wait_for WHAT CMD...: CMD succeeds within 30 s
wait_for() {
    local what=$1 i
    shift
    for i in $(seq 300); do
        "$@" && return 0
        sleep 0.1
    done
    fail "$what (30 s)"
}
value_is() { [ "$(value "$1")" = "$2" ]; }

# ---- the simulated application and its ContainerPilot sensor script -------
echo 3 >"$DIR/load"
cat >"$DIR/sensor.sh" <<'EOF'
#!/bin/sh
# a sensor script as written for ContainerPilot v3: read, then putmetric
containerpilot -putmetric "app_load=$(cat "$LOAD_FILE")"
EOF
chmod +x "$DIR/sensor.sh"

write_config() { # $1: help of app_load, $2: extra metrics
    cat >"$DIR/cp.json5" <<CONF
// a ContainerPilot v3 file: only the sensor jobs and telemetry run here
{
  consul: "localhost:8500",
  logging: { level: "INFO", format: "default", output: "stdout" },
  stopTimeout: 5,
  control: { socket: "$SOCK" },
  jobs: [
    { name: "app", exec: "/usr/local/bin/app -port 8080", port: 8080, restarts: "unlimited",
      health: { exec: "curl -fs localhost:8080", interval: 5, ttl: 10 } },
    { name: "load-sensor", exec: "$DIR/sensor.sh", timeout: "20s", when: { interval: "200ms" } },
    { name: "env-sensor", exec: ["sh", "-c", "containerpilot -putmetric app_env_seen=\${SEEN:-0}"],
      timeout: "20s", when: { interval: "200ms" } },
    { name: "hang", exec: ["sleep", "$HANG"], timeout: "300ms", when: { interval: "200ms" } },
    { name: "forker", exec: ["sh", "-c", "sleep $FORKED & echo forked"],
      when: { interval: "200ms" } },
    { name: "flood", exec: ["yes", "1"], timeout: "20s", when: { interval: "1s" } },
    { name: "stuck", exec: ["sleep", "$STUCK"], timeout: "10m", when: { interval: "10m" } },
    { name: "fails", exec: ["sh", "-c", "echo oops; exit 3"], when: { interval: "200ms" } },
    { name: "missing", exec: "/nonexistent/sensor", when: { interval: "1s" } },
  ],
  watches: [ { name: "backend", interval: 3 } ],
  telemetry: {
    port: 0, interfaces: ["static:127.0.0.1"],
    metrics: [
      { namespace: "app", name: "load", help: "$1", type: "gauge" },
      { namespace: "app", name: "env_seen", help: "SEEN in the job's environment", type: "gauge" },
      { name: "hits_total", help: "Hits.", type: "counter" },$2
    ],
  },
}
CONF
}
write_config "Load of the application." ""

# a PATH without our directory: cmon-telemetry must add it for its jobs
LOAD_FILE=$DIR/load PATH=/usr/bin:/bin "$BIN" -config "$DIR/cp.json5" -ready-file "$DIR/ready" \
    2>"$DIR/log" &
PID=$!
wait_for "ready file" test -s "$DIR/ready"
URL=$(cat "$DIR/ready")
grep -qx "cmon-telemetry: not run here (ContainerPilot's, out of scope): service jobs: app;\
 health checks: app; watches: backend; consul" "$DIR/log" || fail "the ignored parts' log line"
pass "started; service job, health check, watches and consul named once"

# ---- sensor jobs through `containerpilot -putmetric` ----------------------
wait_for "app_load 3 from the sensor script" value_is app_load 3
echo 17 >"$DIR/load"
wait_for "app_load follows the application (17)" value_is app_load 17
pass "a ContainerPilot sensor script's containerpilot -putmetric reaches /metrics"

# ---- bad jobs ---------------------------------------------------------------
runs() { metrics | sed -n "s/^cmon_telemetry_job_runs_total{job=\"$1\",outcome=\"$2\"} //p"; }
at_least() { [ "$(runs "$1" "$2")" -ge "$3" ] 2>/dev/null; }
wait_for "hang: timeout" at_least hang timeout 2
wait_for "forker: ok" at_least forker ok 3
wait_for "flood: overflow" at_least flood overflow 1
wait_for "fails: failed" at_least fails failed 2
wait_for "missing: error" at_least missing error 1
for _ in 1 2 3 4 5; do # one hang run at a time; a forked child dies with its job
    [ "$(procs $HANG | wc -l)" -le 1 ] || fail "more than one run of the hanging job"
    [ "$(procs $FORKED | wc -l)" -le 1 ] || fail "children of the forking job left behind"
    sleep 0.1
done
grep -q '^cmon-telemetry: job fails: oops$' "$DIR/log" || fail "a job's output is logged"
grep -q '^cmon-telemetry: job fails: failed: exited with status 3$' "$DIR/log" ||
    fail "a failed job is logged"
grep -q '^cmon-telemetry: job hang: timeout: no answer within 0.3s, killed$' "$DIR/log" ||
    fail "a timed-out job is logged"
grep -q '^cmon-telemetry: job flood: overflow' "$DIR/log" || fail "a flooding job is logged"
grep -q '^cmon-telemetry: job missing: error: cannot run /nonexistent/sensor' "$DIR/log" ||
    fail "a job that cannot start is logged"
floods=$(runs flood overflow)
[ "$(grep -c '^cmon-telemetry: job flood: 1$' "$DIR/log")" -le $((10 * (floods + 1))) ] ||
    fail "a flooding job's output is logged beyond 10 lines a run"
ok_before=$(runs load-sensor ok)
wait_for "load-sensor runs on while stuck hangs" at_least load-sensor ok $((ok_before + 5))
[ "$(procs $STUCK | wc -l)" = 1 ] && [ "$(runs stuck timeout)" = 0 ] && [ "$(runs stuck ok)" = 0 ] ||
    fail "stuck must still be in its first run"
M=$(metrics)
grep -q '^containerpilot_events{code="ExitSuccess",source="load-sensor"} [1-9]' <<<"$M" ||
    fail "containerpilot_events ExitSuccess"
grep -q '^containerpilot_events{code="ExitFailed",source="fails"} [1-9]' <<<"$M" ||
    fail "containerpilot_events ExitFailed"
grep -q '^containerpilot_events{code="Metric",source="app_load"} [1-9]' <<<"$M" ||
    fail "containerpilot_events Metric"
grep -q '^containerpilot_control_http_requests{code="200",path="/v3/metric"} [1-9]' <<<"$M" ||
    fail "containerpilot_control_http_requests"
pass "hanging, forking, flooding, failing and missing jobs: killed, logged, counted"

# ---- /status: ContainerPilot's shape ----------------------------------------
S=$(status) || fail "GET /status"
jq -e '(keys_unsorted[:4] == ["Version", "Jobs", "Services", "Watches"]) and
       (.Services == []) and (.Watches == ["backend"]) and
       ([.Jobs[].Name] == ["load-sensor", "env-sensor", "hang", "forker", "flood", "stuck",
                           "fails", "missing"]) and
       (.Jobs[] | select(.Name == "load-sensor") | .Status == "healthy") and
       (.Jobs[] | select(.Name == "fails") | .Status == "unhealthy") and
       (.cmon_telemetry.maintenance == false) and
       (.cmon_telemetry.jobs[] | select(.name == "hang") | .timeout_seconds == 0.3)' \
    <<<"$S" >/dev/null || fail "/status shape: $S"
pass "/status: {Version, Jobs, Services, Watches}, ours under cmon_telemetry"

# ---- the control verbs through the CLI --------------------------------------
"$CP" -config "$DIR/cp.json5" -putenv SEEN=5 -putenv OTHER= || fail "-putenv"
wait_for "-putenv SEEN=5 seen by the next runs" value_is app_env_seen 5
[ "$("$CP" -config "$DIR/cp.json5" -ping)" = ok ] || fail "-ping"
"$CP" -config "$DIR/cp.json5" -maintenance enable || fail "-maintenance enable"
value_is cmon_telemetry_maintenance 1 || fail "maintenance gauge 1"
status | jq -e '[.Jobs[].Status] | unique == ["maintenance"]' >/dev/null ||
    fail "/status: jobs in maintenance"
"$CP" -config "$DIR/cp.json5" -maintenance disable || fail "-maintenance disable"
value_is cmon_telemetry_maintenance 0 || fail "maintenance gauge 0"
metrics | grep -q '^containerpilot_events{code="EnterMaintenance",source="global"} 1$' ||
    fail "EnterMaintenance event"
"$CP" -config "$DIR/cp.json5" -maintenance on 2>"$DIR/err"
[ $? -eq 2 ] && grep -q 'enable or disable' "$DIR/err" || fail "-maintenance on: want exit 2"
"$CP" -config "$DIR/cp.json5" -ping -reload 2>"$DIR/err"
[ $? -eq 2 ] || fail "two verbs: want exit 2"
"$CP" -config "$DIR/cp.json5" -putenv =x 2>"$DIR/err"
[ $? -eq 2 ] || fail "-putenv =x: want exit 2"
pass "-putenv, -ping, -maintenance enable|disable, and their bad uses"

# ---- reload -----------------------------------------------------------------
for _ in 1 2 3; do "$CP" -config "$DIR/cp.json5" -putmetric hits_total=1 || fail "putmetric"; done
write_config "Load, reloaded." '
      { name: "extra", help: "Added by a reload.", type: "gauge" },'
"$CP" -config "$DIR/cp.json5" -reload || fail "-reload"
M=$(metrics)
grep -qx 'hits_total 3' <<<"$M" || fail "reload kept hits_total"
grep -qx 'extra 0' <<<"$M" || fail "reload added extra"
grep -qx '# HELP app_load Load, reloaded.' <<<"$M" || fail "reload changed the help"
grep -qx 'cmon_telemetry_reloads_total{result="applied"} 1' <<<"$M" || fail "reloads applied"
echo '{ telemetry: { port: "x" } }' >"$DIR/cp.json5"
"$CP" -socket "$SOCK" -reload 2>"$DIR/err"
[ $? -eq 1 ] || fail "broken reload: want exit 1"
grep -q 'reload refused (422): .*cp.json5:1:22: "port" must be an integer' "$DIR/err" ||
    fail "broken reload message: $(cat "$DIR/err")"
grep -q 'reload refused, the running configuration stays: .*cp.json5:1:22' "$DIR/log" ||
    fail "broken reload logged"
M=$(metrics)
grep -qx 'hits_total 3' <<<"$M" && grep -qx 'extra 0' <<<"$M" ||
    fail "the old configuration must run on after a broken reload"
grep -qx 'cmon_telemetry_reloads_total{result="refused"} 1' <<<"$M" || fail "reloads refused: $(grep reloads_total <<<"$M")"
echo 23 >"$DIR/load"
wait_for "jobs run on after a broken reload" value_is app_load 23
write_config "Load of the application." ""
kill -HUP "$PID"
wait_for "SIGHUP reload" value_is 'cmon_telemetry_reloads_total{result="applied"}' 2
value_is hits_total 3 || fail "SIGHUP reload kept hits_total"
value extra | grep -q . && fail "SIGHUP reload removed extra"
pass "-reload keeps values, a broken file is refused with its position, SIGHUP reloads"

# ---- garbage and floods on the control socket -------------------------------
ctl() { curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" "$@"; }
[ "$(ctl -d '{"A": 1}' http://localhost/v3/environ)" = 422 ] || fail "environ number: 422"
[ "$(ctl -d 'not json' http://localhost/v3/environ)" = 422 ] || fail "environ garbage: 422"
[ "$(ctl -d '{"A=B": "1"}' http://localhost/v3/environ)" = 422 ] || fail "environ A=B: 422"
[ "$(ctl http://localhost/v3/environ)" = 405 ] || fail "GET environ: 405"
[ "$(ctl -d '' http://localhost/v3/ping)" = 405 ] || fail "POST ping: 405"
[ "$(ctl http://localhost/v3/ping)" = 200 ] || fail "GET ping: 200"
[ "$(ctl -d '{}' http://localhost/v4/metric)" = 404 ] || fail "unknown path: 404"
head -c 70000 /dev/zero | tr '\0' x >"$DIR/big"
[ "$(ctl --data-binary @"$DIR/big" http://localhost/v3/environ)" = 413 ] || fail "413"
raw=$(printf 'GARBAGE \001\002 NOT-HTTP\r\n\r\n' |
    timeout 10 curl -s --unix-socket "$SOCK" telnet://localhost:1 | head -1)
case $raw in "HTTP/1.1 400"*) ;; *) fail "raw garbage: $raw" ;; esac
metrics | grep -q '^containerpilot_control_http_requests{code="404",path="other"} 1$' ||
    fail "unknown paths count as other"
for w in $(seq 20); do # 20 clients, 100 requests each, as fast as they go
    (for _ in $(seq 100); do ctl -d '{"hits_total": 1}' http://localhost/v3/metric; echo; done \
        >"$DIR/flood.$w") &
done
for _ in 1 2 3 4 5; do # served meanwhile
    metrics >/dev/null || fail "/metrics during the flood"
    [ "$(ctl http://localhost/v3/ping)" = 200 ] || fail "ping during the flood"
done
wait $(jobs -p | grep -v "^$PID\$")
[ "$(cat "$DIR"/flood.* | sort | uniq -c | awk '{print $2 "x" $1}')" = 200x2000 ] ||
    fail "flood answers: $(cat "$DIR"/flood.* | sort | uniq -c)"
value_is hits_total 2003 || fail "flood: hits_total $(value hits_total), want 2003"
pass "garbage answered 400/404/405/413/422; 2,000 parallel -putmetric all recorded"

# ---- gzip -------------------------------------------------------------------
curl -sf -D "$DIR/h" -H 'Accept-Encoding: gzip' -o "$DIR/m.gz" "$URL/metrics" || fail "gzip GET"
grep -qi '^Content-Encoding: gzip' "$DIR/h" || fail "Content-Encoding: gzip"
grep -qi '^Vary: Accept-Encoding' "$DIR/h" || fail "Vary"
gunzip -c "$DIR/m.gz" | grep -qx 'hits_total 2003' || fail "gzip body"
curl -sf -D "$DIR/h" -o /dev/null "$URL/metrics" && ! grep -qi '^Content-Encoding' "$DIR/h" ||
    fail "no gzip unless asked"
pass "gzip when asked"

# ---- telemetry without metrics ----------------------------------------------
cat >"$DIR/bare.json5" <<CONF
{ control: { socket: "$DIR/bare.sock" }, telemetry: { port: 0, interfaces: "static:127.0.0.1" } }
CONF
"$BIN" -config "$DIR/bare.json5" -ready-file "$DIR/ready2" 2>"$DIR/log2" &
PID2=$!
wait_for "bare ready file" test -s "$DIR/ready2"
curl -sf "$(cat "$DIR/ready2")/metrics" |
    grep -qx 'containerpilot_events{code="Startup",source="global"} 1' ||
    fail "telemetry without metrics serves ContainerPilot's families"
kill -TERM "$PID2"
wait "$PID2" || fail "bare: exit status"
PID2=
pass "telemetry without metrics is valid"

# ---- shutdown -----------------------------------------------------------------
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
[ $rc -eq 0 ] || fail "exit status after SIGTERM: $rc"
[ ! -e "$SOCK" ] || fail "control socket left behind"
sleep 0.3
[ -z "$(procs $HANG)$(procs $FORKED)$(procs $STUCK)" ] || fail "a job's process outlived cmon-telemetry"
pass "clean shutdown, no job left"
echo "v3: $PASSED passed, 0 failed"
