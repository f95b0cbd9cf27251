#!/bin/bash
# cleanup.sh CMON_SIM DIR NAME [WORD]: the scenario DIR/NAME.lua starts a
# process (an agent, or a program through sim.process), prints "PID n",
# "SCRATCH dir" and, with an agent, "WORLD path", then fails on its line 8.
# It must exit 2 naming that line, and leave no process (one that still runs
# with WORD in its command line; default the scratch directory, so that a
# reused pid is not taken for it), no world file (nor its .zfs) and no
# scratch directory.
set -u
sim=$1 dir=$2 name=$3 word=${4:-}
out=$(mktemp "/tmp/cmon-scn-$name-XXXXXX")
trap 'rm -f "$out"' EXIT
timeout 300 "$sim" run "$dir/$name.lua" >"$out" 2>&1
rc=$?
pid=$(sed -n 's/^PID //p' "$out")
world=$(sed -n 's/^WORLD //p' "$out")
scratch=$(sed -n 's/^SCRATCH //p' "$out")
fail() { echo "$name: $*"; cat "$out"; exit 1; }
[ "$rc" = 2 ] || fail "exit $rc, want 2"
grep -q "$name.lua:8: broken on purpose" "$out" || fail "no file:line in the error"
[ -n "$pid" ] && [ -n "$scratch" ] || fail "the scenario did not get far"
if kill -0 "$pid" 2>/dev/null && grep -qF "${word:-$scratch}" "/proc/$pid/cmdline" 2>/dev/null; then
  kill -9 "$pid"
  fail "process $pid still runs"
fi
[ -z "$world" ] || [ ! -e "$world" ] || fail "world $world still there"
[ -z "$world" ] || [ ! -e "$world.zfs" ] || fail "$world.zfs still there"
[ ! -e "$scratch" ] || fail "scratch $scratch still there"
exit 0
