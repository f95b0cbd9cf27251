#!/bin/bash
# soak.sh - cmon-agent under churn, faults and full-rate scrapes for a while
# (issue 15, item 6): no crash, no 5xx, every body checked valid, and RSS
# flat after the warm-up.
#
# usage: agent/test/soak.sh [-b BUILD_DIR] [-d SECONDS] [-z ZONES] [-c CHURN_PER_S]
#                           [-r REBOOTS_PER_S] [-w WARMUP_S] [-g GROWTH_PCT] [-o OUT_DIR]
#
# The node: `cmon-sim serve --zones Z --churn C --reboots R` with its vminfod
# and kstat faults on for every zone, set through its control socket
# (`cmon-sim ctl fault set`: tcp EIO 1 %, zone_vfs EAGAIN 1 %, memory_cap
# ENXIO 0.5 %), and cmon-agent on it with its defaults (cache 10 s, zfs TTL
# 300 s). For SECONDS of real time, at once:
#   - load: wrk, 8 connections, each request a random instance of the node's
#     /v1/discover (re-read every 10 s, so new zones are scraped and destroyed
#     ones answer 404), and a second wrk on /v1/gz/metrics: as fast as they go;
#   - checks: a loop fetching instance answers (text 0.0.4, OpenMetrics and
#     gzip in turn) and /v1/gz/metrics with curl, each 200 body through
#     cmon-conform; any other status than 200 or 404 (404: the zone is gone)
#     is a failure;
#   - RSS: VmRSS of /proc/PID/status every 5 s (OUT_DIR/rss.tsv).
# Then: the agent and serve must still run, the agent's own count of 5xx
# answers (cmon_agent_http_requests_total) must be 0, every checked body
# valid; and when the run lasts past WARMUP_S + 10 minutes, the mean RSS of
# its last minute may exceed that of the minute after the warm-up by at most
# GROWTH_PCT (default 2). A short run checks everything but that slope.
# Exit 0 all held, 1 a check failed, 2 usage or a tool missing.
# The figures (RSS at minutes 1, 5, 10, 20, 30, requests, 404s, 5xx, bodies)
# are printed at the end and kept in OUT_DIR (default: a temporary directory,
# removed unless a check failed).
set -u
BUILD=build
DUR=60
ZONES=2000
CHURN=5
REBOOTS=2
WARMUP=300
GROWTH=2
OUT=""
while getopts "b:d:z:c:r:w:g:o:" o; do
  case $o in
    b) BUILD=$OPTARG ;; d) DUR=$OPTARG ;; z) ZONES=$OPTARG ;; c) CHURN=$OPTARG ;;
    r) REBOOTS=$OPTARG ;; w) WARMUP=$OPTARG ;; g) GROWTH=$OPTARG ;; o) OUT=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-d SECONDS] [-z ZONES] [-c CHURN] [-r REBOOTS]" \
            "[-w WARMUP_S] [-g GROWTH_PCT] [-o OUT_DIR]" >&2; exit 2 ;;
  esac
done
for n in "$DUR" "$ZONES" "$WARMUP"; do
  case $n in '' | *[!0-9]*) echo "soak.sh: not a whole number: '$n'" >&2; exit 2 ;; esac
done
for t in wrk curl awk; do
  command -v $t >/dev/null || { echo "soak.sh: $t is missing (debian-packages.txt)" >&2; exit 2; }
done
BIN=$(cd "$BUILD/bin" 2>/dev/null && pwd) || { echo "soak.sh: no $BUILD/bin" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
KEEP=1
if [ -z "$OUT" ]; then OUT=$(mktemp -d /tmp/cmon-soak-XXXXXX); KEEP=0; fi
mkdir -p "$OUT" || exit 2
WORLD=/dev/shm/cmon-soak-$$.world
PIDS=()
FAILED=0

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -f "$WORLD"
  [ $KEEP = 0 ] && [ $FAILED = 0 ] && rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "soak: FAIL: $*" >&2; FAILED=1; }

wait_for() { # file pattern -> the first matching line
  for _ in $(seq 1 600); do
    grep -m1 "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "soak.sh: timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}

# ---- the node and the agent ------------------------------------------------
"$BIN/cmon-sim" serve --zones "$ZONES" --world "$WORLD" --churn "$CHURN" --reboots "$REBOOTS" \
  --vminfod 127.0.0.1:0 >"$OUT/serve.out" 2>"$OUT/serve.err" &
SERVE=$!
PIDS+=("$SERVE")
wait_for "$OUT/serve.out" "^/" >/dev/null
VMINFOD=$(wait_for "$OUT/serve.err" "vminfod on" | sed 's/.*vminfod on //')
for f in "tcp EIO 0.01" "zone_vfs EAGAIN 0.01" "memory_cap ENXIO 0.005"; do
  set -- $f
  "$BIN/cmon-sim" ctl -w "$WORLD" fault set --module "$1" --errno "$2" --rate "$3" >/dev/null ||
    { echo "soak.sh: cannot set the fault $f" >&2; exit 1; }
done
CMON_SIM_WORLD=$WORLD "$BIN/cmon-agent" --listen 127.0.0.1:0 --vminfod "$VMINFOD" \
  --ntpq "$BIN/../lib/cmon-sim/ntpq" >"$OUT/agent.log" 2>&1 &
AGENT=$!
PIDS+=("$AGENT")
URL=http://$(wait_for "$OUT/agent.log" "listening on" | sed 's/.*listening on //')
echo "soak: $ZONES zones, churn $CHURN/s, reboots $REBOOTS/s, faults on; agent pid $AGENT at $URL;" \
  "${DUR} s; out $OUT"

# ---- RSS every 5 s -----------------------------------------------------------
rss_sampler() {
  local t0=$SECONDS
  while kill -0 $AGENT 2>/dev/null; do
    awk -v t=$((SECONDS - t0)) '/^VmRSS/ {print t "\t" $2}' /proc/$AGENT/status
    sleep 5
  done
}
rss_sampler >"$OUT/rss.tsv" &
PIDS+=("$!")

# ---- load --------------------------------------------------------------------
paths() { # the instances discovery lists now, as paths
  curl -sf "$URL/v1/discover" | grep -o '"vm_uuid":"[^"]*"' | sed 's|"vm_uuid":"\(.*\)"|/v1/\1/metrics|'
}
load_loop() { # wrk on the instances, 10 s at a time
  local end=$((SECONDS + DUR)) n=0
  while [ $SECONDS -lt $end ]; do
    paths >"$OUT/paths.new" && [ -s "$OUT/paths.new" ] && mv "$OUT/paths.new" "$OUT/paths"
    local left=$((end - SECONDS))
    [ $left -gt 10 ] && left=10
    [ $left -lt 1 ] && break
    PATHS=$OUT/paths wrk -t1 -c8 -d${left}s -s "$HERE/../bench/random-zone.lua" "$URL" \
      >"$OUT/wrk-vm.$n.txt" 2>&1
    n=$((n + 1))
  done
}
load_loop &
PIDS+=("$!")
wrk -t1 -c2 -d${DUR}s "$URL/v1/gz/metrics" >"$OUT/wrk-gz.txt" 2>&1 &
PIDS+=("$!")

# ---- checks: answers fetched and validated while the load runs ----------------
check_one() { # path accept gzip(0/1) -> appends a line to checks.tsv
  local hdr=() f=$OUT/body format=text
  [ "$2" = om ] && hdr+=(-H "Accept: application/openmetrics-text; version=1.0.0") && format=openmetrics
  [ "$3" = 1 ] && hdr+=(--compressed)
  local code
  code=$(curl -s -o "$f" -w '%{http_code}' "${hdr[@]}" "$URL$1")
  case $code in
    200)
      if "$BIN/cmon-conform" --format $format "$f" >/dev/null 2>"$OUT/conform.err"; then
        echo -e "$1\t$2\t$3\t200\tvalid"
      else
        echo -e "$1\t$2\t$3\t200\tINVALID"
        cp "$f" "$OUT/invalid.$(date +%s%N)"
        head -3 "$OUT/conform.err" >&2
      fi ;;
    404) echo -e "$1\t$2\t$3\t404\t-" ;;
    *) echo -e "$1\t$2\t$3\t$code\tBAD" ;;
  esac
}
check_loop() {
  local end=$((SECONDS + DUR)) i=0
  while [ $SECONDS -lt $end ]; do
    [ -s "$OUT/paths" ] || { sleep 0.2; continue; }
    local p fmt
    p=$(shuf -n1 "$OUT/paths")
    case $((i % 3)) in 0) fmt="text 0" ;; 1) fmt="om 0" ;; *) fmt="text 1" ;; esac
    check_one "$p" $fmt
    [ $((i % 20)) = 0 ] && check_one /v1/gz/metrics $fmt
    i=$((i + 1))
  done
}
check_loop >"$OUT/checks.tsv"

wait "${PIDS[3]}" "${PIDS[4]}" 2>/dev/null # the two loads
sleep 1

# ---- verdict -----------------------------------------------------------------
kill -0 $AGENT 2>/dev/null || fail "the agent is gone (crashed?): $(tail -3 "$OUT/agent.log")"
kill -0 $SERVE 2>/dev/null || fail "serve is gone: $(tail -3 "$OUT/serve.err")"
curl -sf "$URL/metrics" >"$OUT/self.txt" || fail "the agent does not answer /metrics"
by_code() { awk -v re="$1" '$1 ~ "^cmon_agent_http_requests_total\\{code=\"" re "\"\\}" {s += $2} END {print s + 0}' "$OUT/self.txt"; }
N5XX=$(by_code '5[0-9][0-9]')
N404=$(by_code 404)
N200=$(by_code 200)
NREQ=$(by_code '[0-9]+')
CHECKED=$(awk -F'\t' '$5 == "valid"' "$OUT/checks.tsv" | wc -l)
INVALID=$(awk -F'\t' '$5 == "INVALID"' "$OUT/checks.tsv" | wc -l)
BAD=$(awk -F'\t' '$5 == "BAD"' "$OUT/checks.tsv" | wc -l)
C404=$(awk -F'\t' '$4 == "404"' "$OUT/checks.tsv" | wc -l)
[ "$N5XX" = 0 ] || fail "the agent answered $N5XX requests with 5xx"
[ "$INVALID" = 0 ] || fail "$INVALID bodies invalid (kept in $OUT/invalid.*)"
[ "$BAD" = 0 ] || fail "$BAD checked answers neither 200 nor 404: $(awk -F'\t' '$5 == "BAD"' "$OUT/checks.tsv" | head -3)"
[ "$CHECKED" -gt 0 ] || fail "no body was checked"
[ "$N200" -gt 0 ] || fail "no answer 200 at all"
NFAULTS=$(awk '/^cmon_agent_kstat_read_errors_total/ {s += $2} END {print s + 0}' "$OUT/self.txt")
[ "$NFAULTS" -gt 0 ] || fail "the faults never hit a kstat read (the agent counted none)"

# RSS at minute m: the sample nearest to m*60 s. Mean of [from, to) s.
rss_at() { awk -v t=$(($1 * 60)) 'NR == 1 || ($1 - t) ^ 2 < best {best = ($1 - t) ^ 2; v = $2} END {print v}' "$OUT/rss.tsv"; }
rss_mean() { awk -v a="$1" -v b="$2" '$1 >= a && $1 < b {s += $2; n++} END {if (n) printf "%.0f", s / n}' "$OUT/rss.tsv"; }
LAST=$(tail -1 "$OUT/rss.tsv" | cut -f1)
printf "soak: RSS kB"
for m in 1 5 10 20 30; do
  [ $((m * 60)) -le "${LAST:-0}" ] && printf "  min %d: %s" $m "$(rss_at $m)"
done
printf "  end (%s s): %s\n" "$LAST" "$(tail -1 "$OUT/rss.tsv" | cut -f2)"
echo "soak: requests $NREQ (200: $N200, 404: $N404, 5xx: $N5XX); bodies checked valid $CHECKED" \
  "(invalid $INVALID, other status $BAD, 404 $C404); kstat reads failed by the faults $NFAULTS"
if [ "$DUR" -ge $((WARMUP + 600)) ]; then
  A=$(rss_mean "$WARMUP" $((WARMUP + 60)))
  B=$(rss_mean $((LAST - 60)) $((LAST + 1)))
  PCT=$(awk -v a="$A" -v b="$B" 'BEGIN {printf "%.2f", (b - a) * 100 / a}')
  echo "soak: RSS mean of minute after warm-up $A kB, of the last minute $B kB: ${PCT} %" \
    "(at most $GROWTH %)"
  awk -v p="$PCT" -v g="$GROWTH" 'BEGIN {exit !(p <= g)}' || fail "RSS grew ${PCT} % after the warm-up"
else
  echo "soak: ${DUR} s: no RSS slope (needs $((WARMUP + 600)) s or more)"
fi
[ $FAILED = 0 ] && echo "soak: ok" || echo "soak: failed; everything is in $OUT"
exit $FAILED
