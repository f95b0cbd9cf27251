#!/bin/bash
# vs-nginx.sh [BUILD_DIR] - cmon-proxy against nginx as a TLS-terminating
# reverse proxy in front of the same agents (issue 14, "Performance").
#
# One `cmon-sim serve --cns 3 --zones 3334 --accounts admin:operator,alice
# --tls-dir D --proxy 127.0.0.1:0` (alice owns the ~10,000 customer instances)
# and one nginx of our own on the same certificate (D/proxy.pem),
# `ssl_verify_client optional_no_ca`, `<uuid>.cmon.test` routed by a `map
# $host` built from the control plane's /vms and /servers to an upstream per
# compute node (keep-alive, HTTP/1.1). cmon-bench scrapes with alice's
# certificate, Host and SNI the instances' names. Each measure is one cmon-bench
# run in which two servers take ROUNDS turns of DURATION s each
# (--versus-template: the connections of both stay open between turns, the
# first server goes first in odd turns, second in even ones), so that both are
# measured over the same stretch of time, a few seconds apart:
#   (a) closed-loop keep-alive throughput (--concurrency $KA_CONC), the proxy
#       and nginx: scrapes/s and each one's CPU a scrape
#   (b) open loop --rate $RATE over cn0's instances: the proxy and the agent
#       alone (cn0's agent, http://agent/v1/<uuid>/metrics), then nginx and the
#       agent alone: "p99 added" is a proxy's p99 less the agent's of its run.
#       Here the proxy runs as deployed, with its default 2 threads (B_THREADS),
#       in a cmon-proxy of its own beside serve's (same flags, control plane and
#       certificate), and nginx in one of its own with as many worker processes;
#       a third run has the two taking turns with each other
#   (c) --no-keepalive, the proxy and nginx: each one's CPU per 1,000 full
#       handshakes (ECDSA P-256, each also a scrape) from /proc; handshakes per
#       CPU-second = per core
# then (d) alice's discovery over one connection, 20 times (curl time_total),
# (e) the proxy's VmHWM, and with 100,000 instances (serve --cns 4 --zones
# 25000) the proxy's VmHWM after the listing, scrapes and discoveries.
#
#   cmake --build build --target cmon-sim cmon-agent cmon-proxy cmon-bench
#   proxy/bench/vs-nginx.sh build
#
# Environment: ROUNDS (turns each server gets in a run, 8), DURATION (s a turn,
# 3), WARMUP (2), ZONES (3334 a node), CNS (3), RATE (2000), KA_CONC (16),
# HS_CONC (16), RSS_CNS (4), RSS_ZONES (25000; 0 skips), PROXY_THREADS (1:
# cmon-proxy --threads in (a) and (c); nginx runs one worker process there),
# B_THREADS (2: cmon-proxy --threads and nginx worker processes in (b)), PROXY_MAX_CONNS (16000:
# --max-connections; one keep-alive connection per instance needs more than the
# default 1,024), NGINX (/usr/sbin/nginx), BASE=BUILD_DIR (another build's
# cmon-proxy run beside this one, same flags, control plane and certificate:
# three more runs, this proxy and the base's taking turns in (a) and (c), the
# base and the agent alone in (b); a second table compares the two,
# "new/base"), SMOKE=1 (the ctest smoke run: exits 1 unless every run scraped
# something and none had an error), KEEP=1 (keep the scratch folder: every
# run's cmon-bench table and JSON), ACCESS_LOG=1 ((b)'s cmon-proxy writes
# --access-log: a line more, its own time of the measured scrapes, p50/p99/p99.9;
# the smoke run checks each line is a whole 200 scrape of alice's).
# Exit 0 done, 1 an error counted (SMOKE) or a run failed, 2 bad usage.
set -u
BUILD=${1:-build}
BIN=$BUILD/bin
ROUNDS=${ROUNDS:-8} DURATION=${DURATION:-3} WARMUP=${WARMUP:-2}
ZONES=${ZONES:-3334} CNS=${CNS:-3} RATE=${RATE:-2000}
KA_CONC=${KA_CONC:-16} HS_CONC=${HS_CONC:-16}
RSS_CNS=${RSS_CNS:-4} RSS_ZONES=${RSS_ZONES:-25000}
PROXY_THREADS=${PROXY_THREADS:-1} B_THREADS=${B_THREADS:-2} PROXY_MAX_CONNS=${PROXY_MAX_CONNS:-16000}
NGINX=${NGINX:-/usr/sbin/nginx} SMOKE=${SMOKE:-0} ACCESS_LOG=${ACCESS_LOG:-0}
SUFFIX=cmon.test

for p in cmon-sim cmon-agent cmon-proxy cmon-bench; do
    [ -x "$BIN/$p" ] || { echo "vs-nginx.sh: no $BIN/$p (build it first)" >&2; exit 2; }
done
for t in jq curl "$NGINX"; do
    command -v "$t" >/dev/null && continue
    echo "vs-nginx.sh: needs $t" >&2
    [ "$SMOKE" = 1 ] && exit 77 # the smoke test skipped where the machine has none
    exit 2
done

T=$(mktemp -d /tmp/cmon-vs-nginx.XXXXXX) || exit 1
SERVE_PID= FAILED=0
# SPORT[name], SPID[name]: the servers cmon-bench scrapes, besides the agent: proxy (serve's),
# nginx, bproxy and bnginx ((b): B_THREADS threads or worker processes), base and bbase (BASE)
declare -A SPORT=() SPID=()
cleanup() {
    local s
    for s in "${!SPID[@]}"; do
        [ "$s" != proxy ] && kill "${SPID[$s]}" 2>/dev/null && wait "${SPID[$s]}" 2>/dev/null
    done
    SPID=() SPORT=()
    [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
    SERVE_PID=
}
trap 'cleanup; [ -n "${KEEP:-}" ] && say "kept $T" || rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
say() { echo "vs-nginx: $*" >&2; }
die() { say "$*"; exit 1; }

# The proxy as serve starts it, with the per-account throttle out of the way
# (alice alone makes thousands of scrapes a second here) and PROXY_THREADS.
cat >"$T/proxy-wrap" <<EOF
#!/bin/sh
exec "$(realpath "$BIN/cmon-proxy")" "\$@" --throttle-rate 1000000000 --throttle-burst 1000000000 --threads $PROXY_THREADS --max-connections $PROXY_MAX_CONNS
EOF
chmod +x "$T/proxy-wrap"

# start_dc TAG CNS ZONES: serve in the background; sets SERVE_PID, CPLANE,
# PORT, PROXY_PID; D=$T/TAG-tls. Waits for the "prometheus-config" line.
start_dc() {
    local tag=$1 out=$T/$1.out
    D=$T/$1-tls
    "$BIN/cmon-sim" serve --cns "$2" --zones "$3" --accounts admin:operator,alice \
        --tls-dir "$D" --proxy 127.0.0.1:0 --proxy-bin "$T/proxy-wrap" \
        --world "/dev/shm/cmon-vs-nginx-$$-$tag" >"$out" 2>"$T/$tag.err" &
    SERVE_PID=$!
    for _ in $(seq 1 1200); do
        grep -q '^prometheus-config ' "$out" && break
        kill -0 "$SERVE_PID" 2>/dev/null || { cat "$T/$tag.err" >&2; die "serve exited"; }
        sleep 0.5
    done
    grep -q '^prometheus-config ' "$out" || die "serve not ready after 600 s"
    CPLANE=$(sed -n 's/^cplane //p' "$out")
    PORT=$(sed -n 's/^proxy 127\.0\.0\.1://p' "$out")
    PROXY_PID=$(pgrep -P "$SERVE_PID" -x cmon-proxy)
    [ -n "$CPLANE" ] && [ -n "$PORT" ] && [ -n "$PROXY_PID" ] || die "serve printed no cplane/proxy"
    SPORT[proxy]=$PORT SPID[proxy]=$PROXY_PID
}

# list_vms FILE: every running VM as "uuid owner server" lines, page by page.
list_vms() {
    local off=0 total=1
    : >"$1"
    while [ "$off" -lt "$total" ]; do
        curl -sf "$CPLANE/vms?state=running&limit=1000&offset=$off" >"$T/page.json" ||
            die "control plane: /vms offset $off failed"
        total=$(jq .total "$T/page.json")
        jq -r '.vms[] | "\(.uuid) \(.owner_uuid) \(.server_uuid)"' "$T/page.json" >>"$1"
        off=$((off + 1000))
    done
}

vmhwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# start_proxy NAME BUILD THREADS [FLAG...]: BUILD's cmon-proxy beside serve's, with
# serve's flags (its command line) but its own port, --threads THREADS and the
# FLAGs; sets SPID[NAME], SPORT[NAME].
start_proxy() {
    local name=$1 build=$2 threads=$3 args=() a skip=
    shift 3
    [ -x "$build/bin/cmon-proxy" ] || die "$name: no $build/bin/cmon-proxy"
    while IFS= read -r -d '' a; do
        case $skip in
        listen) a=127.0.0.1:0 skip= ;;
        threads) skip= && continue ;;
        esac
        [ "$a" = --listen ] && skip=listen
        [ "$a" = --threads ] && skip=threads && continue
        args+=("$a")
    done <"/proc/$PROXY_PID/cmdline"
    "$build/bin/cmon-proxy" "${args[@]:1}" --threads "$threads" "$@" 2>"$T/$name.err" &
    SPID[$name]=$!
    for _ in $(seq 1 100); do
        SPORT[$name]=$(sed -n 's/^listening on 127\.0\.0\.1://p' "$T/$name.err")
        [ -n "${SPORT[$name]}" ] && break
        sleep 0.1
    done
    [ -n "${SPORT[$name]}" ] || die "$name: cmon-proxy did not start: $(cat "$T/$name.err")"
    say "$name: cmon-proxy ($build, --threads $threads) on 127.0.0.1:${SPORT[$name]} (pid ${SPID[$name]})"
}

# ---- the data center ----
say "serve --cns $CNS --zones $ZONES (building the worlds)"
start_dc dc "$CNS" "$ZONES"
ALICE=$(curl -sf "$CPLANE/accounts/alice" | jq -r .uuid)
curl -sf "$CPLANE/servers" | jq -r '.servers[] | "\(.uuid) \(.agent) \(.hostname)"' >"$T/servers"
list_vms "$T/vms"
awk -v a="$ALICE" '$2 == a {print $1}' "$T/vms" >"$T/alice.uuids"
N_ALICE=$(wc -l <"$T/alice.uuids")
N_ALL=$(wc -l <"$T/vms")
say "control plane: $N_ALL running instances, alice owns $N_ALICE, $(wc -l <"$T/servers") nodes"
[ "$N_ALICE" -gt 0 ] || die "alice owns no instance"
read -r CN0 AGENT0 _ <"$T/servers"
awk -v a="$ALICE" -v s="$CN0" '$2 == a && $3 == s {print $1}' "$T/vms" >"$T/cn0.uuids"
# (a) and (c) hold a keep-alive connection per instance to both servers from one
# cmon-bench: two clients' worth of descriptors must fit under the hard limit
# (cmon-bench raises its soft limit to it and gives each client half).
FD_LIMIT=$(ulimit -Hn)
[ "$FD_LIMIT" = unlimited ] && FD_LIMIT=1048576
N_KA=$(( (FD_LIMIT - 128) / 2 - 512 ))
[ "$N_KA" -gt "$N_ALICE" ] && N_KA=$N_ALICE
[ "$N_KA" -gt 0 ] || die "ulimit -Hn $FD_LIMIT leaves no descriptors for connections"
head -n "$N_KA" "$T/alice.uuids" >"$T/ka.uuids"
[ "$N_KA" -lt "$N_ALICE" ] &&
    say "(a), (c): $N_KA of alice's $N_ALICE instances (ulimit -Hn $FD_LIMIT: a connection each to two servers)"

# ---- nginx: the same certificate, a map $host -> node, an upstream a node ----
NG=$T/nginx
mkdir -p "$NG"
{
    echo "daemon off; master_process off; worker_processes 1; worker_rlimit_nofile 20000;"
    echo "pid $NG/nginx.pid; error_log $NG/error.log warn;"
    echo "events { worker_connections 19000; }"
    echo "http {"
    echo "  access_log off; client_body_temp_path $NG/body; proxy_temp_path $NG/proxy;"
    echo "  fastcgi_temp_path $NG/fastcgi; uwsgi_temp_path $NG/uwsgi; scgi_temp_path $NG/scgi;"
    echo "  keepalive_requests 100000000; keepalive_timeout 300s; tcp_nodelay on;"
    echo "  ssl_protocols TLSv1.2 TLSv1.3; map_hash_max_size 262144; map_hash_bucket_size 128;"
    while read -r uuid agent host; do
        echo "  upstream $host { server $agent; keepalive 64; }"
    done <"$T/servers"
    echo "  map \$host \$cmon_node {"
    echo "    hostnames; default \"\";"
    awk 'NR == FNR {node[$1] = $3; next} {print "    " $1 ".'$SUFFIX' " node[$3] ";"}' \
        "$T/servers" "$T/vms"
    echo "  }"
    echo "  server {"
    echo "    listen 127.0.0.1:0 ssl;"
    echo "    ssl_certificate $D/proxy.pem; ssl_certificate_key $D/proxy-key.pem;"
    echo "    ssl_verify_client optional_no_ca;"
    echo "    server_name \"~^(?<cmon_uuid>[0-9a-f-]{36})\\.${SUFFIX//./\\.}\$\";"
    echo "    location = /metrics {"
    echo "      if (\$cmon_node = \"\") { return 404; }"
    echo "      proxy_pass http://\$cmon_node/v1/\$cmon_uuid/metrics;"
    echo "      proxy_http_version 1.1; proxy_set_header Connection \"\";"
    echo "    }"
    echo "    location / { return 404; }"
    echo "  }"
    echo "}"
} >"$NG/nginx.conf.in"
# start_nginx NAME WORKERS: nginx.conf.in on a port of its own, one process
# (WORKERS 1) or a master and WORKERS worker processes; sets SPID[NAME] (the
# process, or the master), SPORT[NAME].
start_nginx() {
    local name=$1 workers=$2 port pid= procs="master_process off; worker_processes 1;"
    [ "$workers" -gt 1 ] && procs="master_process on; worker_processes $workers;"
    for _ in 1 2 3 4 5; do
        port=$(( (RANDOM % 20000) + 30000 ))
        sed -e "s/listen 127.0.0.1:0 ssl/listen 127.0.0.1:$port ssl/" \
            -e "s/master_process off; worker_processes 1;/$procs/" \
            -e "s|pid $NG/nginx.pid;|pid $NG/$name.pid;|" "$NG/nginx.conf.in" >"$NG/$name.conf"
        "$NGINX" -p "$NG" -c "$NG/$name.conf" -e "$NG/error.log" 2>>"$NG/error.log" &
        pid=$!
        SPID[$name]=$pid # from now on: cleanup stops it, should the script be stopped here
        for _ in $(seq 1 50); do
            curl -s -o /dev/null -k "https://127.0.0.1:$port/" && break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && curl -s -o /dev/null -k "https://127.0.0.1:$port/" && break
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
        unset "SPID[$name]"
        pid=
    done
    [ -n "$pid" ] || { cat "$NG/error.log" >&2; die "nginx ($name) did not start"; }
    SPORT[$name]=$port
    say "$name: nginx ($workers worker process(es)) on 127.0.0.1:$port (pid $pid)"
}
start_nginx nginx 1
HWM_START=$(vmhwm "$PROXY_PID") # the inventory listed, no client yet
say "cmon-proxy on 127.0.0.1:$PORT (pid $PROXY_PID, --threads $PROXY_THREADS)"
# (b) as the proxy is deployed (B_THREADS, its default), nginx with as many workers
B_FLAGS=()
[ "$ACCESS_LOG" = 1 ] && B_FLAGS=(--access-log "$T/bproxy.access")
start_proxy bproxy "$BUILD" "$B_THREADS" "${B_FLAGS[@]}"
start_nginx bnginx "$B_THREADS"
if [ -n "${BASE:-}" ]; then
    start_proxy base "$BASE" "$PROXY_THREADS"
    start_proxy bbase "$BASE" "$B_THREADS"
fi

# Each answers the same instance with alice's certificate.
one=$(head -1 "$T/alice.uuids")
for p in "${SPORT[@]}"; do
    code=$(curl -s -o "$T/one.txt" -w '%{http_code}' --cacert "$D/ca.pem" \
        --cert "$D/alice.pem" --key "$D/alice-key.pem" \
        --resolve "$one.$SUFFIX:$p:127.0.0.1" "https://$one.$SUFFIX:$p/metrics")
    [ "$code" = 200 ] && grep -q '^cpu_user_usage' "$T/one.txt" ||
        die "port $p: $one.$SUFFIX/metrics answered $code"
done

# bench NAME SERVER ARGS...: one cmon-bench run, its JSON in $T/NAME.json.
bench() {
    local name=$1 server=$2
    shift 2
    local port=${SPORT[$server]:-} pid=${SPID[$server]:-} url
    url="https://{uuid}.$SUFFIX:$port/metrics"
    if [ "$server" = agent ]; then
        set -- --url-template "http://$AGENT0/v1/{uuid}/metrics" --uuids "$T/cn0.uuids" "$@"
    else
        set -- --url-template "$url" --uuids "$T/alice.uuids" --pid "$pid" \
            --resolve "*:$port:127.0.0.1" --cacert "$D/ca.pem" --cert "$D/alice.pem" \
            --key "$D/alice-key.pem" "$@"
    fi
    "$BIN/cmon-bench" --duration "$DURATION" --warmup "$WARMUP" --quiet --json "$T/$name.json" \
        "$@" >"$T/$name.txt" 2>&1 || { FAILED=1; say "$name: cmon-bench failed: $(tail -2 "$T/$name.txt")"; }
    local ok err
    ok=$(jq -r '.ok // 0' "$T/$name.json" 2>/dev/null || echo 0)
    err=$(jq -r '.errors.total // 1' "$T/$name.json" 2>/dev/null || echo 1)
    say "$name: $(jq -r '"\(.scrapes_per_s | floor) scrapes/s, p99 \(.latency_ms.p99) ms, CPU s/1000 \(.agent_cpu_s_per_1000)"' "$T/$name.json" 2>/dev/null), $ok ok, $err errors"
    [ "$ok" -gt 0 ] && [ "$err" -eq 0 ] || FAILED=1
}

median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
field() { jq -r "$2" "$T/$1.json" 2>/dev/null || echo nan; }

# ---- the measures: two servers taking turns inside one cmon-bench run ----
# url_of SERVER / pid_of SERVER: how cmon-bench names and watches a server of SPORT, or agent
url_of() {
    if [ "$1" = agent ]; then
        echo "http://$AGENT0/v1/{uuid}/metrics"
    else
        echo "https://{uuid}.$SUFFIX:${SPORT[$1]}/metrics"
    fi
}
pid_of() {
    # a master's CPU is not its workers': nginx with workers is not watched
    [ "$1" = bnginx ] && [ "$B_THREADS" -gt 1 ] && return
    echo "${SPID[$1]:-}"
}
# vs NAME FIRST SECOND UUIDS ARGS...: FIRST against SECOND (--versus-template), ROUNDS
# turns of DURATION s each after WARMUP s, with alice's certificate; JSON in $T/NAME.json.
vs() {
    local name=$1 first=$2 second=$3 uuids=$4 p
    shift 4
    local args=(--url-template "$(url_of "$first")" --versus-template "$(url_of "$second")"
        --uuids "$uuids" --cacert "$D/ca.pem" --cert "$D/alice.pem" --key "$D/alice-key.pem"
        --rounds "$ROUNDS" --duration "$(awk -v r="$ROUNDS" -v d="$DURATION" 'BEGIN {print r * d}')"
        --warmup "$WARMUP" --quiet --json "$T/$name.json")
    for p in "${SPORT[@]}"; do args+=(--resolve "*:$p:127.0.0.1"); done
    [ -n "$(pid_of "$first")" ] && args+=(--pid "$(pid_of "$first")")
    [ -n "$(pid_of "$second")" ] && args+=(--versus-pid "$(pid_of "$second")")
    "$BIN/cmon-bench" "${args[@]}" "$@" >"$T/$name.txt" 2>&1 ||
        { FAILED=1; say "$name: cmon-bench failed: $(tail -2 "$T/$name.txt")"; }
    local ok rok err
    ok=$(jq -r '.ok // 0' "$T/$name.json" 2>/dev/null || echo 0)
    rok=$(jq -r '.reference.ok // 0' "$T/$name.json" 2>/dev/null || echo 0)
    err=$(jq -r '(.errors.total // 1) + (.reference.errors.total // 1)' "$T/$name.json" 2>/dev/null || echo 1)
    say "$name: $first $(jq -r '"\(.scrapes_per_s | floor)/s p99 \(.latency_ms.p99) ms;"' "$T/$name.json" 2>/dev/null)" \
        "$second $(jq -r '"\(.reference.scrapes_per_s | floor)/s p99 \(.reference.latency_ms.p99) ms"' "$T/$name.json" 2>/dev/null)," \
        "$ok + $rok ok, $err errors"
    [ "$ok" -gt 0 ] && [ "$rok" -gt 0 ] && [ "$err" -eq 0 ] || FAILED=1
}
# rounds NAME JQ: JQ (over one element of by_round) for each round, one a line
rounds() { jq -r ".by_round[] | $2" "$T/$1.json" 2>/dev/null; }

say "(a) keep-alive, $KA_CONC in flight: cmon-proxy and nginx taking turns, $ROUNDS x ${DURATION} s each"
vs ka proxy nginx "$T/ka.uuids" --concurrency "$KA_CONC"
say "(b) open loop at $RATE/s: each proxy and the agent alone taking turns (cn0's instances)"
[ "$ACCESS_LOG" = 1 ] && LINES_BEFORE=$(wc -l <"$T/bproxy.access")
vs open-proxy bproxy agent "$T/cn0.uuids" --rate "$RATE" --concurrency 32
# ACCESS_LOG: the proxy's own times of the measured scrapes, its turns' (the last lines).
# The run's lines, one a request cmon-bench made of it: the priming pass's, one a connection
# opened before the warm-up, the warm-up's (about RATE x WARMUP; twice that allowed) and the
# measured ones (so lines written twice, or more lost than the warm-up made, fall outside);
# each a scrape of alice's answered whole (200, done, an agent time within the proxy's).
if [ "$ACCESS_LOG" = 1 ]; then
    tail -n "+$((LINES_BEFORE + 1))" "$T/bproxy.access" >"$T/bproxy.run"
    read -r N_MEASURED N_LEAST N_MOST < <(jq -r --argjson r "$RATE" --argjson w "$WARMUP" \
        '[.requests, .requests + .primed + .instances,
          .requests + .primed + .instances + ($r * $w * 2 | ceil) + .concurrency] | @tsv' \
        "$T/open-proxy.json" 2>/dev/null || echo "0 1 0")
    tail -n "$((N_MEASURED > 0 ? N_MEASURED : 1))" "$T/bproxy.run" >"$T/bproxy.measured"
    n_run=$(wc -l <"$T/bproxy.run")
    bad=$(awk -v s="$SUFFIX" 'NF != 10 || $3 != "alice" || $4 != "GET" || index($5, "." s ":") == 0 ||
          $6 != "/metrics" || $7 != 200 || $9 == "-" || $9 + 0 > $8 + 0 || $10 != "done"' \
          "$T/bproxy.run" | head -1)
    [ "$n_run" -ge "$N_LEAST" ] && [ "$n_run" -le "$N_MOST" ] && [ -z "$bad" ] ||
        { FAILED=1; say "access log: $n_run lines for the run, $N_LEAST to $N_MOST requests; ${bad:-}"; }
fi
vs open-nginx bnginx agent "$T/cn0.uuids" --rate "$RATE" --concurrency 32
# and the two proxies against each other, in the same minute (each against the agent above
# is a run of its own, a minute apart)
vs open-pn bproxy bnginx "$T/cn0.uuids" --rate "$RATE" --concurrency 32 --no-prime
say "(c) full handshakes: cmon-proxy and nginx taking turns"
vs hs proxy nginx "$T/ka.uuids" --no-keepalive --no-prime --concurrency "$HS_CONC"
if [ -n "${BASE:-}" ]; then
    say "BASE: this cmon-proxy and the base's taking turns in (a), (b) and (c)"
    vs ka-base proxy base "$T/ka.uuids" --concurrency "$KA_CONC" --no-prime
    vs open-base bbase agent "$T/cn0.uuids" --rate "$RATE" --concurrency 32 --no-prime
    vs hs-base proxy base "$T/ka.uuids" --no-keepalive --no-prime --concurrency "$HS_CONC"
fi

# ---- (d) discovery: 20 requests over one connection (the first pays the handshake) ----
# discover TAG [CURL ARGS]: 20 times, one time_total (s) a line in $T/TAG.times
discover() {
    local tag=$1 args=()
    shift
    for _ in $(seq 1 20); do args+=(-o /dev/null "https://cmon.$SUFFIX:$PORT/v1/discover"); done
    curl -s --cacert "$D/ca.pem" --cert "$D/alice.pem" --key "$D/alice-key.pem" \
        --resolve "cmon.$SUFFIX:$PORT:127.0.0.1" "$@" -w '%{http_code} %{time_total}\n' \
        "${args[@]}" >"$T/$tag.times"
    grep -qv '^200 ' "$T/$tag.times" && { FAILED=1; say "discovery $tag: not all 200"; }
}
curl -s --cacert "$D/ca.pem" --cert "$D/alice.pem" --key "$D/alice-key.pem" \
    --resolve "cmon.$SUFFIX:$PORT:127.0.0.1" "https://cmon.$SUFFIX:$PORT/v1/discover" >"$T/disc.json"
N_DISC=$(jq '.containers | length' "$T/disc.json")
[ "$N_DISC" -eq "$N_ALICE" ] || { FAILED=1; say "discovery lists $N_DISC, the control plane $N_ALICE"; }
discover disc-plain
discover disc-gzip --compressed
DISC_BYTES=$(wc -c <"$T/disc.json")
HWM_DC=$(vmhwm "$PROXY_PID")
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the table ----
ms() { awk '{printf "%.2f\n", $2 * 1000}' "$T/$1.times"; }
# quantiles FILE FIELD: p50 p99 p99.9 of FIELD (seconds) of the lines of FILE, in ms ("-": 0)
quantiles() {
    awk -v f="$2" '{print ($f == "-") ? 0 : $f}' "$1" | sort -g |
        awk '{a[NR] = $1} END {if (NR == 0) {print "- - -"; exit}
             printf "%.3f %.3f %.3f\n", a[int((NR - 1) * .5) + 1] * 1000,
                    a[int((NR - 1) * .99) + 1] * 1000, a[int((NR - 1) * .999) + 1] * 1000}'
}
# pooled NAME: the run's pooled figures (every round's scrapes together)
{
    echo "cmon-proxy vs nginx, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $LOAD"
    echo "  $CNS nodes x $ZONES zones, alice $N_ALICE instances ((a), (c): $N_KA of them); in each cmon-bench run the two servers"
    echo "  take $ROUNDS turns of ${DURATION} s each (after ${WARMUP} s warm-up), connections kept between turns;"
    echo "  (a), (c): cmon-proxy --threads $PROXY_THREADS, nginx one worker process; (b): cmon-proxy --threads $B_THREADS," \
         "nginx $B_THREADS worker process(es); $(nproc) cores"
    printf '%-6s | %-31s | %-41s | %-23s\n' round "(a) keep-alive scrapes/s" \
        "(b) p99 ms at $RATE/s: +proxy (agent), +nginx (agent)" "(c) handshakes per CPU-s"
    printf '%-6s | %8s %8s %6s %6s | %6s %6s %6s %6s %6s %6s | %7s %7s %6s\n' "" proxy nginx ratio \
        cpu-r proxy agent added nginx agent added proxy nginx ratio
    paste <(rounds ka '.scrapes_per_s') <(rounds ka '.reference.scrapes_per_s') \
        <(rounds ka '.cpu_s_per_1000 // 0') <(rounds ka '.reference.cpu_s_per_1000 // 0') \
        <(rounds open-proxy '.p99_ms // 0') <(rounds open-proxy '.reference.p99_ms // 0') \
        <(rounds open-nginx '.p99_ms // 0') <(rounds open-nginx '.reference.p99_ms // 0') \
        <(rounds hs '.cpu_s_per_1000 // 0') <(rounds hs '.reference.cpu_s_per_1000 // 0') |
        awk 'function inv(x) { return (x > 0) ? 1000 / x : 0 }
             function ratio(a, b) { return (b > 0) ? a / b : 0 }
             { printf "%-6s | %8.0f %8.0f %6.2f %6.2f | %6.2f %6.2f %6.2f %6.2f %6.2f %6.2f | %7.0f %7.0f %6.2f\n",
               NR, $1, $2, ratio($1, $2), ratio($4, $3), $5, $6, $5 - $6, $7, $8, $7 - $8,
               inv($9), inv($10), ratio(inv($9), inv($10)) }' | tee "$T/rows"
    meds=()
    for c in 2 3 4 5 6 7 8 9 10 11 12 13 14; do
        meds+=("$(awk -v c="$c" '{n = 0; for (i = 1; i <= NF; i++) if ($i != "|") {n++; if (n == c) print $i}}' "$T/rows" | median)")
    done
    printf '%-6s | %8.0f %8.0f %6.2f %6.2f | %6.2f %6.2f %6.2f %6.2f %6.2f %6.2f | %7.0f %7.0f %6.2f\n' median "${meds[@]}"
    jq -r --slurpfile o "$T/open-proxy.json" --slurpfile n "$T/open-nginx.json" --slurpfile h "$T/hs.json" \
        '"pooled | \(.scrapes_per_s | floor) \(.reference.scrapes_per_s | floor) \(.ratio.scrapes_per_s * 100 | round / 100)" +
         " (CPU s/1000 scrapes: proxy \(.agent_cpu_s_per_1000), nginx \(.reference.agent_cpu_s_per_1000))" +
         " | p99 +proxy \(($o[0].latency_ms.p99 - $o[0].reference.latency_ms.p99) * 100 | round / 100)" +
         " +nginx \(($n[0].latency_ms.p99 - $n[0].reference.latency_ms.p99) * 100 | round / 100) ms" +
         " | handshakes/CPU-s proxy \(1000 / $h[0].agent_cpu_s_per_1000 | floor), nginx \(1000 / $h[0].reference.agent_cpu_s_per_1000 | floor)"' \
        "$T/ka.json" 2>/dev/null
    echo "  (a) ratio: scrapes/s proxy/nginx; cpu-r: nginx's CPU a scrape / the proxy's (its throughput on a core of its own, relative)"
    echo "(b) at $RATE/s, cmon-proxy and nginx taking turns in one run: p99 pooled" \
         "$(field open-pn '.latency_ms.p99 * 100 | round / 100') against" \
         "$(field open-pn '.reference.latency_ms.p99 * 100 | round / 100') ms; median of turns" \
         "$(rounds open-pn '.p99_ms // 0' | median) against $(rounds open-pn '.reference.p99_ms // 0' | median) ms"
    if [ "$ACCESS_LOG" = 1 ]; then
        read -r r50 r99 r999 < <(quantiles "$T/bproxy.measured" 8)
        read -r a50 a99 a999 < <(quantiles "$T/bproxy.measured" 9)
        echo "(b) inside cmon-proxy, its access log over the $(wc -l <"$T/bproxy.measured") measured scrapes, ms:" \
             "headers in to answer written p50 $r50 p99 $r99 p99.9 $r999;" \
             "waiting for the agent p50 $a50 p99 $a99 p99.9 $a999"
    fi
    echo "(d) discovery of alice ($N_DISC instances, $DISC_BYTES bytes), 20 over one connection, ms:" \
         "plain median $(ms disc-plain | median) max $(ms disc-plain | sort -g | tail -1);" \
         "gzip median $(ms disc-gzip | median) max $(ms disc-gzip | sort -g | tail -1)"
    echo "(e) cmon-proxy VmHWM: $HWM_START kB with $N_ALL instances listed, before any client; $HWM_DC kB after the runs (up to $N_ALICE client connections open)"
} | tee "$T/table"
if [ -n "${BASE:-}" ]; then
    {
        echo "this cmon-proxy (new) against BASE's ($BASE), taking turns in the same runs:"
        printf '%-6s | %8s %8s %8s %8s | %8s %8s | %8s %8s\n' round "new/s" "base/s" new/base "CPU n/b" \
            "p99 base" "+base" "hs new" "hs base"
        paste <(rounds ka-base '.scrapes_per_s') <(rounds ka-base '.reference.scrapes_per_s') \
            <(rounds ka-base '.cpu_s_per_1000 // 0') <(rounds ka-base '.reference.cpu_s_per_1000 // 0') \
            <(rounds open-base '.p99_ms // 0') <(rounds open-base '.reference.p99_ms // 0') \
            <(rounds hs-base '.cpu_s_per_1000 // 0') <(rounds hs-base '.reference.cpu_s_per_1000 // 0') |
            awk 'function inv(x) { return (x > 0) ? 1000 / x : 0 }
                 function ratio(a, b) { return (b > 0) ? a / b : 0 }
                 { printf "%-6s | %8.0f %8.0f %8.2f %8.2f | %8.2f %8.2f | %8.0f %8.0f\n",
                   NR, $1, $2, ratio($1, $2), ratio($3, $4), $5, $5 - $6, inv($7), inv($8) }' | tee "$T/base-rows"
        meds=()
        for c in 2 3 4 5 6 7 8 9; do
            meds+=("$(awk -v c="$c" '{n = 0; for (i = 1; i <= NF; i++) if ($i != "|") {n++; if (n == c) print $i}}' "$T/base-rows" | median)")
        done
        printf '%-6s | %8.0f %8.0f %8.2f %8.2f | %8.2f %8.2f | %8.0f %8.0f\n' median "${meds[@]}"
    } | tee -a "$T/table"
fi

# ---- RSS with RSS_CNS x RSS_ZONES instances ----
if [ "$RSS_ZONES" -gt 0 ]; then
    cleanup
    say "serve --cns $RSS_CNS --zones $RSS_ZONES (building the worlds)"
    start_dc rss "$RSS_CNS" "$RSS_ZONES"
    HWM_LISTED=$(vmhwm "$PROXY_PID")
    ALICE=$(curl -sf "$CPLANE/accounts/alice" | jq -r .uuid)
    list_vms "$T/vms"
    awk -v a="$ALICE" '$2 == a {print $1}' "$T/vms" >"$T/alice.uuids"
    # scrapes of 2,000 of them (each a connection of its own, kept): the inventory is what is
    # measured, and cmon-bench --no-prime over 100,000 names opened connections far past 8 s
    N_RSS_ALICE=$(wc -l <"$T/alice.uuids")
    head -2000 "$T/alice.uuids" >"$T/rss.uuids" && mv "$T/rss.uuids" "$T/alice.uuids"
    bench rss-scrapes proxy --no-prime --concurrency 16
    discover rss-disc --compressed
    discover rss-disc-plain
    echo "(e) cmon-proxy with $(wc -l <"$T/vms") instances ($RSS_CNS x $RSS_ZONES zones; alice $N_RSS_ALICE):" \
         "VmHWM $HWM_LISTED kB after the listing, $(vmhwm "$PROXY_PID") kB after" \
         "$(field rss-scrapes .ok) scrapes of 2,000 of them and 40 discoveries (median $(ms rss-disc-plain | median) ms plain)" | tee -a "$T/table"
fi

if [ "$SMOKE" = 1 ] && [ "$FAILED" -ne 0 ]; then
    say "FAILED: a run scraped nothing or counted errors (above)"
    exit 1
fi
[ "$FAILED" -eq 0 ] || say "some runs failed or counted errors (above)"
exit "$FAILED"
