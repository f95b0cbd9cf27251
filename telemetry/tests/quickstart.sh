#!/bin/bash
# quickstart.sh SOURCE_DIR BIN_DIR - runs the cmon-telemetry quick-start of
# the top-level README.md and of telemetry/README.md as they are written, from
# the source tree (their build/bin/ made the BIN_DIR under test), and asserts
# that the value pushed with -putmetric is in the curl output and that the
# commands stop what they start. The example listens on the fixed port 9191:
# when something already listens there, the test says so and is skipped
# (exit 77).
set -u
SRC=$1 BIN=$2
OUT=$(mktemp -d "${TMPDIR:-/tmp}/cmon-telemetry-quickstart-XXXXXX") || exit 1
trap 'rm -rf "$OUT"' EXIT
unset CONTAINERPILOT
PASSED=0 FAILED=0
ok() { PASSED=$((PASSED + 1)); }
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }

# The first ```sh block after the line that starts with HEADING in FILE.
block() {
    awk -v h="$2" 'index($0, h) == 1 { found = 1; next }
                   found && !inside && $0 == "```sh" { inside = 1; next }
                   inside && $0 == "```" { exit }
                   inside { print }' "$1"
}

# run FILE HEADING: the block as written, build/bin/ made BIN.
run() {
    what="$1 \"$2\""
    cmds=$(block "$SRC/$1" "$2")
    case $cmds in
    *"-putmetric jobs_done_total=1"*"curl -s localhost:9191/metrics"*) ok ;;
    *) fail "$what: no quick-start block with -putmetric and curl: '$cmds'"; return ;;
    esac
    if (exec 3<>/dev/tcp/127.0.0.1/9191) 2>/dev/null; then
        echo "SKIP: something already listens on 127.0.0.1:9191 (the quick-start's port)"
        exit 77
    fi
    # `wait` after the block: it returns once the block's `kill $!` has stopped the server
    (cd "$SRC" && timeout 60 bash -c "${cmds//build\/bin\//$BIN/}
wait") >"$OUT/out" 2>"$OUT/err"
    rc=$?
    [ $rc -eq 0 ] && ok || fail "$what: the commands exit $rc (124: did not stop): $(cat "$OUT/err")"
    grep -qx 'jobs_done_total 1' "$OUT/out" && ok ||
        fail "$what: no 'jobs_done_total 1' in the curl output: $(cat "$OUT/out")"
    grep -q 'listening on http://127.0.0.1:9191' "$OUT/err" && ok ||
        fail "$what: it did not log 'listening on http://127.0.0.1:9191': $(cat "$OUT/err")"
    [ ! -e /tmp/cmon-telemetry-app.socket ] && ok || fail "$what: the control socket is left"
}

run README.md '### Application telemetry'
run telemetry/README.md '## Quick start'
echo "$PASSED passed, $FAILED failed"
[ $FAILED -eq 0 ]
