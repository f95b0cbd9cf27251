/* The proxy's pure parts: the Host rule, SNI, the throttle, error bodies,
 * the certificate cache, certificates parsed, log lines rate-limited, the
 * access log's line; and the upstream's handling of an idle connection the agent
 * closes. */
#include <CUnit/CUnit.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accesslog.h"
#include "auth.h"
#include "certcache.h"
#include "cunit_main.h"
#include "fixtures.h"
#include "host.h"
#include "ratelog.h"
#include "reply.h"
#include "sbuf.h"
#include "testpki.h"
#include "throttle.h"
#include "upstream.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#define UUID "0a1b2c3d-0000-4000-8000-00000000abcd"

static void
test_host_rule(void)
{
    host_target_t t;
    CU_ASSERT_EQUAL(host_parse("cmon.cmon.test:9163", &t), HOST_CMON);
    CU_ASSERT_EQUAL(host_parse("CMON.cmon.test", &t), HOST_CMON);
    CU_ASSERT_EQUAL(host_parse("0A1B2C3D-0000-4000-8000-00000000ABCD.cmon.test:9163", &t),
                    HOST_UUID);
    CU_ASSERT_STRING_EQUAL(t.ht_uuid, UUID);
    CU_ASSERT_EQUAL(host_parse("www.cmon.test", &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse("0a1b2c3d-0000-4000-8000-00000000abc.cmon.test", &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse("cmon..test", &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse("cmon.te st", &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse("[::1]:9163", &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse("", &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse(NULL, &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse("cmon", &t), HOST_CMON);
}

static void
test_host_sni(void)
{
    CU_ASSERT_TRUE(host_sni_agrees(NULL, "cmon.cmon.test:9163"));
    CU_ASSERT_TRUE(host_sni_agrees("", "cmon.cmon.test"));
    CU_ASSERT_TRUE(host_sni_agrees("CMON.cmon.test", "cmon.cmon.test:9163"));
    CU_ASSERT_TRUE(host_sni_agrees("cmon.cmon.test.", "cmon.cmon.test"));
    CU_ASSERT_FALSE(host_sni_agrees("cmon.cmon.test", UUID ".cmon.test:9163"));
    CU_ASSERT_FALSE(host_sni_agrees("cmon.cmon.test", "cmon.cmon.tes"));
    CU_ASSERT_FALSE(host_sni_agrees("cmon.cmon.test", NULL));
}

static void
test_throttle_bucket(void)
{
    throttle_t *t = throttle_new(2, 3, 10);
    unsigned wait = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_TRUE(throttle_take(t, "a", 100.0, &wait));
    CU_ASSERT_FALSE(throttle_take(t, "a", 100.0, &wait));
    CU_ASSERT_EQUAL(wait, 1);
    CU_ASSERT_TRUE(throttle_take(t, "b", 100.0, &wait)); /* another account's own bucket */
    CU_ASSERT_TRUE(throttle_take(t, "a", 100.5, &wait)); /* 0.5 s at 2/s: one back */
    CU_ASSERT_FALSE(throttle_take(t, "a", 100.5, &wait));
    CU_ASSERT_TRUE(throttle_take(t, "a", 200.0, &wait)); /* refilled to the burst, not beyond */
    CU_ASSERT_TRUE(throttle_take(t, "a", 200.0, &wait));
    CU_ASSERT_TRUE(throttle_take(t, "a", 200.0, &wait));
    CU_ASSERT_FALSE(throttle_take(t, "a", 200.0, &wait));
    throttle_free(t);
    CU_ASSERT_PTR_NULL(throttle_new(0, 3, 10));
    CU_ASSERT_PTR_NULL(throttle_new(1, 0.5, 10));
}

static void
test_throttle_bounded(void)
{
    throttle_t *t = throttle_new(1, 2, 4);
    char key[16];
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof(key), "acct%d", i);
        CU_ASSERT_TRUE(throttle_take(t, key, 10.0, NULL));
    }
    CU_ASSERT_EQUAL(throttle_count(t), 4);
    /* full, every bucket in use: a fifth account is refused, the table does not grow */
    CU_ASSERT_FALSE(throttle_take(t, "acct4", 10.0, NULL));
    CU_ASSERT_EQUAL(throttle_count(t), 4);
    /* later, refilled buckets are forgotten to make room */
    CU_ASSERT_TRUE(throttle_take(t, "acct4", 20.0, NULL));
    CU_ASSERT_EQUAL(throttle_count(t), 1);
    throttle_free(t);
}

static void
test_error_json(void)
{
    size_t len;
    char *s = reply_error_json(429, "too \"many\"\n", &len);
    CU_ASSERT_STRING_EQUAL(
        s, "{\"code\":\"TooManyRequestsError\",\"message\":\"too \\\"many\\\"\\n\"}");
    CU_ASSERT_EQUAL(len, strlen(s));
    free(s);
    CU_ASSERT_STRING_EQUAL(reply_error_code(401), "UnauthorizedError");
    CU_ASSERT_STRING_EQUAL(reply_error_code(404), "NotFoundError");
    CU_ASSERT_STRING_EQUAL(reply_error_code(400), "BadRequestError");
    CU_ASSERT_STRING_EQUAL(reply_error_code(504), "GatewayTimeoutError");
    CU_ASSERT_STRING_EQUAL(reply_error_code(418), "InternalServerError");
}

static void
test_certcache(void)
{
    certcache_who_t who = {.cw_account = "aaaaaaaa-0000-4000-8000-000000000001", .cw_operator = 1},
                    got;
    const unsigned char a[] = "certificate a", b[] = "certificate b";
    certcache_t *c = certcache_new(64, 300);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_FALSE(certcache_get(c, a, sizeof(a), 1000, &got));
    certcache_put(c, a, sizeof(a), 1000, 0, &who);
    CU_ASSERT_TRUE(certcache_get(c, a, sizeof(a), 1000, &got));
    CU_ASSERT_STRING_EQUAL(got.cw_account, who.cw_account);
    CU_ASSERT_EQUAL(got.cw_operator, 1);
    CU_ASSERT_FALSE(certcache_get(c, b, sizeof(b), 1000, &got)); /* another certificate */
    CU_ASSERT_FALSE(certcache_get(c, a, sizeof(a) - 1, 1000, &got));
    CU_ASSERT_TRUE(certcache_get(c, a, sizeof(a), 1299, &got));
    CU_ASSERT_FALSE(certcache_get(c, a, sizeof(a), 1300, &got)); /* the TTL */
    certcache_put(c, b, sizeof(b), 1000, 1010, &who);
    CU_ASSERT_TRUE(certcache_get(c, b, sizeof(b), 1009, &got));
    CU_ASSERT_FALSE(certcache_get(c, b, sizeof(b), 1010, &got)); /* the certificate's expiry */
    const unsigned char z[] = "certificate z";
    certcache_put(c, z, sizeof(z), 1000, 900, &who); /* already expired: not kept */
    CU_ASSERT_FALSE(certcache_get(c, z, sizeof(z), 1000, &got));
    certcache_free(c);
    c = certcache_new(1, 300); /* one slot: the newest takes it */
    certcache_put(c, a, sizeof(a), 1000, 0, &who);
    certcache_put(c, b, sizeof(b), 1000, 0, &who);
    CU_ASSERT_FALSE(certcache_get(c, a, sizeof(a), 1000, &got));
    CU_ASSERT_TRUE(certcache_get(c, b, sizeof(b), 1000, &got));
    certcache_free(c);
    CU_ASSERT_PTR_NULL(certcache_new(0, 300));
    CU_ASSERT_PTR_NULL(certcache_new(8, 0));
}

/* A certificate made by testpki, as DER (malloc'd). */
static unsigned char *
cert_der(const char *login, int new_style, long nb, long na, int *len)
{
    char dir[] = "/tmp/proxyunit.XXXXXX", cert[64], key[64];
    unsigned char *der = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(cert, sizeof(cert), "%s/c.pem", dir);
    snprintf(key, sizeof(key), "%s/k.pem", dir);
    EVP_PKEY *k = pki_key_new();
    pki_cert(login, k, k, new_style, nb, na, cert, key);
    FILE *f = fopen(cert, "r");
    X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    *len = x != NULL ? i2d_X509(x, &der) : 0;
    if (f != NULL)
        fclose(f);
    X509_free(x);
    EVP_PKEY_free(k);
    unlink(cert);
    unlink(key);
    rmdir(dir);
    return der;
}

static void
test_auth_parsing(void)
{
    char err[256], login[AUTH_LOGIN_MAX];
    int len;
    CU_ASSERT_PTR_NULL(auth_account_parse("nope", 4, err, sizeof(err)));
    CU_ASSERT_PTR_NULL(auth_account_parse("{\"login\":\"a\"}", 13, err, sizeof(err)));
    CU_ASSERT_PTR_NULL(auth_cert_parse((const unsigned char *)"garbage", 7));
    unsigned char *der = cert_der("alice", 0, -60, 3600, &len);
    CU_ASSERT_FATAL(len > 0);
    auth_cert_t *c = auth_cert_parse(der, (size_t)len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(auth_cert_login(c, login, sizeof(login)), 0);
    CU_ASSERT_STRING_EQUAL(login, "alice");
    CU_ASSERT_EQUAL(auth_cert_expiry(c), 0); /* old style: no expiry enforced */
    auth_cert_free(c);
    unsigned char *longer = malloc((size_t)len + 1);
    memcpy(longer, der, (size_t)len);
    longer[len] = 0;
    CU_ASSERT_PTR_NULL(auth_cert_parse(longer, (size_t)len + 1)); /* trailing bytes */
    free(longer);
    OPENSSL_free(der);
    der = cert_der("alice", 1, -60, 3600, &len);
    c = auth_cert_parse(der, (size_t)len);
    time_t exp = auth_cert_expiry(c);
    CU_ASSERT_TRUE(exp > time(NULL) + 3500 && exp <= time(NULL) + 3600);
    auth_cert_free(c);
    OPENSSL_free(der);
    der = cert_der("al/ice", 0, -60, 3600, &len); /* not a login: it would go into a URL path */
    c = auth_cert_parse(der, (size_t)len);
    CU_ASSERT_EQUAL(auth_cert_login(c, login, sizeof(login)), -1);
    auth_cert_free(c);
    OPENSSL_free(der);
}

/* DER of a client certificate for alice with subject key subject signed by signer. */
static unsigned char *
cert_der_signed(EVP_PKEY *subject, EVP_PKEY *signer, int new_style, int *len)
{
    char *pem = pki_cert_pem("alice", subject, signer, new_style, -60, 3600);
    BIO *b = pem != NULL ? BIO_new_mem_buf(pem, -1) : NULL;
    X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    unsigned char *der = NULL;
    *len = x != NULL ? i2d_X509(x, &der) : 0;
    X509_free(x);
    BIO_free(b);
    free(pem);
    return der;
}

static auth_account_t *
account_of(EVP_PKEY *k)
{
    char *kj = pki_key_json(k), json[2048], err[256];
    snprintf(json, sizeof(json),
             "{\"uuid\":\"" UUID "\",\"login\":\"alice\",\"groups\":[],\"keys\":[%s]}", kj);
    free(kj);
    return auth_account_parse(json, strlen(json), err, sizeof(err));
}

/* Certificates verified against an account: new-style ones signed by twenty
 * keys (issuer CNs whose base64 holds '+' and '/'), old-style self-signed;
 * a signature with one byte changed, or by another key, is refused. */
static void
test_auth_verify(void)
{
    char why[256];
    int len, ok = 0;
    EVP_PKEY *eph = pki_key_new(), *other = pki_key_new();
    for (int i = 0; i < 20; i++) {
        EVP_PKEY *k = pki_key_new();
        auth_account_t *a = account_of(k);
        unsigned char *der = cert_der_signed(eph, k, 1, &len);
        auth_cert_t *c = auth_cert_parse(der, (size_t)len);
        ok += c != NULL && auth_cert_verify(c, a, time(NULL), why, sizeof(why)) == 0;
        auth_cert_free(c);
        OPENSSL_free(der);
        if (i == 0) { /* old style, then tampered with */
            der = cert_der_signed(k, k, 0, &len);
            c = auth_cert_parse(der, (size_t)len);
            CU_ASSERT_EQUAL(auth_cert_verify(c, a, time(NULL), why, sizeof(why)), 0);
            auth_cert_free(c);
            der[len - 5] ^= 0x01; /* inside the signature, the last element */
            c = auth_cert_parse(der, (size_t)len);
            CU_ASSERT_PTR_NOT_NULL(c);
            CU_ASSERT_EQUAL(auth_cert_verify(c, a, time(NULL), why, sizeof(why)), -1);
            CU_ASSERT_PTR_NOT_NULL(strstr(why, "signature does not verify"));
            auth_cert_free(c);
            OPENSSL_free(der);
            der = cert_der_signed(eph, other, 1, &len); /* names a key alice does not have */
            c = auth_cert_parse(der, (size_t)len);
            CU_ASSERT_EQUAL(auth_cert_verify(c, a, time(NULL), why, sizeof(why)), -1);
            CU_ASSERT_PTR_NOT_NULL(strstr(why, "no key"));
            auth_cert_free(c);
            OPENSSL_free(der);
        }
        auth_account_free(a);
        EVP_PKEY_free(k);
    }
    CU_ASSERT_EQUAL(ok, 20);
    /* valid from its notBefore's own second: a certificate made a moment ago
     * (as cmon-sim serve's are, used at once) is good; a second before, not */
    EVP_PKEY *k = pki_key_new();
    auth_account_t *a = account_of(k);
    time_t t0, t1;
    char *pem;
    do {
        t0 = time(NULL);
        pem = pki_cert_pem("alice", eph, k, 1, 0, 3600);
        t1 = time(NULL);
        if (t0 != t1)
            free(pem); /* a second turned meanwhile: notBefore unknown, again */
    } while (t0 != t1);
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    unsigned char *der = NULL;
    len = i2d_X509(x, &der);
    auth_cert_t *c = auth_cert_parse(der, (size_t)len);
    CU_ASSERT_EQUAL(auth_cert_verify(c, a, t0, why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(auth_cert_verify(c, a, t0 - 1, why, sizeof(why)), -1);
    CU_ASSERT_EQUAL(auth_cert_verify(c, a, t0 + 3600, why, sizeof(why)), -1); /* notAfter */
    auth_cert_free(c);
    OPENSSL_free(der);
    X509_free(x);
    BIO_free(b);
    free(pem);
    auth_account_free(a);
    EVP_PKEY_free(k);
    EVP_PKEY_free(eph);
    EVP_PKEY_free(other);
}

/* Bytes of answers held: taken while they fit, one answer alone always,
 * refused past the bound, given back. */
static void
test_reply_budget(void)
{
    reply_budget_t b = {.rb_max = 100};
    CU_ASSERT_EQUAL(reply_budget_take(&b, 60), 1);
    CU_ASSERT_EQUAL(reply_budget_take(&b, 40), 1);
    CU_ASSERT_EQUAL(reply_budget_take(&b, 1), 0); /* full: 101 > 100 */
    CU_ASSERT_EQUAL(b.rb_held, 100);
    reply_budget_give(&b, 60);
    CU_ASSERT_EQUAL(reply_budget_take(&b, 61), 0);
    CU_ASSERT_EQUAL(reply_budget_take(&b, 60), 1);
    reply_budget_give(&b, 60);
    reply_budget_give(&b, 40);
    CU_ASSERT_EQUAL(b.rb_held, 0);
    CU_ASSERT_EQUAL(reply_budget_take(&b, 1000), 1); /* alone, larger than the bound */
    CU_ASSERT_EQUAL(reply_budget_take(&b, 1), 0);
    CU_ASSERT_EQUAL(reply_budget_room(&b), 0);
    reply_budget_resize(&b, 1000, 30); /* compressed */
    CU_ASSERT_EQUAL(reply_budget_room(&b), 1);
    CU_ASSERT_EQUAL(reply_budget_take(&b, 70), 1);
    CU_ASSERT_EQUAL(reply_budget_room(&b), 0); /* 100 of 100 */
    reply_budget_give(&b, 70);
    reply_budget_give(&b, 30);
    CU_ASSERT_EQUAL(b.rb_held, 0);
}

/* The first line of a cause is written, then one an interval with the count
 * left out; causes are apart; more causes than slots still limited. */
static void
test_ratelog(void)
{
    ratelog_t *rl = ratelog_new(10);
    unsigned long left = 99;
    CU_ASSERT_PTR_NULL(ratelog_new(-1));
    CU_ASSERT_EQUAL(ratelog_admit(rl, "authentication failed", 100.0, &left), 1);
    CU_ASSERT_EQUAL(left, 0);
    for (int i = 0; i < 1000; i++)
        CU_ASSERT_EQUAL(ratelog_admit(rl, "authentication failed", 100.0 + i * 0.009, &left), 0);
    CU_ASSERT_EQUAL(ratelog_admit(rl, "scrape failed", 105.0, &left), 1); /* another cause */
    CU_ASSERT_EQUAL(left, 0);
    CU_ASSERT_EQUAL(ratelog_admit(rl, "authentication failed", 109.9, &left), 0);
    CU_ASSERT_EQUAL(ratelog_admit(rl, "authentication failed", 110.0, &left), 1);
    CU_ASSERT_EQUAL(left, 1001);
    CU_ASSERT_EQUAL(ratelog_admit(rl, "authentication failed", 500.0, &left), 1); /* quiet since */
    CU_ASSERT_EQUAL(left, 0);
    char cause[32];
    unsigned admitted = 0;
    for (int i = 0; i < 3 * RATELOG_CAUSES; i++) { /* the shared slot limits the overflow too */
        snprintf(cause, sizeof(cause), "cause %d", i);
        admitted += (unsigned)ratelog_admit(rl, cause, 600.0, &left);
    }
    /* two slots were taken above; the causes past the last share it */
    CU_ASSERT_EQUAL(admitted, RATELOG_CAUSES - 2);
    ratelog_free(rl);
    rl = ratelog_new(0); /* 0: every line */
    CU_ASSERT_EQUAL(ratelog_admit(rl, "x", 1.0, &left), 1);
    CU_ASSERT_EQUAL(ratelog_admit(rl, "x", 1.0, &left), 1);
    ratelog_free(rl);
}

/* The access log's line: fields as accesslog.h documents them, written out
 * here by hand. */
static void
test_accesslog_line(void)
{
    char line[ACCESSLOG_LINE_MAX];
    accesslog_entry_t e = {.ale_end_ns = 1796673001123456789LL, /* 2026-12-07T19:50:01.123Z */
                           .ale_client = "127.0.0.1",
                           .ale_login = "alice",
                           .ale_method = "GET",
                           .ale_host = UUID ".cmon.test",
                           .ale_path = "/metrics",
                           .ale_status = 200,
                           .ale_request_ns = 163042,
                           .ale_agent_ns = 112999,
                           .ale_done = 1};
    size_t n = accesslog_format(&e, line, sizeof(line));
    const char *want = "2026-12-07T19:50:01.123Z 127.0.0.1 alice GET " UUID
                       ".cmon.test /metrics 200 0.000163 0.000112 done\n";
    CU_ASSERT_STRING_EQUAL(line, want);
    CU_ASSERT_EQUAL(n, strlen(want));

    /* nothing known: every field "-", a request cut */
    accesslog_entry_t none = {.ale_end_ns = 0, .ale_request_ns = 2500000000LL, .ale_agent_ns = -1};
    accesslog_format(&none, line, sizeof(line));
    CU_ASSERT_STRING_EQUAL(line, "1970-01-01T00:00:00.000Z - - - - - - 2.500000 - cut\n");

    /* what a client chose cannot make two lines or two fields */
    e.ale_path = "/a b\"c\\d\ne\x7f\xc3\xa9";
    e.ale_host = "";
    e.ale_status = 404;
    e.ale_agent_ns = -1;
    accesslog_format(&e, line, sizeof(line));
    CU_ASSERT_STRING_EQUAL(line, "2026-12-07T19:50:01.123Z 127.0.0.1 alice GET - "
                                 "/a\\x20b\\x22c\\x5cd\\x0ae\\x7f\\xc3\\xa9 404 0.000163 - done\n");
    e.ale_host = "-"; /* a Host of "-" is not "none" */
    accesslog_format(&e, line, sizeof(line));
    CU_ASSERT_PTR_NOT_NULL(strstr(line, " GET \\x2d /a\\x20b"));

    /* a long one is cut at ACCESSLOG_FIELD_MAX bytes and says so; the worst
     * case (every byte escaped, every field at its longest) fits the line */
    char long_path[1000], long_nl[1000];
    memset(long_path, 'p', sizeof(long_path) - 1);
    long_path[sizeof(long_path) - 1] = '\0';
    memset(long_nl, '\n', sizeof(long_nl) - 1);
    long_nl[sizeof(long_nl) - 1] = '\0';
    e.ale_path = long_path;
    accesslog_format(&e, line, sizeof(line));
    const char *p = strstr(line, " ppp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(strspn(p + 1, "p"), ACCESSLOG_FIELD_MAX);
    CU_ASSERT_EQUAL(strncmp(p + 1 + ACCESSLOG_FIELD_MAX, "... 404 ", 8), 0);
    accesslog_entry_t worst = {.ale_client = long_nl, .ale_login = long_nl, .ale_method = long_nl,
                               .ale_host = long_nl, .ale_path = long_nl, .ale_status = 599,
                               .ale_request_ns = INT64_MAX, .ale_agent_ns = INT64_MAX};
    n = accesslog_format(&worst, line, sizeof(line));
    CU_ASSERT(n < sizeof(line));
    CU_ASSERT(n <= PIPE_BUF); /* one write to a pipe: lines of two workers never mix */
    CU_ASSERT_EQUAL(strchr(line, '\n'), line + n - 1); /* one line, ending it */
    CU_ASSERT_EQUAL(accesslog_format(&worst, line, ACCESSLOG_LINE_MAX - 1), 0); /* too small */

    /* written in one piece, appended */
    char path[] = "/tmp/cmon-proxy-accesslog-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(accesslog_write(fd, &none), 0);
    CU_ASSERT_EQUAL(accesslog_write(fd, &none), 0);
    CU_ASSERT_EQUAL(lseek(fd, 0, SEEK_END),
                    2 * (off_t)strlen("1970-01-01T00:00:00.000Z - - - - - - 2.500000 - cut\n"));
    close(fd);
    unlink(path);
    CU_ASSERT_EQUAL(accesslog_write(-1, &none), -1); /* a bad descriptor: an error, no crash */
}


/* ---- upstream: an idle connection the agent closes ---------------------- */

typedef struct up_wait {
    int uw_done;
    upstream_answer_t uw_ans;
} up_wait_t;

static void
up_done(void *arg, upstream_answer_t *ans)
{
    up_wait_t *w = arg;
    w->uw_ans = *ans;
    ans->ua_body = (sbuf_t)SBUF_INIT; /* taken */
    w->uw_done = 1;
}

/* Is anything of the upstream's ready (its epoll descriptor readable)? */
static int
up_ready(upstream_t *u, int wait_ms)
{
    struct pollfd pf = {.fd = upstream_fd(u), .events = POLLIN};
    return poll(&pf, 1, wait_ms) == 1;
}

/* One request to url, driven as a worker does (its descriptor and its
 * deadline) for 5 s at most: the proxy's status, 0 when none came. */
static unsigned
up_request(upstream_t *u, const char *url)
{
    up_wait_t w = {0};
    upstream_call_t call = {.uc_done = up_done, .uc_arg = &w};
    snprintf(call.uc_url, sizeof(call.uc_url), "%s", url);
    if (upstream_submit(u, &call) != 0)
        return 0;
    for (int turn = 0; turn < 500 && !w.uw_done; turn++) {
        long long us = upstream_wait_us(u);
        (void)up_ready(u, us < 0 || us > 10000 ? 10 : (int)((us + 999) / 1000));
        upstream_run(u);
    }
    sbuf_release(&w.uw_ans.ua_body);
    return w.uw_done ? w.uw_ans.ua_status : 0;
}

/* upstream.c leaves a pooled connection's socket in its epoll set between
 * requests. When the agent closes such an idle connection (here after 1 s
 * without a request), the socket turns readable: it must leave the set at
 * the upstream's next turn (else every wait of the worker returns at once,
 * for ever), and the next request goes out on a new connection. */
static void
test_upstream_idle_closed(void)
{
    char err[256], url[128];
    fix_agent_t *a = fix_agent_start_closing_idle(1);
    CU_ASSERT_FATAL(a != NULL);
    upstream_opts_t o = {.uo_timeout_ms = 3000};
    upstream_t *u = upstream_new(&o, err, sizeof(err));
    CU_ASSERT_FATAL(u != NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/x/metrics", fix_agent_port(a));
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(up_request(u, url), 200);
    CU_ASSERT_FALSE(up_ready(u, 0)); /* pooled, idle: nothing to do */
    CU_ASSERT_TRUE(up_ready(u, 3000)); /* the agent closed it */
    upstream_run(u);
    CU_ASSERT_FALSE(up_ready(u, 50)); /* out of the set */
    CU_ASSERT_EQUAL(up_request(u, url), 200);
    CU_ASSERT_EQUAL(fix_agent_requests(a), 4);
    CU_ASSERT_FALSE(up_ready(u, 0));
    upstream_free(u);
    fix_agent_stop(a);
}
static CU_TestInfo tests[] = {
    {"access log line", test_accesslog_line},
    {"host rule", test_host_rule},
    {"sni against host", test_host_sni},
    {"throttle bucket", test_throttle_bucket},
    {"throttle bounded", test_throttle_bounded},
    {"error json", test_error_json},
    {"certificate cache", test_certcache},
    {"auth parsing", test_auth_parsing},
    {"auth verify", test_auth_verify},
    {"log rate limit", test_ratelog},
    {"reply budget", test_reply_budget},
    {"upstream: an idle connection the agent closes", test_upstream_idle_closed},
    CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "proxy units", tests);
}
