/*
 * cmon-bench - scrape-latency benchmark of cmon-agent, with the nginx
 * reference in the same run. main() routes: parse flags, run the series,
 * write the table, JSON, plot, and compare with the baseline.
 */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "agent.h"
#include "certs.h"
#include "fetch.h"
#include "baseline.h"
#include "cmon_version.h"
#include "http.h"
#include "load.h"
#include "nginx.h"
#include "opts.h"
#include "plot.h"
#include "progress.h"
#include "report.h"

enum { EXIT_OK = 0, EXIT_REGRESSION = 1, EXIT_USAGE = 2, EXIT_RUN = 3 };

/* Set by SIGINT/SIGTERM: the load loop stops and the figures so far are written. */
static volatile sig_atomic_t bench_stop;

static void
bench_on_signal(int sig)
{
    (void)sig;
    bench_stop = 1;
}

/* The options of point i of the series (the swept value applied). */
static struct opts
bench_point(const struct opts *o, int i)
{
    struct opts p = *o;

    if (o->op_sweep_key == OPTS_SWEEP_ZONES)
        p.op_zones = (long)o->op_sweep[i];
    else if (o->op_sweep_key == OPTS_SWEEP_CONCURRENCY)
        p.op_concurrency = (int)o->op_sweep[i];
    else if (o->op_sweep_key == OPTS_SWEEP_RATE)
        p.op_rate = o->op_sweep[i];
    return p;
}

/* What the progress lines call point p of the series o: "zones=1000", "rate=2000", a URL. */
static void
bench_label(const struct opts *o, const struct opts *p, char *buf, size_t n)
{
    switch (o->op_sweep_key) {
    case OPTS_SWEEP_CONCURRENCY:
        snprintf(buf, n, "concurrency=%d", p->op_concurrency);
        break;
    case OPTS_SWEEP_RATE:
        snprintf(buf, n, "rate=%g", p->op_rate);
        break;
    default:
        if (p->op_url != NULL)
            snprintf(buf, n, "%.60s", p->op_url);
        else
            snprintf(buf, n, "zones=%ld", p->op_zones);
    }
}

static void
bench_run_init(struct result_run *run, const struct opts *p)
{
    memset(run, 0, sizeof(*run));
    run->rr_zones = p->op_url ? -1 : p->op_zones;
    run->rr_concurrency = p->op_concurrency;
    run->rr_rate = p->op_rate;
    run->rr_duration_s = p->op_duration_s;
    run->rr_warmup_s = p->op_warmup_s;
    run->rr_rounds = p->op_rounds;
    run->rr_gz = p->op_gz;
    run->rr_gzip = p->op_gzip;
    if (getloadavg(&run->rr_loadavg, 1) != 1)
        run->rr_loadavg = -1;
    run->rr_openmetrics = p->op_openmetrics;
}

static struct load_spec
bench_spec(const struct opts *p, const char *base, char *const *paths, size_t n, pid_t pid)
{
    struct load_spec s = {
        .ls_base = base,
        .ls_paths = paths,
        .ls_npaths = n,
        .ls_concurrency = p->op_concurrency,
        .ls_rate = p->op_rate,
        .ls_duration_s = p->op_duration_s,
        .ls_warmup_s = p->op_warmup_s,
        .ls_timeout_s = p->op_timeout_s,
        .ls_seed = p->op_seed,
        .ls_pid = pid,
        .ls_stop = &bench_stop,
    };
    return s;
}

/* The request headers --gzip and --openmetrics ask for (NULL when none). */
static struct curl_slist *
bench_headers(const struct opts *p)
{
    struct curl_slist *h = NULL;

    if (p->op_gzip)
        h = curl_slist_append(h, "Accept-Encoding: gzip");
    if (p->op_openmetrics)
        h = curl_slist_append(h, "Accept: application/openmetrics-text; version=1.0.0");
    return h;
}

/* One scrape of a typical instance, checked: 200 with a body. */
static int
bench_sample(const struct opts *p, const struct curl_slist *hdr, const struct fetch_tls *tls,
             const char *base, const char *path, struct http_reply *r, char *err, size_t errlen)
{
    char url[1024];

    snprintf(url, sizeof(url), "%s%s", base, path);
    if (http_get_with(url, p->op_timeout_s, hdr, tls, r, err, errlen) < 0)
        return -1;
    if (r->hr_status != 200 || r->hr_body == NULL) {
        snprintf(err, errlen, "GET %.200s answered %ld, not 200 with metrics", url, r->hr_status);
        free(r->hr_body);
        r->hr_body = NULL;
        return -1;
    }
    return 0;
}

/*
 * Sample scrapes: up to BENCH_SAMPLES instances drawn with the seed. nginx
 * serves exactly these bodies as /s/0 .. /s/N-1, drawn at random by the same
 * client, so it moves the same mix of sizes as the agent.
 */
#define BENCH_SAMPLES 32
struct bench_samples {
    struct http_reply bs_reply[BENCH_SAMPLES];
    size_t bs_n;
    char bs_pathbuf[BENCH_SAMPLES][16];
    char *bs_path[BENCH_SAMPLES]; /* "/s/<i>" */
};

static void
bench_samples_free(struct bench_samples *bs)
{
    for (size_t i = 0; i < bs->bs_n; i++)
        free(bs->bs_reply[i].hr_body);
    bs->bs_n = 0;
}

/*
 * Take the samples. Every one must answer 200 (this is also the check that
 * the agent is reachable). Returns 0, or -1 with err (samples freed).
 */
static int
bench_samples_take(const struct opts *p, const struct curl_slist *hdr, const struct fetch_tls *tls,
                   const char *base, char *const *paths, size_t n, struct bench_samples *bs,
                   char *err, size_t errlen)
{
    uint64_t state = p->op_seed ^ 0x5eedull;
    size_t k = n < BENCH_SAMPLES ? n : BENCH_SAMPLES;

    memset(bs, 0, sizeof(*bs));
    while (bs->bs_n < k) {
        const char *path = paths[load_rand_next(&state) % n];
        if (bench_sample(p, hdr, tls, base, path, &bs->bs_reply[bs->bs_n], err, errlen) < 0) {
            bench_samples_free(bs);
            return -1;
        }
        snprintf(bs->bs_pathbuf[bs->bs_n], sizeof(bs->bs_pathbuf[0]), "/s/%zu", bs->bs_n);
        bs->bs_path[bs->bs_n] = bs->bs_pathbuf[bs->bs_n];
        bs->bs_n++;
    }
    return 0;
}

/*
 * The priming pass: every instance once, so that the agent's per-instance
 * caches (zfs answers, 300 s) hold what a running agent's hold; without it
 * a short run at 10,000 instances measures the agent filling them. 0 or -1.
 */
static int
bench_prime(const char *base, char *const *paths, size_t n, const struct curl_slist *hdr,
            const struct fetch_tls *tls, double timeout_s, struct result_run *run, char *err,
            size_t errlen)
{
    size_t not_ok;
    if (http_prime(base, paths, n, hdr, tls, timeout_s, &not_ok, err, errlen) < 0)
        return -1;
    run->rr_primed = (long)(n - not_ok);
    return 0;
}

/* Start the nginx reference serving the very bytes of the sample scrapes. */
static int
bench_reference_up(const struct opts *p, const struct bench_samples *bs, struct result_run *run,
                   struct nginx_ref *ng, char *err, size_t errlen)
{
    const struct http_reply *first = &bs->bs_reply[0];
    const char *type = first->hr_type[0] ? first->hr_type : "text/plain; version=0.0.4";
    char rel[32];

    run->rr_has_ref = 1;
    snprintf(run->rr_ref_name, sizeof(run->rr_ref_name), "nginx");
    if (nginx_prepare(ng) < 0)
        goto fail;
    for (size_t i = 0; i < bs->bs_n; i++) {
        const struct http_reply *r = &bs->bs_reply[i];
        snprintf(rel, sizeof(rel), "s/%zu", i);
        if (nginx_put(ng, rel, r->hr_body, r->hr_len) < 0)
            goto fail;
        strcat(rel, ".gz"); /* a compressed answer is served by gzip_static */
        if (strcmp(r->hr_encoding, "gzip") == 0 && nginx_put(ng, rel, r->hr_body, r->hr_len) < 0)
            goto fail;
    }
    return nginx_start(ng, p->op_nginx, type, err, errlen);
fail:
    snprintf(err, errlen, "cannot prepare nginx files: %s", strerror(errno));
    return -1;
}

/*
 * One round against one server, merged into dst, its own figures in *brief.
 * The server's load session (*ls) is opened at its first round and kept, with
 * its connections, until bench_down: rounds taking turns do not open every
 * connection again. 0 or -1 with err.
 */
static int
bench_round(const struct load_spec *s, struct load_session **ls, struct result_figures *dst,
            const char *who, struct result_round *brief, char *err, size_t errlen)
{
    struct result_figures f;

    if (result_figures_init(&f) < 0) {
        snprintf(err, errlen, "cannot allocate a histogram");
        return -1;
    }
    if (*ls == NULL && (*ls = load_session_open(s, &f)) == NULL) {
        snprintf(err, errlen, "%s: %s", who, f.rf_error);
        result_figures_release(&f);
        return -1;
    }
    int rc = load_session_round(*ls, &f);
    brief->rd_scrapes_per_s = result_scrapes_per_s(&f);
    brief->rd_p99_ms = f.rf_ok ? report_ms(&f, 0.99) : -1;
    brief->rd_cpu_s_per_1000 = report_cpu_per_1000(&f);
    result_figures_merge(dst, &f);
    result_figures_release(&f);
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", who, dst->rf_error);
    return rc;
}

/*
 * How the client reaches one server: TLS files and --resolve lines (the
 * list built here, the strings the caller's).
 */
struct bench_client {
    struct fetch_tls bc_tls;
    struct curl_slist *bc_resolve;
};

/* Fill c from the options (the server under test). 0, or -1 with err (out of memory). */
static int
bench_client_of(const struct opts *p, struct bench_client *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    c->bc_tls.ft_cert = p->op_cert;
    c->bc_tls.ft_key = p->op_key;
    c->bc_tls.ft_cacert = p->op_cacert;
    c->bc_tls.ft_insecure = p->op_insecure;
    for (int i = 0; i < p->op_nresolve; i++) {
        struct curl_slist *l = curl_slist_append(c->bc_resolve, p->op_resolve[i]);
        if (l == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        c->bc_resolve = l;
    }
    c->bc_tls.ft_resolve = c->bc_resolve;
    return 0;
}

static void
bench_client_release(struct bench_client *c)
{
    curl_slist_free_all(c->bc_resolve);
    memset(c, 0, sizeof(*c));
}

/* The DNS suffix of the instances' names behind nginx-proxy (the proxy's default). */
#define BENCH_PROXY_SUFFIX "cmon.test"

/*
 * The nginx-proxy reference: certificates of our own (a CA, the server's
 * for *.cmon.test, a client's), nginx terminating TLS in front of the agent,
 * and the request URLs https://<uuid>.cmon.test:PORT/metrics, every name
 * resolved to 127.0.0.1 by the client as curl --resolve does.
 */
struct bench_proxy {
    struct certs_files bp_certs;
    struct nginx_proxy bp_conf;
    char bp_upstream[128];         /* the agent, HOST:PORT */
    struct bench_client bp_client; /* the client certificate, our CA, the resolve line */
    struct target_list bp_targets; /* whole URLs, one per instance */
};

static long bench_connections(const char *base, size_t npaths, int concurrency, int shares);

/* HOST:PORT of an http://HOST:PORT[/...] base into buf. 0, or -1 when base is not http://. */
static int
bench_host_port(const char *base, char *buf, size_t n)
{
    if (strncmp(base, "http://", 7) != 0)
        return -1;
    snprintf(buf, n, "%s", base + 7);
    buf[strcspn(buf, "/")] = '\0';
    return buf[0] ? 0 : -1;
}

/* The URLs and the client of a started nginx-proxy. 0 or -1 with err. */
static int
bench_proxy_client(struct bench_proxy *bp, int port, const struct target_list *paths, char *err,
                   size_t errlen)
{
    char tmpl[128], resolve[64];

    snprintf(tmpl, sizeof(tmpl), "https://{uuid}.%s:%d/metrics", BENCH_PROXY_SUFFIX, port);
    snprintf(resolve, sizeof(resolve), "*:%d:127.0.0.1", port);
    bp->bp_client.bc_resolve = curl_slist_append(NULL, resolve);
    bp->bp_client.bc_tls = (struct fetch_tls){.ft_cert = bp->bp_certs.cf_client,
                                              .ft_key = bp->bp_certs.cf_client_key,
                                              .ft_cacert = bp->bp_certs.cf_ca,
                                              .ft_resolve = bp->bp_client.bc_resolve};
    int added = target_list_retemplate(paths, tmpl, &bp->bp_targets);
    bp->bp_targets.tl_template = NULL; /* tmpl dies here */
    if (bp->bp_client.bc_resolve == NULL || added < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (added == 0) {
        snprintf(err, errlen, "nginx-proxy: no instance path of the form /v1/<uuid>/metrics");
        return -1;
    }
    return 0;
}

/* Start nginx-proxy in front of the agent at base, for the instances paths. 0 or -1 with err. */
static int
bench_proxy_up(const struct opts *p, const char *base, const struct target_list *paths,
               struct result_run *run, struct bench_proxy *bp, struct nginx_ref *ng, char *err,
               size_t errlen)
{
    run->rr_has_ref = 1;
    snprintf(run->rr_ref_name, sizeof(run->rr_ref_name), "%s", "nginx-proxy");
    if (bench_host_port(base, bp->bp_upstream, sizeof(bp->bp_upstream)) < 0) {
        snprintf(err, errlen, "nginx-proxy needs an http:// agent, not %s", base);
        return -1;
    }
    if (nginx_prepare(ng) < 0) {
        snprintf(err, errlen, "cannot make a folder for nginx: %s", strerror(errno));
        return -1;
    }
    if (certs_make(ng->nr_dir, BENCH_PROXY_SUFFIX, "cmon-bench client", &bp->bp_certs, err,
                   errlen) < 0)
        return -1;
    bp->bp_conf = (struct nginx_proxy){
        .np_upstream = bp->bp_upstream,
        .np_suffix = BENCH_PROXY_SUFFIX,
        .np_cert = bp->bp_certs.cf_server,
        .np_key = bp->bp_certs.cf_server_key,
        .np_max_conns = bench_connections("", paths->tl_n, p->op_concurrency, 1)};
    if (nginx_start_proxy(ng, p->op_nginx, &bp->bp_conf, err, errlen) < 0)
        return -1;
    return bench_proxy_client(bp, ng->nr_port, paths, err, errlen);
}

static void
bench_proxy_down(struct bench_proxy *bp)
{
    bench_client_release(&bp->bp_client);
    target_list_release(&bp->bp_targets);
}

/*
 * One point of the series while it is up: its agent (and world), the sample
 * scrapes, the reference (nginx serving them, or nginx-proxy in front of the
 * agent), and the two load specs.
 */
struct bench_sut {
    struct opts su_opts;
    struct agent_sut su_as;
    struct bench_samples su_bs;
    struct nginx_ref su_ng;
    struct bench_proxy su_proxy;
    struct bench_client su_client; /* how the server under test is reached */
    struct curl_slist *su_hdr;
    struct load_spec su_agent, su_ref;
    struct load_session *su_agent_ls, *su_ref_ls; /* their clients, kept between rounds */
    struct agent_sut su_versus;                   /* --versus-template: its instances' URLs */
    struct progress su_pg;                        /* the lines about this point */
    char su_ref_base[64];
    int su_entered; /* agent_up was called: agent_down is due */
};

/*
 * Connections a run over paths keeps open: one per host when they are whole
 * URLs, up to C per host (requests in flight to one host at once each need
 * one), as far as the descriptors go; shares clients kept open at once
 * (--versus-template: two) share them.
 */
static long
bench_connections(const char *base, size_t npaths, int concurrency, int shares)
{
    struct rlimit rl;
    long most = 1000;

    if (base[0] != '\0')
        return concurrency;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 256)
        most = ((long)rl.rlim_cur - 128) / shares; /* files of our own besides the sockets */
    double want = (double)npaths * concurrency;
    return want < (double)most ? (long)want : most;
}

/* The load against the reference: the sample files, nginx-proxy's URLs or --versus-template's. */
static void
bench_ref_spec(struct bench_sut *s, const struct opts *p)
{
    if (p->op_reference == OPTS_REF_VERSUS) {
        const struct target_list *t = &s->su_versus.as_targets;
        s->su_ref = bench_spec(p, "", t->tl_path, t->tl_n, s->su_versus.as_agent_pid);
        s->su_ref.ls_tls = &s->su_client.bc_tls; /* the same certificates and --resolve lines */
        s->su_ref.ls_connections = bench_connections("", t->tl_n, p->op_concurrency, 2);
        s->su_ref.ls_open_all = 1;
        return;
    }
    if (p->op_reference == OPTS_REF_NGINX_PROXY) {
        const struct target_list *t = &s->su_proxy.bp_targets;
        s->su_ref = bench_spec(p, "", t->tl_path, t->tl_n, s->su_ng.nr_pid);
        s->su_ref.ls_tls = &s->su_proxy.bp_client.bc_tls;
        s->su_ref.ls_connections = bench_connections("", t->tl_n, p->op_concurrency, 1);
        s->su_ref.ls_open_all = 1;
        return;
    }
    snprintf(s->su_ref_base, sizeof(s->su_ref_base), "http://127.0.0.1:%d", s->su_ng.nr_port);
    s->su_ref = bench_spec(p, s->su_ref_base, s->su_bs.bs_path, s->su_bs.bs_n, s->su_ng.nr_pid);
}

/* The two load specs of a point that is up. */
static void
bench_specs(struct bench_sut *s, const struct opts *p, char *const *paths, size_t n)
{
    const char *base = s->su_as.as_base;

    s->su_agent = bench_spec(p, base, paths, n, s->su_as.as_agent_pid);
    s->su_agent.ls_tls = &s->su_client.bc_tls;
    s->su_agent.ls_connections =
        bench_connections(base, n, p->op_concurrency, p->op_reference == OPTS_REF_VERSUS ? 2 : 1);
    if (base[0] == '\0' && s->su_agent.ls_connections < (long)n)
        fprintf(stderr,
                "cmon-bench: warning: %zu instances, one connection each, but %ld descriptors "
                "for connections (ulimit -n%s): some requests will open a connection\n",
                n, s->su_agent.ls_connections,
                p->op_reference == OPTS_REF_VERSUS ? ", halved for --versus-template" : "");
    s->su_agent.ls_open_all = base[0] == '\0';
    bench_ref_spec(s, p);
    s->su_agent.ls_duration_s = s->su_ref.ls_duration_s = p->op_duration_s / p->op_rounds;
    s->su_agent.ls_headers = s->su_ref.ls_headers = s->su_hdr;
    s->su_agent.ls_no_keepalive = s->su_ref.ls_no_keepalive = p->op_no_keepalive;
}

/* The reference of point p, started. 0 or -1 with err. */
static int
bench_reference_start(struct bench_sut *s, const struct opts *p, struct result_run *run, char *err,
                      size_t errlen)
{
    if (p->op_reference == OPTS_REF_VERSUS) {
        struct opts v = *p; /* the instances listed as for --url-template, named by the other */
        v.op_url = v.op_url_template = p->op_versus_template;
        v.op_pid = p->op_versus_pid;
        run->rr_has_ref = 1;
        snprintf(run->rr_ref_name, sizeof(run->rr_ref_name), "versus");
        if (agent_up(&v, 0, &s->su_pg, &s->su_client.bc_tls, &s->su_versus, err, errlen) < 0)
            return -1;
        if (s->su_versus.as_targets.tl_n == s->su_as.as_targets.tl_n)
            return 0;
        snprintf(err, errlen, "--versus-template lists %zu instances, --url-template %zu",
                 s->su_versus.as_targets.tl_n, s->su_as.as_targets.tl_n);
        return -1;
    }
    if (p->op_reference == OPTS_REF_NGINX_PROXY) {
        progress_phase(&s->su_pg, "starting nginx-proxy (TLS) in front of the agent");
        return bench_proxy_up(p, s->su_as.as_base, &s->su_as.as_targets, run, &s->su_proxy,
                              &s->su_ng, err, errlen);
    }
    progress_phase(&s->su_pg, "starting nginx with %zu sample scrapes", s->su_bs.bs_n);
    return bench_reference_up(p, &s->su_bs, run, &s->su_ng, err, errlen);
}

/*
 * Brings point p up: the agent, sample scrapes, the reference if asked, then
 * the priming pass. s must not move until bench_down (the specs point into
 * it). Returns 0 or -1 with err.
 */
static int
bench_up(struct bench_sut *s, const struct opts *p, const struct progress *pg,
         struct result_run *run, char *err, size_t errlen)
{
    static char *gz_path[] = {"/v1/gz/metrics"};

    memset(s, 0, sizeof(*s));
    s->su_opts = *p;
    s->su_pg = *pg;
    bench_run_init(run, p);
    if (result_figures_init(&run->rr_agent) < 0 || result_figures_init(&run->rr_ref) < 0) {
        snprintf(err, errlen, "cannot allocate histograms");
        return -1;
    }
    s->su_entered = 1;
    if (bench_client_of(p, &s->su_client, err, errlen) < 0 ||
        agent_up(p, p->op_zones, &s->su_pg, &s->su_client.bc_tls, &s->su_as, err, errlen) < 0)
        return -1;
    char *const *paths = p->op_gz ? gz_path : s->su_as.as_targets.tl_path;
    size_t n = p->op_gz ? 1 : s->su_as.as_targets.tl_n;
    run->rr_instances = p->op_gz ? 1 : (long)n;
    if (n == 0) {
        snprintf(err, errlen, "no running instance to scrape at %s", s->su_as.as_base);
        return -1;
    }
    s->su_hdr = bench_headers(p);
    if (bench_samples_take(p, s->su_hdr, &s->su_client.bc_tls, s->su_as.as_base, paths, n,
                           &s->su_bs, err, errlen) < 0)
        return -1;
    if (p->op_reference && bench_reference_start(s, p, run, err, errlen) < 0)
        return -1;
    if (!p->op_no_prime && !p->op_gz) {
        progress_phase(&s->su_pg, "priming pass: %zu instances, each scraped once", n);
        if (bench_prime(s->su_as.as_base, paths, n, s->su_hdr, &s->su_client.bc_tls,
                        p->op_timeout_s, run, err, errlen) < 0)
            return -1;
    }
    bench_specs(s, p, paths, n);
    return 0;
}

/* "agent 51234 scrapes/s, p99 0.156 ms" into buf: one server's round, for the progress line. */
static void
bench_brief_say(char *buf, size_t n, const char *who, const struct result_round *b)
{
    if (b->rd_p99_ms < 0)
        snprintf(buf, n, "%s no answer", who);
    else
        snprintf(buf, n, "%s %.0f scrapes/s, p99 %.3f ms", who, b->rd_scrapes_per_s, b->rd_p99_ms);
}

/*
 * Round i of point s: the agent and the reference, the agent first in even
 * rounds and second in odd ones (so that neither always follows the other:
 * the one that goes second finds the caches and the machine as the first
 * left them); the warm-up before each one's first. Each one's round alone
 * goes into run->rr_by_round. 0 or -1.
 */
static int
bench_turn(struct bench_sut *s, int i, struct result_run *run, char *err, size_t errlen)
{
    const struct opts *p = &s->su_opts;
    struct result_round *ab = &run->rr_by_round[i][0], *rb = &run->rr_by_round[i][1];
    const char *ref = opts_reference_name(p->op_reference);
    int ref_first = p->op_reference && i % 2 == 1;
    char a[96], r[96] = "", order[48], who[48];

    s->su_agent.ls_seed = s->su_ref.ls_seed = p->op_seed + (uint64_t)i;
    s->su_agent.ls_warmup_s = s->su_ref.ls_warmup_s = i == 0 ? p->op_warmup_s : 0;
    if (!p->op_reference)
        snprintf(order, sizeof(order), "agent");
    else
        snprintf(order, sizeof(order), "%s then %s", ref_first ? ref : "agent",
                 ref_first ? "agent" : ref);
    if (i == 0 && p->op_warmup_s > 0)
        progress_round(&s->su_pg, i + 1, p->op_rounds, "%g s warm-up, then %g s measured, %s",
                       p->op_warmup_s, s->su_agent.ls_duration_s, order);
    else
        progress_round(&s->su_pg, i + 1, p->op_rounds, "%g s measured, %s",
                       s->su_agent.ls_duration_s, order);
    snprintf(who, sizeof(who), "%s reference", ref);
    if (ref_first && bench_round(&s->su_ref, &s->su_ref_ls, &run->rr_ref, who, rb, err, errlen) < 0)
        return -1;
    if (bench_round(&s->su_agent, &s->su_agent_ls, &run->rr_agent, "agent", ab, err, errlen) < 0)
        return -1;
    if (p->op_reference && !ref_first &&
        bench_round(&s->su_ref, &s->su_ref_ls, &run->rr_ref, who, rb, err, errlen) < 0)
        return -1;
    run->rr_nby_round = i + 1;
    bench_brief_say(a, sizeof(a), "agent", ab);
    snprintf(who, sizeof(who), "; %s", ref);
    if (p->op_reference)
        bench_brief_say(r, sizeof(r), who, rb);
    progress_round(&s->su_pg, i + 1, p->op_rounds, "%s%s", a, r);
    return 0;
}

/* Takes point s down; when err is not NULL, the tail of its agent's log is added to it. */
static void
bench_down(struct bench_sut *s, char *err, size_t errlen)
{
    char tail[256];

    load_session_close(s->su_agent_ls);
    load_session_close(s->su_ref_ls);
    s->su_agent_ls = s->su_ref_ls = NULL;
    agent_down(&s->su_versus);
    nginx_stop(&s->su_ng);
    bench_proxy_down(&s->su_proxy);
    bench_client_release(&s->su_client);
    bench_samples_free(&s->su_bs);
    curl_slist_free_all(s->su_hdr);
    s->su_hdr = NULL;
    if (!s->su_entered)
        return;
    if (err != NULL && (agent_log_tail(&s->su_as, "agent.log", tail, sizeof(tail)), tail[0])) {
        size_t len = strlen(err);
        snprintf(err + len, errlen - len, "; agent log: %s", tail);
    }
    agent_down(&s->su_as);
    s->su_entered = 0;
}

/*
 * The series. With one round per point, the points run one after the other.
 * With several rounds and several points, every point is up at once and
 * the rounds go through all of them in turn (point 1 agent, point 1 nginx,
 * point 2 agent, ...): the points then share the machine's drift as agent
 * and nginx do, which is what makes a ratio between points (10,000 zones
 * against 100) steady. Each point's table is printed when it is done. Returns
 * how many points have figures (*failed set when one failed; err says why).
 */
static int
bench_points(const struct opts *o, const struct progress *pg, struct bench_sut *su,
             struct result_run *runs, int n, int *failedp, char *err, size_t errlen)
{
    int together = o->op_rounds > 1 && n > 1, failed = -1, done = 0;

    for (int i = 0; i < n && failed < 0; i++) {
        struct opts p = bench_point(o, i);
        struct progress point = *pg;
        char label[64];
        bench_label(o, &p, label, sizeof(label));
        progress_point(&point, i + 1, n, label);
        if (bench_up(&su[i], &p, &point, &runs[i], err, errlen) < 0)
            failed = i;
        for (int r = 0; !together && failed < 0 && r < o->op_rounds; r++)
            if (bench_turn(&su[i], r, &runs[i], err, errlen) < 0)
                failed = i;
        runs[i].rr_interleaved = together;
        if (!together) {
            bench_down(&su[i], failed == i ? err : NULL, errlen);
            if (failed < 0 || runs[i].rr_agent.rf_requests > 0) {
                report_table(stdout, &runs[i]);
                done = i + 1;
            }
            fflush(stdout);
        }
    }
    for (int r = 0; together && failed < 0 && r < o->op_rounds; r++)
        for (int i = 0; i < n && failed < 0; i++)
            if (bench_turn(&su[i], r, &runs[i], err, errlen) < 0)
                failed = i;
    for (int i = 0; together && i < n; i++) {
        bench_down(&su[i], failed == i ? err : NULL, errlen);
        if (runs[i].rr_agent.rf_requests > 0 && done == i) {
            report_table(stdout, &runs[i]);
            done = i + 1;
        }
    }
    *failedp = failed >= 0;
    return done;
}

static const char *
bench_xlabel(const struct opts *o)
{
    switch (o->op_sweep_key) {
    case OPTS_SWEEP_CONCURRENCY:
        return "concurrency";
    case OPTS_SWEEP_RATE:
        return "rate";
    default:
        return "zones";
    }
}

/* The swept value of each of the n points of the series o into xs. */
static void
bench_xs(const struct opts *o, double *xs, int n)
{
    for (int i = 0; i < n; i++) {
        struct opts p = bench_point(o, i);
        xs[i] = o->op_sweep_key == OPTS_SWEEP_CONCURRENCY ? p.op_concurrency
                : o->op_sweep_key == OPTS_SWEEP_RATE      ? p.op_rate
                                                          : (double)p.op_zones;
    }
}

/*
 * Outputs after the series: the summary across its points (table and JSON),
 * the JSON file, the plot, the baseline. started is when the series began
 * (the plot's date). Returns the exit code.
 */
static int
bench_outputs(const struct opts *o, time_t started, struct result_run *runs, int nruns,
              const char *error, json_t *base)
{
    json_t *doc = report_doc_json(runs, nruns, error);
    double xs[OPTS_MAX_SWEEP];
    char err[512], title[512];
    int code = error[0] ? EXIT_RUN : EXIT_OK;

    bench_xs(o, xs, nruns);
    if (nruns > 1) {
        report_summary_table(stdout, bench_xlabel(o), xs, runs, nruns);
        json_object_set_new(doc, "summary", report_summary_json(bench_xlabel(o), xs, runs, nruns));
    }
    if (o->op_json != NULL && report_write(doc, o->op_json) < 0) {
        fprintf(stderr, "cmon-bench: cannot write %s: %s\n", o->op_json, strerror(errno));
        code = EXIT_RUN;
    }
    plot_title(title, sizeof(title), o, started);
    if (o->op_plot != NULL && nruns > 0 &&
        plot_draw("gnuplot", o->op_plot, title, bench_xlabel(o), xs, runs, nruns, err,
                  sizeof(err)) < 0) {
        fprintf(stderr, "cmon-bench: %s\n", err);
        code = EXIT_RUN;
    }
    if (base != NULL && code == EXIT_OK) {
        int bad = baseline_compare(doc, base, o->op_tolerance / 100.0, o->op_compare_tail, stdout,
                                   err, sizeof(err));
        if (bad < 0)
            fprintf(stderr, "cmon-bench: %s\n", err);
        code = bad < 0 ? EXIT_USAGE : bad > 0 ? EXIT_REGRESSION : EXIT_OK;
    }
    json_decref(doc);
    return code;
}

static int
bench_series(const struct opts *o, const struct progress *pg, json_t *base)
{
    int n = o->op_nsweep > 0 ? o->op_nsweep : 1, done = 0;
    struct result_run *runs = calloc((size_t)n, sizeof(*runs));
    struct bench_sut *su = calloc((size_t)n, sizeof(*su));
    char err[1024] = "";
    int failed = 0;
    time_t started = time(NULL);

    if (runs == NULL || su == NULL) {
        fprintf(stderr, "cmon-bench: out of memory\n");
        free(runs);
        free(su);
        return EXIT_RUN;
    }
    done = bench_points(o, pg, su, runs, n, &failed, err, sizeof(err));
    free(su);
    if (failed)
        fprintf(stderr, "cmon-bench: %s\n", err);
    int code = bench_outputs(o, started, runs, done, failed ? err : "", base);
    for (int i = 0; i < n; i++) {
        result_figures_release(&runs[i].rr_agent);
        result_figures_release(&runs[i].rr_ref);
    }
    free(runs);
    return code;
}

/* The TLS files must be readable before anything is started. Returns 0 or -1 (message printed). */
static int
bench_check_inputs(const struct opts *o)
{
    const char *flag[] = {"--cert", "--key", "--cacert", "--uuids/--zones-file"};
    const char *path[] = {o->op_cert, o->op_key, o->op_cacert, o->op_zones_file};

    for (size_t i = 0; i < sizeof(path) / sizeof(path[0]); i++)
        if (path[i] != NULL && access(path[i], R_OK) < 0) {
            fprintf(stderr, "cmon-bench: %s: cannot read %s: %s\n", flag[i], path[i],
                    strerror(errno));
            return -1;
        }
    return 0;
}

/*
 * One connection per instance through a proxy needs as many descriptors:
 * the soft limit is raised to the hard one (a failure leaves it, and the
 * connection cache is sized to what there is).
 */
static void
bench_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* An output file must be writable before minutes are spent measuring. Returns 0 or -1. */
static int
bench_check_output(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');

    if (slash == dir)
        slash[1] = '\0';
    else if (slash != NULL)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    if (access(dir, W_OK) < 0) {
        fprintf(stderr, "cmon-bench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    struct opts o;
    struct progress pg;
    char err[512];
    json_t *base = NULL;

    if (opts_parse(argc, argv, &o, err, sizeof(err)) < 0) {
        fprintf(stderr, "cmon-bench: %s\nTry 'cmon-bench --help'.\n", err);
        return EXIT_USAGE;
    }
    if (o.op_help) {
        opts_usage(stdout);
        return EXIT_OK;
    }
    if (o.op_version) {
        printf("cmon-bench %s\n", CMON_VERSION);
        return EXIT_OK;
    }
    /* phase lines for a person watching: on a terminal, or when asked; never with --quiet */
    progress_init(&pg, stderr, !o.op_quiet && (o.op_progress || isatty(STDERR_FILENO)));
    if (bench_check_inputs(&o) < 0)
        return EXIT_USAGE;
    if ((o.op_json != NULL && bench_check_output(o.op_json) < 0) ||
        (o.op_plot != NULL && bench_check_output(o.op_plot) < 0))
        return EXIT_USAGE;
    if (o.op_baseline != NULL && (base = baseline_load(o.op_baseline, err, sizeof(err))) == NULL) {
        fprintf(stderr, "cmon-bench: %s\n", err);
        return EXIT_USAGE;
    }
    bench_raise_nofile();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, bench_on_signal);
    signal(SIGTERM, bench_on_signal);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int code = bench_series(&o, &pg, base);
    json_decref(base);
    curl_global_cleanup();
    return code;
}
