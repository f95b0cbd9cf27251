#!/bin/bash
# attach.sh CMON_SIM DIR: sim.attach{} drives a running serve (attach.lua), and
# attaching to no serve, or to one that died, breaks the scenario (exit 2) with
# the socket's message.
set -u
sim=$1 dir=$2
world=/dev/shm/cmon-scn-attach-$$
out=$(mktemp /tmp/cmon-scn-attach-XXXXXX)
"$sim" serve --zones 4 --max-zones 8 --tick 0 --vminfod none --world "$world" >"$out" 2>&1 &
serve=$!
trap 'kill "$serve" 2>/dev/null; wait "$serve" 2>/dev/null; rm -f "$out" "$world" "$world.lock" "$world.ctl"' EXIT
fail() { echo "attach: $*"; cat "$out"; exit 1; }
for _ in $(seq 300); do grep -q "^$world\$" "$out" && break; sleep 0.1; done
grep -q "^$world\$" "$out" || fail "serve did not get ready"
CMON_SIM_CONTROL=$world.ctl "$sim" run --quiet "$dir/attach.lua" >"$out" 2>&1 || fail "attach.lua failed"
CMON_SIM_CONTROL=$world.nope "$sim" run --quiet "$dir/attach.lua" >"$out" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "no socket: exit $rc, want 2"
grep -q "sim.attach: no control socket at $world.nope" "$out" || fail "no socket: no message"
kill -KILL "$serve"; wait "$serve" 2>/dev/null
CMON_SIM_CONTROL=$world.ctl "$sim" run --quiet "$dir/attach.lua" >"$out" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "a dead serve: exit $rc, want 2"
grep -q "its serve died" "$out" || fail "a dead serve: no message"
exit 0
