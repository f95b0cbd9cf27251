#!/bin/sh
# cli.sh BIN_DIR SOURCE_DIR VERSION - cmon-proxy's command line: --help names
# every flag of the getopt table in proxy/src/main.c, --version, usage errors
# (exit 2), and what stops it from starting (exit 1): an unreadable
# certificate, an access log that cannot be opened, a control plane that
# does not answer.
set -u
BIN=$1 SRC=$2 VERSION=$3
PROXY=$BIN/cmon-proxy
. "$SRC/scripts/cli_lib.sh"
cli_scratch cmon-proxy-cli

cli_check_help "$PROXY" "$SRC/proxy/src/main.c"
cli_check_version "$PROXY" "$VERSION"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=cmon.cmon.test -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
REQ="--listen 127.0.0.1:0 --cert $TMP/cert.pem --key $TMP/key.pem"

cli_check_usage_error "$PROXY" "unknown flag --bogus" --bogus
cli_check_usage_error "$PROXY" "missing value for --cert" --cert
cli_check_usage_error "$PROXY" "--listen, --cert, --key and --cplane are required" \
    --listen 127.0.0.1:0
cli_check_usage_error "$PROXY" "unexpected argument extra" $REQ --cplane http://127.0.0.1:1 extra
cli_check_usage_error "$PROXY" 'bad --listen nowhere' $REQ --listen nowhere
cli_check_usage_error "$PROXY" "bad --cplane, want http://HOST:PORT: ftp://x" $REQ --cplane ftp://x
cli_check_usage_error "$PROXY" "bad --threads 0: want 1 to 256" $REQ --cplane http://h:1 --threads 0
cli_check_usage_error "$PROXY" "bad --throttle-rate x" $REQ --cplane http://h:1 --throttle-rate x
cli_check_usage_error "$PROXY" "bad --account-ttl -1" $REQ --cplane http://h:1 --account-ttl -1
cli_check_usage_error "$PROXY" "bad --upstream-timeout-ms 5s" $REQ --cplane http://h:1 \
    --upstream-timeout-ms 5s

# cannot start: exit 1 with a message naming the cause
"$PROXY" --listen 127.0.0.1:0 --cert "$TMP/none.pem" --key "$TMP/key.pem" \
    --cplane http://127.0.0.1:1 2>"$TMP/err"; rc=$?
cli_check "missing certificate: exit 1 (got $rc)" [ $rc -eq 1 ]
cli_check "missing certificate: says so ($(cat "$TMP/err"))" grep -q "cannot read $TMP/none.pem" "$TMP/err"
cli_check_usage_error "$PROXY" "bad --access-log: an empty path" $REQ --cplane http://h:1 --access-log ''
"$PROXY" $REQ --cplane http://127.0.0.1:1 --access-log "$TMP/none/access.log" 2>"$TMP/err"; rc=$?
cli_check "access log not writable: exit 1 (got $rc)" [ $rc -eq 1 ]
cli_check "access log not writable: says so ($(cat "$TMP/err"))" \
    grep -q "cannot open the access log $TMP/none/access.log: No such file or directory" "$TMP/err"
port=1 # nothing listens on port 1 of loopback
"$PROXY" $REQ --cplane http://127.0.0.1:$port 2>"$TMP/err"; rc=$?
cli_check "control plane down: exit 1 (got $rc)" [ $rc -eq 1 ]
cli_check "control plane down: says so ($(cat "$TMP/err"))" \
    grep -q "cannot read the inventory from http://127.0.0.1:$port" "$TMP/err"

cli_done
