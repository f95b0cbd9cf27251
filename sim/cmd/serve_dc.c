/*
 * serve_dc.c - the Triton side of serve --cns (serve_dc.h).
 *
 * Proxies: P cmon-proxy processes, proxy i listening on 127.0.0.<i+1> at the
 * same port (all of 127/8 is loopback on Linux), so the hosts file can name
 * them all for every host name and a client may use any: they are stateless
 * and give the same answers. A proxy is ready when it prints "listening on
 * ADDR:PORT" on stderr; with --proxy at port 0 (one proxy only) that line
 * tells the port.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostsfile.h"
#include "listen.h"
#include "monotime.h"
#include "promcfg.h"
#include "serve_dc.h"
#include "serve_proc.h"
#include "tlsdir.h"

#define DC_READY_TIMEOUT_S 30

struct dc {
    dc_opts_t dc_o;
    uint64_t dc_seed;
    cplane_account_t dc_accounts[CPLANE_ACCOUNTS_MAX];
    size_t dc_naccounts;
    char dc_owners[CPLANE_ACCOUNTS_MAX * CPLANE_UUID_MAX + 1];
    cplane_t *dc_cp;
    hostsfile_t *dc_hosts;
    char dc_proxy_host[48]; /* --proxy's address (127.0.0.1 by default) */
    unsigned dc_port;       /* the proxies' port */
    unsigned dc_nproxies;
    cns_proc_t dc_proxies[DC_PROXIES_MAX];
    char dc_listen[DC_PROXIES_MAX][80]; /* what each proxy said it listens on */
    char dc_addrs[DC_PROXIES_MAX][64];  /* the address each proxy is told */
    size_t dc_nwritten; /* --prom-config-dir: the first dc_nwritten accounts' files are written */
};

/* ---- flags ----------------------------------------------------------------- */

/* The proxies' address and port from --proxy (127.0.0.1:9163 by default). */
static int
dc_proxy_flags(dc_t *dc, char *err, size_t errlen)
{
    const dc_opts_t *o = &dc->dc_o;
    cmon_listen_t l;
    char why[256];
    dc->dc_nproxies = o->do_proxies ? o->do_proxies : o->do_proxy != NULL;
    snprintf(dc->dc_proxy_host, sizeof(dc->dc_proxy_host), "127.0.0.1");
    dc->dc_port = 9163;
    if (o->do_proxy != NULL) {
        if (cmon_listen_parse(o->do_proxy, &l, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "--proxy: %s", why);
            return -1;
        }
        dc->dc_port = l.cl_port;
        cmon_listen_format((struct sockaddr *)&l.cl_addr, why, sizeof(why));
        int v6 = why[0] == '['; /* "[ADDR6]:PORT": the hosts file wants ADDR6 bare */
        snprintf(dc->dc_proxy_host, sizeof(dc->dc_proxy_host), "%.*s",
                 (int)(strrchr(why, ':') - why - 2 * v6), why + v6);
    }
    if (dc->dc_nproxies > 1 && dc->dc_port == 0) {
        snprintf(err, errlen, "--proxies: want a port in --proxy (all listen on the same one)");
        return -1;
    }
    if (dc->dc_nproxies > 0 && o->do_tls_dir == NULL) {
        snprintf(err, errlen, "--proxy/--proxies: want --tls-dir (the proxy's certificate)");
        return -1;
    }
    return 0;
}

static int
dc_check(const dc_t *dc, char *err, size_t errlen)
{
    const dc_opts_t *o = &dc->dc_o;
    cmon_listen_t l;
    char why[256];
    if (o->do_cplane != NULL && cmon_listen_parse(o->do_cplane, &l, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "--cplane: %s", why);
        return -1;
    }
    if (o->do_prom_dir != NULL && o->do_tls_dir == NULL) {
        snprintf(err, errlen, "--prom-config-dir: want --tls-dir");
        return -1;
    }
    if (o->do_account == NULL)
        return 0;
    for (size_t i = 0; i < dc->dc_naccounts; i++)
        if (strcmp(dc->dc_accounts[i].ca_login, o->do_account) == 0)
            return o->do_tls_dir != NULL ? 0
                                         : (snprintf(err, errlen, "--account: want --tls-dir"), -1);
    snprintf(err, errlen, "--account: %s is not in --accounts", o->do_account);
    return -1;
}

dc_t *
dc_new(const dc_opts_t *o, uint64_t seed, char *err, size_t errlen)
{
    dc_t *dc = calloc(1, sizeof(*dc));
    if (dc == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    dc->dc_o = *o;
    for (unsigned i = 0; i < DC_PROXIES_MAX; i++)
        dc->dc_proxies[i].cp_out = -1;
    dc->dc_seed = seed;
    if (dc->dc_o.do_suffix == NULL)
        dc->dc_o.do_suffix = "cmon.test";
    int n = cplane_accounts_parse(o->do_accounts ? o->do_accounts : "admin:operator", seed,
                                  dc->dc_accounts, CPLANE_ACCOUNTS_MAX, err, errlen);
    dc->dc_naccounts = n > 0 ? (size_t)n : 0;
    if (n < 0 || dc_proxy_flags(dc, err, errlen) != 0 || dc_check(dc, err, errlen) != 0 ||
        cplane_accounts_keys(dc->dc_accounts, dc->dc_naccounts, err, errlen) != 0) {
        dc_free(dc);
        return NULL;
    }
    const char *owners[CPLANE_ACCOUNTS_MAX];
    size_t k = cplane_owners(dc->dc_accounts, dc->dc_naccounts, owners), at = 0;
    for (size_t i = 0; i < k; i++)
        at += (size_t)snprintf(dc->dc_owners + at, sizeof(dc->dc_owners) - at, "%s%s", i ? "," : "",
                               owners[i]);
    return dc;
}

const char *
dc_owners(const dc_t *dc)
{
    return dc->dc_owners;
}

const char *
dc_admin_uuid(const dc_t *dc)
{
    return cplane_admin(dc->dc_accounts, dc->dc_naccounts)->ca_uuid;
}

/* ---- proxies --------------------------------------------------------------- */

static void
dc_proxy_bin(const dc_t *dc, char *out, size_t len)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (dc->dc_o.do_proxy_bin != NULL || n <= 0) {
        snprintf(out, len, "%s", dc->dc_o.do_proxy_bin ? dc->dc_o.do_proxy_bin : "cmon-proxy");
        return;
    }
    self[n] = '\0';
    snprintf(out, len, "%s/cmon-proxy", dirname(self));
}

/* Proxy i listens on 127.0.0.<i+1> when there are several, else on --proxy's address. */
static void
dc_proxy_addrs(dc_t *dc)
{
    for (unsigned i = 0; i < dc->dc_nproxies; i++)
        if (dc->dc_nproxies > 1)
            snprintf(dc->dc_addrs[i], sizeof(dc->dc_addrs[i]), "127.0.0.%u", i + 1);
        else
            snprintf(dc->dc_addrs[i], sizeof(dc->dc_addrs[i]), "%s", dc->dc_proxy_host);
}

static int
dc_proxy_start(dc_t *dc, unsigned i, const char *bin)
{
    char listen[96], cert[PATH_MAX], key[PATH_MAX];
    snprintf(listen, sizeof(listen), strchr(dc->dc_addrs[i], ':') ? "[%s]:%u" : "%s:%u",
             dc->dc_addrs[i], dc->dc_port);
    snprintf(cert, sizeof(cert), "%s/proxy.pem", dc->dc_o.do_tls_dir);
    snprintf(key, sizeof(key), "%s/proxy-key.pem", dc->dc_o.do_tls_dir);
    char *argv[] = {(char *)bin,
                    "--listen",
                    listen,
                    "--cert",
                    cert,
                    "--key",
                    key,
                    "--cplane",
                    (char *)cplane_url(dc->dc_cp),
                    "--dns-suffix",
                    (char *)dc->dc_o.do_suffix,
                    NULL};
    return cns_proc_spawn(&dc->dc_proxies[i], argv, 2, NULL);
}

typedef struct dc_line {
    dc_t *dl_dc;
    unsigned dl_i;
} dc_line_t;

/* A proxy's stderr line: its readiness, or a log line passed on. */
static void
dc_on_line(void *arg, const char *text)
{
    dc_line_t *l = arg;
    const char *p = strstr(text, "listening on ");
    if (l->dl_dc->dc_listen[l->dl_i][0] == '\0' && p != NULL) {
        snprintf(l->dl_dc->dc_listen[l->dl_i], sizeof(l->dl_dc->dc_listen[0]), "%s", p + 13);
        return;
    }
    fprintf(stderr, "proxy%u: %s\n", l->dl_i, text);
}

int
dc_pump(dc_t *dc, int ms)
{
    struct pollfd pfd[DC_PROXIES_MAX];
    dc_line_t ctx[DC_PROXIES_MAX];
    nfds_t np = 0;
    for (unsigned i = 0; i < dc->dc_nproxies; i++)
        if (dc->dc_proxies[i].cp_sp.sp_pid > 0 && dc->dc_proxies[i].cp_out >= 0) {
            pfd[np] = (struct pollfd){dc->dc_proxies[i].cp_out, POLLIN, 0};
            ctx[np++] = (dc_line_t){dc, i};
        }
    if (np > 0 && poll(pfd, np, ms) > 0)
        for (nfds_t j = 0; j < np; j++)
            if (pfd[j].revents != 0)
                cns_proc_read(&dc->dc_proxies[ctx[j].dl_i], dc_on_line, &ctx[j]);
    for (unsigned i = 0; i < dc->dc_nproxies; i++)
        if (dc->dc_proxies[i].cp_sp.sp_pid > 0 && spawn_reap(&dc->dc_proxies[i].cp_sp) != 0) {
            fprintf(stderr, "cmon-sim: proxy%u (cmon-proxy) exited\n", i);
            return -1;
        }
    return 0;
}

/* Starts every proxy and waits until each listens; 0, or -1 with a message. */
static int
dc_proxies(dc_t *dc, char *err, size_t errlen)
{
    char bin[PATH_MAX];
    dc_proxy_bin(dc, bin, sizeof(bin));
    if (dc->dc_nproxies > 0 && access(bin, X_OK) != 0) {
        snprintf(err, errlen,
                 "--proxy: cannot run %s: %s (build the cmon-proxy target, or "
                 "give --proxy-bin)",
                 bin, strerror(errno));
        return -1;
    }
    for (unsigned i = 0; i < dc->dc_nproxies; i++)
        if (dc_proxy_start(dc, i, bin) != 0) {
            snprintf(err, errlen, "--proxy: cannot start %s", bin);
            return -1;
        }
    double deadline = cmon_monotime_s() + DC_READY_TIMEOUT_S;
    for (unsigned ready = 0; ready < dc->dc_nproxies;) {
        if (cmon_monotime_s() > deadline || dc_pump(dc, 200) != 0) {
            snprintf(err, errlen, "--proxy: cmon-proxy %s",
                     cmon_monotime_s() > deadline ? "not listening in time"
                                                  : "exited before it listened");
            return -1;
        }
        ready = 0;
        for (unsigned i = 0; i < dc->dc_nproxies; i++)
            ready += dc->dc_listen[i][0] != '\0';
    }
    if (dc->dc_port == 0) { /* one proxy at port 0: its line tells the port */
        const char *colon = strrchr(dc->dc_listen[0], ':');
        dc->dc_port = colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
    }
    return 0;
}

/* ---- files ----------------------------------------------------------------- */

static int
dc_hosts(dc_t *dc, char *err, size_t errlen)
{
    const char *addrs[DC_PROXIES_MAX];
    size_t n = dc->dc_nproxies ? dc->dc_nproxies : 1;
    if (dc->dc_o.do_hosts == NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        addrs[i] = dc->dc_nproxies ? dc->dc_addrs[i] : "127.0.0.1";
    dc->dc_hosts = hostsfile_open(dc->dc_o.do_hosts, dc->dc_o.do_suffix, addrs, n, err, errlen);
    if (dc->dc_hosts == NULL)
        return -1;
    cplane_on_names(dc->dc_cp, hostsfile_names_fn, dc->dc_hosts);
    return 0;
}

static int
dc_prom_config(dc_t *dc, const char *path, double interval, int *wrote, char *err, size_t errlen)
{
    const cplane_account_t *a = NULL;
    for (size_t i = 0; i < dc->dc_naccounts && dc->dc_o.do_account != NULL; i++)
        if (strcmp(dc->dc_accounts[i].ca_login, dc->dc_o.do_account) == 0)
            a = &dc->dc_accounts[i];
    if (a == NULL)
        return 0;
    promcfg_t pc = {.pc_login = a->ca_login,
                    .pc_operator = a->ca_operator,
                    .pc_tls_dir = dc->dc_o.do_tls_dir,
                    .pc_suffix = dc->dc_o.do_suffix,
                    .pc_port = dc->dc_port,
                    .pc_interval = interval};
    if (promcfg_write(path, &pc, err, errlen) != 0)
        return -1;
    *wrote = 1;
    return 0;
}

/* DIR/<login>.yml of account i, or -1 when it does not fit. */
static int
dc_prom_path(const dc_t *dc, size_t i, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/%s.yml", dc->dc_o.do_prom_dir, dc->dc_accounts[i].ca_login);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

/* --prom-config-dir: one configuration per account, each written whole (atomicfile). */
static int
dc_prom_configs(dc_t *dc, double interval, char *err, size_t errlen)
{
    char path[PATH_MAX];
    const char *dir = dc->dc_o.do_prom_dir;
    if (dir == NULL)
        return 0;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "--prom-config-dir: cannot make %s: %s", dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < dc->dc_naccounts; i++) {
        const cplane_account_t *a = &dc->dc_accounts[i];
        promcfg_t pc = {.pc_login = a->ca_login,
                        .pc_operator = a->ca_operator,
                        .pc_tls_dir = dc->dc_o.do_tls_dir,
                        .pc_suffix = dc->dc_o.do_suffix,
                        .pc_port = dc->dc_port,
                        .pc_interval = interval};
        if (dc_prom_path(dc, i, path, sizeof(path)) != 0) {
            snprintf(err, errlen, "--prom-config-dir: %s: path too long", dir);
            return -1;
        }
        if (promcfg_write(path, &pc, err, errlen) != 0)
            return -1;
        dc->dc_nwritten = i + 1;
    }
    return 0;
}

int
dc_start(dc_t *dc, const cplane_node_spec_t *nodes, size_t n, const char *prom_config,
         double interval, int *wrote, char *err, size_t errlen)
{
    dc->dc_cp = cplane_new(dc->dc_seed, dc->dc_accounts, dc->dc_naccounts, nodes, n, err, errlen);
    if (dc->dc_cp == NULL)
        return -1;
    dc_proxy_addrs(dc); /* known before they start: the hosts file names them */
    if (dc_hosts(dc, err, errlen) != 0 ||
        cplane_start(dc->dc_cp, dc->dc_o.do_cplane ? dc->dc_o.do_cplane : "127.0.0.1:0", err,
                     errlen) != 0)
        return -1;
    if (dc->dc_o.do_tls_dir != NULL &&
        tlsdir_write(dc->dc_o.do_tls_dir, dc->dc_accounts, dc->dc_naccounts, dc->dc_o.do_suffix,
                     err, errlen) != 0)
        return -1;
    if (dc_proxies(dc, err, errlen) != 0 || dc_prom_configs(dc, interval, err, errlen) != 0)
        return -1;
    return dc_prom_config(dc, prom_config, interval, wrote, err, errlen);
}

void
dc_print(const dc_t *dc)
{
    printf("cplane %s\n", cplane_url(dc->dc_cp));
    for (unsigned i = 0; i < dc->dc_nproxies; i++)
        printf("proxy %s\n", dc->dc_listen[i]);
}

void
dc_print_configs(const dc_t *dc)
{
    char path[PATH_MAX];
    for (size_t i = 0; i < dc->dc_nwritten; i++)
        if (dc_prom_path(dc, i, path, sizeof(path)) == 0)
            printf("prometheus-config %s\n", path);
}

void
dc_free(dc_t *dc)
{
    if (dc == NULL)
        return;
    char path[PATH_MAX];
    for (size_t i = 0; i < dc->dc_nwritten; i++)
        if (dc_prom_path(dc, i, path, sizeof(path)) == 0)
            unlink(path);
    double deadline = cmon_monotime_s() + 10;
    for (unsigned i = 0; i < dc->dc_nproxies; i++)
        cns_proc_signal(&dc->dc_proxies[i], SIGTERM);
    for (unsigned i = 0; i < dc->dc_nproxies; i++) {
        if (!cns_proc_reap(&dc->dc_proxies[i], deadline))
            cns_proc_signal(&dc->dc_proxies[i], SIGKILL);
        cns_proc_reap(&dc->dc_proxies[i], cmon_monotime_s() + 5);
    }
    cplane_free(dc->dc_cp);
    hostsfile_close(dc->dc_hosts);
    cplane_accounts_free(dc->dc_accounts, dc->dc_naccounts);
    free(dc);
}
