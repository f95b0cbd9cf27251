#!/bin/bash
# sched-ab.sh NEW_BUILD BASE_BUILD - where a scrape's time goes between threads: the
# cmon-proxy of two builds beside one `cmon-sim serve --cns 3 --zones $ZONES` (alice's
# instances), each --threads 1, an open loop at $RATE scrapes/s (cmon-bench, 32 connections,
# alice's certificate) through each in turn, $RUNS rounds, under `perf sched record -a`.
# For each run: p50/p99, the proxy's context switches a scrape (every thread's, from
# /proc/PID/task/*/status, priming and warm-up included) and `perf sched latency` for the
# proxy's threads: CPU time, wake-ups ("Switches") and how long a wake-up waited runnable
# before it ran (average, maximum). Needs perf, jq, curl; root or perf_event_paranoid <= 1.
# Environment: RUNS (3), DUR (5 s a run), ZONES (300 a node), RATE (2000).
set -u
[ $# = 2 ] || { echo "usage: sched-ab.sh NEW_BUILD BASE_BUILD" >&2; exit 2; }
NEW=$1/bin OLD=$2/bin RUNS=${RUNS:-3} DUR=${DUR:-5} RATE=${RATE:-2000}
for t in perf jq curl; do command -v $t >/dev/null || { echo "sched-ab.sh: needs $t" >&2; exit 2; }; done
T=$(mktemp -d /tmp/cmon-sched-ab.XXXXXX)
$NEW/cmon-sim serve --cns 3 --zones ${ZONES:-300} --accounts admin:operator,alice --tls-dir $T/tls \
  --world /dev/shm/p99-sched-$$ >$T/serve.out 2>$T/serve.err &
SERVE=$!
P_OLD= P_NEW=
trap 'kill $P_OLD $P_NEW $SERVE 2>/dev/null; wait; rm -rf /dev/shm/p99-sched-$$ "$T"' EXIT
for _ in $(seq 600); do grep -q "^cplane " $T/serve.out && curl -sf "$(sed -n "s/^cplane //p" $T/serve.out)/accounts/alice" >/dev/null && break; sleep 0.5; done
CPLANE=$(sed -n 's/^cplane //p' $T/serve.out)
ALICE=$(curl -sf $CPLANE/accounts/alice | jq -r .uuid)
curl -sf "$CPLANE/vms?state=running&limit=1000" | jq -r --arg a $ALICE '.vms[] | select(.owner_uuid == $a) | .uuid' > $T/uuids
start() { $1/cmon-proxy --listen 127.0.0.1:0 --cert $T/tls/proxy.pem --key $T/tls/proxy-key.pem --cplane $CPLANE \
   --throttle-rate 1e9 --throttle-burst 1e9 --threads 1 --max-connections 16000 >/dev/null 2>$T/$2.err & echo $!; }
P_OLD=$(start $OLD old); P_NEW=$(start $NEW new)
sleep 2
port() { sed -n 's/^listening on 127\.0\.0\.1://p' $T/$1.err; }
ctx() { cat /proc/$1/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }
for r in $(seq $RUNS); do for b in old new; do
  pid=$([ $b = old ] && echo $P_OLD || echo $P_NEW); p=$(port $b)
  c0=$(ctx $pid)
  perf sched record -a -o $T/$b-$r.data -- $NEW/cmon-bench --duration $DUR --warmup 1 --quiet --json $T/$b-$r.json \
     --url-template "https://{uuid}.cmon.test:$p/metrics" --uuids $T/uuids --pid $pid --resolve "*:$p:127.0.0.1" \
     --cacert $T/tls/ca.pem --cert $T/tls/alice.pem --key $T/tls/alice-key.pem --rate $RATE --concurrency 32 >/dev/null 2>&1
  c1=$(ctx $pid); ok=$(jq .ok $T/$b-$r.json)
  echo "== $([ $b = old ] && echo base || echo new) round $r: p99 $(jq .latency_ms.p99 $T/$b-$r.json) ms, p50 $(jq .latency_ms.p50 $T/$b-$r.json) ms, $ok ok, context switches a scrape $(awk -v a=$c0 -v b=$c1 -v n=$ok 'BEGIN {printf "%.2f", (b - a) / n}')"
  perf sched latency -i $T/$b-$r.data --sort max 2>/dev/null | grep -E "cmon-proxy|Task"
done; done
