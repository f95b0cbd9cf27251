/* server: libmicrohttpd daemons for the TCP endpoints and the control socket. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmon_version.h"
#include "control.h"
#include "gzip.h"
#include "landing.h"
#include "listen.h"
#include "negotiate.h"
#include "probe.h"

#define SERVER_MAX_BODY 65536

/* ---- responses ---------------------------------------------------------- */

static enum MHD_Result
server_reply(struct MHD_Connection *c, unsigned code, char *body, size_t len, const char *ctype,
             const char *allow)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body, body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (allow != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result rc = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result
server_text(struct MHD_Connection *c, unsigned code, const char *msg, const char *allow)
{
    char *body = NULL;
    if (asprintf(&body, "%s\n", msg) < 0)
        return MHD_NO;
    return server_reply(c, code, body, strlen(body), "text/plain; charset=utf-8", allow);
}

/* ---- TCP: /metrics and /status ----------------------------------------- */

/* The exposition as sent: gzip'd when Accept-Encoding allows it (as
 * client_golang's promhttp, which ContainerPilot served with), else as is.
 * Vary tells caches the body depends on that header. */
static enum MHD_Result
server_metrics_reply(struct MHD_Connection *c, sbuf_t *text, expo_format_t f)
{
    bool gzip = negotiate_gzip(
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
    sbuf_t z;
    sbuf_init(&z, text->sb_len / 4 + 64);
    if (gzip && gzip_compress(text->sb_buf, text->sb_len, &z) != 0) {
        sbuf_release(&z);
        return server_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", NULL);
    }
    size_t len;
    char *body = sbuf_detach(gzip ? &z : text, &len);
    sbuf_release(gzip ? text : &z);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, expofmt_content_type(f));
    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    if (gzip)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result
server_metrics(struct server *s, struct MHD_Connection *c)
{
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
    expo_format_t f = negotiate_format(accept);
    sbuf_t b;
    sbuf_init(&b, 16384);
    registry_render(s->sv_reg, f, prober_now(), &b);
    if (sbuf_failed(&b)) {
        sbuf_release(&b);
        return server_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", NULL);
    }
    return server_metrics_reply(c, &b, f);
}

static enum MHD_Result
server_status(struct server *s, struct MHD_Connection *c)
{
    json_t *st = registry_status(s->sv_reg, s->sv_listen, s->sv_socket);
    char *body = json_dumps(st, JSON_INDENT(2));
    json_decref(st);
    if (body == NULL)
        return MHD_NO;
    return server_reply(c, MHD_HTTP_OK, body, strlen(body), "application/json", NULL);
}

/* The endpoints GET / lists, one line each; server_http routes them (ctest
 * telemetry_cli checks each path it routes has its link here). */
static const cmon_landing_link_t server_links[] = {
    {.ll_method = "GET",
     .ll_path = "/metrics",
     .ll_doc = "the application's metrics and cmon-telemetry's own (text 0.0.4, or "
               "OpenMetrics when Accept asks)"},
    {.ll_method = "GET",
     .ll_path = "/status",
     .ll_doc = "JSON: every sensor's runs and last value, the metrics, -putmetric answers"},
};

/* GET / : what this is and its endpoints (landing.h). */
static enum MHD_Result
server_landing(struct MHD_Connection *c)
{
    static const cmon_landing_t page = {
        .lp_program = "cmon-telemetry",
        .lp_version = CMON_VERSION,
        .lp_summary = "An application's own metrics, as ContainerPilot's telemetry served them.",
        .lp_links = server_links,
        .lp_nlinks = sizeof(server_links) / sizeof(server_links[0]),
    };
    int html = cmon_landing_wants_html(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept"));
    size_t len;
    char *body = cmon_landing_render(&page, html, &len);
    if (body == NULL)
        return MHD_NO;
    return server_reply(c, MHD_HTTP_OK, body, len,
                        html ? CMON_LANDING_CT_HTML : CMON_LANDING_CT_TEXT, NULL);
}

static enum MHD_Result
server_http(void *cls, struct MHD_Connection *c, const char *url, const char *method,
            const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    struct server *s = cls;
    bool metrics = strcmp(url, "/metrics") == 0, status = strcmp(url, "/status") == 0;
    bool landing = strcmp(url, "/") == 0;
    if (!metrics && !status && !landing)
        return server_text(c, MHD_HTTP_NOT_FOUND, "not found", NULL);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        if (*con_cls == NULL) { /* let MHD read (and drop) any body first */
            *con_cls = s;
            return MHD_YES;
        }
        if (*upload_size != 0) {
            *upload_size = 0;
            return MHD_YES;
        }
        return server_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed", "GET, HEAD");
    }
    if (landing)
        return server_landing(c);
    return metrics ? server_metrics(s, c) : server_status(s, c);
}

/* ---- control socket: POST /v3/metric ------------------------------------ */

struct upload {
    sbuf_t up_body;
    bool up_too_big;
};

/* One control socket request, answered by control.h; refusals logged. */
static enum MHD_Result
server_ctl_answer(struct server *s, struct MHD_Connection *c, const char *url, const char *method,
                  struct upload *up)
{
    sbuf_t msg;
    if (sbuf_init(&msg, 128) != 0)
        return MHD_NO;
    int code = up->up_too_big ? 413 : 0;
    if (code == 413) {
        sbuf_adds(&msg, "body over 65536 bytes\n");
        registry_control_request(s->sv_reg, url, code);
    } else {
        code = control_answer(s->sv_control, method, url, up->up_body.sb_buf, up->up_body.sb_len,
                              prober_now(), &msg);
    }
    if (code != 200 && !s->sv_quiet)
        fprintf(stderr, "cmon-telemetry: control %s %.200s: %d: %s", method, url, code, msg.sb_buf);
    size_t len;
    char *body = sbuf_detach(&msg, &len);
    return server_reply(c, (unsigned)code, body, body ? len : 0, "text/plain; charset=utf-8",
                        code == 405 ? control_allow(url) : NULL);
}

static enum MHD_Result
server_ctl(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    struct server *s = cls;
    struct upload *up = *con_cls;
    if (up == NULL) { /* first call: headers only */
        up = calloc(1, sizeof *up);
        if (up == NULL || sbuf_init(&up->up_body, 256) != 0) {
            free(up);
            return MHD_NO;
        }
        *con_cls = up;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        if (up->up_body.sb_len + *upload_size > SERVER_MAX_BODY)
            up->up_too_big = true;
        else
            sbuf_add(&up->up_body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    return server_ctl_answer(s, c, url, method, up);
}

static void
server_ctl_done(void *cls, struct MHD_Connection *c, void **con_cls,
                enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct upload *up = *con_cls;
    if (up != NULL) {
        sbuf_release(&up->up_body);
        free(up);
    }
    *con_cls = NULL;
}

/* ---- sockets and daemons ------------------------------------------------ */

static int
server_tcp_socket(const struct sockaddr *addr, socklen_t len, char *err, size_t errlen)
{
    (void)len; /* cmon_listen_socket() knows it from the family */
    /* a backlog for bursts of thousands of connections (httpguard.h decides on each) */
    int fd = cmon_listen_socket(addr, 1024);
    if (fd < 0) {
        char where[INET6_ADDRSTRLEN + 10];
        snprintf(err, errlen, "cannot listen on %s: %s",
                 cmon_listen_format(addr, where, sizeof(where)), strerror(errno));
        return -1;
    }
    return fd;
}

static int
server_unix_socket(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sun.sun_path) {
        snprintf(err, errlen, "socket path too long: %s", path);
        return -1;
    }
    strcpy(sun.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool live = probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof sun) == 0;
        if (probe >= 0)
            close(probe);
        if (live) {
            snprintf(err, errlen, "cannot listen on %s: another process serves it", path);
            return -1;
        }
        unlink(path); /* stale, from an earlier run */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0 || listen(fd, 64) != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void
server_describe(struct server *s, int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?";
    getsockname(fd, (struct sockaddr *)&ss, &len);
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        snprintf(s->sv_listen, sizeof s->sv_listen, "[%s]:%u", host, ntohs(a->sin6_port));
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        snprintf(s->sv_listen, sizeof s->sv_listen, "%s:%u", host, ntohs(a->sin_port));
    }
}

/* The guard's refusals and cuts, one line each unless quiet. */
static void
server_guard_log(void *cls, const char *kind, const char *what)
{
    (void)kind;
    struct server *s = cls;
    if (!s->sv_quiet)
        fprintf(stderr, "cmon-telemetry: %s\n", what);
}

/* A daemon behind a guard of limits (httpguard.h), stored in *guard (the
 * caller frees it after the daemon), whose gate accepts on fd. fd is theirs
 * whatever happens. NULL when either cannot start. */
static struct MHD_Daemon *
server_daemon(int fd, MHD_AccessHandlerCallback h, struct server *s,
              MHD_RequestCompletedCallback done, const httpguard_limits_t *limits,
              httpguard_t **guard)
{
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | HTTPGUARD_DAEMON_FLAGS;
    struct MHD_OptionItem opts[HTTPGUARD_OPTIONS_MAX];
    struct MHD_Daemon *d = NULL;
    *guard = httpguard_new(limits, h, s, done, s, server_guard_log, s);
    if (*guard != NULL) {
        httpguard_options(*guard, opts);
        d = MHD_start_daemon(flags, 0, NULL, NULL, httpguard_access, *guard, MHD_OPTION_ARRAY, opts,
                             MHD_OPTION_END);
    }
    if (d == NULL) {
        close(fd);
        return NULL;
    }
    if (httpguard_listen(*guard, d, fd) != 0) {
        httpguard_close(*guard);
        MHD_stop_daemon(d);
        return NULL;
    }
    return d;
}

int
server_start(struct server *s, struct registry *r, struct control *verbs,
             const struct sockaddr *addr, socklen_t addrlen, const char *socket_path, char *err,
             size_t errlen)
{
    static const httpguard_limits_t defaults = SERVER_LIMITS_DEFAULT;
    return server_start_limited(s, r, verbs, addr, addrlen, socket_path, &defaults, err, errlen);
}

int
server_start_limited(struct server *s, struct registry *r, struct control *verbs,
                     const struct sockaddr *addr, socklen_t addrlen, const char *socket_path,
                     const httpguard_limits_t *limits, char *err, size_t errlen)
{
    httpguard_limits_t local = *limits;
    local.hg_max_per_client = 0; /* the control socket: every client is local */
    memset(s, 0, sizeof *s);
    s->sv_reg = r;
    s->sv_control = verbs;
    int tcp = server_tcp_socket(addr, addrlen, err, errlen);
    if (tcp < 0)
        return -1;
    int ctl = server_unix_socket(socket_path, err, errlen);
    if (ctl < 0) {
        close(tcp);
        return -1;
    }
    server_describe(s, tcp);
    s->sv_socket = strdup(socket_path);
    s->sv_http = server_daemon(tcp, server_http, s, NULL, limits, &s->sv_guard_http);
    s->sv_ctl = server_daemon(ctl, server_ctl, s, server_ctl_done, &local, &s->sv_guard_ctl);
    if (s->sv_http == NULL || s->sv_ctl == NULL) {
        snprintf(err, errlen, "cannot start the HTTP server");
        server_stop(s);
        return -1;
    }
    return 0;
}

void
server_stop(struct server *s)
{
    httpguard_close(s->sv_guard_http); /* nothing handed to the daemons from now on */
    httpguard_close(s->sv_guard_ctl);
    if (s->sv_http != NULL)
        MHD_stop_daemon(s->sv_http);
    if (s->sv_ctl != NULL)
        MHD_stop_daemon(s->sv_ctl);
    httpguard_free(s->sv_guard_http); /* after their daemons */
    httpguard_free(s->sv_guard_ctl);
    if (s->sv_socket != NULL)
        unlink(s->sv_socket);
    free(s->sv_socket);
    memset(s, 0, sizeof *s);
}
