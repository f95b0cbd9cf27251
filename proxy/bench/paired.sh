#!/bin/bash
# paired.sh NEW_BUILD BASE_BUILD - the keep-alive CPU a scrape of two builds' cmon-proxy,
# loaded at the same time. One `cmon-sim serve --cns 1 --zones $ZONES` (alice's instances);
# each round starts both proxies (--threads 1, the throttle out of the way) and one cmon-bench
# against each, side by side: closed loop, $CONC connections in flight each, every instance
# scraped over a keep-alive connection of its own, $WARMUP s of warm-up (the connections opened,
# one a instance) then $DUR s measured. Both measured windows are the same seconds, so what the
# machine's other tenants take falls on both alike: the ratio new/base of a round is steadier
# than that of two runs taking turns (README, Figures). Prints a row a round (scrapes/s, the
# proxy's CPU a 1,000 scrapes, its VmHWM with a connection an instance open) and the medians.
# Environment: ROUNDS (3), ZONES (10000), CONC (8), WARMUP (30), DUR (10).
# Exit 0 done, 1 a run failed, 2 bad usage.
set -u
[ $# = 2 ] || { echo "usage: paired.sh NEW_BUILD BASE_BUILD" >&2; exit 2; }
NEW=$1/bin OLD=$2/bin ROUNDS=${ROUNDS:-3} ZONES=${ZONES:-10000} CONC=${CONC:-8}
WARMUP=${WARMUP:-30} DUR=${DUR:-10}
for t in jq curl; do command -v $t >/dev/null || { echo "paired.sh: needs $t" >&2; exit 2; }; done
for b in "$NEW/cmon-sim" "$NEW/cmon-bench" "$NEW/cmon-proxy" "$OLD/cmon-proxy"; do
    [ -x "$b" ] || { echo "paired.sh: no $b (build it first)" >&2; exit 2; }
done
T=$(mktemp -d /tmp/cmon-paired.XXXXXX)
"$NEW/cmon-sim" serve --cns 1 --zones "$ZONES" --accounts admin:operator,alice --tls-dir "$T/tls" \
    --world "/dev/shm/cmon-paired-$$" >"$T/serve.out" 2>"$T/serve.err" &
SERVE=$!
P_NEW= P_OLD=
trap 'kill $P_NEW $P_OLD $SERVE 2>/dev/null; wait 2>/dev/null; rm -rf "/dev/shm/cmon-paired-$$" "$T"' EXIT
for _ in $(seq 600); do
    grep -q "^cplane " "$T/serve.out" && break
    kill -0 $SERVE 2>/dev/null || { cat "$T/serve.err" >&2; exit 1; }
    sleep 0.5
done
CPLANE=$(sed -n 's/^cplane //p' "$T/serve.out")
[ -n "$CPLANE" ] || { echo "paired.sh: serve printed no control plane" >&2; exit 1; }
ALICE=$(curl -sf "$CPLANE/accounts/alice" | jq -r .uuid)
: >"$T/uuids"
off=0 total=1
while [ $off -lt $total ]; do
    curl -sf "$CPLANE/vms?state=running&limit=1000&offset=$off" >"$T/page.json" || exit 1
    total=$(jq .total "$T/page.json")
    jq -r --arg a "$ALICE" '.vms[] | select(.owner_uuid == $a) | .uuid' "$T/page.json" >>"$T/uuids"
    off=$((off + 1000))
done

start() { # start BIN_DIR NAME: a cmon-proxy; prints its pid
    "$1/cmon-proxy" --listen 127.0.0.1:0 --cert "$T/tls/proxy.pem" --key "$T/tls/proxy-key.pem" \
        --cplane "$CPLANE" --throttle-rate 1e9 --throttle-burst 1e9 --threads 1 \
        --max-connections 16000 >/dev/null 2>"$T/$2.err" &
    echo $!
}
port() { sed -n 's/^listening on 127\.0\.0\.1://p' "$T/$1.err"; }
bench() { # bench NAME PID: cmon-bench against it, in the background
    local p
    p=$(port "$1")
    "$NEW/cmon-bench" --duration "$DUR" --warmup "$WARMUP" --no-prime --quiet --json "$T/$1.json" \
        --url-template "https://{uuid}.cmon.test:$p/metrics" --uuids "$T/uuids" --pid "$2" \
        --resolve "*:$p:127.0.0.1" --cacert "$T/tls/ca.pem" --cert "$T/tls/alice.pem" \
        --key "$T/tls/alice-key.pem" --concurrency "$CONC" >"$T/$1.txt" 2>&1 &
}
field() { jq -r "$2 // 0" "$T/$1.json" 2>/dev/null || echo 0; }

echo "cmon-proxy $NEW against $OLD, $(wc -l <"$T/uuids") instances, $CONC in flight each, same ${DUR} s"
printf '%-6s | %9s %9s %8s | %12s %12s %8s | %9s %9s\n' round "new/s" "base/s" new/base "new ms/1000" \
    "base ms/1000" new/base "new MB" "base MB"
for r in $(seq "$ROUNDS"); do
    P_NEW=$(start "$NEW" new) P_OLD=$(start "$OLD" old)
    for _ in $(seq 50); do [ -n "$(port new)" ] && [ -n "$(port old)" ] && break; sleep 0.1; done
    [ -n "$(port new)" ] && [ -n "$(port old)" ] || { cat "$T/new.err" "$T/old.err" >&2; exit 1; }
    bench new "$P_NEW"
    B1=$!
    bench old "$P_OLD"
    B2=$!
    wait $B1 $B2
    kill $P_NEW $P_OLD
    wait $P_NEW $P_OLD 2>/dev/null
    P_NEW= P_OLD=
    for b in new old; do
        [ "$(field $b .ok)" -gt 0 ] && [ "$(field $b .errors.total)" = 0 ] ||
            { echo "paired.sh: round $r, $b: $(cat "$T/$b.txt")" >&2; exit 1; }
    done
    awk -v r="$r" -v sn="$(field new .scrapes_per_s)" -v so="$(field old .scrapes_per_s)" \
        -v cn="$(field new .agent_cpu_s_per_1000)" -v co="$(field old .agent_cpu_s_per_1000)" \
        -v mn="$(field new .agent_peak_rss_kb)" -v mo="$(field old .agent_peak_rss_kb)" \
        'BEGIN { printf "%-6s | %9.0f %9.0f %8.2f | %12.4f %12.4f %8.2f | %9.1f %9.1f\n", r, sn, so,
                 sn / so, cn, co, cn / co, mn / 1024, mo / 1024 }' | tee -a "$T/rows"
done
sort -k5 -n "$T/rows" | awk '{a[NR] = $5} END {printf "median new/base scrapes/s %.2f", a[int((NR + 1) / 2)]}'
sort -k9 -n "$T/rows" | awk '{a[NR] = $9} END {printf ", CPU a scrape %.2f\n", a[int((NR + 1) / 2)]}'
