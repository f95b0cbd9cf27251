#!/bin/bash
# junit.sh CMON_SIM DIR: --junit writes JUnit XML naming the failed check.
set -u
sim=$1 dir=$2
tmp=$(mktemp -d /tmp/cmon-scn-junit-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
timeout 120 "$sim" run --quiet --junit "$tmp/j.xml" "$dir/failcheck.lua" "$dir/syntax.lua" \
  >/dev/null 2>&1
rc=$?
[ "$rc" = 2 ] || { echo "exit $rc, want 2 (a broken scenario wins over a failed check)"; exit 1; }
x="$tmp/j.xml"
[ -s "$x" ] || { echo "no XML written"; exit 1; }
grep -q '^<?xml version="1.0"' "$x" || { echo "not XML"; cat "$x"; exit 1; }
grep -q 'failcheck.lua" tests="3" failures="1"' "$x" || { echo "counts wrong"; cat "$x"; exit 1; }
grep -q 'failcheck.lua:2: the sky is green' "$x" || { echo "failed check not named"; cat "$x"; exit 1; }
grep -q 'syntax.lua" tests="1" failures="0" errors="1"' "$x" || { echo "no error"; cat "$x"; exit 1; }
[ "$(ls "$tmp")" = "j.xml" ] || { echo "temporary files left: $(ls "$tmp")"; exit 1; }
exit 0
