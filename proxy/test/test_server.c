/*
 * cmon-proxy's server over real TLS: certificates and keys made here,
 * libcurl as the client (client certificates, SNI from the URL's host, the
 * names resolved to 127.0.0.1 by CURLOPT_RESOLVE), a control plane and
 * agents of the test's own (fixtures.h), the real inventory.
 */
#include <CUnit/CUnit.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cunit_main.h"
#include "fixtures.h"
#include "inventory.h"
#include "listen.h"
#include "monotime.h"
#include "proxy.h"
#include "sbuf.h"
#include "testpki.h"

#define SUFFIX "cmon.test"
#define ALICE "aaaaaaaa-0000-4000-8000-000000000001"
#define BOB "bbbbbbbb-0000-4000-8000-000000000002"
#define ADMIN "dddddddd-0000-4000-8000-000000000003"
#define OPS "eeeeeeee-0000-4000-8000-000000000004"
#define CN_OK "c0000000-0000-4000-8000-000000000001"
#define CN_HANG "c0000000-0000-4000-8000-000000000002"
#define CN_DEAD "c0000000-0000-4000-8000-000000000003"
#define VM_ALICE "a1000000-0000-4000-8000-000000000001"
#define VM_BOB "b1000000-0000-4000-8000-000000000001"
#define VM_HANG "a1000000-0000-4000-8000-000000000002"
#define VM_DEAD "a1000000-0000-4000-8000-000000000003"
#define VM_STOPPED "a1000000-0000-4000-8000-000000000004"
#define VM_LOST "a1000000-0000-4000-8000-000000000005" /* on a node /servers does not list */
#define CN_GONE "c0000000-0000-4000-8000-000000000009"

/* The suite's world: one set-up for every test (suite init). */
static struct {
    char dir[64];
    char ca[128];
    char *cert_pem, *key_pem;
    fix_cplane_t *cplane;
    fix_agent_t *agent, *hang;
    inventory_t *inv;
    proxy_t *proxy;
    unsigned port;
    struct sockaddr_in addr;
} W;

/* ---- the client --------------------------------------------------------- */

typedef struct answer {
    long status;
    CURLcode code; /* the transfer's result; status is 0 unless CURLE_OK */
    sbuf_t body;
    char cenc[32];
} answer_t;

static size_t
on_body(char *d, size_t s, size_t n, void *arg)
{
    sbuf_add(arg, d, s * n);
    return s * n;
}

static size_t
on_header(char *d, size_t s, size_t n, void *arg)
{
    answer_t *a = arg;
    if (strncasecmp(d, "Content-Encoding:", 17) == 0)
        sscanf(d + 17, " %31[^\r\n]", a->cenc);
    return s * n;
}

/* Lists handed to curl handles live until the suite ends (a handle reads
 * them at each request); several threads make them. */
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static struct curl_slist *kept[2048];
static size_t nkept;

static void
keep_list(struct curl_slist *l)
{
    pthread_mutex_lock(&kept_lock);
    if (nkept < sizeof(kept) / sizeof(kept[0]))
        kept[nkept++] = l;
    else
        abort(); /* more requests than the suite makes: raise the bound */
    pthread_mutex_unlock(&kept_lock);
}

/* The certificate files of a name made in set-up: DIR/<who>.pem and -key.pem. */
static void
cert_paths(const char *who, char *cert, char *key, size_t len)
{
    snprintf(cert, len, "%s/%s.pem", W.dir, who);
    snprintf(key, len, "%s/%s-key.pem", W.dir, who);
}

/* Sets up h for https://<label>.SUFFIX:<port><path> as who (NULL: no certificate). */
static void
client_setup(CURL *h, unsigned port, const char *who, const char *label, const char *path,
             const char *encoding, answer_t *a)
{
    char resolve[256], cert[128], key[128];
    struct curl_slist *res;
    size_t ulen = strlen(label) + strlen(path) + 64;
    char *url = malloc(ulen); /* curl keeps a copy */
    snprintf(url, ulen, "https://%s." SUFFIX ":%u%s", label, port, path);
    snprintf(resolve, sizeof(resolve), "%s." SUFFIX ":%u:127.0.0.1", label, port);
    res = curl_slist_append(NULL, resolve);
    keep_list(res);
    curl_easy_setopt(h, CURLOPT_URL, url);
    free(url);
    curl_easy_setopt(h, CURLOPT_RESOLVE, res);
    curl_easy_setopt(h, CURLOPT_CAINFO, W.ca);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a->body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    if (encoding != NULL)
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, encoding);
    if (who != NULL) {
        cert_paths(who, cert, key, sizeof(cert));
        curl_easy_setopt(h, CURLOPT_SSLCERT, cert);
        curl_easy_setopt(h, CURLOPT_SSLKEY, key);
    }
}

static void
client_run(CURL *h, answer_t *a)
{
    memset(a, 0, sizeof(*a));
    sbuf_init(&a->body, 64);
    a->code = curl_easy_perform(h);
    if (a->code == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
}

/* One request on a fresh connection to the suite's proxy. Returns the status. */
static long
get_on(unsigned port, const char *who, const char *label, const char *path, const char *encoding,
       answer_t *a)
{
    CURL *h = curl_easy_init();
    client_setup(h, port, who, label, path, encoding, a);
    client_run(h, a);
    curl_easy_cleanup(h);
    return a->status;
}

static long
get(const char *who, const char *label, const char *path, const char *encoding, answer_t *a)
{
    return get_on(W.port, who, label, path, encoding, a);
}

static int
has(const answer_t *a, const char *s)
{
    return a->body.sb_buf != NULL && strstr(a->body.sb_buf, s) != NULL;
}

/* ---- set-up ------------------------------------------------------------- */

static char *
account_json(const char *uuid, const char *login, int operator, EVP_PKEY * key, EVP_PKEY *admin)
{
    char *k = pki_key_json(key), *ka = admin != NULL ? pki_key_json(admin) : NULL;
    sbuf_t s = SBUF_INIT;
    sbuf_addf(&s, "{\"uuid\":\"%s\",\"login\":\"%s\",\"groups\":[%s],\"keys\":[%s],\"roles\":{",
              uuid, login, operator? "\"operators\"" : "", k);
    if (ka != NULL)
        sbuf_addf(&s,
                  "\"administrator\":{\"members\":[{\"login\":\"ops\",\"uuid\":\"" OPS
                  "\",\"keys\":[%s]}]}",
                  ka);
    sbuf_adds(&s, "}}");
    free(k);
    free(ka);
    return s.sb_buf;
}

static void
vm_json(sbuf_t *s, const char *uuid, const char *owner, const char *cn, const char *state)
{
    sbuf_addf(
        s,
        "%s{\"uuid\":\"%s\",\"owner_uuid\":\"%s\",\"server_uuid\":\"%s\",\"alias\":\"a-%.4s\","
        "\"brand\":\"joyent\",\"image_uuid\":\"%s\",\"state\":\"%s\",\"tags\":{}}",
        s->sb_len > 8 ? "," : "", uuid, owner, cn, uuid, uuid, state);
}

static void
world_inventory(void)
{
    sbuf_t vms = SBUF_INIT, servers = SBUF_INIT;
    sbuf_adds(&vms, "{\"vms\":[");
    vm_json(&vms, VM_ALICE, ALICE, CN_OK, "running");
    vm_json(&vms, VM_BOB, BOB, CN_OK, "running");
    vm_json(&vms, VM_HANG, ALICE, CN_HANG, "running");
    vm_json(&vms, VM_DEAD, ALICE, CN_DEAD, "running");
    vm_json(&vms, VM_LOST, ALICE, CN_GONE, "running");
    sbuf_adds(&vms, "],\"total\":5}");
    int dead = cmon_listen_free_port();
    sbuf_addf(&servers,
              "{\"servers\":[{\"uuid\":\"" CN_OK
              "\",\"hostname\":\"cn0\",\"admin_ip\":\"127.0.0.1\","
              "\"agent\":\"127.0.0.1:%u\"},{\"uuid\":\"" CN_HANG "\",\"hostname\":\"cn1\","
              "\"admin_ip\":\"127.0.0.1\",\"agent\":\"127.0.0.1:%u\"},{\"uuid\":\"" CN_DEAD
              "\",\"hostname\":\"cn2\",\"admin_ip\":\"127.0.0.1\",\"agent\":\"127.0.0.1:%d\"}]}",
              fix_agent_port(W.agent), fix_agent_port(W.hang), dead);
    W.cplane = fix_cplane_start(vms.sb_buf, servers.sb_buf);
    sbuf_release(&vms);
    sbuf_release(&servers);
}

/* Keys, accounts and the client certificates of every test. */
static int
world_pki(void)
{
    EVP_PKEY *ka = pki_key_new(), *kops = pki_key_new(), *kb = pki_key_new(), *kadm = pki_key_new(),
             *kx = pki_key_new(), *eph = pki_key_new();
    char c[128], k[128];
    int rc = 0;
#define CERT(who, cn, subj, signer, newstyle, nb, na)                                              \
    cert_paths(who, c, k, sizeof(c));                                                              \
    rc |= pki_cert(cn, subj, signer, newstyle, nb, na, c, k)
    CERT("alice", "alice", ka, ka, 0, -60, 3600);
    CERT("ops", "alice", kops, kops, 0, -60, 3600);
    CERT("wrongkey", "alice", kx, kx, 0, -60, 3600);
    CERT("mallory", "mallory", kx, kx, 0, -60, 3600);
    CERT("bob", "bob", kb, kb, 0, -60, 3600);
    CERT("admin", "admin", kadm, kadm, 0, -60, 3600);
    CERT("newstyle", "alice", eph, ka, 1, -60, 3600);
    CERT("expired", "alice", eph, ka, 1, -7200, -3600);
    CERT("forged", "alice", eph, kx, 1, -60, 3600); /* names no key of alice's */
#undef CERT
    char *j;
    fix_cplane_account(W.cplane, "alice", j = account_json(ALICE, "alice", 0, ka, kops));
    free(j);
    fix_cplane_account(W.cplane, "bob", j = account_json(BOB, "bob", 0, kb, NULL));
    free(j);
    fix_cplane_account(W.cplane, "admin", j = account_json(ADMIN, "admin", 1, kadm, NULL));
    free(j);
    EVP_PKEY *all[] = {ka, kops, kb, kadm, kx, eph};
    for (size_t i = 0; i < 6; i++)
        EVP_PKEY_free(all[i]);
    return rc;
}

/* The suite's proxy options over inventory inv: its certificate, control
 * plane and address, two workers; the caller sets the rest. */
static proxy_opts_t
proxy_opts_on(inventory_t *inv, int upstream_timeout_ms)
{
    return (proxy_opts_t){.po_addr = (struct sockaddr *)&W.addr,
                          .po_cert_pem = W.cert_pem,
                          .po_key_pem = W.key_pem,
                          .po_cplane = fix_cplane_url(W.cplane),
                          .po_dns_suffix = SUFFIX,
                          .po_inventory = inv,
                          .po_threads = 2,
                          .po_upstream_timeout_ms = upstream_timeout_ms,
                          .po_connect_timeout_ms = 1000};
}

static proxy_t *
proxy_with(double rate, double burst, double ttl, size_t max_body, size_t account_cache)
{
    char err[256];
    proxy_opts_t o = proxy_opts_on(W.inv, 1500);
    o.po_throttle_rate = rate;
    o.po_throttle_burst = burst;
    o.po_account_ttl_s = ttl;
    o.po_max_body = max_body;
    o.po_account_cache = account_cache;
    proxy_t *p = proxy_start(&o, err, sizeof(err));
    if (p == NULL)
        fprintf(stderr, "proxy_start: %s\n", err);
    return p;
}

static int
suite_init(void)
{
    char err[256];
    curl_global_init(CURL_GLOBAL_ALL);
    snprintf(W.dir, sizeof(W.dir), "/tmp/proxytest.XXXXXX");
    if (mkdtemp(W.dir) == NULL || (W.agent = fix_agent_start()) == NULL ||
        (W.hang = fix_agent_start()) == NULL)
        return 1;
    fix_agent_mode(W.hang, AGENT_HANG);
    world_inventory();
    if (W.cplane == NULL || world_pki() != 0 || pki_server(SUFFIX, &W.cert_pem, &W.key_pem) != 0)
        return 1;
    snprintf(W.ca, sizeof(W.ca), "%s/ca.pem", W.dir);
    pki_write(W.ca, W.cert_pem);
    inventory_opts_t io = {.io_cplane = fix_cplane_url(W.cplane), .io_wait_ms = 200};
    if ((W.inv = inventory_start(&io, err, sizeof(err))) == NULL) {
        fprintf(stderr, "inventory_start: %s\n", err);
        return 1;
    }
    W.addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if ((W.proxy = proxy_with(100, 1000, 300, 1 << 20, 50)) == NULL)
        return 1;
    W.port = proxy_port(W.proxy);
    return 0;
}

static int
suite_clean(void)
{
    proxy_stop(W.proxy);
    inventory_stop(W.inv);
    fix_agent_stop(W.agent);
    fix_agent_stop(W.hang);
    fix_cplane_stop(W.cplane);
    free(W.cert_pem);
    free(W.key_pem);
    for (size_t i = 0; i < nkept; i++)
        curl_slist_free_all(kept[i]);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", W.dir);
    return system(cmd) == 0 ? 0 : 1;
}

/* ---- the tests ---------------------------------------------------------- */

#define DONE(a) sbuf_release(&(a).body)

static void
test_ping(void)
{
    answer_t a;
    CU_ASSERT_EQUAL(get(NULL, "cmon", "/_ping", NULL, &a), 200);
    CU_ASSERT_STRING_EQUAL(a.body.sb_buf, "OK");
    DONE(a);
    CU_ASSERT_EQUAL(get(NULL, "cmon", "/v1/_ping", NULL, &a), 200);
    DONE(a);
}

static void
test_no_cert(void)
{
    answer_t a;
    CU_ASSERT_EQUAL(get(NULL, "cmon", "/v1/discover", NULL, &a), 401);
    CU_ASSERT_TRUE(has(&a, "\"code\":\"UnauthorizedError\""));
    DONE(a);
}

static void
test_refused_certs(void)
{
    const char *who[] = {"mallory", "wrongkey", "expired", "forged"};
    for (size_t i = 0; i < 4; i++) {
        answer_t a;
        CU_ASSERT_EQUAL(get(who[i], "cmon", "/v1/discover", NULL, &a), 401);
        CU_ASSERT_TRUE(has(&a, "UnauthorizedError"));
        if (a.status != 401)
            fprintf(stderr, "%s: %ld\n", who[i], a.status);
        DONE(a);
    }
}

/* Each way in as alice sees alice's running instances, not bob's. */
/* Lines of stderr containing what, written while fn ran (stderr into a file meanwhile). */
static unsigned
stderr_lines_during(void (*fn)(void), const char *what)
{
    char path[128], line[1024];
    unsigned n = 0;
    snprintf(path, sizeof(path), "%s/stderr.txt", W.dir);
    fflush(stderr);
    int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (saved < 0 || fd < 0 || dup2(fd, 2) < 0)
        return 9999;
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    FILE *f = fopen(path, "r");
    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, what) != NULL;
    if (f != NULL)
        fclose(f);
    return n;
}

static void
bad_certificate_flood(void)
{
    for (int i = 0; i < 30; i++) {
        answer_t a;
        CU_ASSERT_EQUAL(get(i % 2 ? "wrongkey" : "forged", "cmon", "/v1/discover", NULL, &a), 401);
        DONE(a);
    }
}

/* 30 refused certificates within a second or two: at most one line in the
 * log (one more only every 10 s, with the count of those left out). */
static void
test_refused_flood_log(void)
{
    unsigned lines = stderr_lines_during(bad_certificate_flood, "authentication failed");
    CU_ASSERT(lines <= 1);
}

static void
test_accepted_certs(void)
{
    const char *who[] = {"alice", "ops", "newstyle"};
    for (size_t i = 0; i < 3; i++) {
        answer_t a;
        CU_ASSERT_EQUAL(get(who[i], "cmon", "/v1/discover", NULL, &a), 200);
        CU_ASSERT_TRUE(has(&a, "\"containers\""));
        CU_ASSERT_TRUE(has(&a, VM_ALICE));
        CU_ASSERT_FALSE(has(&a, VM_BOB));
        DONE(a);
    }
}

/* A request to the suite's proxy as alice for <label>.SUFFIX, with one more
 * header line (it replaces curl's own of that name). */
static long
get_with_header(const char *label, const char *path, const char *line, answer_t *a)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, line);
    client_setup(h, W.port, "alice", label, path, NULL, a);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    client_run(h, a);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
    return a->status;
}

/* A request to the suite's proxy as alice with a Host header of the test's (SNI: cmon.SUFFIX). */
static long
get_host(const char *host, answer_t *a)
{
    char line[300];
    snprintf(line, sizeof(line), "Host: %s", host);
    return get_with_header("cmon", "/v1/discover", line, a);
}

static void
test_host_rule(void)
{
    answer_t a;
    CU_ASSERT_EQUAL(get_host("cmon", &a), 404);
    DONE(a);
    CU_ASSERT_EQUAL(get_host("cmon.other.test", &a), 404);
    DONE(a);
    CU_ASSERT_EQUAL(get_host("cmon.cmon.test.evil", &a), 404);
    DONE(a);
    CU_ASSERT_EQUAL(get_host("CMON.Cmon.Test.", &a), 200);
    DONE(a);
    CU_ASSERT_EQUAL(get("alice", "www", "/metrics", NULL, &a), 404);
    CU_ASSERT_TRUE(has(&a, "\"code\":\"NotFoundError\""));
    DONE(a);
    CU_ASSERT_EQUAL(get(NULL, "www", "/_ping", NULL, &a), 404); /* the Host rule comes first */
    DONE(a);
    CU_ASSERT_EQUAL(get("alice", "cmon", "/metrics", NULL, &a), 404); /* no instance named */
    DONE(a);
    CU_ASSERT_EQUAL(get("alice", "cmon", "/nowhere", NULL, &a), 404);
    DONE(a);
}

static void
test_scrape(void)
{
    answer_t a;
    char enc[64];
    CU_ASSERT_EQUAL(get("alice", VM_ALICE, "/metrics", NULL, &a), 200);
    CU_ASSERT_STRING_EQUAL(a.body.sb_buf, fix_agent_body);
    CU_ASSERT_STRING_EQUAL(a.cenc, "");
    fix_agent_last_encoding(W.agent, enc, sizeof(enc));
    CU_ASSERT_STRING_EQUAL(enc, ""); /* gzip not asked of the agent for a client without it */
    DONE(a);
}

static void
test_isolation(void)
{
    answer_t a;
    CU_ASSERT_EQUAL(get("alice", VM_BOB, "/metrics", NULL, &a), 404);
    DONE(a);
    CU_ASSERT_EQUAL(get("bob", VM_ALICE, "/metrics", NULL, &a), 404);
    DONE(a);
    CU_ASSERT_EQUAL(get("bob", VM_BOB, "/metrics", NULL, &a), 200);
    DONE(a);
    CU_ASSERT_EQUAL(get("alice", CN_OK, "/metrics", NULL, &a), 404); /* a node: operators only */
    DONE(a);
    CU_ASSERT_EQUAL(get("admin", CN_OK, "/metrics", NULL, &a), 200);
    DONE(a);
}

/* The lines of file path, once it holds want of them (5 s at most); the
 * count read. Each line's fields split on spaces into f[line][field]. */
#define LOG_FIELDS 10
static int
log_lines(const char *path, int want, char f[][LOG_FIELDS][300], int *nfields)
{
    int n = 0;
    for (int tries = 0; tries < 500; tries++) {
        char line[2048];
        FILE *fp = fopen(path, "r");
        n = 0;
        while (fp != NULL && n < want + 1 && fgets(line, sizeof(line), fp) != NULL) {
            char *save = NULL, *tok = strtok_r(line, " \n", &save);
            nfields[n] = 0;
            for (; tok != NULL; tok = strtok_r(NULL, " \n", &save))
                if (nfields[n] < LOG_FIELDS)
                    snprintf(f[n][nfields[n]++], 300, "%s", tok);
                else
                    nfields[n]++;
            n++;
        }
        if (fp != NULL)
            fclose(fp);
        if (n >= want)
            break;
        usleep(10000);
    }
    return n;
}

static curl_socket_t reset_on_close(void *arg, curlsocktype purpose, struct sockaddr *addr);

/* --access-log: a line per request, in order, its fields those of
 * accesslog.h; what the client chose is escaped; the times hold together; a
 * client gone before its answer is "cut". */
static void
test_access_log(void)
{
    char path[256], err[256], host[128];
    snprintf(path, sizeof(path), "%s/access.log", W.dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0600);
    CU_ASSERT_FATAL(fd > 0);
    proxy_opts_t o = proxy_opts_on(W.inv, 1500);
    o.po_access_fd = fd;
    proxy_t *p = proxy_start(&o, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    unsigned port = proxy_port(p);
    time_t t0 = time(NULL);
    answer_t a;
    CU_ASSERT_EQUAL(get_on(port, "alice", VM_ALICE, "/metrics", NULL, &a), 200);
    DONE(a);
    CU_ASSERT_EQUAL(get_on(port, "bob", VM_ALICE, "/metrics", NULL, &a), 404);
    DONE(a);
    CU_ASSERT_EQUAL(get_on(port, NULL, VM_ALICE, "/metrics", NULL, &a), 401);
    DONE(a);
    CU_ASSERT_EQUAL(get_on(port, "alice", VM_ALICE, "/metrics%0Ax%20y%22", NULL, &a), 404);
    DONE(a);
    CURL *h = curl_easy_init(); /* gone (RST) while its agent hangs; answered 504 at 1.5 s */
    client_setup(h, port, "alice", VM_HANG, "/metrics", NULL, &a);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, reset_on_close);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 300L);
    client_run(h, &a);
    curl_easy_cleanup(h);
    CU_ASSERT_EQUAL(a.code, CURLE_OPERATION_TIMEDOUT);
    DONE(a);

    static char f[6][LOG_FIELDS][300];
    int nf[6] = {0};
    CU_ASSERT_EQUAL(log_lines(path, 5, f, nf), 5);
    usleep(100000);
    CU_ASSERT_EQUAL(log_lines(path, 5, f, nf), 5); /* and no more */
    proxy_stop(p);
    close(fd);
    snprintf(host, sizeof(host), "%s." SUFFIX ":%u", VM_ALICE, port);
    const char *login[] = {"alice", "bob", "-", "alice"};
    const char *status[] = {"200", "404", "401", "404"};
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(nf[i], LOG_FIELDS);
        struct tm tm = {0};
        const char *rest = strptime(f[i][0], "%Y-%m-%dT%H:%M:%S", &tm);
        CU_ASSERT_PTR_NOT_NULL_FATAL(rest);
        CU_ASSERT_EQUAL(strlen(rest), 5); /* ".mmmZ" */
        time_t when = timegm(&tm);
        CU_ASSERT(when >= t0 && when <= time(NULL));
        CU_ASSERT_STRING_EQUAL(f[i][1], "127.0.0.1");
        CU_ASSERT_STRING_EQUAL(f[i][2], login[i]);
        CU_ASSERT_STRING_EQUAL(f[i][3], "GET");
        CU_ASSERT_STRING_EQUAL(f[i][4], host);
        CU_ASSERT_STRING_EQUAL(f[i][5], i < 3 ? "/metrics" : "/metrics\\x0ax\\x20y\\x22");
        CU_ASSERT_STRING_EQUAL(f[i][6], status[i]);
        double request_s = atof(f[i][7]);
        CU_ASSERT(request_s >= 0 && request_s < 20);
        if (i == 0) { /* the agent was asked: its time is within the request's */
            double agent_s = atof(f[i][8]);
            CU_ASSERT(agent_s > 0 && agent_s <= request_s);
        } else {
            CU_ASSERT_STRING_EQUAL(f[i][8], "-");
        }
        CU_ASSERT_STRING_EQUAL(f[i][9], "done");
    }
    CU_ASSERT_EQUAL(nf[4], LOG_FIELDS);
    CU_ASSERT_STRING_EQUAL(f[4][2], "alice");
    CU_ASSERT_PTR_NOT_NULL(strstr(f[4][4], VM_HANG));
    CU_ASSERT(strcmp(f[4][6], "504") == 0 || strcmp(f[4][6], "-") == 0);
    CU_ASSERT_STRING_EQUAL(f[4][9], "cut");
}

/* An instance of the account's on a compute node the inventory does not know
 * (yet): 503, the scrape may work later; to anyone else it is 404 as ever. */
static void
test_node_unknown(void)
{
    answer_t a;
    CU_ASSERT_EQUAL(get("alice", VM_LOST, "/metrics", NULL, &a), 503);
    CU_ASSERT_TRUE(has(&a, "\"code\":\"ServiceUnavailableError\""));
    DONE(a);
    CU_ASSERT_EQUAL(get("bob", VM_LOST, "/metrics", NULL, &a), 404);
    CU_ASSERT_TRUE(has(&a, "\"code\":\"NotFoundError\""));
    DONE(a);
    CU_ASSERT_EQUAL(get("admin", VM_LOST, "/metrics", NULL, &a), 404);
    DONE(a);
}

/* The agent's gzip goes through as it is (curl decodes it once: the text). */
static void
test_gzip_passthrough(void)
{
    answer_t a;
    char enc[64];
    CU_ASSERT_EQUAL(get("alice", VM_ALICE, "/metrics", "gzip", &a), 200);
    CU_ASSERT_STRING_EQUAL(a.cenc, "gzip");
    CU_ASSERT_STRING_EQUAL(a.body.sb_buf, fix_agent_body);
    fix_agent_last_encoding(W.agent, enc, sizeof(enc));
    CU_ASSERT_STRING_EQUAL(enc, "gzip");
    DONE(a);
    /* an agent that does not compress: the proxy does, once */
    fix_agent_mode(W.agent, AGENT_NEVER_GZIP);
    CU_ASSERT_EQUAL(get("alice", VM_ALICE, "/metrics", "gzip", &a), 200);
    CU_ASSERT_STRING_EQUAL(a.cenc, "gzip");
    CU_ASSERT_STRING_EQUAL(a.body.sb_buf, fix_agent_body);
    DONE(a);
    /* an agent that compresses unasked: not passed to a client that cannot read it */
    fix_agent_mode(W.agent, AGENT_GZIP_ALWAYS);
    CU_ASSERT_EQUAL(get("alice", VM_ALICE, "/metrics", NULL, &a), 502);
    DONE(a);
    fix_agent_mode(W.agent, AGENT_OK);
}

/* The proxy keeps its curl handles for the next requests (upstream.c); what
 * one request set must not reach the next. Over one keep-alive connection
 * (one worker, whose last freed handle is the next one taken), scrapes
 * asking for gzip and not (and sending no Accept: nothing for the proxy to
 * pass on), in turns: the agent sees Accept-Encoding: gzip
 * exactly when the client asked, and each answer is whole. */
static void
test_handles_reused_cleanly(void)
{
    CURL *h = curl_easy_init();
    answer_t a;
    char enc[64];
    client_setup(h, W.port, "alice", VM_ALICE, "/metrics", NULL, &a);
    struct curl_slist *no_accept = curl_slist_append(NULL, "Accept:"); /* the plain ones: no header */
    keep_list(no_accept);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, no_accept);
    for (int i = 0; i < 6; i++) {
        int gzip = i % 2 == 0;
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, gzip ? "gzip" : NULL);
        client_run(h, &a);
        CU_ASSERT_EQUAL(a.status, 200);
        CU_ASSERT_STRING_EQUAL(a.cenc, gzip ? "gzip" : "");
        CU_ASSERT_TRUE(a.body.sb_buf != NULL && strcmp(a.body.sb_buf, fix_agent_body) == 0);
        fix_agent_last_encoding(W.agent, enc, sizeof(enc));
        CU_ASSERT_STRING_EQUAL(enc, gzip ? "gzip" : "");
        DONE(a);
    }
    curl_easy_cleanup(h);
}

static void
test_agent_failures(void)
{
    answer_t a;
    CU_ASSERT_EQUAL(get("alice", VM_DEAD, "/metrics", NULL, &a), 502); /* refused */
    CU_ASSERT_TRUE(has(&a, "BadGatewayError"));
    DONE(a);
    fix_agent_mode(W.agent, AGENT_503);
    CU_ASSERT_EQUAL(get("alice", VM_ALICE, "/metrics", NULL, &a), 503);
    CU_ASSERT_TRUE(has(&a, "ServiceUnavailableError"));
    DONE(a);
    fix_agent_mode(W.agent, AGENT_RESET);
    CU_ASSERT_EQUAL(get("alice", VM_ALICE, "/metrics", NULL, &a), 502);
    DONE(a);
    fix_agent_mode(W.agent, AGENT_500);
    CU_ASSERT_EQUAL(get("alice", VM_ALICE, "/metrics", NULL, &a), 502);
    DONE(a);
    fix_agent_mode(W.agent, AGENT_BIG);
    fix_agent_big(W.agent, 2 << 20); /* the suite's proxy takes 1 MB */
    CU_ASSERT_EQUAL(get("alice", VM_ALICE, "/metrics", NULL, &a), 502);
    DONE(a);
    fix_agent_mode(W.agent, AGENT_OK);
    unsigned before = fix_agent_requests(W.agent);
    fix_agent_mode(W.agent, AGENT_503);
    CU_ASSERT_EQUAL(get("alice", VM_ALICE, "/metrics", NULL, &a), 503);
    DONE(a);
    CU_ASSERT_EQUAL(fix_agent_requests(W.agent), before + 1); /* tried once, no retries */
    fix_agent_mode(W.agent, AGENT_OK);
}

/* The proxy's connections to an agent are pooled, and their sockets watched
 * in an epoll set (upstream.c: what each descriptor is to the set is kept,
 * and forgotten when curl closes it through our callback). An agent that
 * resets connections makes curl close them and open new ones, which the
 * kernel gives the numbers just freed: each must be watched again, or the
 * next scrape hangs to the upstream timeout (1.5 s here: 504). */
#define RENEW_ROUNDS 25

static void
test_agent_connections_renewed(void)
{
    answer_t a;
    unsigned before = fix_agent_requests(W.agent);
    for (int i = 0; i < RENEW_ROUNDS; i++) {
        fix_agent_mode(W.agent, AGENT_RESET);
        CU_ASSERT_EQUAL(get("alice", VM_ALICE, "/metrics", NULL, &a), 502);
        DONE(a);
        fix_agent_mode(W.agent, AGENT_OK);
        CU_ASSERT_EQUAL(get("alice", VM_ALICE, "/metrics", NULL, &a), 200);
        DONE(a);
        CU_ASSERT_EQUAL(get("alice", VM_ALICE, "/metrics", NULL, &a), 200); /* a pooled one */
        DONE(a);
    }
    /* each OK scrape reached the agent once; a reset one once, or twice when
     * it went out on a pooled connection (curl tries a fresh one once, as
     * for a pooled connection the agent closed meanwhile) */
    unsigned seen = fix_agent_requests(W.agent) - before;
    CU_ASSERT_TRUE(seen >= 3 * RENEW_ROUNDS && seen <= 4 * RENEW_ROUNDS);
    fix_agent_mode(W.agent, AGENT_OK);
}

/* libmicrohttpd holds a request's line and headers in the connection's pool
 * (PROXY_CONNECTION_MEMORY, 16 KB): README promises headers of 12 KB in all
 * are served; far larger ones are refused, never a hang. */
static long
get_padded(size_t pad, answer_t *a)
{
    char *line = malloc(pad + 16);
    snprintf(line, pad + 16, "X-Pad: ");
    memset(line + 7, 'p', pad);
    line[7 + pad] = '\0';
    long st = get_with_header(VM_ALICE, "/metrics", line, a);
    free(line);
    return st;
}

static void
test_long_headers(void)
{
    answer_t a;
    CU_ASSERT_EQUAL(get_padded(12 * 1024, &a), 200);
    CU_ASSERT_TRUE(has(&a, "cpu_user_usage"));
    DONE(a);
    long st = get_padded(64 * 1024, &a);
    if (st == 0) { /* answered and closed while the client still sent: reset */
        CU_ASSERT_TRUE(a.code == CURLE_SEND_ERROR || a.code == CURLE_RECV_ERROR ||
                       a.code == CURLE_GOT_NOTHING);
    } else {
        CU_ASSERT_TRUE(st == 431 || st == 400 || st == 413);
    }
    DONE(a);
    CU_ASSERT_EQUAL(get("alice", VM_ALICE, "/metrics", NULL, &a), 200); /* and the proxy goes on */
    DONE(a);
}


typedef struct hung {
    answer_t h_a;
    volatile int h_done;
    const char *h_vm; /* NULL: VM_HANG */
    unsigned h_port;  /* 0: the suite's proxy */
} hung_t;

static void *
hung_scrape(void *arg)
{
    hung_t *h = arg;
    get_on(h->h_port != 0 ? h->h_port : W.port, "alice", h->h_vm != NULL ? h->h_vm : VM_HANG,
           "/metrics", NULL, &h->h_a);
    __atomic_store_n(&h->h_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* A hung agent: 504 after the upstream timeout; meanwhile others are served. */
static void
test_hung_agent(void)
{
    hung_t h = {0};
    pthread_t t;
    unsigned before = fix_agent_requests(W.hang);
    pthread_create(&t, NULL, hung_scrape, &h);
    while (fix_agent_requests(W.hang) == before) /* the hung request has reached the agent */
        usleep(1000);
    int served = 0;
    for (int i = 0; i < 4; i++) { /* more than the 2 worker threads */
        answer_t a;
        served += get("alice", VM_ALICE, "/metrics", NULL, &a) == 200;
        DONE(a);
    }
    CU_ASSERT_EQUAL(served, 4);
    CU_ASSERT_EQUAL(__atomic_load_n(&h.h_done, __ATOMIC_SEQ_CST), 0);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(h.h_a.status, 504);
    CU_ASSERT_TRUE(has(&h.h_a, "GatewayTimeoutError"));
    DONE(h.h_a);
}


/* A scrape's connection is not suspended while its agent answers quickly
 * (proxy.c). Here a proxy of its own leaves scrapes unsuspended for 10 s, and
 * clients reset their connections while the hung agent holds their scrapes:
 * each request ends when its answer (504, the upstream timing out 1 s later)
 * meets the reset connection, and the proxy goes on. (Under ASan a request
 * used after its connection ended, or freed twice, fails the test.) */
static curl_socket_t
reset_on_close(void *arg, curlsocktype purpose, struct sockaddr *addr)
{
    (void)arg;
    (void)purpose;
    int s = socket(addr->sa_family, SOCK_STREAM, 0);
    struct linger l = {.l_onoff = 1, .l_linger = 0}; /* close sends RST */
    if (s >= 0)
        setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    return s;
}

static void
test_client_gone_while_waiting(void)
{
    char err[256];
    proxy_opts_t o = proxy_opts_on(W.inv, 1000);
    o.po_unsuspended_ms = 10000;
    proxy_t *p = proxy_start(&o, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    unsigned port = proxy_port(p);
    for (int i = 0; i < 3; i++) {
        unsigned before = fix_agent_requests(W.hang);
        answer_t a;
        CURL *h = curl_easy_init();
        client_setup(h, port, "alice", VM_HANG, "/metrics", NULL, &a);
        curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, reset_on_close);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 300L);
        client_run(h, &a);
        curl_easy_cleanup(h); /* RST */
        CU_ASSERT_EQUAL(a.code, CURLE_OPERATION_TIMEDOUT);
        CU_ASSERT_EQUAL(fix_agent_requests(W.hang), before + 1);
        DONE(a);
    }
    usleep(1500 * 1000); /* the three scrapes time out at the agent: their answers come */
    answer_t a;
    CU_ASSERT_EQUAL(get_on(port, "alice", VM_ALICE, "/metrics", NULL, &a), 200);
    DONE(a);
    proxy_stop(p);
}
static void
test_gz_discover(void)
{
    answer_t a;
    CU_ASSERT_EQUAL(get("alice", "cmon", "/v1/gz/discover", NULL, &a), 403);
    CU_ASSERT_TRUE(has(&a, "ForbiddenError"));
    DONE(a);
    CU_ASSERT_EQUAL(get("admin", "cmon", "/v1/gz/discover", "gzip", &a), 200);
    CU_ASSERT_TRUE(has(&a, "\"cns\""));
    CU_ASSERT_TRUE(has(&a, CN_OK));
    CU_ASSERT_STRING_EQUAL(a.cenc, "gzip");
    DONE(a);
}

static void
test_groups(void)
{
    answer_t a;
    CU_ASSERT_EQUAL(get("alice", "cmon", "/v1/discover?groups=a,,b", NULL, &a), 400);
    CU_ASSERT_TRUE(has(&a, "BadRequestError"));
    DONE(a);
    CU_ASSERT_EQUAL(get("alice", "cmon", "/v1/discover?groups=web", NULL, &a), 200);
    CU_ASSERT_FALSE(has(&a, VM_ALICE)); /* no instance has group web */
    DONE(a);
}

/* SNI names cmon.SUFFIX, Host names an instance: 421. */
static void
test_sni_mismatch(void)
{
    CURL *h = curl_easy_init();
    answer_t a;
    struct curl_slist *hdr = curl_slist_append(NULL, "Host: " VM_ALICE "." SUFFIX);
    client_setup(h, W.port, "alice", "cmon", "/metrics", NULL, &a);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    client_run(h, &a);
    CU_ASSERT_EQUAL(a.status, 421);
    CU_ASSERT_TRUE(has(&a, "MisdirectedRequestError"));
    DONE(a);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
}

/* A proxy of its own: burst 3, slow refill; operators pass. */
static void
test_throttle(void)
{
    proxy_t *p = proxy_with(0.01, 3, 300, 1 << 20, 50);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    answer_t a;
    int ok = 0, refused = 0, admin_ok = 0;
    for (int i = 0; i < 5; i++) {
        long st = get_on(proxy_port(p), "bob", "cmon", "/v1/discover", NULL, &a);
        ok += st == 200;
        refused += st == 429 && has(&a, "\"code\":\"TooManyRequestsError\"");
        DONE(a);
        admin_ok += get_on(proxy_port(p), "admin", "cmon", "/v1/discover", NULL, &a) == 200;
        DONE(a);
    }
    CU_ASSERT_EQUAL(ok, 3);
    CU_ASSERT_EQUAL(refused, 2);
    CU_ASSERT_EQUAL(admin_ok, 5);
    proxy_stop(p);
}

/* Account look-ups not cached (TTL 0): one per TLS connection, not per request. */
static void
test_auth_per_connection(void)
{
    proxy_t *p = proxy_with(100, 1000, 0, 1 << 20, 50);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CURL *h = curl_easy_init();
    answer_t a;
    unsigned before = fix_cplane_account_gets(W.cplane);
    client_setup(h, proxy_port(p), "alice", "cmon", "/v1/discover", NULL, &a);
    for (int i = 0; i < 3; i++) {
        client_run(h, &a);
        CU_ASSERT_EQUAL(a.status, 200);
        DONE(a);
    }
    CU_ASSERT_EQUAL(fix_cplane_account_gets(W.cplane), before + 1);
    curl_easy_cleanup(h);
    CU_ASSERT_EQUAL(get_on(proxy_port(p), "alice", "cmon", "/v1/discover", NULL, &a), 200);
    DONE(a);
    CU_ASSERT_EQUAL(fix_cplane_account_gets(W.cplane), before + 2);
    /* the control plane failing: 503, not 401, and not remembered */
    fix_cplane_accounts_down(W.cplane, 1);
    CU_ASSERT_EQUAL(get_on(proxy_port(p), "alice", "cmon", "/v1/discover", NULL, &a), 503);
    DONE(a);
    fix_cplane_accounts_down(W.cplane, 0);
    CU_ASSERT_EQUAL(get_on(proxy_port(p), "alice", "cmon", "/v1/discover", NULL, &a), 200);
    DONE(a);
    proxy_stop(p);
}

/* One account cached at a time, so alice and bob in turn evict each other:
 * after the first round their certificates are known (certcache.h) and new
 * connections ask the control plane nothing. */
static void
test_certificate_cache(void)
{
    proxy_t *p = proxy_with(100, 1000, 300, 1 << 20, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    answer_t a;
    unsigned before = fix_cplane_account_gets(W.cplane);
    for (int round = 0; round < 3; round++) {
        CU_ASSERT_EQUAL(get_on(proxy_port(p), "alice", "cmon", "/v1/discover", NULL, &a), 200);
        CU_ASSERT_TRUE(has(&a, VM_ALICE));
        DONE(a);
        CU_ASSERT_EQUAL(get_on(proxy_port(p), "bob", "cmon", "/v1/discover", NULL, &a), 200);
        CU_ASSERT_TRUE(has(&a, VM_BOB));
        CU_ASSERT_FALSE(has(&a, VM_ALICE));
        DONE(a);
    }
    CU_ASSERT_EQUAL(fix_cplane_account_gets(W.cplane), before + 2);
    /* a refused certificate is not kept: checked again (alice's record is
     * fetched once, bob's having taken the one place) and refused again */
    CU_ASSERT_EQUAL(get_on(proxy_port(p), "wrongkey", "cmon", "/v1/discover", NULL, &a), 401);
    DONE(a);
    CU_ASSERT_EQUAL(get_on(proxy_port(p), "wrongkey", "cmon", "/v1/discover", NULL, &a), 401);
    DONE(a);
    CU_ASSERT_EQUAL(fix_cplane_account_gets(W.cplane), before + 3);
    proxy_stop(p);
}

typedef struct slow {
    unsigned s_port;
    answer_t s_a;
    int s_done;
} slow_t;

static void *
slow_login(void *arg)
{
    slow_t *s = arg;
    get_on(s->s_port, "bob", "cmon", "/v1/discover", NULL, &s->s_a);
    __atomic_store_n(&s->s_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* A slow control plane: new connections whose account must be asked wait
 * (more of them than worker threads), while a client already authenticated
 * is served on its open connection meanwhile. */
static void
test_slow_control_plane(void)
{
    proxy_t *p = proxy_with(100, 1000, 0, 1 << 20, 50); /* TTL 0: every connection asks */
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CURL *h = curl_easy_init();
    answer_t a;
    client_setup(h, proxy_port(p), "alice", "cmon", "/v1/discover", NULL, &a);
    client_run(h, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    DONE(a);
    unsigned before = fix_cplane_account_gets(W.cplane);
    fix_cplane_accounts_delay(W.cplane, 2000);
    slow_t s[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (slow_t){.s_port = proxy_port(p)};
        pthread_create(&t[i], NULL, slow_login, &s[i]);
    }
    while (fix_cplane_account_gets(W.cplane) < before + 2) /* both look-up threads busy */
        usleep(1000);
    for (int i = 0; i < 3; i++) {
        client_run(h, &a); /* alice's open connection */
        CU_ASSERT_EQUAL(a.status, 200);
        DONE(a);
    }
    int done = 0;
    for (int i = 0; i < 4; i++)
        done += __atomic_load_n(&s[i].s_done, __ATOMIC_SEQ_CST);
    CU_ASSERT_EQUAL(done, 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CU_ASSERT_EQUAL(s[i].s_a.status, 200);
        DONE(s[i].s_a);
    }
    fix_cplane_accounts_delay(W.cplane, 0);
    curl_easy_cleanup(h);
    proxy_stop(p);
}

/* The CertificateRequest names no CA (Go clients send their certificate
 * only then), and a client that answers it with its certificate is in. */
static void
test_no_ca_names(void)
{
    char cmd[512], line[512], cert[128], key[128];
    cert_paths("alice", cert, key, sizeof(cert));
    snprintf(cmd, sizeof(cmd),
             "printf 'GET /v1/discover HTTP/1.1\\r\\nHost: cmon." SUFFIX
             "\\r\\nConnection: close\\r\\n\\r\\n' | openssl s_client -connect 127.0.0.1:%u "
             "-servername cmon." SUFFIX " -cert %s -key %s -ign_eof 2>&1",
             W.port, cert, key);
    FILE *f = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    int no_names = 0, ok = 0, names = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        no_names |= strstr(line, "No client certificate CA names sent") != NULL;
        names |= strstr(line, "Acceptable client certificate CA names") != NULL;
        ok |= strncmp(line, "HTTP/1.1 200", 12) == 0;
    }
    pclose(f);
    CU_ASSERT_TRUE(no_names);
    CU_ASSERT_FALSE(names);
    CU_ASSERT_TRUE(ok);
}

/* Hostile requests: an enormous query, too many groups, plain HTTP on the
 * TLS port; each gets its answer (or its connection closed) and the next
 * client is served. */
static void
test_bad_requests(void)
{
    answer_t a;
    sbuf_t q = SBUF_INIT;
    sbuf_adds(&q, "/v1/discover?groups=");
    for (int i = 0; i < 20000; i++)
        sbuf_adds(&q, "abcde,");
    /* libmicrohttpd answers 414 and closes; the client may still be sending,
     * so the close can reset the connection before curl reads the answer.
     * Either is right; a hang (timeout) or any other status is not. */
    long st = get("alice", "cmon", q.sb_buf, NULL, &a);
    if (st == 0) {
        CU_ASSERT_TRUE(a.code == CURLE_SEND_ERROR || a.code == CURLE_RECV_ERROR ||
                       a.code == CURLE_GOT_NOTHING);
    } else {
        CU_ASSERT_TRUE(st == 414 || st == 431 || st == 400);
    }
    DONE(a);
    sbuf_reset(&q);
    sbuf_adds(&q, "/v1/discover?groups=g0");
    for (int i = 1; i <= 100; i++)
        sbuf_addf(&q, ",g%d", i); /* 101 groups */
    CU_ASSERT_EQUAL(get("alice", "cmon", q.sb_buf, NULL, &a), 400);
    CU_ASSERT_TRUE(has(&a, "BadRequestError"));
    DONE(a);
    sbuf_release(&q);
    char cmd[256], line[256] = "";
    snprintf(cmd, sizeof(cmd),
             "printf 'GET /_ping HTTP/1.1\\r\\nHost: cmon.cmon.test\\r\\n\\r\\n' | "
             "timeout 10 curl -s -m 5 telnet://127.0.0.1:%u; echo rc=$?",
             W.port);
    FILE *f = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    while (fgets(line, sizeof(line), f) != NULL)
        CU_ASSERT_PTR_NULL(strstr(line, "200 OK")); /* no HTTP answer over plain TCP */
    CU_ASSERT_PTR_NULL(strstr(line, "rc=124"));     /* closed, not left hanging */
    pclose(f);
    CU_ASSERT_EQUAL(get("alice", "cmon", "/v1/discover", NULL, &a), 200);
    DONE(a);
}

/* Clients stalled in their TLS handshakes (a ClientHello, then silence)
 * while others are served: they cost the proxy little CPU while they wait
 * (libmicrohttpd 0.9.75 in epoll mode would spin on them: httpd.h), and a
 * client with a certificate is served meanwhile. The process's CPU time over
 * a second of wall time is the measure: a spinning worker takes the whole
 * second, a waiting one a few milliseconds; load on the machine only lowers
 * it. */
#define STALLED_CLIENTS 64

/* The client's side of the transport: what gnutls sends goes out, nothing
 * is ever read, so the handshake stops after the ClientHello. */
static ssize_t
stalled_push(gnutls_transport_ptr_t fd, const void *data, size_t len)
{
    return send((int)(intptr_t)fd, data, len, MSG_NOSIGNAL);
}

static int
stalled_errno(gnutls_transport_ptr_t fd)
{
    (void)fd;
    return errno;
}

static ssize_t
stalled_pull(gnutls_transport_ptr_t fd, void *data, size_t len)
{
    (void)fd, (void)data, (void)len;
    errno = EAGAIN;
    return -1;
}

static int
stalled_client(gnutls_certificate_credentials_t cred, gnutls_session_t *s)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)W.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        fcntl(fd, F_SETFL, O_NONBLOCK) != 0 || gnutls_init(s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    gnutls_set_default_priority(*s);
    gnutls_credentials_set(*s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(*s, GNUTLS_NAME_DNS, "cmon." SUFFIX, strlen("cmon." SUFFIX));
    gnutls_transport_set_ptr(*s, (gnutls_transport_ptr_t)(intptr_t)fd);
    gnutls_transport_set_push_function(*s, stalled_push);
    gnutls_transport_set_pull_function(*s, stalled_pull);
    gnutls_transport_set_errno_function(*s, stalled_errno);
    int rc = gnutls_handshake(*s); /* sends the ClientHello; the answer is never read */
    CU_ASSERT_EQUAL(rc, GNUTLS_E_AGAIN);
    return fd;
}

static double
process_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void
test_stalled_handshakes(void)
{
    gnutls_certificate_credentials_t cred;
    gnutls_session_t s[STALLED_CLIENTS];
    int fd[STALLED_CLIENTS];
    CU_ASSERT_EQUAL_FATAL(gnutls_certificate_allocate_credentials(&cred), 0);
    for (int i = 0; i < STALLED_CLIENTS; i++)
        CU_ASSERT_TRUE((fd[i] = stalled_client(cred, &s[i])) >= 0);
    usleep(200 * 1000); /* the proxy answers their ClientHellos, then waits */
    double cpu0 = process_cpu_s(), t0 = cmon_monotime_s();
    while (cmon_monotime_s() - t0 < 1.0)
        usleep(100 * 1000);
    double cpu = process_cpu_s() - cpu0, wall = cmon_monotime_s() - t0;
    if (cpu > 0.5 * wall)
        fprintf(stderr, "%d stalled handshakes: %.3f s of CPU in %.3f s\n", STALLED_CLIENTS, cpu,
                wall);
    CU_ASSERT_TRUE(cpu < 0.5 * wall);
    answer_t a;
    CU_ASSERT_EQUAL(get("alice", "cmon", "/v1/discover", NULL, &a), 200);
    DONE(a);
    for (int i = 0; i < STALLED_CLIENTS; i++)
        if (fd[i] >= 0) {
            gnutls_deinit(s[i]);
            close(fd[i]);
        }
    gnutls_certificate_free_credentials(cred);
}

/* ---- several agents at once: a farm of its own ------------------------- */

/* FARM_AGENTS agents answering with their port and the path asked
 * (AGENT_ECHO), two instances of alice's on each, and one on the suite's
 * hung agent; a proxy of its own (two workers, each with its own upstream)
 * whose inventory is the farm's and whose accounts are the suite's. */
#define FARM_AGENTS 3
#define FARM_VMS (2 * FARM_AGENTS)
#define FARM_CLIENTS 8 /* threads, each scraping every instance FARM_ROUNDS times */
#define FARM_ROUNDS 5
#define FARM_HUNG 70 /* scrapes of the hung agent at once: more than PROXY_AGENT_CONNS (64) */
#define FARM_AGENT_CONNS 64

static struct {
    fix_agent_t *agent[FARM_AGENTS];
    fix_cplane_t *cplane;
    inventory_t *inv;
    proxy_t *proxy;
    char vm[FARM_VMS + 1][40]; /* the last: on the hung agent */
} F;

static int
farm_start(int upstream_timeout_ms)
{
    char err[256], cn[40];
    sbuf_t vms = SBUF_INIT, servers = SBUF_INIT;
    memset(&F, 0, sizeof(F));
    sbuf_adds(&vms, "{\"vms\":[");
    sbuf_adds(&servers, "{\"servers\":[");
    for (unsigned i = 0; i <= FARM_AGENTS; i++) { /* i == FARM_AGENTS: the hung one */
        unsigned port = i < FARM_AGENTS ? ((F.agent[i] = fix_agent_start()) != NULL
                                               ? (fix_agent_mode(F.agent[i], AGENT_ECHO),
                                                  fix_agent_port(F.agent[i]))
                                               : 0)
                                        : fix_agent_port(W.hang);
        if (port == 0)
            return -1;
        snprintf(cn, sizeof(cn), "c2000000-0000-4000-8000-%012u", i + 1);
        sbuf_addf(&servers,
                  "%s{\"uuid\":\"%s\",\"hostname\":\"farm%u\",\"admin_ip\":\"127.0.0.1\","
                  "\"agent\":\"127.0.0.1:%u\"}",
                  i > 0 ? "," : "", cn, i, port);
        for (unsigned k = 0; k < (i < FARM_AGENTS ? 2u : 1u); k++) {
            char *vm = F.vm[2 * i + k];
            snprintf(vm, sizeof(F.vm[0]), "a2000000-0000-4000-8000-%012u", 2 * i + k + 1);
            vm_json(&vms, vm, ALICE, cn, "running");
        }
    }
    sbuf_addf(&vms, "],\"total\":%u}", FARM_VMS + 1);
    sbuf_adds(&servers, "]}");
    F.cplane = fix_cplane_start(vms.sb_buf, servers.sb_buf);
    sbuf_release(&vms);
    sbuf_release(&servers);
    if (F.cplane == NULL)
        return -1;
    inventory_opts_t io = {.io_cplane = fix_cplane_url(F.cplane), .io_wait_ms = 200};
    if ((F.inv = inventory_start(&io, err, sizeof(err))) == NULL)
        return -1;
    proxy_opts_t o = proxy_opts_on(F.inv, upstream_timeout_ms);
    o.po_throttle_rate = 1e9;
    o.po_throttle_burst = 1e9;
    o.po_account_ttl_s = 300;
    return (F.proxy = proxy_start(&o, err, sizeof(err))) != NULL ? 0 : -1;
}

static void
farm_stop(void)
{
    proxy_stop(F.proxy);
    inventory_stop(F.inv);
    fix_cplane_stop(F.cplane);
    for (unsigned i = 0; i < FARM_AGENTS; i++)
        fix_agent_stop(F.agent[i]);
}

typedef struct farm_client {
    pthread_t fc_thread;
    unsigned fc_first; /* the instance it starts with */
    unsigned fc_right; /* 200 with the body of the instance's own agent and path */
    unsigned fc_wrong; /* anything else */
} farm_client_t;

/* Every farm instance FARM_ROUNDS times, one keep-alive connection each. */
static void *
farm_scrapes(void *arg)
{
    farm_client_t *fc = arg;
    for (unsigned v = 0; v < FARM_VMS; v++) {
        unsigned i = (fc->fc_first + v) % FARM_VMS;
        char expect[128];
        snprintf(expect, sizeof(expect), "agent %u /v1/%s/metrics\n",
                 fix_agent_port(F.agent[i / 2]), F.vm[i]);
        CURL *h = curl_easy_init();
        answer_t a;
        client_setup(h, proxy_port(F.proxy), "alice", F.vm[i], "/metrics", NULL, &a);
        for (unsigned r = 0; r < FARM_ROUNDS; r++) {
            client_run(h, &a);
            int right = a.status == 200 && a.body.sb_len == strlen(expect) &&
                        memcmp(a.body.sb_buf, expect, a.body.sb_len) == 0;
            fc->fc_right += right;
            fc->fc_wrong += !right;
            DONE(a);
        }
        curl_easy_cleanup(h);
    }
    return NULL;
}

/* Concurrent scrapes of several agents over both workers: each answer is
 * its own instance's agent's, and a hung agent's scrape (504 at the end)
 * holds none of them up. */
static void
test_many_agents(void)
{
    CU_ASSERT_EQUAL_FATAL(farm_start(5000), 0);
    farm_client_t fc[FARM_CLIENTS] = {{0}};
    hung_t h = {0};
    pthread_t ht;
    unsigned before = fix_agent_requests(W.hang);
    h.h_vm = F.vm[FARM_VMS];
    h.h_port = proxy_port(F.proxy);
    pthread_create(&ht, NULL, hung_scrape, &h);
    while (fix_agent_requests(W.hang) == before) /* the hung request has reached the agent */
        usleep(1000);
    for (unsigned i = 0; i < FARM_CLIENTS; i++) {
        fc[i].fc_first = i % FARM_VMS;
        pthread_create(&fc[i].fc_thread, NULL, farm_scrapes, &fc[i]);
    }
    unsigned right = 0, wrong = 0;
    for (unsigned i = 0; i < FARM_CLIENTS; i++) {
        pthread_join(fc[i].fc_thread, NULL);
        right += fc[i].fc_right;
        wrong += fc[i].fc_wrong;
    }
    CU_ASSERT_EQUAL(right, FARM_CLIENTS * FARM_VMS * FARM_ROUNDS);
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(__atomic_load_n(&h.h_done, __ATOMIC_SEQ_CST), 0); /* still waiting */
    pthread_join(ht, NULL);
    CU_ASSERT_EQUAL(h.h_a.status, 504);
    CU_ASSERT_TRUE(has(&h.h_a, "GatewayTimeoutError"));
    DONE(h.h_a);
    farm_stop();
}

/* FARM_HUNG scrapes of one hung agent at once, over two workers: at most
 * FARM_AGENT_CONNS requests reach it (the bound is all workers' together,
 * not each one's), the rest wait in the workers' queues, and every one is 504
 * in the end. The count is read while none has timed out yet (5 s): once
 * FARM_AGENT_CONNS have come, or 3 s after the start, and 0.3 s later. */
static void
test_agent_connections_bounded(void)
{
    CU_ASSERT_EQUAL_FATAL(farm_start(5000), 0);
    static hung_t h[FARM_HUNG];
    pthread_t t[FARM_HUNG];
    unsigned before = fix_agent_requests(W.hang), timeouts = 0;
    for (unsigned i = 0; i < FARM_HUNG; i++) {
        h[i] = (hung_t){.h_vm = F.vm[FARM_VMS], .h_port = proxy_port(F.proxy)};
        pthread_create(&t[i], NULL, hung_scrape, &h[i]);
    }
    for (int i = 0; i < 300 && fix_agent_requests(W.hang) - before < FARM_AGENT_CONNS; i++)
        usleep(10000);
    usleep(300000); /* any beyond the bound would have come by now */
    unsigned reached = fix_agent_requests(W.hang) - before;
    for (unsigned i = 0; i < FARM_HUNG; i++) {
        pthread_join(t[i], NULL);
        timeouts += h[i].h_a.status == 504;
        DONE(h[i].h_a);
    }
    CU_ASSERT_EQUAL(timeouts, FARM_HUNG);
    CU_ASSERT_TRUE(reached > 0);
    CU_ASSERT_TRUE(reached <= FARM_AGENT_CONNS);
    if (reached > FARM_AGENT_CONNS)
        fprintf(stderr, "%u requests reached the agent at once\n", reached);
    farm_stop();
}

static int
cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* What is held is pushed. The proxy sends a TLS record of up to 1 KB with
 * MSG_MORE, for the next record to take it along (httpd.c); a handshake's
 * flight is all small records, so unless the worker pushes what is held
 * when its turn ends, the kernel keeps it until its probe timer (200 ms at
 * least). SMALL_ROUNDS pings, each on a new connection (handshake and
 * answer): the median stays far below that timer. */
#define SMALL_ROUNDS 21
static void
test_held_records_pushed(void)
{
    long us[SMALL_ROUNDS];
    for (unsigned r = 0; r < SMALL_ROUNDS; r++) {
        CURL *h = curl_easy_init();
        answer_t a;
        curl_off_t t = 0;
        client_setup(h, W.port, "alice", "cmon", "/_ping", NULL, &a);
        client_run(h, &a);
        CU_ASSERT_EQUAL(a.status, 200);
        curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &t);
        us[r] = (long)t;
        DONE(a);
        curl_easy_cleanup(h);
    }
    qsort(us, SMALL_ROUNDS, sizeof(us[0]), cmp_long);
    CU_ASSERT_TRUE(us[SMALL_ROUNDS / 2] < 100000);
    if (us[SMALL_ROUNDS / 2] >= 100000)
        fprintf(stderr, "median %ld us a handshake and ping\n", us[SMALL_ROUNDS / 2]);
}

static CU_TestInfo tests[] = {
    {"ping", test_ping},
    {"no certificate", test_no_cert},
    {"refused certificates", test_refused_certs},
    {"refused flood logged once", test_refused_flood_log},
    {"accepted certificates", test_accepted_certs},
    {"host rule", test_host_rule},
    {"scrape", test_scrape},
    {"access log", test_access_log},
    {"isolation", test_isolation},
    {"node unknown", test_node_unknown},
    {"gzip passthrough", test_gzip_passthrough},
    {"handles reused cleanly", test_handles_reused_cleanly},
    {"agent failures", test_agent_failures},
    {"agent connections renewed", test_agent_connections_renewed},
    {"long headers", test_long_headers},
    {"hung agent", test_hung_agent},
    {"client gone while waiting", test_client_gone_while_waiting},
    {"many agents", test_many_agents},
    {"agent connections bounded", test_agent_connections_bounded},
    {"gz discover", test_gz_discover},
    {"groups", test_groups},
    {"sni mismatch", test_sni_mismatch},
    {"throttle", test_throttle},
    {"auth per connection", test_auth_per_connection},
    {"certificate cache", test_certificate_cache},
    {"slow control plane", test_slow_control_plane},
    {"no ca names", test_no_ca_names},
    {"bad requests", test_bad_requests},
    {"stalled handshakes", test_stalled_handshakes},
    {"held records pushed", test_held_records_pushed},
    CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
    cunit_suite_t suites[] = {{"proxy server", suite_init, suite_clean, tests},
                              {NULL, NULL, NULL, NULL}};
    return cunit_main_suites(argc, argv, suites);
}
