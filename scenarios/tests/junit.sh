#!/bin/bash
# junit.sh CMON_SIM DIR: `cmon-sim run --junit` writes JUnit XML that a real
# parser (xmllint, libxml2-utils) reads and that fits junit.xsd; it counts
# the tests the closing line counts (a check is a test case, a broken
# scenario one more); its names hold neither the checkout's path nor the
# run's data (the same names from another checkout and another seed); long
# text sits in bodies; printed lines in <system-out>; the file is 0644.
set -u
sim=$1 dir=$2
command -v xmllint >/dev/null || { echo "junit: xmllint missing (libxml2-utils)"; exit 1; }
tmp=$(mktemp -d /tmp/cmon-scn-junit-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "junit: $*"; [ -f "$tmp/a/j.xml" ] && cat "$tmp/a/j.xml"; exit 1; }

# run CHECKOUT SEED OUT: the scenarios of CHECKOUT/tests, one named
# relatively (from CHECKOUT), the others absolutely, under a strict umask.
run() {
  mkdir -p "$3"
  (cd "$1" && umask 077 && timeout 120 "$sim" run --quiet --seed "$2" --junit "$3/j.xml" \
     tests/junit.lua "$1/tests/failcheck.lua" "$1/tests/syntax.lua" "$1/tests/runtime.lua" \
     "$1/tests/nochecks.lua") >"$3/out" 2>"$3/err"
}
run "$(cd "$dir/.." && pwd)" 5 "$tmp/a"
rc=$?
x="$tmp/a/j.xml"
[ "$rc" = 2 ] || fail "exit $rc, want 2 (a broken scenario wins over a failed check)"
[ -s "$x" ] || fail "no XML written"
[ "$(stat -c %a "$x")" = 644 ] || fail "mode $(stat -c %a "$x"), want 644"
[ "$(ls "$tmp/a")" = "$(printf 'err\nj.xml\nout')" ] || fail "files left: $(ls "$tmp/a")"
xmllint --noout --schema "$dir/junit.xsd" "$x" 2>"$tmp/lint" || fail "not valid: $(cat "$tmp/lint")"

q() { xmllint --xpath "$1" "$x" 2>/dev/null; }
want() { [ "$(q "$1")" = "$2" ] || fail "$1 is '$(q "$1")', want '$2'"; }

# counts: the console's closing line and the XML agree, test for test
# (junit.lua 5 held, 1 failed; failcheck.lua 2 and 1; three scenarios broken)
grep -qx "7 passed, 5 failed" "$tmp/a/out" || fail "closing line: $(tail -1 "$tmp/a/out")"
want 'count(//testcase)' 12
want 'count(//testcase[failure or error])' 5
want 'concat(/testsuites/@tests, " ", /testsuites/@failures, " ", /testsuites/@errors)' "12 2 3"
want 'count(//testsuite)' 5
want 'concat(//testsuite[1]/@tests, " ", //testsuite[1]/@failures, " ", //testsuite[1]/@errors)' \
  "6 1 0"

# names: relative as named, file names when absolute, a check by its site and rank
want 'string(//testsuite[1]/@name)' tests/junit.lua
want 'count(//testsuite[@name="tests/junit.lua"]/testcase[@classname="tests/junit.lua"])' 6
for n in "tests/junit.lua:5 #1" "tests/junit.lua:5 #2" "tests/junit.lua:5 #3" \
         "tests/junit.lua:6 #1" "tests/junithelper.lua:4 #1" "tests/junithelper.lua:4 #2"; do
  want "count(//testsuite[@name='tests/junit.lua']/testcase[@name='$n'])" 1
done
want 'count(//testsuite[@name="failcheck.lua"]/testcase[@name="failcheck.lua:2 #1"]/failure)' 1
want 'count(//*[starts-with(@name, "/") or starts-with(@classname, "/")])' 0
want 'count(//*[contains(@name, "/tmp") or contains(@name, "seed")])' 0
dup=$(q '//testcase[not(error)]/@name' | sort | uniq -d)
[ -z "$dup" ] || fail "test cases named twice: $dup"

# failures and errors: a short fixed message, the long text in the body
want 'count(//failure[@message != "check failed"])' 0
f=$(q 'string(//testcase[@name="tests/junit.lua:6 #1"]/failure)')
case "$f" in "tests/junit.lua:6: check failed: fails on purpose in /tmp/cmon-scenario-"*" with seed 5 after "*) ;;
  *) fail "failure body: $f" ;; esac
e=$(q 'string(//testsuite[@name="runtime.lua"]/testcase/error[@message="the scenario stopped with an error"])')
case "$e" in "runtime.lua:1: boom in the scenario"*"stack traceback:"*"runtime.lua:3: in main chunk") ;;
  *) fail "error body: $e" ;; esac
want 'count(//testsuite[@name="syntax.lua"]/testcase/error[@message="the scenario does not load"])' 1
e=$(q 'string(//testsuite[@name="nochecks.lua"]/testcase/error[@message="the scenario made no checks"])')
case "$e" in *"nochecks.lua: the scenario made no checks"*) ;; *) fail "no-check error: $e" ;; esac
grep -q "nochecks.lua: the scenario made no checks" "$tmp/a/err" || fail "console: $(cat "$tmp/a/err")"

# what the scenarios printed, once per suite, as printed (bad bytes as U+FFFD)
o=$(q 'string(//testsuite[@name="tests/junit.lua"]/system-out)')
[ "$o" = "$(printf 'a <printed> line & "quotes"\nbytes that are no UTF-8: \xef\xbf\xbd\xef\xbf\xbd end')" ] ||
  fail "system-out: $o"
want 'string(//testsuite[@name="nochecks.lua"]/system-out)' "this scenario checks nothing"
want 'count(//system-out)' 2

# another checkout, another seed: the same names, classes and messages
mkdir -p "$tmp/elsewhere/checkout/tests"
cp "$dir"/{junit,junithelper,failcheck,syntax,runtime,nochecks}.lua "$tmp/elsewhere/checkout/tests/"
run "$tmp/elsewhere/checkout" 6 "$tmp/b"
ids() { xmllint --xpath '//testcase/@classname | //testcase/@name | //@message' "$1"; }
[ "$(ids "$x")" = "$(ids "$tmp/b/j.xml")" ] || fail "names differ in another checkout: $(ids "$tmp/b/j.xml")"
exit 0
