#!/bin/bash
# help.sh CMON_SIM: `cmon-sim run --help` prints the help2man shape to stdout
# and exits 0; every option it lists is one the command takes (and an option
# it does not list is refused); --version is one line; a bad command line
# gets one line naming the problem and a Try line on stderr, and exit 2.
set -u
sim=$1
tmp=$(mktemp -d /tmp/cmon-scn-help-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "help: $*"; exit 1; }

"$sim" run --help >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] || fail "--help exit $rc, want 0"
[ ! -s "$tmp/err" ] || fail "--help wrote to stderr: $(cat "$tmp/err")"
[ "$(head -1 "$tmp/out")" = "Usage: cmon-sim run [OPTION]... SCENARIO.lua..." ] ||
  fail "first line: $(head -1 "$tmp/out")"
sed -n 2p "$tmp/out" | grep -q '^[A-Z].' || fail "no description under the usage line"
grep -qx "Options:" "$tmp/out" || fail "no 'Options:' section"
grep -qx "Exit status:" "$tmp/out" || fail "no 'Exit status:' section"

# The option lines, "  -j, --junit=FILE   text" or "      --version   text".
sed -n 's/^  \(-\(.\), \|    \)--\([a-z-]*\)\(=\([A-Z]*\)\)\?  .*/\2|\3|\5/p' "$tmp/out" >"$tmp/opts"
[ "$(wc -l <"$tmp/opts")" -ge 5 ] || fail "too few option lines: $(cat "$tmp/opts")"
for o in junit seed quiet help version; do
  grep -q "^.\?|$o|" "$tmp/opts" || fail "--$o not described"
done
# Options are taken in order and --help answers at once: an option followed
# by --help exits 0 only if the command knows it and takes its value.
value() { case "$1" in FILE) echo "$tmp/x.xml" ;; S) echo 7 ;; MB) echo 64 ;; esac; }
while IFS="|" read -r short long arg; do
  v=$(value "$arg")
  "$sim" run "--$long${v:+=$v}" --help >/dev/null 2>&1 || fail "--$long is described, not taken"
  if [ -n "$short" ]; then
    "$sim" run "-$short" ${v:+"$v"} --help >/dev/null 2>&1 || fail "-$short is described, not taken"
  fi
done <"$tmp/opts"
"$sim" run --no-such-option --help >/dev/null 2>&1 && fail "an unknown option was taken"

v=$("$sim" run --version) || fail "--version exit $?"
echo "$v" | grep -Eqx 'cmon-sim [0-9]+\.[0-9]+\.[0-9]+' || fail "--version printed: $v"

# usage errors: exit 2, nothing on stdout, the problem then the Try line
usage() {
  want=$1
  shift
  "$sim" run "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ "$rc" = 2 ] || fail "run $*: exit $rc, want 2"
  [ ! -s "$tmp/out" ] || fail "run $*: wrote to stdout: $(cat "$tmp/out")"
  [ "$(cat "$tmp/err")" = "$(printf "cmon-sim run: %s\nTry 'cmon-sim run --help'." "$want")" ] ||
    fail "run $*: stderr: $(cat "$tmp/err")"
}
usage "no scenario given"
usage "no scenario given" --quiet
usage "unknown option '--frobnicate'" --frobnicate x.lua
usage "unknown option '-x'" -qx x.lua
usage "option '--seed' needs a value" --seed
usage "option '-j' needs a value" -q -j
usage "bad seed '-1' (a non-negative integer)" --seed=-1 x.lua
usage "--junit needs a file name" --junit= x.lua
usage "bad --timeout '0' (seconds, more than 0)" --timeout 0 x.lua
usage "bad --max-memory 'lots' (megabytes, more than 0)" --max-memory lots x.lua
exit 0
