#!/bin/bash
# limits.sh CMON_SIM DIR NAME PATTERN [cmon-sim run options...]: the scenario
# DIR/NAME.lua starts an agent, prints "PID n", "WORLD path" and "SCRATCH dir",
# then runs away on its line 8 (a loop, memory, a call that never returns).
# `cmon-sim run OPTIONS DIR/NAME.lua` must exit 2 with a line matching
# PATTERN (the limit, naming NAME.lua:8), and leave no agent, no world and no
# scratch directory, nor the agent's libfaketime segments in /dev/shm. A run
# that hangs is killed after 120 s and fails.
set -u
sim=$1 dir=$2 name=$3 pattern=$4
shift 4
out=$(mktemp "/tmp/cmon-scn-$name-XXXXXX")
fifo=$(mktemp -u "/tmp/cmon-scn-$name-fifo-XXXXXX")
mkfifo "$fifo"
trap 'rm -f "$out" "$fifo"' EXIT
LIMIT_FIFO=$fifo timeout 120 "$sim" run --quiet "$@" "$dir/$name.lua" >"$out" 2>&1
rc=$?
pid=$(sed -n 's/^PID //p' "$out")
world=$(sed -n 's/^WORLD //p' "$out")
scratch=$(sed -n 's/^SCRATCH //p' "$out")
fail() { echo "$name: $*"; cat "$out"; exit 1; }
[ "$rc" = 2 ] || fail "exit $rc, want 2"
grep -Eq -- "$pattern" "$out" || fail "no line matching: $pattern"
[ -n "$pid" ] && [ -n "$scratch" ] || fail "the scenario did not get far"
for i in 1 2 3 4 5 6 7 8 9 10; do  # the parent-death signal may take a moment
  kill -0 "$pid" 2>/dev/null && grep -qF "$scratch" "/proc/$pid/cmdline" 2>/dev/null || break
  sleep 0.5
done
if kill -0 "$pid" 2>/dev/null && grep -qF "$scratch" "/proc/$pid/cmdline" 2>/dev/null; then
  kill -9 "$pid"
  fail "agent $pid still runs"
fi
[ -z "$world" ] || [ ! -e "$world" ] || fail "world $world still there"
[ ! -e "$scratch" ] || fail "scratch $scratch still there"
# libfaketime's semaphore and shared memory of the agent (agent.c): gone with it
left=
for f in "/dev/shm/sem.faketime_sem_$pid" "/dev/shm/faketime_shm_$pid"; do
  [ -e "$f" ] && left="$left $f" && rm -f "$f"
done
[ -z "$left" ] || fail "left in /dev/shm:$left"
exit 0
