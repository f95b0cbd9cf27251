/*
 * url_test.c - cmon-conform against URLs: a libmicrohttpd server on a free
 * port serves expositions with a chosen Content-Type and records the Accept
 * header; a refused port and a server that never answers (--timeout) must
 * give exit 2. Usage: conform_url_test PATH-TO-cmon-conform
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <microhttpd.h>

#include "cunit_main.h"
#include "cmon_spawn.h"

static const char *conform_bin;

/* What the test server answers, and what it saw. */
typedef struct serve {
    const char *sv_body;
    const char *sv_ctype;
    unsigned sv_status;
    char sv_accept[256];
} serve_t;

static enum MHD_Result
serve_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
              const char *version, const char *upload, size_t *upload_len, void **state)
{
    serve_t *sv = cls;
    struct MHD_Response *resp;
    const char *accept;
    enum MHD_Result rc;

    (void)url, (void)method, (void)version, (void)upload, (void)upload_len, (void)state;
    accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");
    snprintf(sv->sv_accept, sizeof(sv->sv_accept), "%s", accept ? accept : "");
    resp = MHD_create_response_from_buffer(strlen(sv->sv_body), (void *)sv->sv_body,
                                           MHD_RESPMEM_PERSISTENT);
    if (sv->sv_ctype)
        MHD_add_response_header(resp, "Content-Type", sv->sv_ctype);
    rc = MHD_queue_response(conn, sv->sv_status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* Run cmon-conform with args; returns its exit status (-1 if it did not
 * exit normally). stderr goes to /dev/null. */
static int
run_conform(const char *a1, const char *a2, const char *a3, const char *a4)
{
    const char *argv[6] = {conform_bin, a1, a2, a3, a4, NULL};
    spawn_opts_t o = {.so_stderr = {.sio_kind = SPAWN_IO_NULL}};
    int status;

    /* a hung child is killed at 120 s rather than hanging the suite */
    if (spawn_run((char *const *)argv, &o, 120000, NULL, NULL, &status) != 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
serve_url(serve_t *sv, struct MHD_Daemon **d, char *url, size_t n)
{
    const union MHD_DaemonInfo *info;
    struct sockaddr_in sa;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, serve_handler, sv,
                          MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
    if (*d == NULL)
        return -1;
    info = MHD_get_daemon_info(*d, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(url, n, "http://127.0.0.1:%u/metrics", (unsigned)info->port);
    return 0;
}

static void
test_content_type_and_accept(void)
{
    serve_t sv = {"# TYPE foo info\nfoo_info{a=\"b\"} 1\n# EOF\n",
                  "application/openmetrics-text; version=1.0.0; charset=utf-8", 200, ""};
    struct MHD_Daemon *d;
    char url[128];

    CU_ASSERT_FATAL(serve_url(&sv, &d, url, sizeof(url)) == 0);
    CU_ASSERT_EQUAL(run_conform(url, NULL, NULL, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(sv.sv_accept, "application/openmetrics-text"));
    CU_ASSERT_EQUAL(run_conform("--format", "text", url, NULL), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(sv.sv_accept, "text/plain; version=0.0.4"));
    CU_ASSERT_PTR_NULL(strstr(sv.sv_accept, "openmetrics"));
    CU_ASSERT_EQUAL(run_conform("--format", "openmetrics", url, NULL), 0);
    CU_ASSERT_STRING_EQUAL(sv.sv_accept,
                           "application/openmetrics-text; version=1.0.0; charset=utf-8");
    /* the same body served as text 0.0.4: 'info' is no text type */
    sv.sv_ctype = "text/plain; version=0.0.4; charset=utf-8";
    CU_ASSERT_EQUAL(run_conform(url, NULL, NULL, NULL), 1);
    sv.sv_body = "foo 1\n";
    CU_ASSERT_EQUAL(run_conform(url, NULL, NULL, NULL), 0);
    sv.sv_ctype = "application/openmetrics-text; version=1.0.0";
    CU_ASSERT_EQUAL(run_conform(url, NULL, NULL, NULL), 1); /* no # EOF */
    sv.sv_body = "";
    sv.sv_ctype = "text/plain; version=0.0.4";
    CU_ASSERT_EQUAL(run_conform(url, NULL, NULL, NULL), 0);
    sv.sv_status = 404;
    sv.sv_body = "container not found\n";
    CU_ASSERT_EQUAL(run_conform(url, NULL, NULL, NULL), 2);
    MHD_stop_daemon(d);
}

/* A listening socket on a free port; `accept_it` 0 leaves it never served. */
static int
listen_free(int *port)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

static void
test_refused_and_hang(void)
{
    char url[128];
    int port = 0, fd;

    fd = listen_free(&port);
    CU_ASSERT_FATAL(fd >= 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", port);
    /* accepted by the kernel, never answered: the timeout must end it */
    CU_ASSERT_EQUAL(run_conform("--timeout", "1", url, NULL), 2);
    close(fd);
    /* the port is closed now: connection refused */
    CU_ASSERT_EQUAL(run_conform("--timeout", "5", url, NULL), 2);
    CU_ASSERT_EQUAL(run_conform("http://[::1", NULL, NULL, NULL), 2);
    CU_ASSERT_EQUAL(run_conform("--timeout", "x", url, NULL), 2);
}

static const CU_TestInfo tests[] = {
    {"content type and accept", test_content_type_and_accept},
    {"refused and hanging servers", test_refused_and_hang},
    {NULL, NULL},
};

/* url_test CMON_CONFORM [TEST]: runs cmon-conform --url against servers of its own. */
int
main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    conform_bin = argv[1];
    signal(SIGPIPE, SIG_IGN);
    return cunit_main(argc - 1, argv + 1, "conform-url", tests);
}
