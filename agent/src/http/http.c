/* http - libmicrohttpd server and route table. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gzip.h"
#include "httpguard.h"
#include "listen.h"
#include "log.h"
#include "monotime.h"
#include "negotiate.h"

#define HTTP_MAX_URL 1024

struct http_server {
    struct MHD_Daemon *hs_daemon;
    httpguard_t *hs_guard; /* limits and deadlines (httpguard.h); freed after the daemon */
    const http_route_t *hs_routes;
    void *hs_ctx;
    selfstats_t *hs_stats;
    unsigned hs_port;
};

/* Marks a connection whose request headers have been seen. */
static const int http_started_marker;

/* ---- routing ---------------------------------------------------------- */

/* Matches one pattern; copies the "{}" segment. 1 on a match. */
static int
http_path_match(const char *pat, const char *path, char *param, size_t plen)
{
    while (*pat != '\0' && *path != '\0') {
        if (pat[0] == '{' && pat[1] == '}') {
            size_t n = strcspn(path, "/");
            if (n == 0 || n >= plen)
                return 0;
            memcpy(param, path, n);
            param[n] = '\0';
            pat += 2;
            path += n;
            continue;
        }
        if (*pat != *path)
            return 0;
        pat++;
        path++;
    }
    return *pat == '\0' && *path == '\0';
}

const http_route_t *
http_route_match(const http_route_t *table, unsigned method, const char *path, char *param_buf,
                 size_t param_len, unsigned *status)
{
    for (const http_route_t *rt = table; rt->rt_path != NULL; rt++) {
        if (!http_path_match(rt->rt_path, path, param_buf, param_len))
            continue;
        *status = (rt->rt_methods & method) ? 200 : 405;
        return rt;
    }
    *status = 404;
    return NULL;
}

void
http_allow(unsigned methods, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", (methods & HTTP_GET) ? "GET, " : "",
             (methods & HTTP_HEAD) ? "HEAD, " : "", (methods & HTTP_POST) ? "POST, " : "");
    size_t n = strlen(buf);
    if (n >= 2)
        buf[n - 2] = '\0';
}

static unsigned
http_method_bit(const char *method)
{
    if (strcmp(method, MHD_HTTP_METHOD_GET) == 0)
        return HTTP_GET;
    if (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
        return HTTP_HEAD;
    if (strcmp(method, MHD_HTTP_METHOD_POST) == 0)
        return HTTP_POST;
    return 0x100; /* any other: matches no route's set */
}

/* ---- answering -------------------------------------------------------- */

static void
http_error_body(http_resp_t *resp, unsigned code, const char *msg)
{
    resp->hs_code = code;
    sbuf_reset(&resp->hs_body);
    sbuf_adds(&resp->hs_body, msg);
    sbuf_addc(&resp->hs_body, '\n');
    resp->hs_ctype = "text/plain; charset=utf-8";
    resp->hs_compressible = 0;
}

/* Compresses the body in place when allowed. Sets *gzipped. */
static void
http_maybe_gzip(http_resp_t *resp, const char *accept_encoding, int *gzipped)
{
    *gzipped = 0;
    if (!resp->hs_compressible || !negotiate_gzip(accept_encoding) || resp->hs_body.sb_len == 0)
        return;
    sbuf_t z = SBUF_INIT;
    if (gzip_compress(resp->hs_body.sb_buf, resp->hs_body.sb_len, &z) != 0) {
        sbuf_release(&z);
        return; /* serve it uncompressed */
    }
    sbuf_release(&resp->hs_body);
    resp->hs_body = z;
    *gzipped = 1;
}

static enum MHD_Result
http_send(struct MHD_Connection *conn, http_resp_t *resp, const char *allow, int gzipped)
{
    size_t len;
    char *body = sbuf_detach(&resp->hs_body, &len);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body != NULL ? body : (char *)"",
                                                             body != NULL ? MHD_RESPMEM_MUST_FREE
                                                                          : MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            resp->hs_ctype != NULL ? resp->hs_ctype : "text/plain; charset=utf-8");
    if (resp->hs_vary != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, resp->hs_vary);
    if (gzipped)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    if (allow != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ret = MHD_queue_response(conn, resp->hs_code, r);
    MHD_destroy_response(r);
    return ret;
}

/* Routes one complete request into resp; *allow set for a 405, *route the
 * route's name ("unknown" when none took it, as the original counts them). */
static void
http_dispatch(struct http_server *srv, struct MHD_Connection *conn, const char *url,
              const char *method, http_resp_t *resp, char *allow, size_t allow_len,
              const char **route)
{
    char param[256];
    unsigned status;
    *route = "unknown";
    if (strlen(url) > HTTP_MAX_URL) {
        http_error_body(resp, 414, "uri too long");
        return;
    }
    unsigned mbit = http_method_bit(method);
    const http_route_t *rt =
        http_route_match(srv->hs_routes, mbit, url, param, sizeof(param), &status);
    if (status == 404) {
        http_error_body(resp, 404, "not found");
        return;
    }
    if (status == 405) {
        http_allow(rt->rt_methods, allow, allow_len);
        http_error_body(resp, 405, "method not allowed");
        return;
    }
    if (rt->rt_name != NULL)
        *route = rt->rt_name;
    http_req_t req = {
        .hr_method = mbit,
        .hr_path = url,
        .hr_param = strstr(rt->rt_path, "{}") != NULL ? param : NULL,
        .hr_accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept"),
        .hr_accept_encoding = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding"),
        .hr_cmon_opts = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "x-joyent-cmon-opts"),
    };
    resp->hs_code = 200;
    if (rt->rt_handler(srv->hs_ctx, &req, resp) != 0 || sbuf_failed(&resp->hs_body)) {
        log_msg(LOG_ERR, "cannot answer %s %s: %s", method, url, strerror(errno));
        http_error_body(resp, 500, "internal error");
    }
}

static enum MHD_Result
http_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
            const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    struct http_server *srv = cls;
    if (*con_cls == NULL) {
        *con_cls = (void *)&http_started_marker;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* no route takes a body: discard it */
        return MHD_YES;
    }
    double t0 = cmon_monotime_s();
    http_resp_t resp = {.hs_body = SBUF_INIT};
    char allow[64] = "";
    const char *route;
    http_dispatch(srv, conn, url, method, &resp, allow, sizeof(allow), &route);
    int gzipped;
    http_maybe_gzip(&resp, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding"),
                    &gzipped);
    selfstats_request(srv->hs_stats, resp.hs_code);
    log_msg(LOG_DEBUG, "%s %.200s %u %zu%s", method, url, resp.hs_code, resp.hs_body.sb_len,
            gzipped ? " gzip" : "");
    enum MHD_Result ret = http_send(conn, &resp, allow[0] != '\0' ? allow : NULL, gzipped);
    /* counted once answered: an answer of the agent's own metrics does not
     * count itself (reference 3.7) */
    selfstats_http(srv->hs_stats, route, method,
                   MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "User-Agent"), resp.hs_code,
                   cmon_monotime_s() - t0);
    sbuf_release(&resp.hs_body);
    return ret;
}

/* ---- the daemon ------------------------------------------------------- */

static void
http_log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[256];
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    log_msg(LOG_DEBUG, "http: %s", line);
}

/* The address family is one the agent listens on: IPv4 or IPv6 (the IPv6
 * wildcard ":PORT" takes IPv4 too: listen.h). */
static int
http_family_ok(const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET || sa->sa_family == AF_INET6;
}

static unsigned
http_bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* The guard's log lines (httpguard.h): refusals and cuts, rate-limited per
 * kind (--log-interval). */
static void
http_guard_log(void *cls, const char *kind, const char *what)
{
    (void)cls;
    (void)kind; /* the guard rate-limits its lines itself */
    log_msg(LOG_WARN, "%s", what);
}

static httpguard_t *
http_guard_new(const http_opts_t *o, struct http_server *srv)
{
    httpguard_limits_t lim = {.hg_max_conns = o->ho_max_conns,
                              .hg_max_per_client = o->ho_max_per_client,
                              .hg_header_timeout = o->ho_header_timeout,
                              .hg_idle_timeout = o->ho_idle_timeout,
                              .hg_conn_memory = o->ho_conn_memory,
                              .hg_max_url = HTTP_MAX_URL,
                              .hg_threads = o->ho_threads,
                              .hg_log_interval = o->ho_log_interval};
    return httpguard_new(&lim, http_access, srv, NULL, NULL, http_guard_log, NULL);
}

/* The daemon behind the guard's gate: no listening socket of its own, the
 * guard's access handler and limits. */
static struct MHD_Daemon *
http_daemon_start(const http_opts_t *o, httpguard_t *guard)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_EPOLL_TURBO |
                     MHD_USE_ERROR_LOG | HTTPGUARD_DAEMON_FLAGS;
    struct MHD_OptionItem limits[HTTPGUARD_OPTIONS_MAX];
    httpguard_options(guard, limits);
    return MHD_start_daemon(
        flags, 0, NULL, NULL, httpguard_access, guard, MHD_OPTION_EXTERNAL_LOGGER, http_log_mhd,
        NULL, /* first: it must see every message */
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(o->ho_threads > 1 ? o->ho_threads : 0),
        MHD_OPTION_ARRAY, limits, MHD_OPTION_END);
}

/* The listening socket (a backlog for bursts of thousands of connections:
 * the gate decides on each), the guard, the daemon, the gate opened. 0, or
 * -1 with errno; what started is left in srv for http_server_stop(). */
static int
http_server_open(const http_opts_t *o, struct http_server *srv)
{
    int fd = cmon_listen_socket(o->ho_addr, 1024);
    if (fd < 0)
        return -1;
    srv->hs_port = http_bound_port(fd);
    srv->hs_guard = http_guard_new(o, srv);
    if (srv->hs_guard != NULL)
        srv->hs_daemon = http_daemon_start(o, srv->hs_guard);
    if (srv->hs_daemon == NULL) {
        int saved = errno != 0 ? errno : ENOMEM;
        close(fd);
        errno = saved;
        return -1;
    }
    return httpguard_listen(srv->hs_guard, srv->hs_daemon, fd);
}

http_server_t *
http_server_start(const http_opts_t *o, const http_route_t *routes, void *ctx, selfstats_t *stats)
{
    if (!http_family_ok(o->ho_addr)) {
        errno = EAFNOSUPPORT;
        return NULL;
    }
    http_server_t *srv = calloc(1, sizeof(*srv));
    if (srv == NULL)
        return NULL;
    srv->hs_routes = routes;
    srv->hs_ctx = ctx;
    srv->hs_stats = stats;
    if (http_server_open(o, srv) != 0) {
        int saved = errno;
        http_server_stop(srv);
        errno = saved;
        return NULL;
    }
    return srv;
}

unsigned
http_server_port(const http_server_t *srv)
{
    return srv->hs_port;
}

void
http_server_stop(http_server_t *srv)
{
    if (srv == NULL)
        return;
    httpguard_close(srv->hs_guard); /* nothing handed to the daemon from now on */
    if (srv->hs_daemon != NULL)
        MHD_stop_daemon(srv->hs_daemon);
    httpguard_free(srv->hs_guard);
    free(srv);
}
