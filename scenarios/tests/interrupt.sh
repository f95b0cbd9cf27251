#!/bin/bash
# interrupt.sh CMON_SIM DIR: ^C (SIGINT) on a running scenario exits 2 and
# leaves no agent process, no world file, no scratch directory.
set -u
sim=$1 dir=$2
out=$(mktemp /tmp/cmon-scn-interrupt-XXXXXX)
"$sim" run "$dir/hang.lua" >"$out" 2>&1 &
run=$!
trap 'kill "$run" 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 600); do grep -q '^SCRATCH ' "$out" && break; sleep 0.1; done
fail() { echo "interrupt: $*"; cat "$out"; exit 1; }
grep -q '^SCRATCH ' "$out" || fail "the scenario did not start"
kill -INT "$run"
rc=0
for _ in $(seq 600); do kill -0 "$run" 2>/dev/null || break; sleep 0.1; done
wait "$run"; rc=$?
pid=$(sed -n 's/^PID //p' "$out")
world=$(sed -n 's/^WORLD //p' "$out")
scratch=$(sed -n 's/^SCRATCH //p' "$out")
[ "$rc" = 2 ] || fail "exit $rc, want 2"
grep -q "interrupted" "$out" || fail "no word of the interruption"
if kill -0 "$pid" 2>/dev/null && grep -q cmon-agent "/proc/$pid/cmdline" 2>/dev/null; then
  fail "agent $pid still runs"
fi
[ ! -e "$world" ] || fail "world $world still there"
[ ! -e "$scratch" ] || fail "scratch $scratch still there"
exit 0
