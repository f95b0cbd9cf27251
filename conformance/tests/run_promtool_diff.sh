#!/bin/sh
# run_promtool_diff.sh CMON_CONFORM TESTS_DIR
# Differential test: every text-format corpus case goes through both
# cmon-conform and `promtool check metrics`; their parse verdicts must agree
# except for the cases listed in promtool-differences.txt, which must still
# disagree (so the list stays true). promtool exits 1 on a parse error, 3 on
# lint problems only (parsed fine), 0 when clean.
bin=$1
dir=$2
list=$dir/promtool-differences.txt
command -v promtool >/dev/null 2>&1 || { echo "promtool not installed"; exit 1; }
tmp=$(mktemp /tmp/cmon-conform-diff-XXXXXX) || exit 2
trap 'rm -f "$tmp" "$tmp.p" "$tmp.c"' EXIT INT TERM
fail=0
n=0
listed=0
for f in "$dir"/corpus/text/*.txt; do
    base=$(basename "$f" .txt)
    n=$((n + 1))
    "$bin" --format text --quiet "$f"
    ours=$?
    promtool check metrics <"$f" >/dev/null 2>&1
    prc=$?
    [ $ours -le 1 ] || { echo "FAIL $base: cmon-conform exit $ours"; fail=$((fail + 1)); continue; }
    [ $prc -eq 0 ] || [ $prc -eq 1 ] || [ $prc -eq 3 ] || {
        echo "FAIL $base: promtool exit $prc"; fail=$((fail + 1)); continue; }
    theirs=0
    [ $prc -eq 1 ] && theirs=1
    if grep -q "^$base " "$list"; then
        listed=$((listed + 1))
        if [ $ours -eq $theirs ]; then
            echo "FAIL $base: listed as a difference but both say $ours"
            fail=$((fail + 1))
        fi
    elif [ $ours -ne $theirs ]; then
        echo "FAIL $base: cmon-conform says $ours, promtool says $theirs (not listed)"
        fail=$((fail + 1))
    fi
done
for base in $(sed -e "s/#.*//" "$list" | awk "NF { print \$1 }"); do
    [ -f "$dir/corpus/text/$base.txt" ] || { echo "FAIL $base: listed but no such case"; fail=$((fail + 1)); }
done
# The lints: on every case promtool parses, its messages and ours are the same.
lints=0
for f in "$dir"/corpus/lint/*.txt "$dir"/corpus/text/valid--*.txt; do
    promtool check metrics <"$f" >"$tmp.p" 2>&1
    [ $? -eq 1 ] && continue
    lints=$((lints + 1))
    "$bin" --format text --lint "$f" 2>&1 | sed 's/^[0-9]*:[0-9]*: [a-z0-9-]*: //' | sort >"$tmp.c"
    sort "$tmp.p" | cmp -s - "$tmp.c" || {
        echo "FAIL lint messages differ on $(basename "$f"):"
        sort "$tmp.p" | diff - "$tmp.c" | head -5
        fail=$((fail + 1))
    }
done
echo "$n text cases, $listed documented differences, lints compared on $lints cases, $fail failed"
[ $fail -eq 0 ]
