/*
 * test_cplane.c - the simulated Triton control plane (sim/cplane): accounts,
 * certificates, hosts file, Prometheus configuration, the HTTP API over a
 * world this test writes (exact changes, a short feed's 410), and a real
 * `cmon-sim serve --cns 2` with churn (API.md end to end, owners as each
 * node's vminfod serves them, the hosts file growing in place, promtool).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cplane.h"
#include "fetch.h"
#include "hostsfile.h"
#include "promcfg.h"
#include "sshkey.h"
#include "tlsdir.h"
#include "world_vm.h"

#include "test_util.h"

/* ---- helpers --------------------------------------------------------------- */

/* GET base+path; the status, the body parsed into *out (NULL when not JSON). */
static long
get_json(const char *base, const char *path, json_t **out)
{
    char url[512];
    struct fetch_resp resp = {0};
    struct fetch_req rq = {.rq_url = url, .rq_timeout_s = 40};
    snprintf(url, sizeof(url), "%s%s", base, path);
    fetch_once(&rq, &resp);
    long status = resp.rs_status;
    if (out != NULL)
        *out = resp.rs_body ? json_loads(resp.rs_body, 0, NULL) : NULL;
    fetch_resp_release(&resp);
    return status;
}

/* A status with any other method. */
static long
status_of(const char *base, const char *path, const char *method)
{
    char url[512];
    struct fetch_resp resp = {0};
    struct fetch_req rq = {.rq_url = url, .rq_method = method, .rq_timeout_s = 10};
    snprintf(url, sizeof(url), "%s%s", base, path);
    fetch_once(&rq, &resp);
    fetch_resp_release(&resp);
    return resp.rs_status;
}

static void
temp_dir(char *out, size_t len, const char *what)
{
    snprintf(out, len, "/tmp/cmon-cplane-%s-%ld", what, (long)getpid());
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", out);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void
remove_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static int
accounts3(cplane_account_t *a, uint64_t seed)
{
    char err[256];
    int n = cplane_accounts_parse("admin:operator,alice,bob", seed, a, CPLANE_ACCOUNTS_MAX, err,
                                  sizeof(err));
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_EQUAL_FATAL(cplane_accounts_keys(a, 3, err, sizeof(err)), 0);
    return n;
}

/* ---- accounts -------------------------------------------------------------- */

static void
test_accounts(void)
{
    cplane_account_t a[CPLANE_ACCOUNTS_MAX], b[CPLANE_ACCOUNTS_MAX];
    const char *owners[CPLANE_ACCOUNTS_MAX];
    char err[256];
    static const char *const bad[] = {"",
                                      "alice,",
                                      ",alice",
                                      "alice:admin",
                                      "9lives",
                                      "alice,alice",
                                      "a b",
                                      "alice:operator:x",
                                      "averyveryveryveryverylongloginname1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CU_ASSERT_EQUAL(cplane_accounts_parse(bad[i], 1, a, CPLANE_ACCOUNTS_MAX, err, sizeof(err)),
                        -1);
        CU_ASSERT(strncmp(err, "--accounts: ", 12) == 0);
    }
    CU_ASSERT_EQUAL(cplane_accounts_parse("a,b,c", 1, a, 2, err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(cplane_accounts_parse("ops:operator,alice,bob", 5, a, CPLANE_ACCOUNTS_MAX, err,
                                          sizeof(err)),
                    3);
    CU_ASSERT_EQUAL(cplane_accounts_parse("alice", 5, b, CPLANE_ACCOUNTS_MAX, err, sizeof(err)), 1);
    CU_ASSERT_STRING_EQUAL(a[1].ca_uuid, b[0].ca_uuid); /* seed and login make the uuid */
    CU_ASSERT_EQUAL(cplane_accounts_parse("alice", 6, b, CPLANE_ACCOUNTS_MAX, err, sizeof(err)), 1);
    CU_ASSERT_STRING_NOT_EQUAL(a[1].ca_uuid, b[0].ca_uuid);
    CU_ASSERT_STRING_NOT_EQUAL(a[1].ca_uuid, a[1].ca_ops_uuid);
    CU_ASSERT(a[0].ca_operator && !a[1].ca_operator);
    CU_ASSERT_EQUAL(cplane_owners(a, 3, owners), 2); /* the non-operators */
    CU_ASSERT_STRING_EQUAL(owners[0], a[1].ca_uuid);
    CU_ASSERT_PTR_EQUAL(cplane_admin(a, 3), &a[0]); /* no admin: the first operator */
    CU_ASSERT_EQUAL(cplane_accounts_parse("x:operator,admin:operator", 5, a, CPLANE_ACCOUNTS_MAX,
                                          err, sizeof(err)),
                    2);
    CU_ASSERT_EQUAL(cplane_owners(a, 2, owners), 2); /* all operators: all of them */
    CU_ASSERT_PTR_EQUAL(cplane_admin(a, 2), &a[1]);
}

/* ---- certificates ---------------------------------------------------------- */

static X509 *
read_cert(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    CU_ASSERT_PTR_NOT_NULL(x);
    return x;
}

static void
cn_of(X509_NAME *n, char *out, size_t len)
{
    out[0] = '\0';
    X509_NAME_get_text_by_NID(n, NID_commonName, out, (int)len);
}

/* Subject CN, issuer CN, signed by key (X509_verify), the key in it. */
static void
check_cert(X509 *x, const char *subject, const char *issuer, EVP_PKEY *signer, EVP_PKEY *subj_key)
{
    char cn[128];
    if (x == NULL)
        return;
    cn_of(X509_get_subject_name(x), cn, sizeof(cn));
    CU_ASSERT_STRING_EQUAL(cn, subject);
    cn_of(X509_get_issuer_name(x), cn, sizeof(cn));
    CU_ASSERT_STRING_EQUAL(cn, issuer);
    CU_ASSERT_EQUAL(X509_verify(x, signer), 1);
    CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(x), subj_key), 1);
}

static void
check_new_style(X509 *x, const cplane_account_t *a)
{
    char b64[32], issuer[40], oid[64];
    CU_ASSERT_EQUAL_FATAL(sshkey_md5_base64(a->ca_key, b64), 0);
    snprintf(issuer, sizeof(issuer), "MD5:%s", b64);
    check_cert(x, a->ca_login, issuer, a->ca_key, a->ca_key);
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
    CU_ASSERT_FATAL(eku != NULL && sk_ASN1_OBJECT_num(eku) == 1);
    OBJ_obj2txt(oid, sizeof(oid), sk_ASN1_OBJECT_value(eku, 0), 1);
    CU_ASSERT_STRING_EQUAL(oid, TLSDIR_EKU_CMON);
    sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
    int days, secs; /* one day of validity */
    CU_ASSERT_EQUAL(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)), 1);
    CU_ASSERT(days == 1 && secs == 0);
    CU_ASSERT_EQUAL(X509_cmp_current_time(X509_get0_notAfter(x)), 1);
}

static void
check_proxy(const char *dir)
{
    X509 *ca = read_cert(dir, "ca.pem"), *x = read_cert(dir, "proxy.pem");
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    CU_ASSERT_FATAL(ca && x && st && ctx);
    X509_STORE_add_cert(st, ca);
    X509_STORE_CTX_init(ctx, st, x, NULL);
    CU_ASSERT_EQUAL(X509_verify_cert(ctx), 1); /* what a client trusting ca.pem does */
    CU_ASSERT_EQUAL(X509_check_host(x, "cmon.cmon.test", 0, 0, NULL), 1);
    CU_ASSERT_EQUAL(
        X509_check_host(x, "0b1c2d3e-0000-4000-8000-000000000001.cmon.test", 0, 0, NULL), 1);
    CU_ASSERT_EQUAL(X509_check_host(x, "cmon.other.test", 0, 0, NULL), 0);
    CU_ASSERT_EQUAL(EVP_PKEY_get_id(X509_get0_pubkey(x)), EVP_PKEY_EC);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    X509_free(ca);
    X509_free(x);
}

static void
test_tlsdir(void)
{
    cplane_account_t a[CPLANE_ACCOUNTS_MAX];
    char dir[256], err[512], path[512];
    struct stat st;
    temp_dir(dir, sizeof(dir), "tls");
    int n = accounts3(a, 9);
    CU_ASSERT_EQUAL_FATAL(tlsdir_write(dir, a, (size_t)n, "cmon.test", err, sizeof(err)), 0);
    for (int i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof(name), "%.32s.pem", a[i].ca_login);
        X509 *x = read_cert(dir, name);
        check_cert(x, a[i].ca_login, a[i].ca_login, a[i].ca_key, a[i].ca_key);
        X509_free(x);
        snprintf(name, sizeof(name), "%.32s-ops.pem", a[i].ca_login);
        x = read_cert(dir, name); /* the parent's login, the sub-user's key */
        check_cert(x, a[i].ca_login, a[i].ca_login, a[i].ca_ops_key, a[i].ca_ops_key);
        X509_free(x);
        snprintf(name, sizeof(name), "%.32s-new.pem", a[i].ca_login);
        x = read_cert(dir, name);
        if (x != NULL)
            check_new_style(x, &a[i]);
        X509_free(x);
        snprintf(path, sizeof(path), "%s/%.32s-key.pem", dir, a[i].ca_login);
        CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    }
    snprintf(path, sizeof(path), "%s/proxy-key.pem", dir);
    CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    check_proxy(dir);
    CU_ASSERT_EQUAL(tlsdir_write("/proc/nope/x", a, 1, "cmon.test", err, sizeof(err)), -1);
    CU_ASSERT(strstr(err, "--tls-dir: cannot create /proc/nope/x") != NULL);
    cplane_accounts_free(a, (size_t)n);
    remove_dir(dir);
}

/* ---- hosts file ------------------------------------------------------------ */

static void
read_file(const char *path, char *out, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(out, 1, len - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
}

static void
test_hostsfile(void)
{
    char dir[256], path[300], err[256], text[4096];
    struct stat st0, st1;
    temp_dir(dir, sizeof(dir), "hosts");
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/hosts", dir);
    const char *addrs[] = {"127.0.0.1", "127.0.0.2"};
    hostsfile_t *h = hostsfile_open(path, "dc.test", addrs, 2, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(stat(path, &st0), 0);
    CU_ASSERT_EQUAL(hostsfile_add(h, (const char *const[]){"u1", "u2", "u1"}, 3), 0);
    CU_ASSERT_EQUAL(hostsfile_add(h, (const char *const[]){"u2", "u3"}, 2), 0);
    CU_ASSERT_EQUAL(stat(path, &st1), 0);
    CU_ASSERT_EQUAL(st0.st_ino, st1.st_ino); /* in place */
    read_file(path, text, sizeof(text));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n127.0.0.1 cmon.dc.test\n127.0.0.2 cmon.dc.test\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n127.0.0.1 u1.dc.test\n127.0.0.2 u1.dc.test\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n127.0.0.2 u3.dc.test\n"));
    CU_ASSERT_PTR_NULL(strstr(strstr(text, "u1.dc.test\n127.0.0.2 u1.dc.test\n") + 30, "u1.dc"));
    CU_ASSERT_EQUAL(test_count_lines(text), 3 + 2 * 4); /* head 3; cmon, u1..u3 twice */
    hostsfile_close(h);
    CU_ASSERT_PTR_NULL(hostsfile_open("/proc/nope/hosts", "dc.test", addrs, 1, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot write /proc/nope/hosts"));
    remove_dir(dir);
}

/* ---- Prometheus configuration ---------------------------------------------- */

/* promtool check config on path: 0 valid, 1 invalid, -1 no promtool (the caller says so). */
static int
promtool_check(const char *path)
{
    char out[8192], err[8192];
    if (access("/usr/bin/promtool", X_OK) != 0)
        return -1;
    char *argv[] = {"/usr/bin/promtool", "check", "config", (char *)path, NULL};
    int rc = test_run(argv, out, sizeof(out), err, sizeof(err), 60);
    if (rc != 0)
        fprintf(stderr, "promtool: %s%s\n", out, err);
    return rc == 0 ? 0 : 1;
}

static void
test_promcfg(void)
{
    char dir[256], path[300], err[256];
    temp_dir(dir, sizeof(dir), "prom");
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/p.yml", dir);
    promcfg_t pc = {.pc_login = "admin",
                    .pc_operator = 1,
                    .pc_tls_dir = "/tls dir/\"x\"",
                    .pc_suffix = "dc.test",
                    .pc_port = 9163,
                    .pc_interval = 5};
    char *t = promcfg_text(&pc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "role: cn\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "endpoint: cmon.dc.test\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "cert_file: \"/tls dir/\\\"x\\\"/admin.pem\"\n"));
    free(t);
    pc.pc_login = "alice", pc.pc_operator = 0;
    t = promcfg_text(&pc);
    CU_ASSERT_PTR_NULL(strstr(t, "role: cn"));
    free(t);
    pc.pc_tls_dir = dir; /* promtool opens the files named */
    static const char *const files[] = {"ca.pem", "alice.pem", "alice-key.pem"};
    for (size_t i = 0; i < 3; i++) {
        char f[400];
        snprintf(f, sizeof(f), "%s/%s", dir, files[i]);
        FILE *fp = fopen(f, "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
        fclose(fp);
    }
    CU_ASSERT_EQUAL_FATAL(promcfg_write(path, &pc, err, sizeof(err)), 0);
    int rc = promtool_check(path);
    if (rc < 0)
        fprintf(stderr,
                "promcfg: no /usr/bin/promtool (Debian's prometheus package): not checked\n");
    CU_ASSERT(rc <= 0);
    remove_dir(dir);
}

/* ---- the API over a world this test writes --------------------------------- */

typedef struct fix {
    world_t *w;
    cplane_account_t a[CPLANE_ACCOUNTS_MAX];
    cplane_t *cp;
    const char *url;
} fix_t;

static void
fix_open(fix_t *f, size_t feed_max)
{
    static const char *const owners[] = {"11111111-1111-4111-8111-111111111111"};
    char err[512];
    memset(f, 0, sizeof(*f));
    f->w = test_world_new(64, 3, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->w);
    accounts3(f->a, 3);
    CU_ASSERT_EQUAL(world_owners_set(f->w, owners, 1, f->a[0].ca_uuid), 0);
    for (int i = 0; i < 10; i++)
        CU_ASSERT(world_zone_add_random(f->w, (uint64_t)i) > 0);
    cplane_node_spec_t node = {.cns_world = world_path(f->w), .cns_agent = "127.0.0.1:1"};
    f->cp = cplane_new(3, f->a, 3, &node, 1, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->cp);
    if (feed_max > 0)
        CU_ASSERT_EQUAL(cplane_set_feed_max(f->cp, feed_max), 0);
    CU_ASSERT_EQUAL_FATAL(cplane_start(f->cp, "127.0.0.1:0", err, sizeof(err)), 0);
    f->url = cplane_url(f->cp);
}

static void
fix_close(fix_t *f)
{
    cplane_free(f->cp);
    cplane_accounts_free(f->a, 3);
    test_world_free(f->w);
}

static uint64_t
head_of(const char *url)
{
    json_t *j;
    CU_ASSERT_EQUAL(get_json(url, "/changes/head", &j), 200);
    uint64_t s = (uint64_t)json_integer_value(json_object_get(j, "seq"));
    json_decref(j);
    return s;
}

/* The changes after since (long poll of up to 5 s); the answer's object. */
static json_t *
changes_after(const char *url, uint64_t since)
{
    char path[96];
    json_t *j = NULL;
    snprintf(path, sizeof(path), "/changes?since=%llu&wait_ms=5000", (unsigned long long)since);
    CU_ASSERT_EQUAL(get_json(url, path, &j), 200);
    return j;
}

static void
test_api_errors(void)
{
    fix_t f;
    json_t *j;
    fix_open(&f, 0);
    static const char *const bad[] = {
        "/vms?limit=0",    "/vms?limit=1001", "/vms?limit=x",     "/vms?offset=-1",
        "/vms?state=dead", "/changes",        "/changes?since=x", "/changes?since=0&wait_ms=30001"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_EQUAL(get_json(f.url, bad[i], &j), 400);
        CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "code")), "InvalidArgument");
        json_decref(j);
    }
    CU_ASSERT_EQUAL(get_json(f.url, "/accounts/mallory", &j), 404);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "code")), "ResourceNotFound");
    json_decref(j);
    CU_ASSERT_EQUAL(get_json(f.url, "/vms/nope", NULL), 404);
    CU_ASSERT_EQUAL(get_json(f.url, "/servers/nope", NULL), 404);
    CU_ASSERT_EQUAL(get_json(f.url, "/elsewhere", NULL), 404);
    CU_ASSERT_EQUAL(get_json(f.url, "/vms/a/b", NULL), 404);
    CU_ASSERT_EQUAL(status_of(f.url, "/vms", "POST"), 405);
    CU_ASSERT_EQUAL(status_of(f.url, "/changes/head", "DELETE"), 405);
    CU_ASSERT_EQUAL(get_json(f.url, "/changes?since=5", &j), 410); /* ahead of the feed */
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "code")), "Gone");
    json_decref(j);
    fix_close(&f);
}

/* The exact changes of a destroy, an add, a halt; a short feed's 410. */
static void
test_api_feed(void)
{
    fix_t f;
    json_t *j, *vm;
    world_zone_info_t zi;
    fix_open(&f, 4);
    uint64_t head = head_of(f.url);
    CU_ASSERT_EQUAL(head, 0);
    int victim = world_zone_next(f.w, 0);
    CU_ASSERT_EQUAL_FATAL(world_zone_info(f.w, victim, &zi), 0);
    CU_ASSERT_EQUAL(world_zone_destroy(f.w, victim), 0);
    j = changes_after(f.url, head);
    json_t *c = json_array_get(json_object_get(j, "changes"), 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "type")), "destroy");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "uuid")), zi.wzi_name);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(c, "seq")), 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "seq")), 1);
    json_decref(j);
    char path[128];
    snprintf(path, sizeof(path), "/vms/%s", zi.wzi_name);
    CU_ASSERT_EQUAL(get_json(f.url, path, NULL), 404);

    int z = world_zone_add_random(f.w, 100);
    CU_ASSERT_EQUAL_FATAL(world_zone_info(f.w, z, &zi), 0);
    j = changes_after(f.url, 1);
    c = json_array_get(json_object_get(j, "changes"), 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "type")), "upsert");
    vm = json_object_get(c, "vm");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(vm, "uuid")), zi.wzi_name);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(vm, "state")), "running");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(vm, "owner_uuid")),
                           "11111111-1111-4111-8111-111111111111");
    json_decref(j);
    CU_ASSERT_EQUAL(world_zone_halt(f.w, z), 0);
    j = changes_after(f.url, 2);
    vm = json_object_get(json_array_get(json_object_get(j, "changes"), 0), "vm");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(vm, "state")), "stopped");
    json_decref(j);
    snprintf(path, sizeof(path), "/vms?state=stopped");
    CU_ASSERT_EQUAL(get_json(f.url, path, &j), 200);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "total")), 1);
    json_decref(j);

    world_batch_begin(f.w); /* 3 destroys and 3 adds: 6 changes, the ring keeps 4 */
    int gone[3] = {world_zone_next(f.w, 0)};
    gone[1] = world_zone_next(f.w, gone[0]);
    gone[2] = world_zone_next(f.w, gone[1]);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(world_zone_destroy(f.w, gone[i]), 0);
    for (int i = 0; i < 3; i++)
        CU_ASSERT(world_zone_add_random(f.w, 200 + (uint64_t)i) > 0);
    world_batch_end(f.w);
    for (int i = 0; i < 100 && head_of(f.url) < 9; i++)
        usleep(50000); /* within a poll or two */
    CU_ASSERT_EQUAL(head_of(f.url), 9);
    CU_ASSERT_EQUAL(get_json(f.url, "/changes?since=4", NULL), 410); /* 5 is gone */
    CU_ASSERT_EQUAL(get_json(f.url, "/changes?since=5", &j), 200);   /* 6..9 kept */
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "changes")), 4);
    json_decref(j);
    fix_close(&f);
}

/* A long poll waits for the change, and only that long. */
static void
test_api_long_poll(void)
{
    fix_t f;
    json_t *j;
    fix_open(&f, 0);
    CU_ASSERT_EQUAL(get_json(f.url, "/changes?since=0&wait_ms=300", &j), 200);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "changes")), 0);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "seq")), 0);
    json_decref(j);
    CU_ASSERT(world_zone_add_random(f.w, 50) > 0);
    j = changes_after(f.url, 0); /* waits up to 5 s: returns with the change */
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "changes")), 1);
    json_decref(j);
    fix_close(&f);
}

/* ---- a real serve --cns 2 -------------------------------------------------- */

typedef struct dc {
    pid_t pid;
    char dir[256];
    char cplane[128];
    char err_path[300];
    char hosts[300];
    char prom[300];
} dc_t;

/* Starts serve --cns 2 with churn; reads stdout until its last ready line. */
static int
dc_start(dc_t *d)
{
    char prefix[300], tls[300];
    int p[2];
    temp_dir(d->dir, sizeof(d->dir), "dc");
    CU_ASSERT_EQUAL_FATAL(mkdir(d->dir, 0700), 0);
    snprintf(prefix, sizeof(prefix), "%s/w", d->dir);
    snprintf(tls, sizeof(tls), "%s/tls", d->dir);
    snprintf(d->hosts, sizeof(d->hosts), "%s/hosts", d->dir);
    snprintf(d->prom, sizeof(d->prom), "%s/prom.yml", d->dir);
    snprintf(d->err_path, sizeof(d->err_path), "%s/stderr", d->dir);
    char *sim = strdup(test_bin("cmon-sim")), *agent = strdup(test_bin("cmon-agent"));
    char *argv[] = {sim,
                    "serve",
                    "--cns",
                    "2",
                    "--zones",
                    "40",
                    "--core-zones",
                    "3",
                    "--churn",
                    "4",
                    "--world",
                    prefix,
                    "--accounts",
                    "admin:operator,alice,bob",
                    "--tls-dir",
                    tls,
                    "--hosts-file",
                    d->hosts,
                    "--prom-config",
                    d->prom,
                    "--account",
                    "admin",
                    "--agent",
                    agent,
                    NULL};
    if (pipe(p) != 0)
        return -1;
    if ((d->pid = fork()) == 0) {
        int e = open(d->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(p[1], 1);
        dup2(e, 2);
        close(p[0]);
        close(p[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    free(sim);
    free(agent);
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    char line[512];
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "cplane ", 7) == 0)
            sscanf(line + 7, "%127s", d->cplane);
        if (strncmp(line, "prometheus-config ", 18) == 0)
            break;
    }
    if (f != NULL)
        fclose(f);
    return d->cplane[0] ? 0 : -1;
}

static void
dc_stop(dc_t *d)
{
    int status;
    kill(d->pid, SIGTERM);
    CU_ASSERT_EQUAL(waitpid(d->pid, &status, 0), d->pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    remove_dir(d->dir);
}

/* The vminfod URLs the nodes' serves announced on stderr. */
static int
vminfods(const dc_t *d, char urls[2][128])
{
    char text[16384], *p;
    int n = 0;
    read_file(d->err_path, text, sizeof(text));
    for (p = text; n < 2 && (p = strstr(p, "vminfod on ")) != NULL; p += 11)
        sscanf(p + 11, "%127s", urls[n++]);
    return n;
}

/* Every VM through pages of 7: ordered, each once, the total; returns the array. */
static json_t *
list_all(const char *url, const char *state)
{
    json_t *all = json_array(), *j;
    char path[128], last[64] = "";
    json_int_t total = -1;
    for (int off = 0;; off += 7) {
        snprintf(path, sizeof(path), "/vms?limit=7&offset=%d%s%s", off, state ? "&state=" : "",
                 state ? state : "");
        CU_ASSERT_EQUAL_FATAL(get_json(url, path, &j), 200);
        json_t *vms = json_object_get(j, "vms"), *v;
        size_t i;
        total = json_integer_value(json_object_get(j, "total"));
        json_array_foreach(vms, i, v)
        {
            const char *u = json_string_value(json_object_get(v, "uuid"));
            CU_ASSERT(u != NULL && strcmp(u, last) > 0); /* ordered by uuid */
            snprintf(last, sizeof(last), "%s", u ? u : "");
            json_array_append(all, v);
        }
        size_t got = json_array_size(vms);
        json_decref(j);
        if (got < 7)
            break;
    }
    (void)total;
    return all;
}

static void
check_accounts_servers(const dc_t *d)
{
    json_t *j;
    CU_ASSERT_EQUAL(get_json(d->cplane, "/accounts/admin", &j), 200);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(j, "groups"), 0)),
                           "operators");
    json_t *key = json_array_get(json_object_get(j, "keys"), 0);
    CU_ASSERT_EQUAL(strlen(json_string_value(json_object_get(key, "fingerprint"))), 47);
    CU_ASSERT(strncmp(json_string_value(json_object_get(key, "openssh")), "ecdsa-sha2-nistp256 ",
                      20) == 0);
    json_t *ops = json_array_get(
        json_object_get(json_object_get(json_object_get(j, "roles"), "administrator"), "members"),
        0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(ops, "login")), "ops");
    json_decref(j);
    CU_ASSERT_EQUAL(get_json(d->cplane, "/accounts/alice", &j), 200);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "groups")), 0);
    json_decref(j);
    CU_ASSERT_EQUAL(get_json(d->cplane, "/servers", &j), 200);
    json_t *servers = json_object_get(j, "servers"), *s;
    size_t i;
    CU_ASSERT_EQUAL(json_array_size(servers), 2);
    json_array_foreach(servers, i, s)
    {
        char path[96];
        snprintf(path, sizeof(path), "/servers/%s", json_string_value(json_object_get(s, "uuid")));
        CU_ASSERT_EQUAL(get_json(d->cplane, path, NULL), 200);
        CU_ASSERT(strncmp(json_string_value(json_object_get(s, "agent")), "127.0.0.1:", 10) == 0);
    }
    json_decref(j);
}

/* Each VM's owner as its node's vminfod serves it; core zones the admin's with a role. */
static void
check_owners(const dc_t *d, json_t *all)
{
    char urls[2][128];
    json_t *v, *adm;
    size_t i;
    int core = 0;
    CU_ASSERT_EQUAL_FATAL(vminfods(d, urls), 2);
    CU_ASSERT_EQUAL_FATAL(get_json(d->cplane, "/accounts/admin", &adm), 200);
    const char *admin = json_string_value(json_object_get(adm, "uuid"));
    json_array_foreach(all, i, v)
    {
        char path[96];
        json_t *rec = NULL;
        const char *u = json_string_value(json_object_get(v, "uuid"));
        snprintf(path, sizeof(path), "/vms/%s", u);
        long st = get_json(urls[0], path, &rec);
        if (st == 404) {
            json_decref(rec);
            st = get_json(urls[1], path, &rec);
        }
        if (st == 200) /* 404 on both: destroyed by churn since the listing */
            CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "owner_uuid")),
                                   json_string_value(json_object_get(v, "owner_uuid")));
        json_decref(rec);
        json_t *role = json_object_get(json_object_get(v, "tags"), "smartdc_role");
        if (role != NULL) {
            core++;
            CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "owner_uuid")), admin);
        }
    }
    CU_ASSERT_EQUAL(core, 3);
    json_decref(adm);
}

/*
 * The feed under churn: changes in sequence, upserts (their VMs appended to fresh) and
 * destroys, a destroyed VM 404 (a uuid never comes back); a since ahead of the feed 410.
 */
static void
check_feed(const dc_t *d, json_t *fresh)
{
    uint64_t since = head_of(d->cplane);
    int upserts = 0, destroys = 0;
    for (int round = 0; round < 20 && (upserts == 0 || destroys == 0); round++) {
        json_t *j = changes_after(d->cplane, since), *c;
        size_t i;
        json_array_foreach(json_object_get(j, "changes"), i, c)
        {
            CU_ASSERT_EQUAL((uint64_t)json_integer_value(json_object_get(c, "seq")), since + 1 + i);
            const char *type = json_string_value(json_object_get(c, "type"));
            upserts += strcmp(type, "upsert") == 0;
            destroys += strcmp(type, "destroy") == 0;
            if (strcmp(type, "upsert") == 0)
                json_array_append(fresh, json_object_get(c, "vm"));
            else {
                char path[96];
                snprintf(path, sizeof(path), "/vms/%s",
                         json_string_value(json_object_get(c, "uuid")));
                CU_ASSERT_EQUAL(get_json(d->cplane, path, NULL), 404);
            }
        }
        since = (uint64_t)json_integer_value(json_object_get(j, "seq"));
        json_decref(j);
    }
    CU_ASSERT(upserts > 0 && destroys > 0);
    char path[96];
    snprintf(path, sizeof(path), "/changes?since=%llu", (unsigned long long)since + 1000000);
    CU_ASSERT_EQUAL(get_json(d->cplane, path, NULL), 410);
}

/* The hosts file names every VM listed or upserted (seen seconds ago), and grows in place. */
static void
check_hosts(const dc_t *d, json_t *all, json_t *fresh)
{
    struct stat st0, st1;
    static char text[1 << 20];
    CU_ASSERT_EQUAL_FATAL(stat(d->hosts, &st0), 0);
    sleep(2); /* churn: 8 new zones */
    CU_ASSERT_EQUAL_FATAL(stat(d->hosts, &st1), 0);
    CU_ASSERT_EQUAL(st0.st_ino, st1.st_ino);
    CU_ASSERT(st1.st_size > st0.st_size);
    read_file(d->hosts, text, sizeof(text));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "127.0.0.1 cmon.cmon.test\n"));
    json_t *v;
    size_t i;
    json_array_extend(all, fresh);
    CU_ASSERT(json_array_size(fresh) > 0);
    json_array_foreach(all, i, v)
    {
        char line[128];
        snprintf(line, sizeof(line), "127.0.0.1 %s.cmon.test\n",
                 json_string_value(json_object_get(v, "uuid")));
        CU_ASSERT_PTR_NOT_NULL(strstr(text, line));
    }
}

static void
test_serve_dc(void)
{
    dc_t d;
    memset(&d, 0, sizeof(d));
    CU_ASSERT_EQUAL_FATAL(dc_start(&d), 0);
    check_accounts_servers(&d);
    json_t *all = list_all(d.cplane, NULL);
    CU_ASSERT(json_array_size(all) >= 75 && json_array_size(all) <= 85); /* 80, churn aside */
    json_t *running = list_all(d.cplane, "running");
    CU_ASSERT(json_array_size(running) > 0);
    json_decref(running);
    check_owners(&d, all);
    json_t *fresh = json_array();
    check_feed(&d, fresh);
    check_hosts(&d, all, fresh);
    json_decref(fresh);
    json_decref(all);
    int rc = promtool_check(d.prom);
    if (rc < 0)
        fprintf(stderr, "serve_dc: no /usr/bin/promtool: the configuration is not checked\n");
    CU_ASSERT(rc <= 0);
    dc_stop(&d);
}

/* Bad flags of the Triton side: exit 2 (or 1 for a proxy that cannot run) and a clear line. */
static void
test_serve_dc_flags(void)
{
    static const struct {
        const char *args[8];
        int rc;
        const char *msg;
    } cases[] = {
        {{"--accounts", "9lives"}, 2, "--accounts: bad login '9lives'"},
        {{"--accounts", "alice,alice"}, 2, "--accounts: alice named twice"},
        {{"--account", "carol"}, 2, "--account: carol is not in --accounts"},
        {{"--account", "admin"}, 2, "--account: want --tls-dir"},
        {{"--prom-config-dir", "DIR"}, 2, "--prom-config-dir: want --tls-dir"},
        {{"--prom-config-dir", "/nonexistent/prom", "--tls-dir", "TLS"},
         1,
         "--prom-config-dir: cannot make /nonexistent/prom: "},
        {{"--dns-suffix", "a..b"}, 2, "bad --dns-suffix"},
        {{"--cplane", "nowhere"}, 2, "--cplane: "},
        {{"--proxies", "17"}, 2, "bad --proxies"},
        {{"--proxy", "127.0.0.1:0"}, 2, "want --tls-dir"},
        {{"--proxies", "2", "--proxy", "127.0.0.1:0"}, 2, "want a port in --proxy"},
        {{"--proxy", "127.0.0.1:0", "--tls-dir", "TLS", "--proxy-bin", "/nonexistent/cmon-proxy"},
         1,
         "cannot run /nonexistent/cmon-proxy"},
    };
    char dir[256], prefix[300], tls[300], out[4096], err[8192];
    temp_dir(dir, sizeof(dir), "flags");
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    snprintf(prefix, sizeof(prefix), "%s/w", dir);
    snprintf(tls, sizeof(tls), "%s/tls", dir);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *args[TEST_ARGS_MAX] = {"serve", "--cns",   "1",   "--zones",
                                           "2",     "--world", prefix};
        int k = 7;
        for (int j = 0; cases[i].args[j] != NULL; j++)
            args[k++] = strcmp(cases[i].args[j], "TLS") == 0 ? tls : cases[i].args[j];
        args[k] = NULL;
        int rc = test_run_bin("cmon-sim", args, out, sizeof(out), err, sizeof(err), 60);
        CU_ASSERT_EQUAL(rc, cases[i].rc);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].msg));
        if (rc != cases[i].rc || strstr(err, cases[i].msg) == NULL)
            fprintf(stderr, "case %zu: rc %d: %s\n", i, rc, err);
    }
    remove_dir(dir);
}

/*
 * --proxies 2 with a stand-in for cmon-proxy (a script that says it listens): both started
 * with the flags of the contract, named in the hosts file at 127.0.0.1 and 127.0.0.2, their
 * port in the Prometheus configuration; a proxy that exits ends serve with 1.
 */
static void
test_serve_dc_proxies(void)
{
    char dir[256], script[300], prefix[300], tls[300], hosts[300], prom[300], text[65536];
    char out[8192], err[8192], cmd[4096];
    temp_dir(dir, sizeof(dir), "proxies");
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    snprintf(script, sizeof(script), "%s/fake-proxy", dir);
    snprintf(prefix, sizeof(prefix), "%s/w", dir);
    snprintf(tls, sizeof(tls), "%s/tls", dir);
    snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
    snprintf(prom, sizeof(prom), "%s/prom.yml", dir);
    FILE *f = fopen(script, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f,
            "#!/bin/sh\necho \"$@\" > %s/args.$2\necho \"cmon-proxy: listening on $2\" >&2\n"
            "[ -e %s/die ] && exit 3\nexec sleep 600\n",
            dir, dir);
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(chmod(script, 0755), 0);
    const char *args[] = {"serve",
                          "--cns",
                          "1",
                          "--zones",
                          "3",
                          "--world",
                          prefix,
                          "--tls-dir",
                          tls,
                          "--hosts-file",
                          hosts,
                          "--prom-config",
                          prom,
                          "--account",
                          "admin",
                          "--proxies",
                          "2",
                          "--proxy",
                          "127.0.0.1:19163",
                          "--proxy-bin",
                          script,
                          NULL};
    /* a serve stopped by a shell after its ready lines: what it printed and wrote */
    snprintf(cmd, sizeof(cmd),
             "%s serve --cns 1 --zones 3 --world %s --tls-dir %s --hosts-file %s --prom-config %s "
             "--account admin --proxies 2 --proxy 127.0.0.1:19163 --proxy-bin %s > %s/out & "
             "p=$!; for i in $(seq 100); do grep -q prometheus-config %s/out && break; sleep 0.1; "
             "done; cp %s %s/prom.copy; kill $p; wait $p",
             test_bin("cmon-sim"), prefix, tls, hosts, prom, script, dir, dir, prom, dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s/out", dir);
    read_file(cmd, text, sizeof(text));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nproxy 127.0.0.1:19163\nproxy 127.0.0.2:19163\n"));
    read_file(hosts, text, sizeof(text));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n127.0.0.1 cmon.cmon.test\n127.0.0.2 cmon.cmon.test\n"));
    snprintf(cmd, sizeof(cmd), "%s/prom.copy", dir);
    read_file(cmd, text, sizeof(text));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "port: 19163\n"));
    snprintf(cmd, sizeof(cmd), "%s/args.127.0.0.2:19163", dir);
    read_file(cmd, text, sizeof(text));
    CU_ASSERT(strncmp(text, "--listen 127.0.0.2:19163 --cert ", 32) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "/proxy.pem --key "));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "/proxy-key.pem --cplane http://127.0.0.1:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, " --dns-suffix cmon.test\n"));
    snprintf(cmd, sizeof(cmd), "%s/die", dir);
    fclose(fopen(cmd, "w"));
    int rc = test_run_bin("cmon-sim", args, out, sizeof(out), err, sizeof(err), 120);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cmon-proxy"));
    remove_dir(dir);
}

/*
 * --prom-config-dir: one configuration per account, DIR made when missing, printed last in the
 * order of --accounts; each for its account (role cn for the operator only), promtool accepts
 * them; serve removes them as it stops.
 */
static void
test_serve_dc_prom_dir(void)
{
    static const char *logins[] = {"admin", "alice", "bob"};
    char dir[256], prefix[300], tls[300], prom[300], path[400], text[65536], cmd[4096];
    temp_dir(dir, sizeof(dir), "promdir");
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    snprintf(prefix, sizeof(prefix), "%s/w", dir);
    snprintf(tls, sizeof(tls), "%s/tls", dir);
    snprintf(prom, sizeof(prom), "%s/prom", dir);
    /* a serve stopped by a shell after its ready lines: what it printed and wrote */
    snprintf(cmd, sizeof(cmd),
             "%s serve --cns 1 --zones 3 --world %s --accounts admin:operator,alice,bob "
             "--tls-dir %s --prom-config-dir %s > %s/out & "
             "p=$!; for i in $(seq 300); do grep -q prometheus-config.*bob.yml %s/out && break; "
             "sleep 0.1; done; cp -r %s %s/copy; kill $p; wait $p",
             test_bin("cmon-sim"), prefix, tls, prom, dir, dir, prom, dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/out", dir);
    read_file(path, text, sizeof(text));
    snprintf(cmd, sizeof(cmd),
             "prometheus-config %s.prometheus.yml\nprometheus-config %s/admin.yml\n"
             "prometheus-config %s/alice.yml\nprometheus-config %s/bob.yml\n",
             prefix, prom, prom, prom);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, cmd));
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/copy/%s.yml", dir, logins[i]);
        read_file(path, text, sizeof(text));
        snprintf(cmd, sizeof(cmd), "      - account: %s\n        role: container\n", logins[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, cmd));
        snprintf(cmd, sizeof(cmd), "%s/%s-key.pem", tls, logins[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, cmd));
        CU_ASSERT_EQUAL(strstr(text, "role: cn\n") != NULL, i == 0); /* admin is the operator */
        CU_ASSERT(promtool_check(path) <= 0);
        snprintf(path, sizeof(path), "%s/%s.yml", prom, logins[i]);
        CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0); /* removed at exit */
    }
    remove_dir(dir);
}
int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"accounts", test_accounts},
        {"tlsdir", test_tlsdir},
        {"hostsfile", test_hostsfile},
        {"promcfg", test_promcfg},
        {"api_errors", test_api_errors},
        {"api_feed", test_api_feed},
        {"api_long_poll", test_api_long_poll},
        {"serve_dc", test_serve_dc},
        {"serve_dc_flags", test_serve_dc_flags},
        {"serve_dc_proxies", test_serve_dc_proxies},
        {"serve_dc_prom_dir", test_serve_dc_prom_dir},
        {NULL, NULL},
    };
    signal(SIGPIPE, SIG_IGN);
    return cunit_main(argc, argv, "cplane", cases);
}
