#!/bin/sh
# e2e.sh BIN_DIR SOURCE_DIR - cmon-proxy in a simulated data center: cmon-sim
# serve --cns 2 (two nodes with their cmon-agents, the control plane, the
# accounts' certificates) starts it; curl, with the certificates serve wrote,
# checks what each account sees and scrapes through it.
set -u
BIN=$1 SRC=$2
. "$SRC/scripts/cli_lib.sh"
cli_scratch cmon-proxy-e2e

cli_start "$TMP/serve.out" "$BIN/cmon-sim" serve --cns 2 --zones 12 --world "$TMP/w" \
    --accounts admin:operator,alice,bob --proxy 127.0.0.1:0 --tls-dir "$TMP/tls"
addr=$(cli_wait_log "$TMP/serve.out" '^proxy [0-9.]+:[0-9]+' | sed 's/^proxy //')
if [ -z "$addr" ]; then
    cli_fail "cmon-sim serve --cns 2 --proxy: no proxy address"; cat "$TMP/serve.out"; cli_done; exit
fi
PORT=${addr##*:} T=$TMP/tls

# get WHO HOST PATH [CURL ARGS]: the body on stdout, then a last line "STATUS".
get() {
    who=$1 host=$2 path=$3
    shift 3
    set -- --cacert "$T/ca.pem" --resolve "$host:$PORT:127.0.0.1" "$@"
    [ "$who" != - ] && set -- --cert "$T/$who.pem" --key "$T/$who-key.pem" "$@"
    curl -s -w '\n%{http_code}\n' "$@" "https://$host:$PORT$path"
}
status() { get "$@" | tail -1; }

get alice cmon.cmon.test /v1/discover >"$TMP/alice.json"
cli_check "alice discovers: 200" [ "$(tail -1 "$TMP/alice.json")" = 200 ]
vm=$(grep -o '"vm_uuid":"[^"]*"' "$TMP/alice.json" | head -1 | cut -d'"' -f4)
cli_check "alice has instances ($vm)" [ -n "$vm" ]
for who in alice-ops alice-new; do
    get $who cmon.cmon.test /v1/discover >"$TMP/$who.json"
    cli_check "$who (administrator role, new style) sees what alice sees" \
        cmp -s "$TMP/alice.json" "$TMP/$who.json"
done
get bob cmon.cmon.test /v1/discover >"$TMP/bob.json"
cli_check "bob does not see alice's $vm" sh -c "! grep -q '$vm' '$TMP/bob.json'"

get alice "$vm.cmon.test" /metrics --compressed -D "$TMP/h" >"$TMP/m"
cli_check "alice scrapes $vm: 200" [ "$(tail -1 "$TMP/m")" = 200 ]
cli_check "its metrics are the agent's (zone_misc)" grep -q '^cpu_user_usage' "$TMP/m"
cli_check "gzip'd on the way (Content-Encoding: gzip)" grep -qi '^content-encoding: gzip' "$TMP/h"
cli_check "bob scraping alice's $vm: 404" [ "$(status bob "$vm.cmon.test" /metrics)" = 404 ]
cli_check "no certificate: 401" [ "$(status - cmon.cmon.test /v1/discover)" = 401 ]
cli_check "/_ping without certificate: 200" [ "$(status - cmon.cmon.test /_ping)" = 200 ]

get admin cmon.cmon.test /v1/gz/discover >"$TMP/cns.json"
cli_check "the operator lists 2 compute nodes" \
    [ "$(grep -o '"server_uuid"' "$TMP/cns.json" | wc -l)" -eq 2 ]
cn=$(grep -o '"server_uuid":"[^"]*"' "$TMP/cns.json" | head -1 | cut -d'"' -f4)
cli_check "the operator scrapes node $cn: 200" [ "$(status admin "$cn.cmon.test" /metrics)" = 200 ]
cli_check "alice scraping node $cn: 404" [ "$(status alice "$cn.cmon.test" /metrics)" = 404 ]
cli_check "alice on /v1/gz/discover: 403" [ "$(status alice cmon.cmon.test /v1/gz/discover)" = 403 ]

out=$(openssl s_client -connect "127.0.0.1:$PORT" -servername cmon.cmon.test \
    -cert "$T/alice.pem" -key "$T/alice-key.pem" </dev/null 2>&1)
cli_check "the CertificateRequest names no CA" \
    sh -c "echo '$out' | grep -q 'No client certificate CA names sent'"

cli_stop
cli_done
