#!/bin/sh
# cli.sh BIN_DIR SOURCE_DIR VERSION - cmon-agent's command line: --help
# names every flag of the getopt table in agent/src/opts.c, --version, usage
# errors; the listen address forms (":PORT" on every address, "localhost:PORT",
# --web.listen-address) and bad ones (exit 2, a message naming the problem);
# the landing page at / linking every GET path of agent/src/http/routes.c.
# Ports: 0 everywhere, the bound one read from the log.
set -u
BIN=$1 SRC=$2 VERSION=$3
AGENT=$BIN/cmon-agent
. "$SRC/scripts/cli_lib.sh"
cli_scratch cmon-agent-cli

cli_check_help "$AGENT" "$SRC/agent/src/opts.c"
cli_check_version "$AGENT" "$VERSION"
cli_check_usage_error "$AGENT" "unknown option --bogus" --bogus
cli_check_usage_error "$AGENT" "--threads needs a value" --threads
cli_check_usage_error "$AGENT" "unexpected argument extra" extra
cli_check_usage_error "$AGENT" 'bad --listen nowhere: no port in "nowhere"' --listen nowhere
cli_check_usage_error "$AGENT" 'bad --listen 127.0.0.1:70000: bad port "70000"' \
    --listen 127.0.0.1:70000
cli_check_usage_error "$AGENT" "an IPv6 address goes in brackets: [::1]:9163" \
    --web.listen-address ::1:9163
cli_check_usage_error "$AGENT" '"bad host!" is not an IP address or a host name' \
    '--web.listen-address=bad host!:9163'
cli_check_usage_error "$AGENT" 'bad --web.listen-address [nohost]:1' \
    '--web.listen-address=[nohost]:1'
cli_check_usage_error "$AGENT" "bad --admin-uuid admin: not a UUID" --admin-uuid admin
cli_check_usage_error "$AGENT" "bad --vminfod ftp://x: want http://HOST:PORT" --vminfod ftp://x
cli_check_usage_error "$AGENT" "bad --core-timeout 0" --core-timeout 0

# A small still world to serve.
cli_start "$TMP/sim.log" "$BIN/cmon-sim" serve --zones 3 --tick 0 --world "$TMP/world"
cli_wait_log "$TMP/sim.log" "$TMP/world" >/dev/null || { cli_fail "no world"; cli_done; exit 1; }

# start_agent NAME ARGS...: starts the agent; addr= the address it logs.
start_agent() {
    log=$TMP/$1.log
    shift
    cli_start "$log" env CMON_SIM_WORLD="$TMP/world" "$AGENT" "$@"
    addr=$(cli_wait_log "$log" 'listening on [^ ]+' | sed 's/listening on //')
}

# ":PORT": every address, so both loopbacks answer (IPv6 where the kernel has it).
start_agent any --listen :0
cli_check_any_address "--listen :PORT" "$addr" /metrics
port=${addr##*:}
# discovery hands out this host's name, not the wildcard
curl -s "http://127.0.0.1:$port/v1/discover" >"$TMP/discover.json"
cli_check "--listen :PORT: discovery targets $(hostname):$port" \
    grep -qF "\"$(hostname):$port\"" "$TMP/discover.json"

# "localhost:PORT", through --web.listen-address
start_agent local --web.listen-address=localhost:0
cli_check "--web.listen-address=localhost:0 listens on 127.0.0.1 ('$addr')" \
    [ "${addr%:*}" = 127.0.0.1 ]
port=${addr##*:}
code=$(curl -s -o /dev/null -w '%{http_code}' "http://localhost:$port/v1/gz/metrics")
cli_check "localhost:PORT answers ($code)" [ "$code" = 200 ]
curl -s "http://localhost:$port/v1/discover" >"$TMP/discover.json"
cli_check "localhost:PORT: discovery targets localhost:$port" \
    grep -qF "\"localhost:$port\"" "$TMP/discover.json"

# The landing page links every plain GET path of the route table.
paths=$(sed -n '/^const http_route_t agent_routes\[\]/,/^};/p' "$SRC/agent/src/http/routes.c" |
    grep -E 'HTTP_GET' | grep -oE '"/[^"]*"' | tr -d '"' | grep -v '{}' | grep -vx '/')
cli_check "routes.c has GET paths" [ "$(echo "$paths" | wc -w)" -ge 3 ]
cli_check_landing cmon-agent "http://localhost:$port" "$VERSION" $paths
# the placeholder and POST routes are listed, not linked
cli_check "GET / lists /v1/<vm_uuid>/metrics" grep -qE '^GET /v1/<vm_uuid>/metrics ' "$TMP/landing.txt"
cli_check "GET / lists POST /v1/refresh" grep -qE '^POST /v1/refresh ' "$TMP/landing.txt"

cli_done
