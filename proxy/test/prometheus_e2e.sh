#!/bin/sh
# prometheus_e2e.sh BIN_DIR SOURCE_DIR [PROMETHEUS] - three stock Prometheus
# servers (Debian's 2.42) watch a simulated Triton data center through
# cmon-proxy, configured as Triton users configure theirs: triton_sd_configs
# (role container; role cn too for the operator), the account's client
# certificate, the data center's CA. One `cmon-sim serve --cns 2` with churn
# writes a configuration per account (--prom-config-dir) and a hosts file;
# each Prometheus runs in its own user and mount namespace with that hosts
# file bind-mounted over /etc/hosts, so `<uuid>.cmon.test` resolves to the
# proxy as Triton's DNS would. Through Prometheus's HTTP API:
#   - alice's and bob's Prometheus each hold exactly the running instances
#     the control plane's /vms gives their owner uuid, admin's its own (the
#     core zones, tagged smartdc_role) and the compute nodes (/servers);
#     every target up;
#   - cpu_user_usage of each of alice's instances is stored with its job,
#     instance (<uuid>.cmon.test:PORT), alias and groups labels; the nodes' own
#     /v1/gz/metrics families (cpu_info_model) arrive at admin's;
#   - alice's certificate scraping bob's instance: 404 (curl --resolve);
#   - under churn a zone of alice's made after the start appears in her
#     Prometheus and is scraped (the hosts file appended in place: a file
#     replaced by rename would not be seen through the bind mount).
# Exit 77 (ctest SKIP_RETURN_CODE) only where the machine forbids user
# namespaces.
set -u
BIN=$1 SRC=$2 PROM=${3:-/usr/bin/prometheus}
. "$SRC/scripts/cli_lib.sh"
cli_scratch cmon-proxy-prom

# ---- can this machine run a Prometheus in a namespace of its own? ----------
echo "127.0.0.1 probe.cmon.test" >"$TMP/probe-hosts"
if ! err=$(unshare -Urm sh -c 'mount --bind "$1" /etc/hosts && grep -q probe.cmon.test /etc/hosts' \
    sh "$TMP/probe-hosts" 2>&1); then
    echo "SKIP: this machine forbids unprivileged user and mount namespaces" \
        "(unshare -Urm; kernel.unprivileged_userns_clone, user.max_user_namespaces): $err"
    exit 77
fi

# ---- the data center ---------------------------------------------------------
C=$TMP/prom T=$TMP/tls H=$TMP/hosts
cli_start "$TMP/serve.out" "$BIN/cmon-sim" serve --cns 2 --zones 10 --core-zones 3 --churn 0.25 \
    --world "$TMP/w" --scrape-interval 1 --accounts admin:operator,alice,bob --tls-dir "$T" \
    --hosts-file "$H" --proxy 127.0.0.1:0 --prom-config-dir "$C"
if ! cli_wait_log "$TMP/serve.out" "^prometheus-config $C/bob.yml" >/dev/null; then
    cli_fail "cmon-sim serve --cns 2 --prom-config-dir: not ready"; cat "$TMP/serve.out"
    cli_done; exit
fi
CP=$(grep -oE '^cplane http://[0-9.:]+' "$TMP/serve.out" | cut -d' ' -f2)
addr=$(grep -oE '^proxy [0-9.]+:[0-9]+' "$TMP/serve.out" | cut -d' ' -f2)
PORT=${addr##*:}
ino=$(stat -c %i "$H") # the hosts file as first written: later only appended to

for who in admin alice bob; do
    cli_check "serve printed prometheus-config $C/$who.yml" \
        grep -qx "prometheus-config $C/$who.yml" "$TMP/serve.out"
    cli_check "promtool check config $who.yml" promtool check config "$C/$who.yml" >/dev/null 2>&1
done
cli_check "alice.yml: triton_sd_configs for alice, role container only" \
    sh -c "grep -q 'account: alice' '$C/alice.yml' && ! grep -q 'role: cn' '$C/alice.yml'"
cli_check "admin.yml: roles container and cn" \
    sh -c "grep -q 'role: container' '$C/admin.yml' && grep -q 'role: cn' '$C/admin.yml'"

# ---- three Prometheus servers -----------------------------------------------
# start_prom WHO: Prometheus on a free loopback port (tried until one is free),
# its address in PROM_<WHO>.
start_prom() {
    who=$1 tries=0
    while [ $tries -lt 8 ]; do
        tries=$((tries + 1))
        port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
        cli_start "$TMP/prom-$who.log" unshare -Urm sh -c \
            'mount --bind "$1" /etc/hosts && exec "$2" --config.file="$3" \
                --storage.tsdb.path="$4" --web.listen-address="$5" --log.level=warn' \
            sh "$H" "$PROM" "$C/$who.yml" "$TMP/data-$who" "127.0.0.1:$port"
        i=0
        while [ $i -lt 300 ] && kill -0 "$CLI_PID" 2>/dev/null; do
            if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/-/ready")" = 200 ]
            then
                eval "PROM_$who=127.0.0.1:$port"
                return 0
            fi
            sleep 0.1
            i=$((i + 1))
        done
        grep -q 'address already in use' "$TMP/prom-$who.log" || break
    done
    cli_fail "Prometheus for $who did not start"; cat "$TMP/prom-$who.log"
    return 1
}
for who in admin alice bob; do
    start_prom $who || { cli_done; exit; }
done

# ---- what the control plane says -------------------------------------------
# running_of OWNER_UUID: the uuids of that account's running instances, sorted.
running_of() {
    curl -s "$CP/vms?state=running&limit=1000" |
        jq -r --arg o "$1" '.vms[] | select(.owner_uuid == $o) | .uuid' | sort
}
uuid_of() { curl -s "$CP/accounts/$1" | jq -r .uuid; }
ALICE=$(uuid_of alice) BOB=$(uuid_of bob) ADMIN=$(uuid_of admin)

# targets WHO JOB: "uuid health" of each active target of that job, sorted.
targets() {
    eval "p=\$PROM_$1"
    curl -s "http://$p/api/v1/targets?state=active" |
        jq -r --arg j "$2" '.data.activeTargets[] | select(.labels.job == $j) |
            "\(.discoveredLabels.__meta_triton_machine_id) \(.health)"' | sort
}

# converge WHO JOB EXPECTED_CMD...: waits (up to 40 s) for a moment when the
# expected set, read before and after, is the job's targets, every one up;
# the set in $TMP/$WHO-$JOB.set. Under churn the sets move; a moment when
# discovery has caught up comes within seconds.
converge() {
    who=$1 job=$2
    shift 2
    i=0
    while [ $i -lt 40 ]; do
        "$@" >"$TMP/want1"
        targets "$who" "$job" >"$TMP/got"
        "$@" >"$TMP/want2"
        cut -d' ' -f1 "$TMP/got" >"$TMP/got-uuids"
        if [ -s "$TMP/want1" ] && cmp -s "$TMP/want1" "$TMP/want2" &&
            cmp -s "$TMP/want1" "$TMP/got-uuids" && ! grep -qv ' up$' "$TMP/got"; then
            cp "$TMP/want1" "$TMP/$who-$job.set"
            return 0
        fi
        sleep 1
        i=$((i + 1))
    done
    echo "$who $job: want"; cat "$TMP/want2"; echo "got"; cat "$TMP/got"
    return 1
}
core_zones() {
    curl -s "$CP/vms?state=running&limit=1000" |
        jq -r --arg o "$ADMIN" '.vms[] | select(.owner_uuid == $o and .tags.smartdc_role != null) |
            .uuid' | sort
}
servers() { curl -s "$CP/servers" | jq -r '.servers[].uuid' | sort; }

cli_check "alice's Prometheus: exactly alice's running instances, every target up" \
    converge alice triton-alice-container running_of "$ALICE"
cli_check "bob's Prometheus: exactly bob's running instances, every target up" \
    converge bob triton-bob-container running_of "$BOB"
cli_check "admin's Prometheus: exactly admin's running instances, every target up" \
    converge admin triton-admin-container running_of "$ADMIN"
n=$(wc -l <"$TMP/admin-triton-admin-container.set")
cli_check "admin's instances are the 3 core zones ($n)" [ "$n" -eq 3 ]
core_zones >"$TMP/core"
cli_check "admin's instances carry smartdc_role" cmp -s "$TMP/core" "$TMP/admin-triton-admin-container.set"
cli_check "admin's Prometheus: the 2 compute nodes (role cn), both up" \
    converge admin triton-admin-cn servers
for who in alice bob; do
    eval "p=\$PROM_$who"
    n=$(curl -s "http://$p/api/v1/targets?state=active" | jq '[.data.activeTargets[] |
        select(.labels.job | endswith("-cn"))] | length')
    cli_check "$who's Prometheus has no compute node ($n)" [ "$n" = 0 ]
done
# what follows reads these sets: without them it would check nothing
for f in alice-triton-alice-container bob-triton-bob-container; do
    [ -s "$TMP/$f.set" ] || { cli_done; exit; }
done
cli_check "alice and bob share no instance" \
    sh -c "[ -z \"\$(comm -12 '$TMP/alice-triton-alice-container.set' '$TMP/bob-triton-bob-container.set')\" ]"

# ---- what Prometheus stored --------------------------------------------------
# query WHO PROMQL: the result's series as JSON lines.
query() {
    eval "p=\$PROM_$1"
    curl -s -G "http://$p/api/v1/query" --data-urlencode "query=$2" | jq -c '.data.result[]'
}
bad=0 checked=0
for vm in $(cat "$TMP/alice-triton-alice-container.set"); do
    curl -s "$CP/vms/$vm" >"$TMP/vm.json"
    alias=$(jq -r '.alias // ""' "$TMP/vm.json")
    groups=$(jq -r '.tags["triton.cmon.groups"] // ""' "$TMP/vm.json")
    i=0 got=
    while [ $i -lt 10 ]; do # a series appears with the first scrape's samples
        got=$(query alice "cpu_user_usage{instance=\"$vm.cmon.test:$PORT\"}")
        [ -n "$got" ] && break
        sleep 0.5
        i=$((i + 1))
    done
    checked=$((checked + 1))
    # Prometheus's triton SD: __meta_triton_groups ",g1,g2," (none without groups)
    want=$(jq -nc --arg a "$alias" --arg g "$groups" '{job: "triton-alice-container",
        alias: (if $a == "" then null else $a end),
        groups: (if $g == "" then null else ",\($g)," end)}')
    ok=$(echo "$got" | jq -s --argjson w "$want" \
        'length > 0 and all(.[]; .metric.job == $w.job and .metric.alias == $w.alias and
            .metric.groups == $w.groups)')
    if [ "$ok" != true ] && [ -n "$(running_of "$ALICE" | grep -x "$vm")" ]; then
        echo "cpu_user_usage of $vm (alias '$alias', groups '$groups'): $got"
        bad=$((bad + 1))
    fi
done
cli_check "cpu_user_usage of each of alice's $checked instances: job, instance, alias, groups" \
    [ $((bad == 0 && checked > 0)) = 1 ]
n=$(query admin 'count by (instance) (cpu_info_model{job="triton-admin-cn"})' | wc -l)
cli_check "the nodes' /v1/gz/metrics arrive at admin's (cpu_info_model of $n nodes)" [ "$n" -eq 2 ]
n=$(query alice 'count({__name__="cpu_info_model"})' | wc -l)
cli_check "no node family at alice's" [ "$n" -eq 0 ]

# ---- isolation ---------------------------------------------------------------
code() { # code WHO VM: the status of WHO's scrape of VM through the proxy, as curl sees it
    curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.pem" --cert "$T/$1.pem" \
        --key "$T/$1-key.pem" --resolve "$2.cmon.test:$PORT:127.0.0.1" "https://$2.cmon.test:$PORT/metrics"
}
# alice first, then bob: bob's 200 after it shows the instance was there for
# alice's try (a destroyed zone does not come back); churn may take it, so a
# few instances are tried
i=0
while [ $i -lt 5 ]; do
    bobvm=$(running_of "$BOB" | head -1)
    ca=$(code alice "$bobvm") cb=$(code bob "$bobvm")
    [ "$cb" = 200 ] && break
    i=$((i + 1))
done
cli_check "bob scrapes his $bobvm: 200 ($cb)" [ "$cb" = 200 ]
cli_check "alice's certificate scraping bob's $bobvm: 404 ($ca)" [ "$ca" = 404 ]

# ---- churn: a new zone of alice's is discovered and scraped ---------------
i=0 new=
while [ $i -lt 60 ] && [ -z "$new" ]; do
    targets alice triton-alice-container >"$TMP/now"
    for vm in $(grep ' up$' "$TMP/now" | cut -d' ' -f1); do
        grep -qx "$vm" "$TMP/alice-triton-alice-container.set" && continue
        running_of "$ALICE" | grep -qx "$vm" && { new=$vm; break; }
    done
    [ -z "$new" ] && sleep 1
    i=$((i + 1))
done
cli_check "under churn, a new zone of alice's is in her Prometheus, scraped up (${new:-none})" \
    [ -n "$new" ]
cli_check "the hosts file names it, appended in place (same inode)" \
    sh -c "grep -q ' $new.cmon.test\$' '$H' && [ \"\$(stat -c %i '$H')\" = $ino ]"

cli_done
