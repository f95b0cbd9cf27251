#!/bin/sh
# run_bad_input.sh CMON_CONFORM CMON_CONFORM_GEN
# Hostile input: binary garbage, NUL bytes, invalid UTF-8, a 100 MB line, an
# empty file, a wrong flag, a missing file. Each must give a clear verdict or
# error (the right exit status), never a crash; AUTO on a pipe must say what
# it says on a file, however its temporary copy fares; the 100 MB line and a large
# valid exposition must be checked in bounded memory (peak RSS, when GNU time
# is there and the build is not instrumented: CMON_CHECK_RSS=1).
bin=$1
gen=$2
tmp=$(mktemp -d /tmp/cmon-conform-bad-XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

expect() { # expect STATUS DESCRIPTION [args...] (stdin from $in)
    want=$1
    what=$2
    shift 2
    "$bin" "$@" <"$in" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL $what: exit $got, expected $want"
        head -3 "$tmp/err"
        fail=$((fail + 1))
    fi
}

in=/dev/null
head -c 4000000 /dev/urandom >"$tmp/garbage"
expect 1 "binary garbage" "$tmp/garbage"
expect 1 "binary garbage as openmetrics" --format openmetrics "$tmp/garbage"
expect 1 "binary garbage, auto" --format auto "$tmp/garbage"
grep -q ': utf8: ' "$tmp/err" || grep -q ': text-' "$tmp/err" || {
    echo "FAIL binary garbage: no violation printed"; fail=$((fail + 1)); }
head -c 3000000 /dev/zero >"$tmp/nul"
expect 1 "NUL bytes" "$tmp/nul"
printf 'foo{a="\377\376"} 1\n' >"$tmp/utf8"
expect 1 "invalid UTF-8" "$tmp/utf8"
grep -q '^1:8: utf8: ' "$tmp/err" || { echo "FAIL invalid UTF-8: position"; fail=$((fail + 1)); }
: >"$tmp/empty"
expect 0 "empty file as text" --format text "$tmp/empty"
expect 1 "empty file as openmetrics" --format openmetrics "$tmp/empty"
grep -q ': om-eof-missing: ' "$tmp/err" || { echo "FAIL empty: no om-eof-missing"; fail=$((fail + 1)); }
expect 2 "missing file" "$tmp/no-such-file"
grep -q 'cannot open' "$tmp/err" || { echo "FAIL missing file: message"; fail=$((fail + 1)); }
expect 2 "unknown flag" --bogus
expect 2 "bad format" --format yaml "$tmp/empty"
expect 2 "two inputs" "$tmp/empty" "$tmp/empty"
expect 0 "help" --help
expect 0 "rules" --rules
[ "$(grep -c '	' "$tmp/out")" -ge 80 ] || { echo "FAIL --rules: too short"; fail=$((fail + 1)); }

# A 100 MB line on standard input (a pipe): rejected by the line limit.
in=$tmp/long
{ printf 'foo{a="'; head -c 100000000 /dev/zero | tr '\0' a; printf '"} 1\n'; } >"$in"
expect 1 "100 MB line" -
grep -q ': limit-line: ' "$tmp/err" || { echo "FAIL 100 MB line: no limit-line"; fail=$((fail + 1)); }
# ... and accepted when the limit allows it.
expect 0 "100 MB line within --max-line" --max-line 200000000 -
in=/dev/null

# 60,000 labels on one line: linear, not quadratic; a repeat is found.
{ printf 'foo{'; seq 1 60000 | sed 's/.*/a&="",/' | tr -d '\n'; printf 'a_="x"} 1\n'; } >"$tmp/labels"
expect 0 "60000 distinct labels" "$tmp/labels"
{ printf 'foo{'; seq 1 60000 | sed 's/.*/a&="",/' | tr -d '\n'; printf 'a7="x"} 1\n'; } >"$tmp/labels"
expect 1 "60000 labels, one repeated" "$tmp/labels"
grep -q ': label-duplicate: ' "$tmp/err" || { echo "FAIL many labels: no label-duplicate"; fail=$((fail + 1)); }

# The generator's exposition is valid in both formats, also read from a pipe.
"$gen" --zones 200 >"$tmp/gen.txt"
"$gen" --zones 200 --format openmetrics >"$tmp/gen.om"
expect 0 "generated text" "$tmp/gen.txt"
expect 0 "generated openmetrics" "$tmp/gen.om"
in=$tmp/gen.om
expect 0 "generated openmetrics on stdin, auto" -
in=/dev/null

# AUTO on a pipe copies the input to a temporary file first, then checks it
# in the format its end says; without a temporary file (TMPDIR missing) or
# when the copy fails midway (a file size limit of 100 blocks), both grammars
# run side by side. The violations and the exit status must be those of the
# same input as a regular file, every way.
"$gen" --zones 300 >"$tmp/pipe.txt"
printf 'a 1\nb 1\na{x="y"} 2\n' >>"$tmp/pipe.txt"
"$gen" --zones 300 --format openmetrics | sed '$d' >"$tmp/pipe.om"
printf '# TYPE a counter\na_total -1\n# EOF\n' >>"$tmp/pipe.om"
for f in pipe.txt pipe.om; do
    "$bin" "$tmp/$f" >/dev/null 2>"$tmp/want"
    echo "exit $?" >>"$tmp/want"
    grep -q ': text-family-interleaved: \|: om-counter-value: ' "$tmp/want" ||
        { echo "FAIL $f: the expected violation is missing"; fail=$((fail + 1)); }
    for how in copy no-tmpdir copy-fails; do
        case $how in
        copy) cat "$tmp/$f" | "$bin" - >/dev/null 2>"$tmp/got" ;;
        no-tmpdir) cat "$tmp/$f" | TMPDIR="$tmp/none" "$bin" - >/dev/null 2>"$tmp/got" ;;
        copy-fails) sh -c 'ulimit -f 100 && cat "$1" | "$2" -' sh "$tmp/$f" "$bin" >/dev/null 2>"$tmp/got" ;;
        esac
        echo "exit $?" >>"$tmp/got"
        cmp -s "$tmp/want" "$tmp/got" ||
            { echo "FAIL $f on a pipe, auto ($how): not as from a file"; diff "$tmp/want" "$tmp/got" | head -5; fail=$((fail + 1)); }
    done
done

if [ "${CMON_CHECK_RSS:-0}" = 1 ] && [ -x /usr/bin/time ]; then
    in=$tmp/long
    /usr/bin/time -f %M -o "$tmp/rss" "$bin" - <"$in" 2>/dev/null
    rss=$(tail -1 "$tmp/rss")
    [ "$rss" -lt 40000 ] || { echo "FAIL 100 MB line: peak RSS $rss kB"; fail=$((fail + 1)); }
    echo "100 MB line: peak RSS $rss kB"
fi
echo "bad input: $fail failed"
[ $fail -eq 0 ]
