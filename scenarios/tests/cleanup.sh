#!/bin/bash
# cleanup.sh CMON_SIM DIR: a scenario that starts an agent and then fails
# exits 2, and leaves no agent process, no world file, no scratch directory.
set -u
sim=$1 dir=$2
out=$(mktemp /tmp/cmon-scn-cleanup-XXXXXX)
trap 'rm -f "$out"' EXIT
timeout 300 "$sim" run "$dir/cleanup.lua" >"$out" 2>&1
rc=$?
pid=$(sed -n 's/^PID //p' "$out")
world=$(sed -n 's/^WORLD //p' "$out")
scratch=$(sed -n 's/^SCRATCH //p' "$out")
fail() { echo "cleanup: $*"; cat "$out"; exit 1; }
[ "$rc" = 2 ] || fail "exit $rc, want 2"
grep -q "cleanup.lua:8: broken on purpose" "$out" || fail "no file:line in the error"
[ -n "$pid" ] && [ -n "$world" ] && [ -n "$scratch" ] || fail "the scenario did not get far"
if kill -0 "$pid" 2>/dev/null && grep -q cmon-agent "/proc/$pid/cmdline" 2>/dev/null; then
  fail "agent $pid still runs"
fi
[ ! -e "$world" ] || fail "world $world still there"
[ ! -e "$scratch" ] || fail "scratch $scratch still there"
exit 0
