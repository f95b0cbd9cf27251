#!/bin/bash
# proccleanup.sh CMON_SIM DIR: a scenario that starts a process with
# sim.process and then fails exits 2, and leaves no process and no scratch
# directory behind.
set -u
sim=$1 dir=$2
out=$(mktemp /tmp/cmon-scn-proccleanup-XXXXXX)
trap 'rm -f "$out"' EXIT
timeout 300 "$sim" run "$dir/proccleanup.lua" >"$out" 2>&1
rc=$?
pid=$(sed -n 's/^PID //p' "$out")
scratch=$(sed -n 's/^SCRATCH //p' "$out")
fail() { echo "proccleanup: $*"; cat "$out"; exit 1; }
[ "$rc" = 2 ] || fail "exit $rc, want 2"
grep -q "proccleanup.lua:8: broken on purpose" "$out" || fail "no file:line in the error"
[ -n "$pid" ] && [ -n "$scratch" ] || fail "the scenario did not get far"
if kill -0 "$pid" 2>/dev/null && grep -q "$scratch" "/proc/$pid/cmdline" 2>/dev/null; then
  kill -9 "$pid"
  fail "process $pid still runs"
fi
[ ! -e "$scratch" ] || fail "scratch $scratch still there"
exit 0
