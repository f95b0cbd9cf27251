/*
 * promcfg.h - a Prometheus (2.42) configuration that watches one account of
 * a simulated data center the way Triton users configure it
 * (`serve --cns --prom-config FILE --account LOGIN`): `triton_sd_configs`
 * (role container; and role cn for an operator) at endpoint cmon.<suffix>
 * on the proxies' port, the account's client certificate (--tls-dir) both
 * for discovery and for the https scrapes, the data center's CA to verify
 * the proxy.
 */
#ifndef CMON_PROMCFG_H
#define CMON_PROMCFG_H

#include <stddef.h>

typedef struct promcfg {
    const char *pc_login;   /* the account */
    int pc_operator;        /* 1: also a job for the compute nodes (role cn) */
    const char *pc_tls_dir; /* where <login>.pem, <login>-key.pem and ca.pem are */
    const char *pc_suffix;  /* dns_suffix */
    unsigned pc_port;       /* the proxies' port */
    double pc_interval;     /* scrape and discovery refresh interval, seconds */
} promcfg_t;

/*
 * promcfg_text() - the configuration as text, malloc'd (NULL ENOMEM).
 * promcfg_write() - written whole to path (atomicfile). 0, or -1 with a message.
 */
char *promcfg_text(const promcfg_t *pc);
int promcfg_write(const char *path, const promcfg_t *pc, char *err, size_t errlen);

#endif /* CMON_PROMCFG_H */
