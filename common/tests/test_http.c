/* Unit tests of listen.c (listen addresses) and landing.c (the page at /). */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "landing.h"
#include "listen.h"

/* Parses spec and returns the formatted socket address ("" on failure). */
static const char *
parsed(const char *spec, cmon_listen_t *l)
{
    static char buf[128];
    char err[256];
    if (cmon_listen_parse(spec, l, err, sizeof(err)) != 0)
        return "";
    return cmon_listen_format((struct sockaddr *)&l->cl_addr, buf, sizeof(buf));
}

static void
test_listen_forms(void)
{
    cmon_listen_t l;
    CU_ASSERT_STRING_EQUAL(parsed("127.0.0.1:9163", &l), "127.0.0.1:9163");
    CU_ASSERT_STRING_EQUAL(l.cl_host, "127.0.0.1");
    CU_ASSERT_EQUAL(l.cl_any, 0);
    CU_ASSERT_STRING_EQUAL(parsed("[::1]:0", &l), "[::1]:0");
    CU_ASSERT_STRING_EQUAL(l.cl_host, "::1");
    CU_ASSERT_EQUAL(l.cl_addrlen, sizeof(struct sockaddr_in6));
    /* localhost: its first IPv4 address, as Go's net.Listen picks */
    CU_ASSERT_STRING_EQUAL(parsed("localhost:9163", &l), "127.0.0.1:9163");
    CU_ASSERT_STRING_EQUAL(l.cl_host, "localhost");
    CU_ASSERT_EQUAL(l.cl_port, 9163);
    /* :PORT: every address, the IPv6 wildcard (dual stack) or 0.0.0.0 */
    const char *any = parsed(":9100", &l);
    CU_ASSERT(strcmp(any, "[::]:9100") == 0 || strcmp(any, "0.0.0.0:9100") == 0);
    CU_ASSERT_EQUAL(l.cl_any, 1);
    CU_ASSERT_STRING_EQUAL(l.cl_host, "");
    CU_ASSERT_EQUAL(cmon_listen_dual_stack((struct sockaddr *)&l.cl_addr),
                    l.cl_addr.ss_family == AF_INET6);
    CU_ASSERT_STRING_EQUAL(parsed("0.0.0.0:65535", &l), "0.0.0.0:65535");
    CU_ASSERT_EQUAL(cmon_listen_dual_stack((struct sockaddr *)&l.cl_addr), 0);
}

static void
test_listen_errors(void)
{
    static const struct {
        const char *spec, *words;
    } bad[] = {
        {"9163", "no port"},
        {"127.0.0.1:", "bad port"},
        {"127.0.0.1:70000", "bad port"},
        {"127.0.0.1:-1", "bad port"},
        {"127.0.0.1:9163x", "bad port"},
        {"::1:9163", "in brackets"},
        {"[localhost]:9163", "not an IPv6 address"},
        {"[]:9163", "not an IPv6 address"},
        {"bad host!:9163", "not an IP address or a host name"},
        {"-x:9163", "not an IP address or a host name"},
        {"nosuchhost.invalid:9163", "cannot resolve"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cmon_listen_t l;
        char err[256] = "";
        CU_ASSERT_EQUAL(cmon_listen_parse(bad[i].spec, &l, err, sizeof(err)), -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].words));
    }
}

static const cmon_landing_link_t links[] = {
    {.ll_method = "GET", .ll_path = "/metrics", .ll_doc = "its own metrics"},
    {.ll_method = "GET", .ll_path = "/v1/<id>/metrics", .ll_doc = "one <instance> & more"},
    {.ll_method = "POST", .ll_path = "/v1/refresh", .ll_doc = "re-read"},
};
static const cmon_landing_t page = {.lp_program = "cmon-x",
                                    .lp_version = "9.8.7",
                                    .lp_summary = "Serves x.",
                                    .lp_links = links,
                                    .lp_nlinks = 3};

static void
test_landing_html(void)
{
    size_t len;
    char *s = cmon_landing_render(&page, 1, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(len, strlen(s));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "<title>cmon-x</title>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "9.8.7"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "<a href=\"/metrics\">/metrics</a>"));
    /* a placeholder path or a POST is shown, not linked, and escaped */
    CU_ASSERT_PTR_NULL(strstr(s, "href=\"/v1/"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "<code>GET /v1/&lt;id&gt;/metrics</code>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "one &lt;instance&gt; &amp; more"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "<code>POST /v1/refresh</code>"));
    free(s);
}

static void
test_landing_text(void)
{
    size_t len;
    char *s = cmon_landing_render(&page, 0, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(strncmp(s, "cmon-x 9.8.7\nServes x.\n\n", 24), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\nGET /metrics          its own metrics\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\nPOST /v1/refresh      re-read\n"));
    CU_ASSERT_PTR_NULL(strstr(s, "<a "));
    free(s);
}

static void
test_landing_accept(void)
{
    CU_ASSERT_EQUAL(cmon_landing_wants_html(NULL), 0);
    CU_ASSERT_EQUAL(cmon_landing_wants_html("*/*"), 0);
    CU_ASSERT_EQUAL(cmon_landing_wants_html("text/plain"), 0);
    CU_ASSERT_EQUAL(cmon_landing_wants_html("text/html"), 1);
    CU_ASSERT_EQUAL(cmon_landing_wants_html("text/html,application/xhtml+xml,"
                                            "application/xml;q=0.9,*/*;q=0.8"),
                    1);
    CU_ASSERT_EQUAL(cmon_landing_wants_html("Text/HTML;q=0.5"), 1);
    CU_ASSERT_EQUAL(cmon_landing_wants_html("text/html;q=0, text/plain"), 0);
    CU_ASSERT_EQUAL(cmon_landing_wants_html("text/htmlx"), 0);
}

/* A free port is one a listener can take at once, and two calls give two ports. */
static void
test_listen_free_port(void)
{
    int p = cmon_listen_free_port();
    CU_ASSERT_FATAL(p > 0 && p < 65536);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CU_ASSERT_FATAL(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)p),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CU_ASSERT_EQUAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    CU_ASSERT_EQUAL(listen(fd, 1), 0);
    int q = cmon_listen_free_port(); /* p is taken now: never given again */
    CU_ASSERT(q > 0 && q != p);
    close(fd);
}
static const CU_TestInfo tests[] = {
    {"listen address forms", test_listen_forms},
    {"listen address errors", test_listen_errors},
    {"a free loopback port", test_listen_free_port},
    {"landing page html", test_landing_html},
    {"landing page text", test_landing_text},
    {"landing page accept", test_landing_accept},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "common_http", tests);
}
