# cli_lib.sh - checks of the command-line conventions every cmon program
# follows, sourced by each program's cli test (agent/test/cli.sh,
# conformance/tests/cli.sh, telemetry/tests/cli.sh):
#   -h/--help prints to stdout, exits 0, and describes every flag of the
#   program's getopt table; --version prints "PROG VERSION"; a usage error is
#   one line naming the problem, then "Try 'PROG --help'.", on stderr, exit 2.
# The flags are read from the program's source (its struct option table), not
# from a copy kept here, so a flag added without its help line fails.
# The caller sources this file, then calls cli_scratch (or sets TMP, a
# scratch directory it removes itself).

CLI_PASSED=0
CLI_FAILED=0
cli_ok() { CLI_PASSED=$((CLI_PASSED + 1)); }
cli_fail() { echo "FAIL: $*"; CLI_FAILED=$((CLI_FAILED + 1)); }
cli_check() { # cli_check "what" command...: ok when the command succeeds
    _cli_what=$1
    shift
    if "$@"; then cli_ok; else cli_fail "$_cli_what"; fi
}
# Prints the closing line and returns the test's exit status.
cli_done() {
    echo "$CLI_PASSED passed, $CLI_FAILED failed"
    [ "$CLI_FAILED" -eq 0 ]
}

# The long option names of a C source's getopt table:
#   {"name", required_argument, NULL, 'n'},
cli_long_options() {
    grep -oE '\{"[A-Za-z0-9][A-Za-z0-9.-]*", *(no|required|optional)_argument' "$1" |
        sed 's/^{"\([^"]*\)".*/\1/' | sort -u
}

# cli_check_help PROG SOURCE: --help and -h exit 0 with the help on stdout,
# in the shape help2man reads, naming every long option of SOURCE's table.
cli_check_help() {
    prog=$1 src=$2 name=$(basename "$1")
    opts=$(cli_long_options "$src")
    [ "$(echo "$opts" | wc -w)" -ge 3 ] && cli_ok || cli_fail "no option table found in $src"
    "$prog" --help >"$TMP/help" 2>"$TMP/help.err"
    cli_check "$name --help exits 0" [ $? -eq 0 ]
    cli_check "$name --help writes nothing on stderr" [ ! -s "$TMP/help.err" ]
    "$prog" -h >"$TMP/h" 2>&1
    cli_check "$name -h exits 0 and prints the same" cmp -s "$TMP/help" "$TMP/h"
    cli_check "$name --help starts 'Usage: $name '" \
        grep -q "^Usage: $name " "$TMP/help"
    [ "$(head -1 "$TMP/help" | cut -c1-7)" = "Usage: " ] && cli_ok ||
        cli_fail "$name --help: the first line is not the usage"
    cli_check "$name --help has an Options: section" grep -q '^Options:$' "$TMP/help"
    cli_check "$name --help describes -h, --help" grep -qE '^  -h, --help  +[a-z]' "$TMP/help"
    for o in $opts; do
        # the option at the start of an option line: "  -x, --name" or "      --name"
        re=$(printf '%s' "$o" | sed 's/\./\\./g')
        if grep -qE "^  (-[A-Za-z], |    )--$re([=[ ]|\$)" "$TMP/help"; then
            cli_ok
        else
            cli_fail "$name --help has no option line for --$o"
        fi
    done
}

# cli_check_version PROG VERSION: exactly "PROG VERSION" on stdout, exit 0.
cli_check_version() {
    prog=$1 name=$(basename "$1")
    out=$("$prog" --version 2>"$TMP/version.err"); rc=$?
    cli_check "$name --version exits 0 (got $rc)" [ $rc -eq 0 ]
    cli_check "$name --version prints '$name $2' (got '$out')" [ "$out" = "$name $2" ]
    cli_check "$name --version writes nothing on stderr" [ ! -s "$TMP/version.err" ]
}

# cli_check_usage_error PROG WORDS ARGS...: exit 2, nothing on stdout, on
# stderr one line "PROG: ..." holding WORDS, then "Try 'PROG --help'.".
cli_check_usage_error() {
    prog=$1 words=$2 name=$(basename "$1")
    shift 2
    "$prog" "$@" >"$TMP/ue.out" 2>"$TMP/ue.err"; rc=$?
    what="$name $*"
    cli_check "$what: exit 2 (got $rc)" [ $rc -eq 2 ]
    cli_check "$what: nothing on stdout" [ ! -s "$TMP/ue.out" ]
    cli_check "$what: two lines on stderr ($(cat "$TMP/ue.err"))" [ "$(wc -l <"$TMP/ue.err")" -eq 2 ]
    first=$(head -1 "$TMP/ue.err")
    case $first in
    "$name: "*"$words"*) cli_ok ;;
    *) cli_fail "$what: the first line is not '$name: ...$words...': $first" ;;
    esac
    cli_check "$what: ends with Try '$name --help'." \
        [ "$(tail -1 "$TMP/ue.err")" = "Try '$name --help'." ]
}

# cli_wait_log FILE PATTERN: waits up to 20 s for a line of FILE matching the
# extended regex PATTERN and prints its first match.
cli_wait_log() {
    i=0
    while [ $i -lt 200 ]; do
        m=$(grep -oE "$2" "$1" 2>/dev/null | head -1)
        [ -n "$m" ] && { echo "$m"; return 0; }
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# cli_check_landing NAME URL PATH...: GET URL/ answers text/plain for curl
# and, for a browser's Accept, an HTML page with the title, the version and a
# link to each PATH.
cli_check_landing() {
    name=$1 url=$2 version=$3
    shift 3
    ct=$(curl -s -o "$TMP/landing.txt" -w '%{http_code} %{content_type}' "$url/")
    cli_check "$name GET / (curl): 200 text/plain, got '$ct'" \
        [ "$ct" = "200 text/plain; charset=utf-8" ]
    cli_check "$name GET / (curl): first line '$name $version'" \
        [ "$(head -1 "$TMP/landing.txt")" = "$name $version" ]
    ct=$(curl -s -H 'Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' \
        -o "$TMP/landing.html" -w '%{http_code} %{content_type}' "$url/")
    cli_check "$name GET / (browser): 200 text/html, got '$ct'" \
        [ "$ct" = "200 text/html; charset=utf-8" ]
    cli_check "$name GET / (browser): title" grep -qF "<title>$name</title>" "$TMP/landing.html"
    cli_check "$name GET / (browser): version" grep -qF "$version" "$TMP/landing.html"
    for p in "$@"; do
        cli_check "$name GET / links $p" grep -qF "<a href=\"$p\">" "$TMP/landing.html"
        cli_check "$name GET / (curl) lists $p" grep -qE "^GET $p " "$TMP/landing.txt"
        code=$(curl -s -o /dev/null -w '%{http_code}' "$url$p")
        cli_check "$name GET $p (linked from /): 200, got $code" [ "$code" = 200 ]
    done
}

# cli_scratch NAME: makes TMP, the test's scratch directory, and CLI_PIDS,
# the background processes cli_start started; when the shell exits, those
# are stopped and TMP removed.
cli_scratch() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/$1-XXXXXX") || exit 1
    CLI_PIDS=
    trap cli_cleanup EXIT
}
cli_cleanup() {
    for p in $CLI_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}

# cli_start LOG COMMAND...: starts COMMAND in the background, its output
# (stdout and stderr) to LOG; CLI_PID is its process id (stopped at exit,
# or earlier by cli_stop).
cli_start() {
    _cli_log=$1
    shift
    "$@" >"$_cli_log" 2>&1 </dev/null &
    CLI_PID=$!
    CLI_PIDS="$CLI_PIDS $CLI_PID"
}
cli_stop() {
    kill "$CLI_PID" 2>/dev/null
    wait "$CLI_PID" 2>/dev/null
}

# cli_check_any_address WHAT ADDR PATH: ADDR, the listen address a server
# logged for ":PORT", is every address ("[::]:PORT" or "0.0.0.0:PORT"), and
# GET PATH answers 200 on 127.0.0.1:PORT and, when it listens on IPv6 too,
# on [::1]:PORT.
cli_check_any_address() {
    what=$1 addr=$2 path=$3
    case $addr in
    "[::]:"* | "0.0.0.0:"*) cli_ok ;;
    *) cli_fail "$what listens on '$addr', want every address" ;;
    esac
    port=${addr##*:}
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
    cli_check "$what answers on 127.0.0.1 ($code)" [ "$code" = 200 ]
    if [ "${addr#\[::\]}" != "$addr" ]; then
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://[::1]:$port$path")
        cli_check "$what answers on [::1] ($code)" [ "$code" = 200 ]
    fi
}
