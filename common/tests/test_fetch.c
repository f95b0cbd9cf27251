/*
 * test_fetch.c - common/fetch against a small libmicrohttpd server started
 * here on an ephemeral port of 127.0.0.1 (and on a unix socket). The server's
 * routes say what they test:
 *   /echo   200, the request's X-Test header, method and body in the body
 *   /status 418 with Content-Type text/x-teapot and header X-Extra: yes
 *   /enc    200 with Content-Encoding: x-test (nothing curl would decode)
 *   /big    200 with BIG_LEN bytes
 *   /slow   200 after SLOW_MS milliseconds
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <microhttpd.h>

#include "cunit_main.h"
#include "fetch.h"

#define BIG_LEN 100000
#define SLOW_MS 3000

/* What the server shares with the tests (the handler's closure). */
struct srv {
    struct MHD_Daemon *sv_daemon;
    struct MHD_Daemon *sv_unix_daemon;
    unsigned sv_port;
    char sv_sock[108];
    int sv_connections; /* connections opened, counted by MHD's notify callback */
    char sv_big[BIG_LEN];
};

/* One request's upload, gathered across the handler's calls. */
struct upload {
    char up_data[4096];
    size_t up_len;
};

static struct srv srv; /* the suite's server: CUnit tests take no arguments */

/* ---- the server --------------------------------------------------------- */

static enum MHD_Result
srv_reply(struct MHD_Connection *conn, unsigned status, const char *body, size_t len,
          const char *h1, const char *v1)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (h1 != NULL)
        MHD_add_response_header(r, h1, v1);
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result
srv_echo(struct MHD_Connection *conn, const char *method, const struct upload *up)
{
    const char *x = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Test");
    char body[4400];
    int n = snprintf(body, sizeof(body), "x-test=%s method=%s body=%.*s", x ? x : "-", method,
                     (int)up->up_len, up->up_data);
    return srv_reply(conn, 200, body, (size_t)n, "Content-Type", "text/plain");
}

static enum MHD_Result
srv_route(struct MHD_Connection *conn, const char *url, const char *method, const struct upload *up)
{
    if (strcmp(url, "/echo") == 0)
        return srv_echo(conn, method, up);
    if (strcmp(url, "/status") == 0) {
        struct MHD_Response *r = MHD_create_response_from_buffer(3, "tea", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Content-Type", "text/x-teapot");
        MHD_add_response_header(r, "X-Extra", "yes");
        enum MHD_Result rc = MHD_queue_response(conn, 418, r);
        MHD_destroy_response(r);
        return rc;
    }
    if (strcmp(url, "/enc") == 0)
        return srv_reply(conn, 200, "abc", 3, "Content-Encoding", "x-test");
    if (strcmp(url, "/big") == 0)
        return srv_reply(conn, 200, srv.sv_big, BIG_LEN, NULL, NULL);
    if (strcmp(url, "/slow") == 0) {
        struct timespec ts = {SLOW_MS / 1000, (SLOW_MS % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        return srv_reply(conn, 200, "late", 4, NULL, NULL);
    }
    return srv_reply(conn, 404, "no", 2, NULL, NULL);
}

static enum MHD_Result
srv_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
            const char *version, const char *data, size_t *data_len, void **state)
{
    struct upload *up = *state;
    (void)cls, (void)version;
    if (up == NULL) { /* the headers: answer once the body has come */
        *state = calloc(1, sizeof(struct upload));
        return *state ? MHD_YES : MHD_NO;
    }
    if (*data_len > 0) {
        size_t room = sizeof(up->up_data) - up->up_len;
        size_t n = *data_len < room ? *data_len : room;
        memcpy(up->up_data + up->up_len, data, n);
        up->up_len += n;
        *data_len = 0;
        return MHD_YES;
    }
    return srv_route(conn, url, method, up);
}

static void
srv_completed(void *cls, struct MHD_Connection *conn, void **state,
              enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)conn, (void)why;
    free(*state);
    *state = NULL;
}

static void
srv_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
           enum MHD_ConnectionNotificationCode code)
{
    struct srv *s = cls;
    (void)conn, (void)socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        __atomic_add_fetch(&s->sv_connections, 1, __ATOMIC_SEQ_CST);
}

static struct MHD_Daemon *
srv_start_on(int fd)
{
    return MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
                            NULL, NULL, srv_handler, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
                            MHD_OPTION_NOTIFY_COMPLETED, srv_completed, NULL,
                            MHD_OPTION_NOTIFY_CONNECTION, srv_notify, &srv, MHD_OPTION_END);
}

/* A listening socket on 127.0.0.1, port chosen by the kernel. */
static int
srv_tcp_socket(unsigned *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

static int
srv_unix_socket(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int
suite_init(void)
{
    memset(srv.sv_big, 'b', sizeof(srv.sv_big));
    int fd = srv_tcp_socket(&srv.sv_port);
    if (fd < 0 || (srv.sv_daemon = srv_start_on(fd)) == NULL)
        return -1;
    snprintf(srv.sv_sock, sizeof(srv.sv_sock), "/tmp/cmon-fetch-test-%d.sock", (int)getpid());
    unlink(srv.sv_sock);
    fd = srv_unix_socket(srv.sv_sock);
    if (fd < 0 || (srv.sv_unix_daemon = srv_start_on(fd)) == NULL)
        return -1;
    return 0;
}

static int
suite_clean(void)
{
    MHD_stop_daemon(srv.sv_daemon);
    MHD_stop_daemon(srv.sv_unix_daemon);
    unlink(srv.sv_sock);
    return 0;
}

static const char *
url_of(char *buf, size_t len, const char *path)
{
    snprintf(buf, len, "http://127.0.0.1:%u%s", srv.sv_port, path);
    return buf;
}

/* ---- the tests ---------------------------------------------------------- */

static void
test_status_and_headers(void)
{
    char url[128];
    struct fetch_req q = {.rq_url = url_of(url, sizeof(url), "/status"), .rq_timeout_s = 10};
    struct fetch_resp r = {0};
    CU_ASSERT_EQUAL_FATAL(fetch_once(&q, &r), 0);
    CU_ASSERT_EQUAL(r.rs_status, 418);
    CU_ASSERT_STRING_EQUAL(r.rs_content_type, "text/x-teapot");
    CU_ASSERT_STRING_EQUAL(r.rs_body, "tea");
    CU_ASSERT_EQUAL(r.rs_len, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.rs_headers, "X-Extra: yes\r\n"));
    CU_ASSERT_STRING_EQUAL(r.rs_error, "");
    q.rq_url = url_of(url, sizeof(url), "/enc");
    CU_ASSERT_EQUAL(fetch_once(&q, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.rs_content_encoding, "x-test");
    CU_ASSERT_STRING_EQUAL(r.rs_content_type, ""); /* not carried over from the last answer */
    CU_ASSERT_STRING_EQUAL(r.rs_body, "abc");
    fetch_resp_release(&r);
    CU_ASSERT_PTR_NULL(r.rs_body);
}

static void
test_request_headers_and_post(void)
{
    char url[128];
    const char *hdrs[] = {"X-Test: hello", NULL};
    struct fetch_req q = {.rq_url = url_of(url, sizeof(url), "/echo"), .rq_headers = hdrs};
    struct fetch_resp r = {0};
    CU_ASSERT_EQUAL_FATAL(fetch_once(&q, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.rs_body, "x-test=hello method=GET body=");
    q.rq_body = "a=1&b=2";
    q.rq_body_len = 7;
    CU_ASSERT_EQUAL_FATAL(fetch_once(&q, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.rs_body, "x-test=hello method=POST body=a=1&b=2");
    q.rq_body = NULL;
    q.rq_method = "DELETE";
    CU_ASSERT_EQUAL_FATAL(fetch_once(&q, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.rs_body, "x-test=hello method=DELETE body=");
    q.rq_method = "HEAD";
    CU_ASSERT_EQUAL_FATAL(fetch_once(&q, &r), 0);
    CU_ASSERT_EQUAL(r.rs_status, 200);
    CU_ASSERT_EQUAL(r.rs_len, 0);
    CU_ASSERT_STRING_EQUAL(r.rs_content_type, "text/plain");
    fetch_resp_release(&r);
}

static void
test_body_cap(void)
{
    char url[128];
    struct fetch_req q = {.rq_url = url_of(url, sizeof(url), "/big"), .rq_max_body = BIG_LEN};
    struct fetch_resp r = {0};
    CU_ASSERT_EQUAL(fetch_once(&q, &r), 0); /* exactly the cap: accepted whole */
    CU_ASSERT_EQUAL(r.rs_len, BIG_LEN);
    q.rq_max_body = BIG_LEN - 1;
    CU_ASSERT_EQUAL(fetch_once(&q, &r), -1);
    CU_ASSERT_EQUAL(r.rs_status, 0);
    CU_ASSERT_TRUE(r.rs_too_big);
    char want[256];
    snprintf(want, sizeof(want), "cannot fetch %s: body larger than %d bytes", url, BIG_LEN - 1);
    CU_ASSERT_STRING_EQUAL(r.rs_error, want);
    CU_ASSERT_TRUE(r.rs_len < BIG_LEN);
    fetch_resp_release(&r);
}

static void
test_timeout(void)
{
    char url[128];
    struct fetch_req q = {.rq_url = url_of(url, sizeof(url), "/slow"), .rq_timeout_s = 0.3};
    struct fetch_resp r = {0};
    time_t t0 = time(NULL);
    CU_ASSERT_EQUAL(fetch_once(&q, &r), -1);
    CU_ASSERT_TRUE(time(NULL) - t0 <= 1); /* under 2 s: it did not wait for the answer */
    CU_ASSERT_TRUE(r.rs_ms < SLOW_MS / 2);
    CU_ASSERT_EQUAL(r.rs_status, 0);
    CU_ASSERT_EQUAL(strncmp(r.rs_error, "cannot fetch ", 13), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.rs_error, url));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.rs_error, "timed out"));
    fetch_resp_release(&r);
}

/* A request cancelled from another thread stops long before /slow answers. */
static void *
cancel_later(void *flag)
{
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    __atomic_store_n((int *)flag, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void
test_cancel(void)
{
    char url[128];
    int flag = 0;
    pthread_t t;
    struct fetch_req q = {.rq_url = url_of(url, sizeof(url), "/slow"), .rq_cancel = &flag};
    struct fetch_resp r = {0};
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, cancel_later, &flag), 0);
    CU_ASSERT_EQUAL(fetch_once(&q, &r), -1);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(r.rs_status, 0); /* /slow would have answered 200 */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.rs_error, "cancelled"));
    fetch_resp_release(&r);
    /* an unset flag changes nothing */
    flag = 0;
    q.rq_url = url_of(url, sizeof(url), "/echo");
    CU_ASSERT_EQUAL(fetch_once(&q, &r), 0);
    CU_ASSERT_EQUAL(r.rs_status, 200);
    fetch_resp_release(&r);
}

/* The kernel timer gives up in time even when the process's clocks stand
 * still: ctest runs this case again under libfaketime with a frozen clock
 * (common_fetch_frozen_clock), where curl's own timeout never fires. */
static void
test_timeout_kernel(void)
{
    char url[128];
    struct fetch_req q = {
        .rq_url = url_of(url, sizeof(url), "/slow"), .rq_timeout_s = 0.3, .rq_timeout_kernel = 1};
    struct fetch_resp r = {0};
    CU_ASSERT_EQUAL(fetch_once(&q, &r), -1); /* /slow would answer 200 after 3 s */
    CU_ASSERT_EQUAL(r.rs_status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.rs_error, url));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.rs_error, "timed out"));
    q.rq_url = url_of(url, sizeof(url), "/status");
    CU_ASSERT_EQUAL(fetch_once(&q, &r), 0); /* a quick answer comes through the same way */
    CU_ASSERT_EQUAL(r.rs_status, 418);
    CU_ASSERT_STRING_EQUAL(r.rs_body, "tea");
    fetch_resp_release(&r);
}

static void
test_connection_refused(void)
{
    unsigned port;
    int fd = srv_tcp_socket(&port); /* a port that was free: closed again, nobody listens */
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    char url[128], want[160];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", port);
    struct fetch_req q = {.rq_url = url, .rq_timeout_s = 5};
    struct fetch_resp r = {0};
    CU_ASSERT_EQUAL(fetch_once(&q, &r), -1);
    CU_ASSERT_EQUAL(r.rs_status, 0);
    snprintf(want, sizeof(want), "cannot fetch %s: ", url);
    CU_ASSERT_EQUAL(strncmp(r.rs_error, want, strlen(want)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.rs_error, "onnect")); /* curl's words: "Couldn't connect" */
    CU_ASSERT_STRING_EQUAL(r.rs_body, "");
    fetch_resp_release(&r);
}

static void
test_unix_socket(void)
{
    struct fetch_req q = {.rq_url = "http://localhost/echo",
                          .rq_unix_socket = srv.sv_sock,
                          .rq_body = "over a socket",
                          .rq_body_len = 13};
    struct fetch_resp r = {0};
    CU_ASSERT_EQUAL_FATAL(fetch_once(&q, &r), 0);
    CU_ASSERT_EQUAL(r.rs_status, 200);
    CU_ASSERT_STRING_EQUAL(r.rs_body, "x-test=- method=POST body=over a socket");
    q.rq_unix_socket = "/nonexistent/cmon.sock";
    CU_ASSERT_EQUAL(fetch_once(&q, &r), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.rs_error, "http://localhost/echo"));
    fetch_resp_release(&r);
}

static void
test_keep_alive(void)
{
    char url[128];
    fetch_t *f = fetch_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    struct fetch_req q = {.rq_url = url_of(url, sizeof(url), "/echo"), .rq_timeout_s = 10};
    struct fetch_resp r = {0};
    int before = __atomic_load_n(&srv.sv_connections, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(fetch_perform(f, &q, &r), 0);
        CU_ASSERT_EQUAL(r.rs_status, 200);
    }
    CU_ASSERT_EQUAL(__atomic_load_n(&srv.sv_connections, __ATOMIC_SEQ_CST) - before, 1);
    fetch_free(f);
    fetch_resp_release(&r);
}

struct sink_seen {
    size_t ss_bytes;
    int ss_calls;
    int ss_stop_after; /* stop at this call, 0: never */
    char ss_type[128];
};

static int
sink_count(const struct fetch_resp *resp, const char *buf, size_t len, void *arg)
{
    struct sink_seen *s = arg;
    (void)buf;
    snprintf(s->ss_type, sizeof(s->ss_type), "%s", resp->rs_content_type);
    s->ss_bytes += len;
    return ++s->ss_calls == s->ss_stop_after;
}

static void
test_sink(void)
{
    char url[128];
    struct sink_seen seen = {0};
    struct fetch_req q = {
        .rq_url = url_of(url, sizeof(url), "/echo"), .rq_sink = sink_count, .rq_sink_arg = &seen};
    struct fetch_resp r = {0};
    CU_ASSERT_EQUAL(fetch_once(&q, &r), 0);
    CU_ASSERT_EQUAL(seen.ss_bytes, strlen("x-test=- method=GET body="));
    CU_ASSERT_STRING_EQUAL(seen.ss_type, "text/plain");
    CU_ASSERT_EQUAL(r.rs_len, 0);                   /* went to the sink, not the buffer */
    q.rq_url = url_of(url, sizeof(url), "/status"); /* not 200: kept in the buffer */
    memset(&seen, 0, sizeof(seen));
    CU_ASSERT_EQUAL(fetch_once(&q, &r), 0);
    CU_ASSERT_EQUAL(seen.ss_calls, 0);
    CU_ASSERT_STRING_EQUAL(r.rs_body, "tea");
    q.rq_url = url_of(url, sizeof(url), "/big");
    seen = (struct sink_seen){.ss_stop_after = 1};
    CU_ASSERT_EQUAL(fetch_once(&q, &r), -1);
    CU_ASSERT_TRUE(r.rs_stopped);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.rs_error, "stopped by the caller"));
    fetch_resp_release(&r);
}

struct many_seen {
    int ms_done;
    int ms_stop_at; /* stop after this many, 0: never */
};

static int
many_done(void *arg, size_t i)
{
    struct many_seen *m = arg;
    (void)i;
    return ++m->ms_done == m->ms_stop_at;
}

static void
test_many(void)
{
    enum { N = 7 };
    char urls[N][128];
    struct fetch_call call[N], *calls[N];
    memset(call, 0, sizeof(call));
    for (int i = 0; i < N; i++) {
        call[i].fc_req.rq_url = url_of(urls[i], sizeof(urls[i]), i == 3 ? "/status" : "/echo");
        call[i].fc_req.rq_timeout_s = 10;
        calls[i] = &call[i];
    }
    struct many_seen seen = {0};
    CU_ASSERT_EQUAL(fetch_many(calls, N, 3, many_done, &seen), 0);
    CU_ASSERT_EQUAL(seen.ms_done, N);
    for (int i = 0; i < N; i++) {
        CU_ASSERT_EQUAL(call[i].fc_resp.rs_status, i == 3 ? 418 : 200);
        CU_ASSERT_STRING_EQUAL(call[i].fc_resp.rs_body,
                               i == 3 ? "tea" : "x-test=- method=GET body=");
    }
    call[1].fc_req.rq_url = url_of(urls[1], sizeof(urls[1]), "/slow"); /* still in flight */
    seen = (struct many_seen){.ms_stop_at = 1};
    CU_ASSERT_EQUAL(fetch_many(calls, 2, 2, many_done, &seen), 1);
    CU_ASSERT_EQUAL(seen.ms_done, 1);
    CU_ASSERT_EQUAL(call[1].fc_resp.rs_status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(call[1].fc_resp.rs_error, "abandoned"));
    for (int i = 0; i < N; i++)
        fetch_resp_release(&call[i].fc_resp);
}

static const CU_TestInfo tests[] = {
    {"status and headers", test_status_and_headers},
    {"request headers, POST, DELETE, HEAD", test_request_headers_and_post},
    {"body cap", test_body_cap},
    {"timeout", test_timeout},
    {"cancel", test_cancel},
    {"timeout, kernel timer", test_timeout_kernel},
    {"connection refused", test_connection_refused},
    {"unix socket", test_unix_socket},
    {"keep-alive", test_keep_alive},
    {"sink", test_sink},
    {"many", test_many},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    const cunit_suite_t suites[] = {{"fetch", suite_init, suite_clean, tests},
                                    {NULL, NULL, NULL, NULL}};

    return cunit_main_suites(argc, argv, suites);
}
