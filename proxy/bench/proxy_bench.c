/*
 * bench-proxy - what cmon-proxy costs: requests/s over keep-alive through
 * the proxy against the agent alone, and full TLS handshakes/s (ECDSA P-256,
 * no session resumption), with the proxy's CPU seconds for each.
 *
 *   bench-proxy BIN_DIR [--concurrency C] [--duration S] [--threads T] [--proxy-cpu LIST]
 *               [--phase N]   (N: 1..5, that phase alone)
 *
 * Starts a control plane and an agent of the tests' own (proxy/test/fixtures.h;
 * the agent answers a 3-line exposition from memory, so the figures are the
 * proxy's own cost), runs BIN_DIR/cmon-proxy as a child with --threads T on the CPUs LIST
 * (taskset -c, default 0),
 * and loads it with libcurl (C connections at once, S seconds a phase).
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "auth.h"
#include "cmon_spawn.h"
#include "fixtures.h"
#include "monotime.h"
#include "testpki.h"

#define VM "a1000000-0000-4000-8000-000000000001"
#define CN "c0000000-0000-4000-8000-000000000001"
#define ACCT "aaaaaaaa-0000-4000-8000-000000000001"

typedef struct phase {
    const char *ph_name;
    char ph_url[256];
    char ph_resolve[256];
    int ph_tls;   /* verify with dir/ca.pem, client certificate dir/alice.pem */
    int ph_fresh; /* a new connection (full handshake) per request */
    int ph_cert;  /* present the client certificate */
    int ph_new;   /* a certificate the proxy has not seen on every request (B.certs) */
} phase_t;

#define BENCH_CERTS 20000 /* certificates made for the ph_new phase, more than it uses */

static struct {
    char dir[64];
    int conc;
    double dur;
    pid_t proxy;
    const char *proxy_cpu; /* taskset -c of the proxy */
    char **certs;          /* PEM of alice's certificates, each used once (ph_new) */
    size_t ncerts, next;
    char *key;            /* their key's PEM */
    unsigned long reused; /* requests of a ph_new phase that had to reuse one */
    int only;             /* --phase N: that phase alone (1..5), 0 every one */
} B = {.proxy_cpu = "0", .conc = 8, .dur = 5};

static size_t
discard(char *d, size_t s, size_t n, void *a)
{
    (void)d, (void)a;
    return s * n;
}

/* The next certificate of B.certs on h: one the proxy has not seen (curl copies it). */
static void
next_cert(CURL *h)
{
    if (B.next == B.ncerts) {
        B.next = 0;
        B.reused++;
    } else if (B.reused > 0)
        B.reused++;
    struct curl_blob cert = {
        .data = B.certs[B.next], .len = strlen(B.certs[B.next]), .flags = CURL_BLOB_COPY};
    struct curl_blob key = {.data = B.key, .len = strlen(B.key), .flags = CURL_BLOB_COPY};
    B.next++;
    curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
}

static CURL *
phase_handle(const phase_t *ph, struct curl_slist *resolve)
{
    char ca[128], cert[128], key[128];
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, ph->ph_url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
    if (ph->ph_tls) {
        snprintf(ca, sizeof(ca), "%s/ca.pem", B.dir);
        curl_easy_setopt(h, CURLOPT_CAINFO, ca);
        if (ph->ph_cert) {
            snprintf(cert, sizeof(cert), "%s/alice.pem", B.dir);
            snprintf(key, sizeof(key), "%s/alice-key.pem", B.dir);
            curl_easy_setopt(h, CURLOPT_SSLCERT, cert);
            curl_easy_setopt(h, CURLOPT_SSLKEY, key);
        }
    }
    if (ph->ph_new)
        next_cert(h);
    if (ph->ph_fresh) {
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
        curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    }
    return h;
}

/* The proxy's CPU seconds so far (utime + stime of /proc/PID/stat). */
static double
proxy_cpu(void)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)B.proxy);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (p != NULL)
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* C requests in flight for B.dur seconds; prints the line of the phase. */
static void
phase_run(const phase_t *ph)
{
    struct curl_slist *resolve = curl_slist_append(NULL, ph->ph_resolve);
    CURLM *m = curl_multi_init();
    CURL **hs = calloc((size_t)B.conc, sizeof(CURL *));
    unsigned long ok = 0, bad = 0;
    for (int i = 0; i < B.conc; i++) {
        hs[i] = phase_handle(ph, resolve);
        curl_multi_add_handle(m, hs[i]);
    }
    double cpu0 = proxy_cpu(), t0 = cmon_monotime_s(), end = t0 + B.dur;
    int running, active = B.conc; /* handles on the multi handle */
    while (active > 0) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            long code = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result == CURLE_OK && code == 200)
                ok++;
            else if (bad++ == 0)
                fprintf(stderr, "%s: first error: %s, HTTP %ld\n", ph->ph_name,
                        curl_easy_strerror(msg->data.result), code);
            CURL *h = msg->easy_handle;
            curl_multi_remove_handle(m, h);
            if (cmon_monotime_s() < end) {
                if (ph->ph_new)
                    next_cert(h);
                curl_multi_add_handle(m, h); /* the next request on the same handle */
            } else
                active--;
        }
        if (active > 0)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double secs = cmon_monotime_s() - t0, cpu = proxy_cpu() - cpu0;
    if (ph->ph_new && B.reused > 0)
        fprintf(stderr, "%s: %lu requests reused a certificate (more than %d made)\n", ph->ph_name,
                B.reused, BENCH_CERTS);
    printf("%-34s %10.0f %8lu %14.3f\n", ph->ph_name, ok / secs, bad,
           ph->ph_tls && ok > 0 ? cpu * 1000.0 / ok : 0.0);
    for (int i = 0; i < B.conc; i++)
        curl_easy_cleanup(hs[i]);
    free(hs);
    curl_multi_cleanup(m);
    curl_slist_free_all(resolve);
}

/* ---- set-up ------------------------------------------------------------- */

/* BENCH_CERTS new-style certificates of alice's (what `triton` makes: an
 * ephemeral key signed by her key; here one ephemeral key for all, so that
 * the client's handshakes stay cheap), each a certificate the proxy has not
 * seen. 0 or -1. */
static int
new_certs(EVP_PKEY *account_key)
{
    EVP_PKEY *eph = pki_key_new();
    B.key = eph != NULL ? pki_key_pem(eph) : NULL;
    B.certs = calloc(BENCH_CERTS, sizeof(char *));
    for (B.ncerts = 0; B.key != NULL && B.certs != NULL && B.ncerts < BENCH_CERTS; B.ncerts++)
        if ((B.certs[B.ncerts] = pki_cert_pem("alice", eph, account_key, 1, -60, 86400)) == NULL)
            break;
    EVP_PKEY_free(eph);
    return B.ncerts == BENCH_CERTS ? 0 : -1;
}

static char *
account(void)
{
    EVP_PKEY *k = pki_key_new();
    char cert[128], key[128];
    snprintf(cert, sizeof(cert), "%s/alice.pem", B.dir);
    snprintf(key, sizeof(key), "%s/alice-key.pem", B.dir);
    pki_cert("alice", k, k, 0, -60, 86400, cert, key);
    if (new_certs(k) != 0)
        fprintf(stderr, "bench-proxy: cannot make the certificates\n");
    char *kj = pki_key_json(k), *j = malloc(strlen(kj) + 256);
    sprintf(j,
            "{\"uuid\":\"" ACCT "\",\"login\":\"alice\",\"groups\":[],\"keys\":[%s],\"roles\":{}}",
            kj);
    free(kj);
    EVP_PKEY_free(k);
    return j;
}

/* Microseconds to parse der, and to parse, read its login and verify it
 * against account a, as a new connection with an unknown certificate does
 * (the control plane's look-up aside); printed as one line. */
static void
auth_cost(const char *what, const unsigned char *der, size_t len, const auth_account_t *a)
{
    char login[AUTH_LOGIN_MAX], why[256];
    const int n = 2000;
    double t0 = cmon_monotime_s();
    for (int i = 0; i < n; i++)
        auth_cert_free(auth_cert_parse(der, len));
    double t1 = cmon_monotime_s();
    int ok = 0;
    for (int i = 0; i < n; i++) {
        auth_cert_t *c = auth_cert_parse(der, len);
        ok += auth_cert_login(c, login, sizeof(login)) == 0 &&
              auth_cert_verify(c, a, time(NULL), why, sizeof(why)) == 0;
        auth_cert_free(c);
    }
    double t2 = cmon_monotime_s();
    printf("authentication in-process, %s: parse %.0f us, parse + login + verify %.0f us "
           "(%d/%d ok)\n",
           what, (t1 - t0) / n * 1e6, (t2 - t1) / n * 1e6, ok, n);
}

/* DER of a PEM certificate (OPENSSL_free it), length in *len; NULL on failure. */
static unsigned char *
pem_to_der(BIO *pem, int *len)
{
    unsigned char *der = NULL;
    X509 *x = pem != NULL ? PEM_read_bio_X509(pem, NULL, NULL, NULL) : NULL;
    *len = x != NULL ? i2d_X509(x, &der) : 0;
    X509_free(x);
    BIO_free(pem);
    return *len > 0 ? der : NULL;
}

/* What authentication costs in-process, without TLS: alice's old-style
 * certificate (self-signed by her key) and a new-style one (B.certs). */
static void
auth_costs(const char *account_json)
{
    char path[128], err[256];
    int len;
    snprintf(path, sizeof(path), "%s/alice.pem", B.dir);
    auth_account_t *a = auth_account_parse(account_json, strlen(account_json), err, sizeof(err));
    unsigned char *der = pem_to_der(BIO_new_file(path, "r"), &len);
    if (a != NULL && der != NULL)
        auth_cost("old style", der, (size_t)len, a);
    OPENSSL_free(der);
    der = B.ncerts > 0 ? pem_to_der(BIO_new_mem_buf(B.certs[0], -1), &len) : NULL;
    if (a != NULL && der != NULL)
        auth_cost("new style", der, (size_t)len, a);
    OPENSSL_free(der);
    auth_account_free(a);
}

/* Starts BIN_DIR/cmon-proxy; its port from "listening on ADDR:PORT", 0 on failure. */
static unsigned
proxy_spawn(const char *bin, const char *cplane, const char *threads, spawn_t *sp)
{
    char exe[512], cert[128], key[128], log[128], cp[128];
    snprintf(exe, sizeof(exe), "%s/cmon-proxy", bin);
    snprintf(cert, sizeof(cert), "%s/server.pem", B.dir);
    snprintf(key, sizeof(key), "%s/server-key.pem", B.dir);
    snprintf(log, sizeof(log), "%s/proxy.log", B.dir);
    snprintf(cp, sizeof(cp), "%s", cplane);
    char *argv[] = {"taskset",
                    "-c",
                    (char *)B.proxy_cpu,
                    exe,
                    "--listen",
                    "127.0.0.1:0",
                    "--cert",
                    cert,
                    "--key",
                    key,
                    "--cplane",
                    cp,
                    "--threads",
                    (char *)threads,
                    "--throttle-rate",
                    "1e9",
                    "--throttle-burst",
                    "1e9",
                    NULL};
    spawn_opts_t o = {.so_stderr = {.sio_kind = SPAWN_IO_FILE, .sio_path = log}};
    if (spawn_start(sp, argv, &o) != 0)
        return 0;
    for (int i = 0; i < 200; i++) {
        char line[256] = "";
        unsigned port = 0;
        FILE *f = fopen(log, "r");
        while (f != NULL && fgets(line, sizeof(line), f) != NULL)
            if (sscanf(line, "listening on 127.0.0.1:%u", &port) == 1)
                break;
        if (f != NULL)
            fclose(f);
        if (port != 0)
            return port;
        usleep(50000);
    }
    return 0;
}

static int
world(fix_cplane_t **cp, fix_agent_t **ag)
{
    char vms[512], servers[512], *cert, *key, path[128];
    if ((*ag = fix_agent_start()) == NULL)
        return -1;
    fix_agent_mode(*ag, AGENT_NEVER_GZIP);
    snprintf(vms, sizeof(vms),
             "{\"vms\":[{\"uuid\":\"" VM "\",\"owner_uuid\":\"" ACCT "\",\"server_uuid\":\"" CN
             "\",\"alias\":\"web0\",\"brand\":\"joyent\",\"image_uuid\":\"" VM
             "\",\"state\":\"running\",\"tags\":{}}],\"total\":1}");
    snprintf(servers, sizeof(servers),
             "{\"servers\":[{\"uuid\":\"" CN "\",\"hostname\":\"cn0\",\"admin_ip\":\"127.0.0.1\","
             "\"agent\":\"127.0.0.1:%u\"}]}",
             fix_agent_port(*ag));
    if ((*cp = fix_cplane_start(vms, servers)) == NULL)
        return -1;
    char *acct = account();
    fix_cplane_account(*cp, "alice", acct);
    auth_costs(acct);
    free(acct);
    if (pki_server("cmon.test", &cert, &key) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/server.pem", B.dir);
    pki_write(path, cert);
    snprintf(path, sizeof(path), "%s/ca.pem", B.dir);
    pki_write(path, cert);
    snprintf(path, sizeof(path), "%s/server-key.pem", B.dir);
    pki_write(path, key);
    free(cert);
    free(key);
    return 0;
}

static void
phases(unsigned agent_port, unsigned port)
{
    phase_t ph[] = {
        {.ph_name = "agent alone, keep-alive"},
        {.ph_name = "proxy /metrics, keep-alive", .ph_tls = 1, .ph_cert = 1},
        {.ph_name = "proxy /_ping, full handshakes", .ph_tls = 1, .ph_fresh = 1},
        {.ph_name = "proxy /metrics, full handshakes", .ph_tls = 1, .ph_fresh = 1, .ph_cert = 1},
        {.ph_name = "proxy /metrics, new certificates",
         .ph_tls = 1,
         .ph_fresh = 1,
         .ph_cert = 1,
         .ph_new = 1},
    };
    snprintf(ph[0].ph_url, 256, "http://127.0.0.1:%u/v1/" VM "/metrics", agent_port);
    snprintf(ph[0].ph_resolve, 256, "cmon.test:1:127.0.0.1");
    for (int i = 1; i < 5; i++) {
        snprintf(ph[i].ph_url, 256, "https://%s.cmon.test:%u%s", i == 2 ? "cmon" : VM, port,
                 i == 2 ? "/_ping" : "/metrics");
        snprintf(ph[i].ph_resolve, 256, "%s.cmon.test:%u:127.0.0.1", i == 2 ? "cmon" : VM, port);
    }
    printf("%-34s %10s %8s %14s\n", "phase", "req/s", "errors", "proxy CPU ms/req");
    for (int i = 0; i < 5; i++)
        if (B.only == 0 || B.only == i + 1)
            phase_run(&ph[i]);
}

int
main(int argc, char **argv)
{
    const char *threads = "1";
    if (argc < 2) {
        fprintf(stderr, "usage: bench-proxy BIN_DIR [--concurrency C] [--duration S] [--threads T] "
                        "[--proxy-cpu LIST] [--phase N]\n");
        return 2;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--concurrency") == 0)
            B.conc = atoi(argv[i + 1]) > 0 ? atoi(argv[i + 1]) : 1;
        else if (strcmp(argv[i], "--duration") == 0)
            B.dur = atof(argv[i + 1]) > 0 ? atof(argv[i + 1]) : 1;
        else if (strcmp(argv[i], "--proxy-cpu") == 0)
            B.proxy_cpu = argv[i + 1];
        else if (strcmp(argv[i], "--threads") == 0)
            threads = argv[i + 1];
        else if (strcmp(argv[i], "--phase") == 0)
            B.only = atoi(argv[i + 1]);
    }
    curl_global_init(CURL_GLOBAL_ALL);
    snprintf(B.dir, sizeof(B.dir), "/tmp/proxybench.XXXXXX");
    fix_cplane_t *cp = NULL;
    fix_agent_t *ag = NULL;
    spawn_t sp = SPAWN_INIT;
    unsigned port = 0;
    if (mkdtemp(B.dir) == NULL || world(&cp, &ag) != 0 ||
        (port = proxy_spawn(argv[1], fix_cplane_url(cp), threads, &sp)) == 0)
        fprintf(stderr, "bench-proxy: cannot set up (see %s/proxy.log)\n", B.dir);
    else {
        B.proxy = sp.sp_pid;
        printf("cmon-proxy --threads %s, %d connections, %.0f s a phase\n", threads, B.conc, B.dur);
        fprintf(stderr, "proxy pid %d on 127.0.0.1:%u, files in %s\n", (int)sp.sp_pid, port, B.dir);
        phases(fix_agent_port(ag), port);
    }
    if (sp.sp_pid > 0)
        spawn_stop(&sp, 5000);
    spawn_close(&sp);
    fix_cplane_stop(cp);
    fix_agent_stop(ag);
    char cmd[128];
    for (size_t i = 0; i < B.ncerts; i++)
        free(B.certs[i]);
    free(B.certs);
    free(B.key);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", B.dir);
    return system(cmd) == 0 && port != 0 ? 0 : 1;
}
