#!/bin/sh
# cli.sh BIN_DIR SOURCE_DIR VERSION - cmon-telemetry's command line: --help
# names every flag of the getopt table in telemetry/src/main.c, --version (and
# the one-dash forms ContainerPilot users write), usage errors; -listen and
# --web.listen-address over the configuration (":PORT" on every address,
# "localhost:PORT") and bad addresses (exit 2, a message naming the problem);
# the landing page at / linking every path server_http() in
# telemetry/src/server.c routes. Ports: 0 everywhere, the bound one read from
# the log.
set -u
BIN=$1 SRC=$2 VERSION=$3
TEL=$BIN/cmon-telemetry
unset CONTAINERPILOT
. "$SRC/scripts/cli_lib.sh"
cli_scratch cmon-telemetry-cli

cli_check_help "$TEL" "$SRC/telemetry/src/main.c"
cli_check_version "$TEL" "$VERSION"
out=$("$TEL" -version)
cli_check "-version (one dash) prints '$out'" [ "$out" = "cmon-telemetry $VERSION" ]
"$TEL" -help >"$TMP/help1" 2>&1
cli_check "-help (one dash) prints the help" cmp -s "$TMP/help" "$TMP/help1"

cat >"$TMP/app.json5" <<CONF
{ control: { socket: "$TMP/app.sock" },
  telemetry: { port: 0, interfaces: ["static:127.0.0.1"],
               metrics: [ { name: "jobs_done_total", type: "counter" } ] } }
CONF
cli_check_usage_error "$TEL" "unknown flag -bogus" -bogus
cli_check_usage_error "$TEL" "missing value for -config" -config
cli_check_usage_error "$TEL" "give -config FILE or -putmetric name=value"
cli_check_usage_error "$TEL" "unexpected argument extra" -config "$TMP/app.json5" extra
cli_check_usage_error "$TEL" 'bad -listen nowhere: no port in "nowhere"' \
    -config "$TMP/app.json5" -listen nowhere
cli_check_usage_error "$TEL" 'bad -web.listen-address 127.0.0.1:65536: bad port "65536"' \
    -config "$TMP/app.json5" --web.listen-address=127.0.0.1:65536
cli_check_usage_error "$TEL" "an IPv6 address goes in brackets: [::1]:9" \
    -config "$TMP/app.json5" --listen ::1:9

# start NAME ARGS...: starts cmon-telemetry; addr= the address it logs.
start() {
    log=$TMP/$1.log
    shift
    cli_start "$log" "$TEL" -config "$TMP/app.json5" "$@"
    addr=$(cli_wait_log "$log" 'listening on http://[^,]+' | sed 's|listening on http://||')
}

# -listen ":PORT": every address, instead of the configuration's 127.0.0.1.
start any -listen :0
cli_check_any_address "-listen :PORT" "$addr" /metrics
cli_stop

# --web.listen-address=localhost:PORT
start local --web.listen-address=localhost:0
cli_check "--web.listen-address=localhost:0 listens on 127.0.0.1 ('$addr')" \
    [ "${addr%:*}" = 127.0.0.1 ]
port=${addr##*:}
"$TEL" -config "$TMP/app.json5" -putmetric jobs_done_total=3
cli_check "-putmetric reaches it: exit 0" [ $? -eq 0 ]
curl -s "http://localhost:$port/metrics" >"$TMP/metrics"
cli_check "localhost:PORT serves the value" grep -qx 'jobs_done_total 3' "$TMP/metrics"

# The landing page links every path server_http() routes.
paths=$(sed -n '/^server_http(/,/^}/p' "$SRC/telemetry/src/server.c" |
    grep -oE 'strcmp\(url, "/[^"]*"\)' | grep -oE '"/[^"]*"' | tr -d '"' | grep -vx '/')
cli_check "server.c routes paths" [ "$(echo "$paths" | wc -w)" -ge 2 ]
cli_check_landing cmon-telemetry "http://localhost:$port" "$VERSION" $paths
cli_stop

cli_done
