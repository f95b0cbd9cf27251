/*
 * test_tls.c - cmon-bench's TLS client against real TLS servers: the
 * nginx-proxy reference (nginx terminating TLS, routing <uuid>.cmon.test to
 * /v1/<uuid>/metrics of an nginx standing in for the agent), with
 * certificates made by certs.c, and a second CA that signed none of them.
 *   bench-tls-test CMON_BENCH
 * Checked: the client certificate reaches the server (nginx reports its
 * subject; a server that requires one answers 200 only with it), a server
 * certificate from another CA is refused with a message saying so, --resolve
 * decides where a name goes while Host and SNI keep the name, the load
 * generator's keep-alive and --no-keepalive connection counts, and the
 * command line: URL templates, exit codes and messages of bad combinations.
 */
#include <CUnit/CUnit.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "certs.h"
#include "cmon_spawn.h"
#include "cunit_main.h"
#include "fetch.h"
#include "load.h"
#include "nginx.h"
#include "opts.h"
#include "spawn.h"
#include "target.h"
#include "tlsid.h"

#define U1 "6a2f1c4e-0d1b-4b8e-9a3c-1f2e3d4c5b6a"
#define U2 "7b3e2d5f-1e2c-4c9f-8b4d-2a3f4e5d6c7b"
#define BODY1 "# TYPE a gauge\na 1\n"
#define BODY2 "# TYPE b gauge\nb 2\n"

static const char *bench_bin;
static char tmpdir[] = "/tmp/cmon-bench-tls-XXXXXX";
static char good_dir[300], other_dir[300];
static struct certs_files good, other;        /* good signed the proxy's certificate */
static struct nginx_ref agent, proxy, strict; /* stand-in agent, nginx-proxy, one that requires */
static struct nginx_proxy proxy_conf, strict_conf;
static char upstream[64];
static char resolve_line[64];            /* "*:PORT:127.0.0.1" for proxy */
static struct curl_slist *resolve_proxy; /* the same as a list */
static char strict_resolve[64];
static struct curl_slist *resolve_strict;

/* MANY hosts: more connections than one multi handle holds (load.c spreads them). */
#define MANY 100
static char many_url[MANY][128];
static char *many[MANY];

static void
many_uuid(char *buf, size_t n, int i)
{
    snprintf(buf, n, "00000000-0000-4000-8000-%012d", i);
}

/* The stand-in agent answers for the MANY instances too. 0 or -1. */
static int
put_many(const struct nginx_ref *ng)
{
    char rel[128], uuid[40];

    for (int i = 0; i < MANY; i++) {
        many_uuid(uuid, sizeof(uuid), i);
        snprintf(rel, sizeof(rel), "v1/%s/metrics", uuid);
        if (nginx_put(ng, rel, BODY1, 19) < 0)
            return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- set-up */

static int
start_proxy(struct nginx_ref *ng, struct nginx_proxy *conf, const char *client_ca)
{
    char err[512];

    *conf = (struct nginx_proxy){.np_upstream = upstream,
                                 .np_suffix = "cmon.test",
                                 .np_cert = good.cf_server,
                                 .np_key = good.cf_server_key,
                                 .np_max_conns = 64,
                                 .np_client_ca = client_ca};
    if (nginx_prepare(ng) < 0 ||
        nginx_start_proxy(ng, "/usr/sbin/nginx", conf, err, sizeof(err)) < 0) {
        fprintf(stderr, "nginx-proxy: %s\n", err);
        return -1;
    }
    return 0;
}

static int
suite_init(void)
{
    char err[512];

    snprintf(good_dir, sizeof(good_dir), "%s/good", tmpdir);
    snprintf(other_dir, sizeof(other_dir), "%s/other", tmpdir);
    if (mkdir(good_dir, 0700) < 0 || mkdir(other_dir, 0700) < 0 ||
        certs_make(good_dir, "cmon.test", "cmon-bench client", &good, err, sizeof(err)) < 0 ||
        certs_make(other_dir, "cmon.test", "someone else", &other, err, sizeof(err)) < 0) {
        fprintf(stderr, "certificates: %s\n", err);
        return -1;
    }
    if (nginx_prepare(&agent) < 0 || nginx_put(&agent, "v1/" U1 "/metrics", BODY1, 19) < 0 ||
        nginx_put(&agent, "v1/" U2 "/metrics", BODY2, 19) < 0 || put_many(&agent) < 0 ||
        nginx_start(&agent, "/usr/sbin/nginx", "text/plain; version=0.0.4", err, sizeof(err)) < 0) {
        fprintf(stderr, "stand-in agent: %s\n", err);
        return -1;
    }
    snprintf(upstream, sizeof(upstream), "127.0.0.1:%d", agent.nr_port);
    if (start_proxy(&proxy, &proxy_conf, NULL) < 0 ||
        start_proxy(&strict, &strict_conf, good.cf_ca) < 0)
        return -1;
    snprintf(resolve_line, sizeof(resolve_line), "*:%d:127.0.0.1", proxy.nr_port);
    snprintf(strict_resolve, sizeof(strict_resolve), "*:%d:127.0.0.1", strict.nr_port);
    resolve_proxy = curl_slist_append(NULL, resolve_line);
    resolve_strict = curl_slist_append(NULL, strict_resolve);
    return resolve_proxy && resolve_strict ? 0 : -1;
}

static int
suite_clean(void)
{
    nginx_stop(&strict);
    nginx_stop(&proxy);
    nginx_stop(&agent);
    curl_slist_free_all(resolve_proxy);
    curl_slist_free_all(resolve_strict);
    return 0;
}

/* https://<uuid>.cmon.test:PORT/metrics of the proxy ng into buf. */
static void
proxy_url(char *buf, size_t n, const struct nginx_ref *ng, const char *host)
{
    snprintf(buf, n, "https://%s:%d/metrics", host, ng->nr_port);
}

/* One GET through fetch with tls; the response in *s (release it). 0 or -1. */
static int
get(const char *url, const struct fetch_tls *tls, struct fetch_resp *s)
{
    struct fetch_req q = {.rq_url = url, .rq_timeout_s = 5, .rq_tls = tls};
    memset(s, 0, sizeof(*s));
    return fetch_once(&q, s);
}

/* ------------------------------------------------------- one request each */

/* The good CA's client, its certificate presented, names resolved by resolve. */
static struct fetch_tls
good_client(const struct curl_slist *resolve)
{
    return (struct fetch_tls){.ft_cert = good.cf_client,
                              .ft_key = good.cf_client_key,
                              .ft_cacert = good.cf_ca,
                              .ft_resolve = resolve};
}

/* many[]: the MANY instances' URLs through nginx-proxy. */
static void
many_urls_init(void)
{
    char host[64], uuid[40];

    for (int i = 0; i < MANY; i++) {
        many_uuid(uuid, sizeof(uuid), i);
        snprintf(host, sizeof(host), "%s.cmon.test", uuid);
        proxy_url(many_url[i], sizeof(many_url[i]), &proxy, host);
        many[i] = many_url[i];
    }
}

static void
test_client_cert_seen(void)
{
    struct fetch_tls tls = good_client(resolve_proxy);
    struct fetch_resp s;
    char url[200];

    proxy_url(url, sizeof(url), &proxy, U1 ".cmon.test");
    CU_ASSERT_FATAL(get(url, &tls, &s) == 0);
    CU_ASSERT(s.rs_status == 200);
    CU_ASSERT(strcmp(s.rs_body, BODY1) == 0); /* routed by name to /v1/U1/metrics */
    CU_ASSERT(strstr(s.rs_headers, "X-Cmon-Bench-Client: CN=cmon-bench client\r\n") != NULL);
    fetch_resp_release(&s);

    tls.ft_cert = tls.ft_key = NULL; /* no certificate: nginx saw none */
    CU_ASSERT_FATAL(get(url, &tls, &s) == 0);
    CU_ASSERT(s.rs_status == 200);
    CU_ASSERT(strstr(s.rs_headers, "X-Cmon-Bench-Client") == NULL); /* nginx omits it empty */
    fetch_resp_release(&s);
}

static void
test_wrong_ca(void)
{
    struct fetch_tls tls = {.ft_cacert = other.cf_ca, .ft_resolve = resolve_proxy};
    struct fetch_resp s;
    char url[200];

    proxy_url(url, sizeof(url), &proxy, U1 ".cmon.test");
    CU_ASSERT(get(url, &tls, &s) == -1);
    CU_ASSERT(s.rs_status == 0);
    CU_ASSERT(strstr(s.rs_error, url) != NULL);
    CU_ASSERT(strstr(s.rs_error, "certificate") != NULL);
    fetch_resp_release(&s);

    tls.ft_cacert = NULL; /* the system's CAs know ours no better */
    CU_ASSERT(get(url, &tls, &s) == -1);
    fetch_resp_release(&s);
    tls.ft_insecure = 1; /* unless told not to check */
    CU_ASSERT(get(url, &tls, &s) == 0 && s.rs_status == 200);
    fetch_resp_release(&s);
}

static void
test_resolve_host_and_sni(void)
{
    struct fetch_tls tls = {.ft_cacert = good.cf_ca, .ft_resolve = resolve_proxy};
    struct fetch_resp s;
    char url[200], line[100];

    proxy_url(url, sizeof(url), &proxy, U2 ".cmon.test");
    CU_ASSERT_FATAL(get(url, &tls, &s) == 0);
    CU_ASSERT(s.rs_status == 200 && strcmp(s.rs_body, BODY2) == 0); /* Host picked U2 */
    CU_ASSERT(strstr(s.rs_headers, "X-Cmon-Bench-SNI: " U2 ".cmon.test\r\n") != NULL);
    fetch_resp_release(&s);

    /* a name of one host only: the other is not resolved at all */
    snprintf(line, sizeof(line), U1 ".cmon.test:%d:127.0.0.1", proxy.nr_port);
    struct curl_slist *one = curl_slist_append(NULL, line);
    tls.ft_resolve = one;
    proxy_url(url, sizeof(url), &proxy, U1 ".cmon.test");
    CU_ASSERT(get(url, &tls, &s) == 0 && s.rs_status == 200);
    fetch_resp_release(&s);
    proxy_url(url, sizeof(url), &proxy, U2 ".cmon.test");
    CU_ASSERT(get(url, &tls, &s) == -1);
    fetch_resp_release(&s);
    curl_slist_free_all(one);

    /* a name outside the suffix reaches the default server: 404 */
    tls.ft_resolve = resolve_proxy;
    tls.ft_cacert = NULL;
    tls.ft_insecure = 1;
    proxy_url(url, sizeof(url), &proxy, "elsewhere.example.org");
    CU_ASSERT(get(url, &tls, &s) == 0 && s.rs_status == 404);
    fetch_resp_release(&s);
}

static void
test_tlsid(void)
{
    struct tlsid id;
    char err[300];

    CU_ASSERT(tlsid_load(&id, good.cf_client, good.cf_client_key, err, sizeof(err)) == 0);
    CU_ASSERT(id.ti_cert != NULL && id.ti_key != NULL);
    tlsid_release(&id);
    CU_ASSERT(tlsid_load(&id, good.cf_client, other.cf_client_key, err, sizeof(err)) == -1);
    CU_ASSERT(strstr(err, "is not the key of the certificate") != NULL);
    CU_ASSERT(id.ti_cert == NULL && id.ti_key == NULL);
    CU_ASSERT(tlsid_load(&id, "/nonexistent.pem", NULL, err, sizeof(err)) == -1);
    CU_ASSERT(strstr(err, "cannot read /nonexistent.pem") != NULL);
    CU_ASSERT(tlsid_load(&id, good.cf_client, NULL, err, sizeof(err)) == -1); /* no key in it */
    CU_ASSERT(strstr(err, "no PEM private key") != NULL);
}

/* --------------------------------------------------------- the load itself */

static char url1[200], url2[200], surl1[200], surl2[200];
static char *urls[] = {url1, url2};
static char *strict_urls[] = {surl1, surl2};

static struct load_spec
tls_spec(char **paths, const struct fetch_tls *tls, pid_t pid)
{
    struct load_spec s = {.ls_base = "",
                          .ls_paths = paths,
                          .ls_npaths = 2,
                          .ls_concurrency = 2,
                          .ls_duration_s = 0.3,
                          .ls_warmup_s = 0.05,
                          .ls_timeout_s = 5,
                          .ls_seed = 7,
                          .ls_tls = tls,
                          .ls_connections = 4,
                          .ls_open_all = 1,
                          .ls_pid = pid};
    return s;
}

static void
urls_init(void)
{
    proxy_url(url1, sizeof(url1), &proxy, U1 ".cmon.test");
    proxy_url(url2, sizeof(url2), &proxy, U2 ".cmon.test");
    proxy_url(surl1, sizeof(surl1), &strict, U1 ".cmon.test");
    proxy_url(surl2, sizeof(surl2), &strict, U2 ".cmon.test");
}

static void
test_load_keepalive(void)
{
    struct fetch_tls tls = good_client(resolve_proxy);
    struct load_spec s = tls_spec(urls, &tls, proxy.nr_pid);
    struct result_figures f;

    urls_init();
    CU_ASSERT_FATAL(result_figures_init(&f) == 0);
    CU_ASSERT(load_run(&s, &f) == 0);
    CU_ASSERT(f.rf_requests > 20 && f.rf_ok == f.rf_requests);
    /* the connections were opened before the warm-up, at most one per host and request in flight */
    CU_ASSERT(f.rf_connects <= 4);
    CU_ASSERT(f.rf_bytes == f.rf_ok * 19);
    result_figures_release(&f);
}

static void
test_load_no_keepalive(void)
{
    struct fetch_tls tls = {.ft_cacert = good.cf_ca, .ft_resolve = resolve_proxy};
    struct load_spec s = tls_spec(urls, &tls, proxy.nr_pid);
    struct result_figures f;

    urls_init();
    s.ls_no_keepalive = 1;
    CU_ASSERT_FATAL(result_figures_init(&f) == 0);
    CU_ASSERT(load_run(&s, &f) == 0);
    CU_ASSERT(f.rf_requests > 0 && f.rf_ok == f.rf_requests);
    CU_ASSERT(f.rf_connects == f.rf_requests); /* a handshake for every request */
    result_figures_release(&f);
}

static void
test_load_cert_required(void)
{
    struct fetch_tls tls = {.ft_cert = good.cf_client,
                            .ft_key = good.cf_client_key,
                            .ft_cacert = good.cf_ca,
                            .ft_resolve = resolve_strict};
    struct load_spec s = tls_spec(strict_urls, &tls, strict.nr_pid);
    struct result_figures f;

    urls_init();
    CU_ASSERT_FATAL(result_figures_init(&f) == 0);
    CU_ASSERT(load_run(&s, &f) == 0);
    CU_ASSERT(f.rf_requests > 0 && f.rf_ok == f.rf_requests); /* the load presents it */
    result_figures_release(&f);

    tls.ft_cert = tls.ft_key = NULL;
    CU_ASSERT_FATAL(result_figures_init(&f) == 0);
    CU_ASSERT(load_run(&s, &f) == 0);
    CU_ASSERT(f.rf_ok == 0 && f.rf_requests > 0 && f.rf_err.re_status[400] == f.rf_requests);
    result_figures_release(&f);

    tls.ft_cert = other.cf_client; /* a key that is not the certificate's: said before sending */
    tls.ft_key = good.cf_client_key;
    CU_ASSERT_FATAL(result_figures_init(&f) == 0);
    CU_ASSERT(load_run(&s, &f) == -1);
    CU_ASSERT(f.rf_requests == 0 && strstr(f.rf_error, "client certificate:") != NULL);
    result_figures_release(&f);
}

static void
test_load_many_hosts(void)
{
    struct fetch_tls tls = good_client(resolve_proxy);
    struct load_spec s = tls_spec(many, &tls, proxy.nr_pid);
    struct result_figures f;

    many_urls_init();
    s.ls_npaths = MANY;
    s.ls_concurrency = 4;
    s.ls_connections = MANY * 4; /* two multi handles */
    CU_ASSERT_FATAL(result_figures_init(&f) == 0);
    CU_ASSERT(load_run(&s, &f) == 0);
    CU_ASSERT(f.rf_requests > 50 && f.rf_ok == f.rf_requests); /* every name resolved, routed */
    CU_ASSERT(f.rf_connects < f.rf_requests / 4); /* the connections opened first are reused */
    result_figures_release(&f);

    s.ls_no_keepalive = 1;
    CU_ASSERT_FATAL(result_figures_init(&f) == 0);
    CU_ASSERT(load_run(&s, &f) == 0);
    CU_ASSERT(f.rf_requests > 0 && f.rf_ok == f.rf_requests && f.rf_connects == f.rf_requests);
    result_figures_release(&f);
}


/*
 * The client's established connections to port (read from /proc/net/tcp):
 * their local ports, sorted, into ports (at most n). Returns how many.
 */
static size_t
connections_to(int port, unsigned *ports, size_t n)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    char line[512];
    size_t k = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned lport, rport, st;
        if (sscanf(line, " %*d: %*8x:%x %*8x:%x %x", &lport, &rport, &st) == 3 &&
            (int)rport == port && st == 1 /* TCP_ESTABLISHED */ && k < n)
            ports[k++] = lport;
    }
    fclose(f);
    for (size_t i = 1; i < k; i++) /* insertion sort: a few hundred at most */
        for (size_t j = i; j > 0 && ports[j - 1] > ports[j]; j--) {
            unsigned t = ports[j];
            ports[j] = ports[j - 1];
            ports[j - 1] = t;
        }
    return k;
}

static void
test_load_session_keeps_connections(void)
{
    struct fetch_tls tls = good_client(resolve_proxy);
    struct load_spec s = tls_spec(many, &tls, proxy.nr_pid);
    struct result_figures f;
    static unsigned before[2 * MANY], after[2 * MANY];

    many_urls_init();
    s.ls_npaths = MANY;
    s.ls_concurrency = 1; /* one request at a time: one connection a host, opened first */
    s.ls_connections = MANY;
    CU_ASSERT_FATAL(result_figures_init(&f) == 0);
    struct load_session *ls = load_session_open(&s, &f);
    CU_ASSERT_FATAL(ls != NULL);
    CU_ASSERT(load_session_round(ls, &f) == 0);
    CU_ASSERT(f.rf_ok > 20 && f.rf_ok == f.rf_requests && f.rf_connects == 0);
    size_t n1 = connections_to(proxy.nr_port, before, 2 * MANY);
    CU_ASSERT(n1 == MANY); /* every host's connection open after the round */
    result_figures_release(&f);

    s.ls_seed = 8; /* another round, other draws, no warm-up: the same connections */
    s.ls_warmup_s = 0;
    CU_ASSERT_FATAL(result_figures_init(&f) == 0);
    CU_ASSERT(load_session_round(ls, &f) == 0);
    CU_ASSERT(f.rf_ok > 20 && f.rf_ok == f.rf_requests && f.rf_connects == 0);
    size_t n2 = connections_to(proxy.nr_port, after, 2 * MANY);
    CU_ASSERT(n2 == n1 && memcmp(before, after, n1 * sizeof(before[0])) == 0);
    result_figures_release(&f);

    load_session_close(ls);
    CU_ASSERT(connections_to(proxy.nr_port, after, 2 * MANY) == 0); /* all closed */
}
static void
test_retemplate(void)
{
    struct target_list src = {0}, dst = {0};

    CU_ASSERT_FATAL(target_parse_file(U1 "\n" U2 "\n", &src) == 2);
    CU_ASSERT(target_list_retemplate(&src, "https://{uuid}.cmon.test:1/metrics?u={uuid}", &dst) ==
              2);
    CU_ASSERT(dst.tl_n == 2 &&
              strcmp(dst.tl_path[1], "https://" U2 ".cmon.test:1/metrics?u=" U2) == 0);
    target_list_release(&dst);
    struct target_list t = {.tl_template = "https://{uuid}.x.test/metrics"};
    CU_ASSERT(target_parse_file(U1 "\n", &t) == 1);
    CU_ASSERT(t.tl_n == 1 && strcmp(t.tl_path[0], "https://" U1 ".x.test/metrics") == 0);
    target_list_release(&t);
    target_list_release(&src);
}

static void
test_opts_parse(void)
{
    char *argv[] = {"cmon-bench",
                    "--url-template",
                    "https://{uuid}.cmon.test:8443/metrics",
                    "--uuids",
                    "/u",
                    "--resolve",
                    "*:8443:127.0.0.1",
                    "--resolve",
                    "a.test:1:::1",
                    "--cacert",
                    "ca.pem",
                    "--cert",
                    "c.pem",
                    "--no-keepalive",
                    NULL};
    struct opts o;
    char err[256];

    CU_ASSERT_FATAL(opts_parse(14, argv, &o, err, sizeof(err)) == 0);
    CU_ASSERT(o.op_url == o.op_url_template); /* a running server */
    CU_ASSERT(strcmp(o.op_zones_file, "/u") == 0 && o.op_nresolve == 2);
    CU_ASSERT(o.op_resolve[2] == NULL && strcmp(o.op_resolve[1], "a.test:1:::1") == 0);
    CU_ASSERT(o.op_no_keepalive && o.op_cert && !o.op_key && o.op_cacert && !o.op_insecure);
    char *proxy[] = {"cmon-bench", "--reference",        "nginx-proxy",
                     "--url",      "http://127.0.0.1:9", NULL};
    CU_ASSERT_FATAL(opts_parse(5, proxy, &o, err, sizeof(err)) == 0);
    CU_ASSERT(o.op_reference == OPTS_REF_NGINX_PROXY);
    CU_ASSERT(strcmp(opts_reference_name(o.op_reference), "nginx-proxy") == 0);
    char *https[] = {"cmon-bench", "--url", "https://a.test:1", "--insecure", NULL};
    CU_ASSERT(opts_parse(4, https, &o, err, sizeof(err)) == 0 && o.op_insecure);
    char *proxy_https[] = {"cmon-bench", "--reference", "nginx-proxy",
                           "--url",      "https://a:1", NULL};
    CU_ASSERT(opts_parse(5, proxy_https, &o, err, sizeof(err)) == -1);
    CU_ASSERT(strstr(err, "nginx-proxy goes in front of an agent") != NULL);
}

/* ------------------------------------------------------------ the program */

/* Run cmon-bench with args; stdout and stderr into out and err of tmpdir. Exit code or -1. */
static int
run_bench(const char *first, ...)
{
    const char *argv[48] = {bench_bin};
    int n = 1, status;
    va_list ap;
    char out[300], err[300];

    va_start(ap, first);
    for (const char *a = first; a != NULL && n < 47; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    snprintf(out, sizeof(out), "%s/bench.out", tmpdir);
    snprintf(err, sizeof(err), "%s/bench.err", tmpdir);
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_FILE, .sio_path = out},
                      .so_stderr = {.sio_kind = SPAWN_IO_FILE, .sio_path = err}};
    unlink(out);
    unlink(err);
    if (spawn_run((char *const *)argv, &o, 120000, NULL, NULL, &status) != 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* 1 when the last run's stderr holds text. */
static int
stderr_has(const char *text)
{
    char path[300], buf[4096] = "";
    snprintf(path, sizeof(path), "%s/bench.err", tmpdir);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
        fclose(f);
    }
    return strstr(buf, text) != NULL;
}

static void
test_bad_combinations(void)
{
    static const char *tmpl = "https://{uuid}.cmon.test:1/metrics";

    CU_ASSERT(run_bench("--url", "http://127.0.0.1:1", "--cert", good.cf_client, NULL) == 2);
    CU_ASSERT(stderr_has("need an https:// --url or --url-template"));
    CU_ASSERT(stderr_has("Try 'cmon-bench --help'."));
    CU_ASSERT(run_bench("--url", "https://a.test:1", "--key", good.cf_client_key, NULL) == 2);
    CU_ASSERT(stderr_has("--key needs --cert"));
    CU_ASSERT(run_bench("--url", "https://a.test:1", "--cacert", good.cf_ca, "--insecure", NULL) ==
              2);
    CU_ASSERT(stderr_has("--cacert and --insecure"));
    CU_ASSERT(run_bench("--url", "https://a.test:1", "--resolve", "a.test:1", NULL) == 2);
    CU_ASSERT(stderr_has("--resolve: expected HOST:PORT:ADDR"));
    CU_ASSERT(run_bench("--url", "https://a.test:1", "--resolve", "a.test:99999:1.2.3.4", NULL) ==
              2);
    CU_ASSERT(run_bench("--resolve", "a.test:1:127.0.0.1", NULL) == 2);
    CU_ASSERT(run_bench("--url-template", "https://x.cmon.test/metrics", NULL) == 2);
    CU_ASSERT(stderr_has("no {uuid}"));
    CU_ASSERT(run_bench("--url-template", tmpl, NULL) == 2);
    CU_ASSERT(stderr_has("--uuids FILE or --world PATH"));
    CU_ASSERT(run_bench("--url-template", tmpl, "--url", "http://127.0.0.1:1", "--uuids", "/x",
                        NULL) == 2);
    CU_ASSERT(run_bench("--url-template", tmpl, "--uuids", "/nonexistent", NULL) == 2);
    CU_ASSERT(stderr_has("cannot read /nonexistent"));
    CU_ASSERT(run_bench("--url", "https://a.test:1", "--cert", "/nonexistent.pem", NULL) == 2);
    CU_ASSERT(stderr_has("--cert: cannot read /nonexistent.pem"));
    CU_ASSERT(run_bench("--reference", "nginx-proxy", "--url-template", tmpl, "--uuids", "/x",
                        NULL) == 2);
    CU_ASSERT(run_bench("--reference", "nginx-proxy", "--gz", NULL) == 2);
    CU_ASSERT(run_bench("--reference", "apache", NULL) == 2);
}

/* A uuids file for the two instances; its path into buf. */
static void
uuids_file(char *buf, size_t n)
{
    snprintf(buf, n, "%s/uuids", tmpdir);
    FILE *f = fopen(buf, "w");
    if (f != NULL) {
        fputs(U1 "\n" U2 "\n", f);
        fclose(f);
    }
}

static void
test_program_through_proxy(void)
{
    char tmpl[128], uuids[300], json[300], res[64];
    json_error_t je;

    uuids_file(uuids, sizeof(uuids));
    snprintf(tmpl, sizeof(tmpl), "https://{uuid}.cmon.test:%d/metrics", strict.nr_port);
    snprintf(res, sizeof(res), "*:%d:127.0.0.1", strict.nr_port);
    snprintf(json, sizeof(json), "%s/through.json", tmpdir);
    CU_ASSERT_FATAL(run_bench("--url-template", tmpl, "--uuids", uuids, "--resolve", res,
                              "--cacert", good.cf_ca, "--cert", good.cf_client, "--key",
                              good.cf_client_key, "--duration", "0.3", "--warmup", "0.1", "--json",
                              json, "--quiet", NULL) == 0);
    json_t *doc = json_load_file(json, 0, &je);
    CU_ASSERT_FATAL(doc != NULL);
    json_int_t req = json_integer_value(json_object_get(doc, "requests"));
    CU_ASSERT(req > 0 && json_integer_value(json_object_get(doc, "ok")) == req);
    CU_ASSERT(json_integer_value(json_object_get(doc, "instances")) == 2);
    CU_ASSERT(json_integer_value(json_object_get(doc, "primed")) == 2);
    CU_ASSERT(json_integer_value(json_object_get(doc, "connections")) <= 8);
    json_decref(doc);

    CU_ASSERT(run_bench("--url-template", tmpl, "--uuids", uuids, "--resolve", res, "--cacert",
                        good.cf_ca, "--duration", "0.3", "--warmup", "0", "--no-keepalive",
                        "--json", json, "--quiet", NULL) == 3); /* 400 without a certificate */
    CU_ASSERT(stderr_has("answered 400"));
}

static void
test_program_wrong_ca(void)
{
    char tmpl[128], uuids[300], json[300], res[64];
    json_error_t je;

    uuids_file(uuids, sizeof(uuids));
    snprintf(tmpl, sizeof(tmpl), "https://{uuid}.cmon.test:%d/metrics", proxy.nr_port);
    snprintf(res, sizeof(res), "*:%d:127.0.0.1", proxy.nr_port);
    snprintf(json, sizeof(json), "%s/wrongca.json", tmpdir);
    CU_ASSERT(run_bench("--url-template", tmpl, "--uuids", uuids, "--resolve", res, "--cacert",
                        other.cf_ca, "--duration", "0.3", "--json", json, "--quiet", NULL) == 3);
    CU_ASSERT(stderr_has("SSL certificate problem"));
    json_t *doc = json_load_file(json, 0, &je);
    CU_ASSERT(doc != NULL && json_is_false(json_object_get(doc, "complete")));
    json_decref(doc);

    CU_ASSERT(run_bench("--url-template", tmpl, "--uuids", uuids, "--resolve", res, "--insecure",
                        "--no-keepalive", "--duration", "0.3", "--warmup", "0", "--json", json,
                        "--quiet", NULL) == 0);
    doc = json_load_file(json, 0, &je);
    CU_ASSERT_FATAL(doc != NULL);
    json_int_t req = json_integer_value(json_object_get(doc, "requests"));
    CU_ASSERT(req > 0 && json_integer_value(json_object_get(doc, "connections")) == req);
    json_decref(doc);
}

/*
 * --versus-template: a second server of the same instances taking turns with
 * the first. The versus URLs here name a path nginx-proxy answers 404: every
 * request of the reference's rounds went to them, and none of the first's.
 */
static void
test_program_versus(void)
{
    char tmpl[128], vtmpl[128], uuids[300], json[300], res[64], vres[64], pid[16];
    json_error_t je;

    uuids_file(uuids, sizeof(uuids));
    snprintf(tmpl, sizeof(tmpl), "https://{uuid}.cmon.test:%d/metrics", strict.nr_port);
    snprintf(res, sizeof(res), "*:%d:127.0.0.1", strict.nr_port);
    snprintf(vtmpl, sizeof(vtmpl), "https://{uuid}.cmon.test:%d/none/{uuid}", proxy.nr_port);
    snprintf(vres, sizeof(vres), "*:%d:127.0.0.1", proxy.nr_port);
    snprintf(pid, sizeof(pid), "%d", (int)proxy.nr_pid);
    snprintf(json, sizeof(json), "%s/versus.json", tmpdir);
    CU_ASSERT_FATAL(run_bench("--url-template", tmpl, "--versus-template", vtmpl, "--versus-pid",
                              pid, "--uuids", uuids, "--resolve", res, "--resolve", vres,
                              "--cacert", good.cf_ca, "--cert", good.cf_client, "--key",
                              good.cf_client_key, "--duration", "0.4", "--warmup", "0.1",
                              "--rounds", "2", "--json", json, "--quiet", NULL) == 0);
    json_t *doc = json_load_file(json, 0, &je);
    CU_ASSERT_FATAL(doc != NULL);
    json_t *ref = json_object_get(doc, "reference");
    json_int_t req = json_integer_value(json_object_get(doc, "requests"));
    json_int_t rreq = json_integer_value(json_object_get(ref, "requests"));
    CU_ASSERT(req > 0 && json_integer_value(json_object_get(doc, "ok")) == req);
    CU_ASSERT(strcmp(json_string_value(json_object_get(ref, "server")), "versus") == 0);
    CU_ASSERT(rreq > 0 && json_integer_value(json_object_get(ref, "ok")) == 0);
    CU_ASSERT(json_integer_value(json_object_get(json_object_get(
                  json_object_get(ref, "errors"), "http"), "404")) == rreq);
    /* --versus-pid watches the reference's server; the first has no --pid */
    CU_ASSERT(json_is_null(json_object_get(doc, "agent_cpu_s_per_1000")));
    CU_ASSERT(json_is_number(json_object_get(ref, "agent_peak_rss_kb")));
    json_t *rounds = json_object_get(doc, "by_round");
    CU_ASSERT_FATAL(json_array_size(rounds) == 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *r = json_array_get(rounds, i);
        CU_ASSERT(json_real_value(json_object_get(r, "scrapes_per_s")) > 0);
        CU_ASSERT(json_is_object(json_object_get(r, "reference")));
    }
    json_decref(doc);

    CU_ASSERT(run_bench("--versus-template", vtmpl, NULL) == 2);
    CU_ASSERT(stderr_has("takes turns with a --url-template"));
    CU_ASSERT(run_bench("--url-template", tmpl, "--uuids", uuids, "--versus-template",
                        "https://x.cmon.test/metrics", NULL) == 2);
    CU_ASSERT(stderr_has("--versus-template: no {uuid}"));
    CU_ASSERT(run_bench("--url-template", tmpl, "--uuids", uuids, "--versus-template", vtmpl,
                        "--reference", "nginx", NULL) == 2);
    CU_ASSERT(stderr_has("not with --reference"));
    CU_ASSERT(run_bench("--url-template", tmpl, "--uuids", uuids, "--versus-pid", pid, NULL) == 2);
    CU_ASSERT(stderr_has("--versus-pid names the --versus-template server"));
}

static const CU_TestInfo tls_tests[] = {
    {"client certificate seen by the server", test_client_cert_seen},
    {"server certificate of another CA refused", test_wrong_ca},
    {"--resolve: where a name goes; Host and SNI keep it", test_resolve_host_and_sni},
    {"client identity read once, checked", test_tlsid},
    {"load: keep-alive over one connection per host", test_load_keepalive},
    {"load: --no-keepalive, a handshake per request", test_load_no_keepalive},
    {"load: a server requiring a certificate", test_load_cert_required},
    {"load: many hosts, one connection each", test_load_many_hosts},
    {"load: a session keeps its connections between rounds", test_load_session_keeps_connections},
    {"URL templates", test_retemplate},
    {"flags: templates, TLS, --resolve, nginx-proxy", test_opts_parse},
    {"cmon-bench: bad combinations exit 2", test_bad_combinations},
    {"cmon-bench --url-template through a proxy", test_program_through_proxy},
    {"cmon-bench: wrong CA exits 3, --insecure runs", test_program_wrong_ca},
    {"cmon-bench --versus-template: turns with a second server", test_program_versus},
    CU_TEST_INFO_NULL};

static void
rm_tmpdir(void)
{
    char *argv[] = {"rm", "-rf", tmpdir, NULL};
    char *out = NULL;
    spawn_capture(argv, 30, &out);
    free(out);
}

int
main(int argc, char **argv)
{
    const cunit_suite_t suites[] = {{"TLS client", suite_init, suite_clean, tls_tests},
                                    {NULL, NULL, NULL, NULL}};

    if (argc != 2) {
        fprintf(stderr, "usage: bench-tls-test CMON_BENCH\n");
        return 2;
    }
    bench_bin = argv[1];
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cunit_run(suites, NULL);
    curl_global_cleanup();
    rm_tmpdir();
    return rc;
}
