#!/bin/bash
# expect.sh CMON_SIM WANT_RC PATTERN [cmon-sim run arguments...]
# Runs `cmon-sim run ARGS`, and fails unless it exits WANT_RC and its output
# (stdout and stderr) matches the extended regular expression PATTERN.
set -u
sim=$1 want=$2 pattern=$3
shift 3
out=$(mktemp /tmp/cmon-scn-expect-XXXXXX)
trap 'rm -f "$out"' EXIT
timeout 300 "$sim" run "$@" >"$out" 2>&1
rc=$?
if [ "$rc" != "$want" ] || ! grep -Eq -- "$pattern" "$out"; then
  echo "cmon-sim run $*: exit $rc (want $want), output:"
  cat "$out"
  echo "(wanted a line matching: $pattern)"
  exit 1
fi
exit 0
