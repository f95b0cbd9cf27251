#!/bin/sh
# run_corpus.sh CMON_CONFORM CORPUS_DIR
# Every case is one file named RULE--SLUG.txt (or valid--SLUG.txt) in a
# directory naming how it is checked: text/ (--format text), om/ (--format
# openmetrics), lint/ (--format text --lint=error). A "valid" case must exit
# 0 and report nothing; any other must exit 1 and report RULE.
bin=$1
dir=$2
out=$(mktemp /tmp/cmon-conform-corpus-XXXXXX) || exit 2
trap 'rm -f "$out"' EXIT INT TERM
fail=0
count=0
for sub in text om lint; do
    case $sub in
    text) args="--format text" ;;
    om) args="--format openmetrics" ;;
    lint) args="--format text --lint=error" ;;
    esac
    for f in "$dir/$sub"/*.txt; do
        count=$((count + 1))
        base=$(basename "$f" .txt)
        rule=${base%%--*}
        # shellcheck disable=SC2086
        "$bin" $args "$f" 2>"$out"
        rc=$?
        if [ "$rule" = valid ]; then
            if [ $rc -ne 0 ] || [ -s "$out" ]; then
                echo "FAIL $sub/$base: expected valid, got exit $rc:"
                head -5 "$out"
                fail=$((fail + 1))
            fi
        elif [ $rc -ne 1 ] || ! grep -q "^[0-9]*:[0-9]*: $rule: " "$out"; then
            echo "FAIL $sub/$base: expected exit 1 with $rule, got exit $rc:"
            head -5 "$out"
            fail=$((fail + 1))
        fi
    done
done
for rule in $("$bin" --rules | cut -f1); do
    ls "$dir"/*/"$rule"--*.txt >/dev/null 2>&1 || { echo "FAIL rule $rule has no case"; fail=$((fail + 1)); }
done
echo "$count cases, $fail failed"
[ "$count" -ge 150 ] || { echo "corpus too small"; exit 1; }
[ $fail -eq 0 ]
