/*
 * test_coretext - the triton_core collector's pieces that need no kernel:
 * a metric port's text into families and their merge across ports
 * (coretext.h), VM records and metricPorts (vmrec.h, the agent's one parser), parallel GETs under
 * one deadline (corefetch.h). Inputs follow the reference (section 2.9 and
 * 1.4 step 2), e.g. the sample text `{service="cloudapi", port="8881"}`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "corefetch.h"
#include "coretext.h"
#include "vmrec.h"
#include "cunit_main.h"
#include "expo.h"
#include "monotime.h"

/* Parses text, renders it as text 0.0.4 into out (256 KiB); the parse's result. */
static int
parse_render(const char *text, char *out, size_t outlen, int *ttl, char *err)
{
    famset_t fs = FAMSET_INIT;
    sbuf_t sb = SBUF_INIT;
    int rc = coretext_parse(text, strlen(text), &fs, ttl, err, 256);
    if (rc == 0)
        CU_ASSERT_EQUAL(expo_write(&fs, EXPO_TEXT, &sb), 0);
    snprintf(out, outlen, "%.*s", (int)sb.sb_len, sb.sb_buf ? sb.sb_buf : "");
    sbuf_release(&sb);
    famset_release(&fs);
    return rc;
}

/* A service's answer as triton-metrics/artedi writes it: counter, gauge, histogram. */
static const char service_text[] =
    "# HELP http_requests_completed count of requests completed\n"
    "# TYPE http_requests_completed counter\n"
    "http_requests_completed{service=\"cloudapi\", port=\"8881\",route=\"listmachines\"} 7\n"
    "\n"
    "# TYPE process_fds gauge\n"
    "process_fds{service=\"cloudapi\"} 12 1700000000000\n"
    "# HELP http_request_duration_seconds total time to process requests\n"
    "# TYPE http_request_duration_seconds histogram\n"
    "http_request_duration_seconds_bucket{le=\"0.1\"} 3\n"
    "http_request_duration_seconds_bucket{le=\"+Inf\"} 7\n"
    "http_request_duration_seconds_sum 1.25\n"
    "http_request_duration_seconds_count 7\n";

static void
test_parse_types(void)
{
    char out[4096], err[256];
    int ttl;
    CU_ASSERT_EQUAL_FATAL(parse_render(service_text, out, sizeof(out), &ttl, err), 0);
    CU_ASSERT_EQUAL(ttl, -1);
    CU_ASSERT_STRING_EQUAL(
        out,
        "# HELP http_requests_completed count of requests completed\n"
        "# TYPE http_requests_completed counter\n"
        "http_requests_completed{service=\"cloudapi\",port=\"8881\",route=\"listmachines\"} 7\n"
        "# HELP process_fds process_fds\n" /* no HELP: the name (the original's rule) */
        "# TYPE process_fds gauge\n"
        "process_fds{service=\"cloudapi\"} 12\n" /* the timestamp dropped */
        "# HELP http_request_duration_seconds total time to process requests\n"
        "# TYPE http_request_duration_seconds histogram\n"
        "http_request_duration_seconds_bucket{le=\"0.1\"} 3\n"
        "http_request_duration_seconds_bucket{le=\"+Inf\"} 7\n"
        "http_request_duration_seconds_sum 1.25\n"
        "http_request_duration_seconds_count 7\n");
}

/* Section 2.9 step 5: what the original refused, and what we refuse besides. */
static void
test_parse_refused(void)
{
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"# TYPE rpc_seconds summary\nrpc_seconds{quantile=\"0.5\"} 1\n", "type 'summary'"},
        {"# TYPE things untyped\nthings 1\n", "type 'untyped'"},
        {"up 1\n# TYPE up gauge\n", "before any TYPE"},
        {"# TYPE 2fast gauge\n", "bad metric name"},
        {"# TYPE ok gauge\nok-ish 1\n", "bad metric name"},
        {"# TYPE ok gauge\nok{1a=\"x\"} 1\n", "bad label name"},
        {"# TYPE ok gauge\nok{a=\"x} 1\n", "unterminated"},
        {"# TYPE ok gauge\nok{a=x} 1\n", "no quoted value"},
        {"# TYPE ok gauge\nok one\n", "not a number"},
        {"# TYPE ok gauge\nok 1 2 3\n", "no timestamp"},
        {"# TYPE ok gauge\nother 1\n", "not of family ok"},
        {"# TYPE h histogram\nh_bucket 1\n", "without an le"},
        {"# TYPE h histogram\nh 1\n", "not of family h"},
        {"# TYPE ok gauge\nok{a=\"1\",b=\"2\",c=\"3\",d=\"4\",e=\"5\",f=\"6\",g=\"7\",h=\"8\","
         "i=\"9\",j=\"10\",k=\"11\"} 1\n",
         "more than 10 labels"},
        {"# TYPE ok gauge\n# TYPE ok counter\n", "another type"},
        {"# TYPE ok gauge\nok{a=\"1\",a=\"2\"} 1\n", "label a given twice"},
        {"# TYPE h histogram\nh_bucket{le=\"1\", le=\"2\"} 1\n", "label le given twice"},
        {"# TYPE ok gauge\nok{a=\"\xff\"} 1\n", "value of label a is not valid UTF-8"},
        {"# TYPE ok gauge\nok{a=\"\xc0\xaf\"} 1\n", "not valid UTF-8"},     /* overlong */
        {"# TYPE ok gauge\nok{a=\"\xed\xa0\x80\"} 1\n", "not valid UTF-8"}, /* surrogate */
        {"# TYPE ok gauge\nok{a=\"\xe2\x82\"} 1\n", "not valid UTF-8"},     /* cut short */
        {"# HELP ok caf\xe9\n# TYPE ok gauge\nok 1\n", "HELP of ok is not valid UTF-8"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char out[256], err[256] = "";
        int ttl;
        int rc = parse_render(bad[i].text, out, sizeof(out), &ttl, err);
        CU_ASSERT_EQUAL(rc, -1);
        if (strstr(err, bad[i].why) == NULL || strncmp(err, "line ", 5) != 0)
            fprintf(stderr, "\ncase %zu: want '%s', got '%s'\n", i, bad[i].why, err);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].why));
    }
    char out[256], err[256] = "";
    int ttl;
    CU_ASSERT_EQUAL(parse_render("# HELP ok \xc3\xa9t\xc3\xa9\n# TYPE ok gauge\n"
                                 "ok{a=\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",b=\"\"} 1\n",
                                 out, sizeof(out), &ttl, err),
                    0); /* two, three and four bytes: UTF-8 */
}

/* Section 2.9 step 7: a leading "# OPTION ttl N" overrides the TTL; values as spelled. */
static void
test_parse_option_values(void)
{
    char out[1024], err[256];
    int ttl;
    CU_ASSERT_EQUAL(parse_render("# OPTION ttl 30\n# TYPE big counter\nbig 18446744073709551615\n"
                                 "# TYPE neg gauge\nneg -3\nneg{a=\"b\\\"c\\\\\"} NaN\n",
                                 out, sizeof(out), &ttl, err),
                    0);
    CU_ASSERT_EQUAL(ttl, 30);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "big 18446744073709551615\n")); /* exact (D18) */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "neg -3\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "neg{a=\"b\\\"c\\\\\"} NaN\n"));
    CU_ASSERT_EQUAL(parse_render("# OPTION ttl soon\n", out, sizeof(out), &ttl, err), -1);
    /* after a sample the option is a plain comment, as in the original's parser */
    CU_ASSERT_EQUAL(
        parse_render("# TYPE a gauge\na 1\n# OPTION ttl 9\n", out, sizeof(out), &ttl, err), 0);
    CU_ASSERT_EQUAL(ttl, -1);
}

static int
parse_into(const char *text, famset_t *fs)
{
    char err[256];
    int ttl;
    return coretext_parse(text, strlen(text), fs, &ttl, err, sizeof(err));
}

/* D3: the same family from two ports is one group, HELP and TYPE once. */
static void
test_merge_ports(void)
{
    famset_t acc = FAMSET_INIT, a = FAMSET_INIT, b = FAMSET_INIT, c = FAMSET_INIT;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(
        parse_into("# HELP reqs requests\n# TYPE reqs counter\n"
                   "reqs{port=\"8881\"} 1\n# TYPE mem gauge\nmem{port=\"8881\"} 5\n",
                   &a),
        0);
    CU_ASSERT_EQUAL_FATAL(parse_into("# TYPE mem gauge\nmem{port=\"8882\"} 6\n"
                                     "# HELP reqs requests\n# TYPE reqs counter\n"
                                     "reqs{port=\"8882\"} 2\n",
                                     &b),
                          0);
    CU_ASSERT_EQUAL_FATAL(parse_into("# TYPE mem counter\nmem 1\n", &c), 0);
    CU_ASSERT_EQUAL(coretext_merge(&acc, &a, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(coretext_merge(&acc, &b, err, sizeof(err)), 0);
    size_t before = acc.fs_nsamples;
    CU_ASSERT_EQUAL(coretext_merge(&acc, &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "family mem is a counter here, a gauge on an earlier port"));
    CU_ASSERT_EQUAL(acc.fs_nsamples, before);
    famset_t dup = FAMSET_INIT;
    CU_ASSERT_EQUAL_FATAL(
        parse_into("# TYPE mem gauge\nmem{port=\"9\"} 1\nmem{port=\"8882\"} 7\n", &dup), 0);
    CU_ASSERT_EQUAL(coretext_merge(&acc, &dup, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "a series of family mem is served by an earlier port too"));
    CU_ASSERT_EQUAL(acc.fs_nsamples, before); /* nothing of that port, not even port 9 */
    famset_release(&dup);
    sbuf_t sb = SBUF_INIT;
    CU_ASSERT_EQUAL(expo_write(&acc, EXPO_TEXT, &sb), 0);
    CU_ASSERT_NSTRING_EQUAL(sb.sb_buf,
                            "# HELP reqs requests\n# TYPE reqs counter\n"
                            "reqs{port=\"8881\"} 1\nreqs{port=\"8882\"} 2\n"
                            "# HELP mem mem\n# TYPE mem gauge\n"
                            "mem{port=\"8881\"} 5\nmem{port=\"8882\"} 6\n",
                            sb.sb_len);
    sbuf_release(&sb);
    famset_release(&acc);
    famset_release(&a);
    famset_release(&b);
    famset_release(&c);
}

/* Text of one family, big, with n series {i="0".."n-1",port="p"} (malloc'd). */
static char *
big_text(size_t n, const char *port)
{
    size_t cap = 64 + n * 64, len = 0;
    char *t = malloc(cap);
    if (t == NULL)
        return NULL;
    len += (size_t)snprintf(t, cap, "# TYPE big counter\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(t + len, cap - len, "big{i=\"%zu\",port=\"%s\"} %zu\n", i, port, i);
    return t;
}

/* The duplicate check costs in proportion to the ports' text, not its square (2 x 20k series). */
static void
test_merge_big_ports(void)
{
    enum { N = 20000 };
    char *ta = big_text(N, "a"), *tb = big_text(N, "b"), err[256];
    famset_t acc = FAMSET_INIT, a = FAMSET_INIT, b = FAMSET_INIT, c = FAMSET_INIT;
    CU_ASSERT_FATAL(ta != NULL && tb != NULL);
    CU_ASSERT_EQUAL_FATAL(parse_into(ta, &a), 0);
    CU_ASSERT_EQUAL_FATAL(parse_into(tb, &b), 0);
    CU_ASSERT_EQUAL_FATAL(parse_into("# TYPE big counter\nbig{port=\"b\",i=\"19999\"} 1\n", &c), 0);
    double t0 = cmon_monotime_s();
    CU_ASSERT_EQUAL(coretext_merge(&acc, &a, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(coretext_merge(&acc, &b, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(acc.fs_nsamples, 2 * N);
    CU_ASSERT_EQUAL(coretext_merge(&acc, &b, err, sizeof(err)), -1); /* every series again */
    CU_ASSERT_EQUAL(coretext_merge(&acc, &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "a series of family big is served by an earlier port too"));
    double took = cmon_monotime_s() - t0;
    CU_ASSERT_EQUAL(acc.fs_nsamples, 2 * N);
    /* a figure, not an assertion (no timed tests): the quadratic check took
     * 4.5 s for the first two merges */
    fprintf(stderr, "\n  merges took %.3f s\n", took);
    famset_release(&acc);
    famset_release(&a);
    famset_release(&b);
    famset_release(&c);
    free(ta);
    free(tb);
}

/* Section 2.9 step 1: ^admin(_rack_[A-Z0-9_-]+)?$, case-insensitive. */
static void
test_admin_tag(void)
{
    CU_ASSERT_TRUE(vminfo_admin_tag("admin"));
    CU_ASSERT_TRUE(vminfo_admin_tag("ADMIN"));
    CU_ASSERT_TRUE(vminfo_admin_tag("admin_rack_R12-b_3"));
    CU_ASSERT_FALSE(vminfo_admin_tag("admin_rack_"));
    CU_ASSERT_FALSE(vminfo_admin_tag("admin_rack_a.b"));
    CU_ASSERT_FALSE(vminfo_admin_tag("admin2"));
    CU_ASSERT_FALSE(vminfo_admin_tag("xadmin"));
    CU_ASSERT_FALSE(vminfo_admin_tag("external"));
}

#define ADMIN "930896af-bf8c-48d4-885c-6573a94b1853"

/* The core parts of a record (vminfod always sends `nics`: the parser wants it). */
static int
rec_of(const char *json, vminfo_core_t *r)
{
    static vminfo_rec_t rec;
    char err[256];
    int rc = vminfo_parse(json, strlen(json), ADMIN, &rec, err, sizeof(err));
    *r = rec.vr_core;
    return rc;
}

/* Section 1.4 step 2 and 2.9 step 1: the verdict, the admin IP, metricPorts. */
static void
test_vm_record(void)
{
    static vminfo_rec_t rec;
    vminfo_core_t r;
    CU_ASSERT_EQUAL_FATAL(
        rec_of("{\"uuid\":\"u\",\"owner_uuid\":\"" ADMIN
               "\",\"tags\":{\"smartdc_role\":\"cloudapi\"},"
               "\"customer_metadata\":{\"metricPorts\":\"8881,8882\"},\"nics\":["
               "{\"interface\":\"net0\",\"nic_tag\":\"external\",\"ip\":\"10.0.0.5\"},"
               "{\"interface\":\"net1\",\"nic_tag\":\"admin\"},"
               "{\"interface\":\"net2\",\"nic_tag\":\"Admin_rack_R1\",\"ip\":\"10.99.99.7\"},"
               "{\"interface\":\"net3\",\"nic_tag\":\"admin\",\"ip\":\"10.99.99.8\"}]}",
               &r),
        0);
    CU_ASSERT_TRUE(r.vc_core);
    CU_ASSERT_STRING_EQUAL(r.vc_admin_ip, "10.99.99.7"); /* the first admin NIC with an ip */
    CU_ASSERT_TRUE(r.vc_has_ports);
    CU_ASSERT_STRING_EQUAL(r.vc_ports, "8881,8882");
    /* the admin ip goes into a URL: an address literal or nothing */
    static const char *const bad_ip[] = {
        "10.99.99.7/24", "evil.example:80/x?", "10.1.1", "", "fe80::1%net0", "1.2.3.4 "};
    for (size_t i = 0; i < sizeof(bad_ip) / sizeof(bad_ip[0]); i++) {
        char json[512];
        snprintf(
            json, sizeof(json),
            "{\"uuid\":\"u\",\"nics\":[{\"interface\":\"net0\",\"nic_tag\":\"admin\","
            "\"ip\":\"%s\"},{\"interface\":\"net1\",\"nic_tag\":\"admin\",\"ip\":\"10.0.0.1\"}]}",
            bad_ip[i]);
        CU_ASSERT_EQUAL(rec_of(json, &r), 0);
        CU_ASSERT_STRING_EQUAL(r.vc_admin_ip, "");
    }
    CU_ASSERT_EQUAL(rec_of("{\"uuid\":\"u\",\"nics\":[{\"interface\":\"net0\",\"nic_tag\":"
                           "\"admin\",\"ip\":\"fd00::5\"}]}",
                           &r),
                    0);
    CU_ASSERT_STRING_EQUAL(r.vc_admin_ip, "fd00::5");
    CU_ASSERT_EQUAL(rec_of("{\"uuid\":\"u\",\"nics\":[],\"owner_uuid\":\"" ADMIN
                           "\",\"tags\":{\"smartdc_role\":\"\"}}",
                           &r),
                    0);
    CU_ASSERT_FALSE(r.vc_core); /* "" is falsy */
    CU_ASSERT_FALSE(r.vc_has_ports);
    CU_ASSERT_EQUAL(rec_of("{\"uuid\":\"u\",\"nics\":[],\"owner_uuid\":\"" ADMIN
                           "\",\"tags\":{\"smartdc_role\":true}}",
                           &r),
                    0);
    CU_ASSERT_TRUE(r.vc_core);
    CU_ASSERT_EQUAL(
        rec_of(
            "{\"uuid\":\"u\",\"nics\":[],\"owner_uuid\":\"0e5e4ad4-61b4-4bd8-8c7a-1f1e0e0e0e0e\","
            "\"tags\":{\"smartdc_role\":\"cloudapi\"}}",
            &r),
        0);
    CU_ASSERT_FALSE(r.vc_core); /* not the admin's */
    CU_ASSERT_TRUE(r.vc_role);  /* but tagged */
    CU_ASSERT_EQUAL(
        rec_of("{\"uuid\":\"u\",\"nics\":[],\"customer_metadata\":{\"metricPorts\":8881}}", &r), 0);
    CU_ASSERT_TRUE(r.vc_has_ports); /* there, but no string: refused by vminfo_ports */
    CU_ASSERT_STRING_EQUAL(r.vc_ports, "");
    char err[256];
    CU_ASSERT_EQUAL(vminfo_parse("<html>", 6, ADMIN, &rec, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not JSON"));
    CU_ASSERT_EQUAL(vminfo_parse("{\"uuid\":\"u\",\"nics\":{}}", 22, ADMIN, &rec, err, sizeof(err)),
                    -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "nics is not an array"));
    CU_ASSERT_EQUAL(vminfo_parse("[]", 2, ADMIN, &rec, err, sizeof(err)), -1);
    /* nic_tag and network_uuid become label values: UTF-8 only (jansson checks it, \u too) */
    static const char *const not_utf8[] = {
        "{\"uuid\":\"u\",\"nics\":[{\"interface\":\"net0\",\"nic_tag\":\"ext\xff\"}]}",
        "{\"uuid\":\"u\",\"nics\":[{\"interface\":\"net0\",\"network_uuid\":\"\xc0\xaf\"}]}",
        "{\"uuid\":\"u\",\"nics\":[{\"interface\":\"net0\",\"nic_tag\":\"\\ud800\"}]}",
        "{\"uuid\":\"u\",\"nics\":[{\"interface\":\"net0\",\"nic_tag\":\"a\\u0000b\"}]}"};
    for (size_t i = 0; i < sizeof(not_utf8) / sizeof(not_utf8[0]); i++) {
        CU_ASSERT_EQUAL(
            vminfo_parse(not_utf8[i], strlen(not_utf8[i]), ADMIN, &rec, err, sizeof(err)), -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "not JSON"));
    }
    static const char mine[] = "{\"uuid\":\"u\",\"nics\":[],\"owner_uuid\":\"" ADMIN
                               "\",\"tags\":{\"smartdc_role\":\"x\"}}";
    CU_ASSERT_EQUAL(vminfo_parse(mine, strlen(mine), NULL, &rec, err, sizeof(err)), 0);
    CU_ASSERT_FALSE(rec.vr_core.vc_core); /* no admin uuid known: never a core zone */
}

/* Section 2.9 step 3: base-10 integers, no blanks. */
static void
test_ports(void)
{
    unsigned p[4];
    char err[256];
    CU_ASSERT_EQUAL(vminfo_ports("8881,8882", p, 4, err, sizeof(err)), 2);
    CU_ASSERT_EQUAL(p[0], 8881);
    CU_ASSERT_EQUAL(p[1], 8882);
    CU_ASSERT_EQUAL(vminfo_ports("9000", p, 4, err, sizeof(err)), 1);
    static const char *const bad[] = {"",      "8881, 8882", "8881,", "0x10",
                                      "70000", "0",          "a",     "1,2,3,4,5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CU_ASSERT_EQUAL(vminfo_ports(bad[i], p, 4, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than 4 ports"));
}

/* A loopback port that accepts connections (the kernel's backlog) and never answers. */
static int
silent_port(unsigned *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        return -1;
    *port = ntohs(sa.sin_port);
    return fd;
}

/* D16: a hung port costs the deadline, not more; a closed one fails at once. */
static void
test_fetch_deadline(void)
{
    unsigned hung, closed;
    int hfd = silent_port(&hung), cfd = silent_port(&closed);
    CU_ASSERT_FATAL(hfd >= 0 && cfd >= 0);
    close(cfd); /* nobody listens there any more */
    corefetch_call_t c[2];
    memset(c, 0, sizeof(c));
    snprintf(c[0].cf_url, sizeof(c[0].cf_url), "http://127.0.0.1:%u/metrics", hung);
    snprintf(c[1].cf_url, sizeof(c[1].cf_url), "http://127.0.0.1:%u/metrics", closed);
    double t0 = cmon_monotime_s();
    CU_ASSERT_EQUAL(corefetch_all(c, 2, 0.3, 1024), 0);
    double took = cmon_monotime_s() - t0;
    CU_ASSERT(took >= 0.25 && took < 1.5);
    CU_ASSERT_EQUAL(c[0].cf_status, 0);
    CU_ASSERT_STRING_EQUAL(c[0].cf_error, "no answer within 300 ms");
    CU_ASSERT_EQUAL(c[1].cf_status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(c[1].cf_error, "connect"));
    corefetch_release(&c[0]);
    corefetch_release(&c[1]);
    close(hfd);
}

/* timerfd_create as the test wants it: failing (EMFILE) while no_timerfd is set. */
static int no_timerfd;
int __real_timerfd_create(int clockid, int flags);
int __wrap_timerfd_create(int clockid, int flags);

int
__wrap_timerfd_create(int clockid, int flags)
{
    if (no_timerfd) {
        errno = EMFILE;
        return -1;
    }
    return __real_timerfd_create(clockid, flags);
}

/* A port that answers one request after 150 ms (a thread); its listening fd. */
typedef struct slow_port {
    int sp_fd;
    pthread_t sp_thread;
} slow_port_t;

static void *
slow_answer(void *arg)
{
    slow_port_t *sp = arg;
    int c = accept(sp->sp_fd, NULL, NULL);
    if (c < 0)
        return NULL;
    char req[1024];
    (void)!read(c, req, sizeof(req));
    usleep(150000);
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 19\r\nConnection: close\r\n\r\n"
                               "# TYPE x gauge\nx 1\n";
    (void)!send(c, resp, sizeof(resp) - 1, MSG_NOSIGNAL);
    close(c);
    return NULL;
}

/* Without a timerfd the deadline is the clock: a slow port still answers, a hung one costs it. */
static void
test_fetch_no_timerfd(void)
{
    unsigned slow, hung;
    slow_port_t sp = {.sp_fd = silent_port(&slow)};
    int hfd = silent_port(&hung);
    CU_ASSERT_FATAL(sp.sp_fd >= 0 && hfd >= 0);
    CU_ASSERT_FATAL(pthread_create(&sp.sp_thread, NULL, slow_answer, &sp) == 0);
    corefetch_call_t c[2];
    memset(c, 0, sizeof(c));
    snprintf(c[0].cf_url, sizeof(c[0].cf_url), "http://127.0.0.1:%u/metrics", slow);
    snprintf(c[1].cf_url, sizeof(c[1].cf_url), "http://127.0.0.1:%u/metrics", hung);
    no_timerfd = 1;
    double t0 = cmon_monotime_s();
    CU_ASSERT_EQUAL(corefetch_all(c, 2, 0.6, 1024), 0);
    double took = cmon_monotime_s() - t0;
    no_timerfd = 0;
    CU_ASSERT(took >= 0.55 && took < 2.0);
    CU_ASSERT_EQUAL(c[0].cf_status, 200);
    CU_ASSERT_EQUAL(c[0].cf_len, 19);
    CU_ASSERT_EQUAL(c[1].cf_status, 0);
    CU_ASSERT_STRING_EQUAL(c[1].cf_error, "no answer within 600 ms");
    pthread_join(sp.sp_thread, NULL);
    corefetch_release(&c[0]);
    corefetch_release(&c[1]);
    close(sp.sp_fd);
    close(hfd);
}

static const CU_TestInfo tests[] = {
    {"text: counter, gauge, histogram as served", test_parse_types},
    {"text: refused types, names, samples", test_parse_refused},
    {"text: OPTION ttl, exact and special values", test_parse_option_values},
    {"merge: one group per family across ports (D3)", test_merge_ports},
    {"merge: two ports of 20k series in time", test_merge_big_ports},
    {"vm: admin NIC tags", test_admin_tag},
    {"vm: record, verdict, admin ip, metricPorts", test_vm_record},
    {"vm: metricPorts", test_ports},
    {"fetch: a hung port costs the deadline only (D16)", test_fetch_deadline},
    {"fetch: without a timerfd, the clock keeps the deadline", test_fetch_no_timerfd},
    CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "agent_coretext", tests);
}
