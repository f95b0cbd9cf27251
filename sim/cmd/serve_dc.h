/*
 * serve_dc.h - the Triton side of `cmon-sim serve --cns`: the data center's
 * accounts, its control plane (sim/cplane), certificates (--tls-dir), hosts
 * file, Prometheus configurations (one account, or each), and the cmon-proxy
 * processes in front of the agents.
 *
 * Order (serve_cns.c drives it): dc_new() parses the flags' accounts and
 * makes their keys; dc_owners()/dc_admin_uuid() go to every node's serve
 * (the worlds record the same owners the control plane serves); once every
 * node's world and agent are ready, dc_start() starts the control plane,
 * writes the files and starts the proxies; dc_pump() passes the proxies'
 * logs on and notices their death; dc_free() stops everything it started.
 */
#ifndef CMON_SERVE_DC_H
#define CMON_SERVE_DC_H

#include <stddef.h>
#include <stdint.h>

#include "cplane.h"

#define DC_PROXIES_MAX 16

typedef struct dc_opts {
    const char *do_accounts;  /* --accounts; NULL: "admin:operator" */
    const char *do_cplane;    /* --cplane ADDR:PORT; NULL: 127.0.0.1:0 */
    const char *do_tls_dir;   /* --tls-dir DIR */
    const char *do_suffix;    /* --dns-suffix; NULL: cmon.test */
    const char *do_hosts;     /* --hosts-file FILE */
    const char *do_account;   /* --account LOGIN: --prom-config is for it */
    const char *do_prom_dir;  /* --prom-config-dir DIR: DIR/<login>.yml for every account */
    const char *do_proxy;     /* --proxy ADDR:PORT */
    unsigned do_proxies;      /* --proxies P (0: none unless --proxy, then 1) */
    const char *do_proxy_bin; /* --proxy-bin PATH; NULL: cmon-proxy beside this program */
} dc_opts_t;

typedef struct dc dc_t;

/* dc_new() - checks the flags, parses the accounts, makes their keys. NULL with a message. */
dc_t *dc_new(const dc_opts_t *o, uint64_t seed, char *err, size_t errlen);

/* dc_owners() - "UUID,UUID,..." for serve --owners; dc_admin_uuid() for --admin-uuid. */
const char *dc_owners(const dc_t *dc);
const char *dc_admin_uuid(const dc_t *dc);

/*
 * dc_start() - with every node ready (world path and agent address of each):
 * the control plane, --tls-dir, --hosts-file, the proxies (waits until each
 * prints "listening on"), and with --account the Prometheus configuration at
 * prom_config (*wrote set to 1). With --prom-config-dir, one configuration per
 * account in that directory (made if missing), DIR/<login>.yml. 0, or -1 with a message.
 */
int dc_start(dc_t *dc, const cplane_node_spec_t *nodes, size_t n, const char *prom_config,
             double interval, int *wrote, char *err, size_t errlen);

/* dc_print() - the lines serve prints when ready: "cplane URL", "proxy ADDR:PORT" each. */
void dc_print(const dc_t *dc);

/*
 * dc_print_configs() - with --prom-config-dir: "prometheus-config DIR/<login>.yml"
 * per account, in the order of --accounts (serve prints them last).
 */
void dc_print_configs(const dc_t *dc);

/* dc_pump() - reads the proxies' logs (waits up to ms); -1 when a proxy has ended. */
int dc_pump(dc_t *dc, int ms);

/* dc_free() - stops the proxies (TERM, then KILL after 10 s) and the control plane,
 * removes the --prom-config-dir files it wrote; frees. */
void dc_free(dc_t *dc);

#endif /* CMON_SERVE_DC_H */
