/* httpguard - connection limits and request deadlines for libmicrohttpd
 * (httpguard.h): the daemon's side and the guard's thread; the listening
 * side, the gate, is httpgate.c. */
#include "httpguard_int.h"
#include "monotime.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_received (glibc's lacks it) */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* The first request line's bytes besides its target: a method, two SPs, the
 * version and CRLF; a method longer than what is left is refused. */
#define GUARD_LINE_MARGIN 64

/* ---- request checks --------------------------------------------------- */

static int
guard_is_tchar(unsigned char c)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return alnum || (c != '\0' && strchr(extra, c) != NULL);
}

int
httpguard_is_token(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!guard_is_tchar((unsigned char)*s))
            return 0;
    return 1;
}

unsigned
httpguard_target_check(const char *target, size_t len, size_t max_url)
{
    if (len > max_url)
        return 414;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)target[i] <= 0x20 || (unsigned char)target[i] >= 0x7f)
            return 400;
    return len == 0 ? 400 : 0;
}

size_t
httpguard_line_max(size_t max_url)
{
    return 2 * HTTPGUARD_EMPTY_LINES_MAX + max_url + GUARD_LINE_MARGIN;
}

/* Skips the empty lines (CRLF or LF) before the request line from *i. BAD
 * past HTTPGUARD_EMPTY_LINES_MAX or for a CR before anything but LF, MORE
 * when the bytes end inside them, OK when *i is at the line's start. */
static httpguard_line_t
guard_line_skip_empty(const char *buf, size_t len, size_t *i)
{
    unsigned empty = 0;
    while (*i < len && (buf[*i] == '\r' || buf[*i] == '\n')) {
        if (buf[*i] == '\r' && *i + 1 < len && buf[*i + 1] != '\n')
            return HTTPGUARD_LINE_BAD;
        if (buf[*i] == '\r' && *i + 1 == len)
            return HTTPGUARD_LINE_MORE;
        *i += buf[*i] == '\r' ? 2 : 1;
        if (++empty > HTTPGUARD_EMPTY_LINES_MAX)
            return HTTPGUARD_LINE_BAD;
    }
    return *i < len ? HTTPGUARD_LINE_OK : HTTPGUARD_LINE_MORE;
}

/* "HTTP/" DIGIT "." DIGIT, then CRLF or LF, from i: OK, MORE while a
 * prefix of it, else BAD. */
static httpguard_line_t
guard_line_version(const char *buf, size_t len, size_t i)
{
    static const char form[] = "HTTP/#.#\r\n"; /* '#': a digit; the CR optional */
    for (size_t f = 0; form[f] != '\0'; f++, i++) {
        if (i == len)
            return HTTPGUARD_LINE_MORE;
        unsigned char c = (unsigned char)buf[i];
        if (form[f] == '\r' && c == '\n')
            return HTTPGUARD_LINE_OK;
        if (form[f] == '#' ? !(c >= '0' && c <= '9') : c != (unsigned char)form[f])
            return HTTPGUARD_LINE_BAD;
    }
    return HTTPGUARD_LINE_OK;
}

/* The request line from its first byte i: method SP target SP version. */
static httpguard_line_t
guard_line_request(const char *buf, size_t len, size_t i, size_t max_url)
{
    size_t method = i;
    while (i < len && guard_is_tchar((unsigned char)buf[i]))
        i++;
    if (i == len)
        return HTTPGUARD_LINE_MORE;
    if (i == method || buf[i] != ' ')
        return HTTPGUARD_LINE_BAD;
    size_t target = ++i;
    while (i < len && (unsigned char)buf[i] > 0x20 && (unsigned char)buf[i] < 0x7f)
        i++;
    if (i - target > max_url)
        return HTTPGUARD_LINE_LONG;
    if (i == len)
        return HTTPGUARD_LINE_MORE;
    if (i == target || buf[i] != ' ')
        return HTTPGUARD_LINE_BAD; /* a control byte, a line end, a second SP */
    return guard_line_version(buf, len, i + 1);
}

httpguard_line_t
httpguard_line_check(const char *buf, size_t len, size_t max_url)
{
    size_t i = 0, cap = httpguard_line_max(max_url);
    if (len > cap)
        len = cap; /* the gate looks no further: a line must end within */
    httpguard_line_t v = guard_line_skip_empty(buf, len, &i);
    if (v == HTTPGUARD_LINE_OK)
        v = guard_line_request(buf, len, i, max_url);
    if (v == HTTPGUARD_LINE_MORE && len == cap)
        return HTTPGUARD_LINE_BAD; /* what would fit is there, and no line */
    return v;
}

/* ---- the connection lists --------------------------------------------- */

void
guard_link(httpguard_t *g, guard_conn_t *list, guard_conn_t *c, int counted)
{
    c->gc_next = list->gc_next;
    c->gc_prev = list;
    list->gc_next->gc_prev = c;
    list->gc_next = c;
    if (counted)
        g->g_open++;
}

void
guard_unlink(httpguard_t *g, guard_conn_t *c, int counted)
{
    c->gc_prev->gc_next = c->gc_next;
    c->gc_next->gc_prev = c->gc_prev;
    if (!counted)
        return;
    g->g_open--;
    if (c->gc_counted)
        ipcount_del(g->g_per_ip, &c->gc_key);
    c->gc_counted = 0;
}

/* Bytes the kernel has received on fd (0 when it cannot say: not TCP). */
static unsigned long long
guard_bytes_received(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(ti.tcpi_bytes_received))
        return 0;
    return ti.tcpi_bytes_received;
}

unsigned long
guard_header_ticks(const httpguard_t *g)
{
    return (unsigned long)g->g_lim.hg_header_timeout * GUARD_TICKS_PER_S;
}

/* The record of a connection, or NULL (one the guard could not track). */
static guard_conn_t *
guard_conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

void
guard_log(httpguard_t *g, const char *kind, const char *what)
{
    unsigned long suppressed;
    if (g->g_log == NULL || !ratelog_admit(g->g_rate, kind, cmon_monotime_s(), &suppressed))
        return;
    char line[256];
    if (suppressed > 0)
        snprintf(line, sizeof(line), "%s (%lu more suppressed)", what, suppressed);
    g->g_log(g->g_log_cls, kind, suppressed > 0 ? line : what);
}

/* ---- libmicrohttpd's callbacks ---------------------------------------- */

/* The hand-over of fd, newest first (a number the daemon closed after a
 * failed start and the kernel gave again leaves an older one behind, which
 * gate_tick() drops at its deadline). NULL: none (lock held). */
static guard_conn_t *
guard_handed_take(httpguard_t *g, int fd)
{
    for (guard_conn_t *c = g->g_handed.gc_next; c != &g->g_handed; c = c->gc_next)
        if (c->gc_fd == fd) {
            guard_unlink(g, c, 0);
            return c;
        }
    return NULL;
}

/* A connection the daemon starts: the gate's record moves to g_conns with
 * the deadline of its accept; one from elsewhere gets a record of its own. */
static void
guard_started(httpguard_t *g, struct MHD_Connection *conn, void **socket_context)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    *socket_context = NULL;
    if (ci == NULL)
        return; /* untracked: libmicrohttpd's idle timeout still applies */
    pthread_mutex_lock(&g->g_lock);
    guard_conn_t *c = guard_handed_take(g, ci->connect_fd);
    int counted = c != NULL;
    if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL) {
        c->gc_fd = ci->connect_fd;
        c->gc_deadline = g->g_tick + guard_header_ticks(g);
    }
    if (c != NULL) {
        c->gc_state = GC_HEADERS;
        guard_link(g, &g->g_conns, c, !counted);
    }
    pthread_mutex_unlock(&g->g_lock);
    *socket_context = c;
}

static void
guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
             enum MHD_ConnectionNotificationCode toe)
{
    httpguard_t *g = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        guard_started(g, conn, socket_context);
        return;
    }
    guard_conn_t *c = *socket_context;
    if (c == NULL)
        return;
    pthread_mutex_lock(&g->g_lock);
    guard_unlink(g, c, 1);
    pthread_mutex_unlock(&g->g_lock);
    free(c);
    *socket_context = NULL;
}
/* Called with the raw request target (query included) once the request line
 * has arrived, before libmicrohttpd parses it. Returns NULL: the request's
 * con_cls stays the handler's. */
static void *
guard_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    httpguard_t *g = cls;
    guard_conn_t *c = guard_conn_of(conn);
    if (c == NULL)
        return NULL;
    unsigned refuse = httpguard_target_check(uri, strlen(uri), g->g_lim.hg_max_url);
    pthread_mutex_lock(&g->g_lock);
    c->gc_uri_seen = 1;
    c->gc_refuse = refuse;
    pthread_mutex_unlock(&g->g_lock);
    return NULL;
}

static void
guard_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                enum MHD_RequestTerminationCode toe)
{
    httpguard_t *g = cls;
    guard_conn_t *c = guard_conn_of(conn);
    if (c != NULL) {
        pthread_mutex_lock(&g->g_lock);
        if (c->gc_state != GC_CUT) {
            c->gc_state = GC_KEPT;
            c->gc_mark = GUARD_MARK_UNSET; /* read by the next tick: no syscall a request */
            c->gc_uri_seen = 0;
            c->gc_refuse = 0;
        }
        pthread_mutex_unlock(&g->g_lock);
    }
    if (g->g_done != NULL)
        g->g_done(g->g_done_cls, conn, con_cls, toe);
}

/* A refusal with its reason, and the connection closed after it. */
static enum MHD_Result
guard_refuse(struct MHD_Connection *conn, unsigned status, const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Each call of a request: marks it busy at its first; the status to refuse
 * it with (0: none, also for the later calls of a body), or -1 when the
 * watchdog has already cut it. */
static int
guard_begin(httpguard_t *g, guard_conn_t *c, const char *method)
{
    pthread_mutex_lock(&g->g_lock);
    int cut = c->gc_state == GC_CUT, later = c->gc_state == GC_BUSY;
    c->gc_state = cut ? GC_CUT : GC_BUSY;
    if (later) {
        pthread_mutex_unlock(&g->g_lock);
        return 0;
    }
    int refuse = (int)c->gc_refuse;
    pthread_mutex_unlock(&g->g_lock);
    if (cut)
        return -1;
    if (refuse == 0 && !httpguard_is_token(method))
        refuse = 400;
    return refuse;
}

enum MHD_Result
httpguard_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                 const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    httpguard_t *g = cls;
    guard_conn_t *c = guard_conn_of(conn);
    if (c != NULL && c->gc_state != GC_BUSY) { /* only MHD's thread of c sets GC_BUSY */
        int refuse = guard_begin(g, c, method);
        if (refuse < 0)
            return MHD_NO;
        if (refuse == 414)
            return guard_refuse(conn, 414, "uri too long\n");
        if (refuse != 0)
            return guard_refuse(conn, 400, "bad request\n");
    }
    return g->g_handler(g->g_handler_cls, conn, url, method, version, upload, upload_size, con_cls);
}

/* ---- the thread ------------------------------------------------------- */

/* Answers and shuts down a connection of the daemon past its deadline (the
 * lock held). libmicrohttpd sees the end of the stream and closes it. */
static void
guard_cut(guard_conn_t *c, int bad_line)
{
    static const char timeout[] = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                                  "Content-Length: 0\r\n\r\n";
    static const char bad[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
                              "Content-Length: 0\r\n\r\n";
    const char *msg = bad_line ? bad : timeout;
    size_t len = bad_line ? sizeof(bad) - 1 : sizeof(timeout) - 1;
    ssize_t n = send(c->gc_fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)n; /* best effort: the connection is closed anyway */
    shutdown(c->gc_fd, SHUT_RDWR);
    c->gc_state = GC_CUT;
}

/* One tick for a connection of the daemon: starts the deadline of a
 * kept-alive one whose next request has begun, cuts one past its deadline.
 * 400 or 408 when it cut it, else 0 (the lock held). */
static unsigned
guard_tick_daemon(httpguard_t *g, guard_conn_t *c)
{
    if (c->gc_state == GC_KEPT && c->gc_mark == GUARD_MARK_UNSET) {
        /* answered since the last tick: what came so far is the mark; the next
         * request's deadline starts with the first byte after it, at most a
         * tick later than if the mark had been taken at the answer */
        c->gc_mark = guard_bytes_received(c->gc_fd);
    } else if (c->gc_state == GC_KEPT && guard_bytes_received(c->gc_fd) > c->gc_mark) {
        c->gc_state = GC_HEADERS;
        c->gc_deadline = g->g_tick + guard_header_ticks(g);
    }
    if (c->gc_state != GC_HEADERS || g->g_tick < c->gc_deadline)
        return 0;
    int bad_line = !c->gc_uri_seen && guard_bytes_received(c->gc_fd) > c->gc_mark;
    guard_cut(c, bad_line);
    return bad_line ? 400 : 408;
}

/* One tick over every connection; counts the cuts into *timeouts, *bad. */
static void
guard_tick(httpguard_t *g, unsigned *timeouts, unsigned *bad)
{
    pthread_mutex_lock(&g->g_lock);
    for (guard_conn_t *c = g->g_conns.gc_next, *next; c != &g->g_conns; c = next) {
        next = c->gc_next; /* the gate may free c */
        unsigned cut = c->gc_state == GC_GATE || c->gc_state == GC_LINGER ? gate_tick(g, c)
                                                                          : guard_tick_daemon(g, c);
        *timeouts += cut == 408;
        *bad += cut == 400;
    }
    for (guard_conn_t *c = g->g_handed.gc_next, *next; c != &g->g_handed; c = next) {
        next = c->gc_next;
        gate_tick(g, c);
    }
    pthread_mutex_unlock(&g->g_lock);
}

static void
guard_log_cuts(httpguard_t *g, unsigned timeouts, unsigned bad)
{
    char what[160];
    if (g->g_log == NULL)
        return;
    if (timeouts > 0) {
        snprintf(what, sizeof(what),
                 "%u connection(s) closed: no complete request headers "
                 "within --header-timeout (408)",
                 timeouts);
        guard_log(g, "header timeout", what);
    }
    if (bad > 0) {
        snprintf(what, sizeof(what),
                 "%u connection(s) closed: no request line within "
                 "--header-timeout, only part of one (400)",
                 bad);
        guard_log(g, "no request line", what);
    }
}

/* The timer fired: the ticks it counted, then the deadlines. */
static void
guard_on_timer(httpguard_t *g)
{
    uint64_t n = 0;
    if (read(g->g_timer, &n, sizeof(n)) != (ssize_t)sizeof(n))
        return;
    unsigned timeouts = 0, bad = 0;
    pthread_mutex_lock(&g->g_lock);
    g->g_tick += (unsigned long)n;
    pthread_mutex_unlock(&g->g_lock);
    gate_resume(g);
    guard_tick(g, &timeouts, &bad);
    guard_log_cuts(g, timeouts, bad);
}

/*
 * The guard's thread: the gate's connections, then the listening socket,
 * then the timer, in that order within one wake-up, so that an event never
 * names a record freed before it in the same batch (each connection is in
 * g_epoll once; only the timer frees others than its own).
 */
static void *
guard_thread(void *arg)
{
    httpguard_t *g = arg;
    struct epoll_event ev[64];
    for (;;) {
        int n = epoll_wait(g->g_epoll, ev, 64, -1);
        if (n < 0 && errno != EINTR)
            break;
        int timer = 0, listen = 0;
        for (int i = 0; i < n; i++) {
            void *p = ev[i].data.ptr;
            if (p == &g->g_stop)
                return NULL;
            if (p == &g->g_timer || p == &g->g_listen)
                *(p == &g->g_timer ? &timer : &listen) = 1;
            else
                gate_event(g, p, ev[i].events);
        }
        if (listen)
            gate_accept(g);
        if (timer)
            guard_on_timer(g);
    }
    return NULL;
}

/* ---- set-up ----------------------------------------------------------- */

static int
guard_limits_ok(const httpguard_limits_t *lim)
{
    return lim != NULL && lim->hg_max_conns >= 1 && lim->hg_header_timeout >= 1 &&
           lim->hg_idle_timeout >= 1 && lim->hg_max_url >= 1 && lim->hg_conn_memory >= 1024 &&
           lim->hg_log_interval >= 0;
}

/* fd in g_epoll for input, tagged with tag. */
static int
guard_epoll_add(httpguard_t *g, int fd, void *tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = tag};
    return epoll_ctl(g->g_epoll, EPOLL_CTL_ADD, fd, &ev);
}

static int
guard_fds_open(httpguard_t *g)
{
    struct itimerspec its = {.it_interval = {0, 1000000000L / GUARD_TICKS_PER_S},
                             .it_value = {0, 1000000000L / GUARD_TICKS_PER_S}};
    g->g_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    g->g_stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    g->g_epoll = epoll_create1(EPOLL_CLOEXEC);
    if (g->g_timer < 0 || g->g_stop < 0 || g->g_epoll < 0 ||
        timerfd_settime(g->g_timer, 0, &its, NULL) != 0 ||
        guard_epoll_add(g, g->g_timer, &g->g_timer) != 0 ||
        guard_epoll_add(g, g->g_stop, &g->g_stop) != 0)
        return -1;
    return 0;
}

static void
guard_close_fds(httpguard_t *g)
{
    int saved = errno;
    int *fds[] = {&g->g_timer, &g->g_stop, &g->g_epoll};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
    errno = saved;
}

/* What httpguard_new() allocates besides the guard; frees the guard too. */
static void
guard_release(httpguard_t *g)
{
    guard_close_fds(g);
    ratelog_free(g->g_rate);
    ipcount_free(g->g_per_ip);
    free(g->g_peek);
    pthread_mutex_destroy(&g->g_lock);
    free(g);
}

static httpguard_t *
guard_alloc(const httpguard_limits_t *lim)
{
    httpguard_t *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return NULL;
    *g = (httpguard_t){.g_lim = *lim, .g_timer = -1, .g_stop = -1, .g_epoll = -1, .g_listen = -1};
    g->g_conns.gc_next = g->g_conns.gc_prev = &g->g_conns;
    g->g_handed.gc_next = g->g_handed.gc_prev = &g->g_handed;
    pthread_mutex_init(&g->g_lock, NULL);
    g->g_rate = ratelog_new(lim->hg_log_interval);
    g->g_per_ip = ipcount_new();
    g->g_peek = malloc(httpguard_line_max(lim->hg_max_url));
    if (g->g_rate == NULL || g->g_per_ip == NULL || g->g_peek == NULL) {
        guard_release(g);
        errno = ENOMEM;
        return NULL;
    }
    return g;
}

httpguard_t *
httpguard_new(const httpguard_limits_t *lim, MHD_AccessHandlerCallback handler, void *handler_cls,
              MHD_RequestCompletedCallback done, void *done_cls, httpguard_log_t log, void *log_cls)
{
    if (!guard_limits_ok(lim) || handler == NULL) {
        errno = EINVAL;
        return NULL;
    }
    httpguard_t *g = guard_alloc(lim);
    if (g == NULL)
        return NULL;
    g->g_handler = handler;
    g->g_handler_cls = handler_cls;
    g->g_done = done;
    g->g_done_cls = done_cls;
    g->g_log = log;
    g->g_log_cls = log_cls;
    int rc = guard_fds_open(g);
    if (rc == 0 && (rc = pthread_create(&g->g_thread, NULL, guard_thread, g)) != 0)
        errno = rc;
    if (rc != 0) {
        int saved = errno;
        guard_release(g);
        errno = saved;
        return NULL;
    }
    g->g_running = 1;
    return g;
}

size_t
httpguard_options(httpguard_t *g, struct MHD_OptionItem *items)
{
    const httpguard_limits_t *l = &g->g_lim;
    unsigned threads = l->hg_threads > 1 ? l->hg_threads : 1;
    /* libmicrohttpd splits its limit among the workers and refuses a
     * connection at it: give each worker room for all of ours, so that the
     * gate alone decides (the per-IP limit is the gate's too). */
    unsigned mhd_limit = (l->hg_max_conns + 1) * threads;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)guard_notify, g},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)guard_uri_log, g},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)guard_completed, g},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)mhd_limit, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)l->hg_idle_timeout, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)l->hg_conn_memory, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    size_t n = sizeof(opts) / sizeof(opts[0]);
    memcpy(items, opts, sizeof(opts));
    return n;
}

int
httpguard_listen(httpguard_t *g, struct MHD_Daemon *daemon, int listen_fd)
{
    if (g == NULL || daemon == NULL || listen_fd < 0 || g->g_listen >= 0 || !g->g_running) {
        if (listen_fd >= 0 && (g == NULL || g->g_listen != listen_fd))
            close(listen_fd);
        errno = EINVAL;
        return -1;
    }
    int flags = fcntl(listen_fd, F_GETFL);
    pthread_mutex_lock(&g->g_lock); /* published to the thread by the lock */
    g->g_daemon = daemon;
    g->g_listen = listen_fd;
    pthread_mutex_unlock(&g->g_lock);
    if (flags < 0 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
        guard_epoll_add(g, listen_fd, &g->g_listen) != 0)
        return -1; /* httpguard_close() closes it */
    return 0;
}

void
httpguard_close(httpguard_t *g)
{
    if (g == NULL || !g->g_running)
        return;
    uint64_t one = 1;
    if (write(g->g_stop, &one, sizeof(one)) == (ssize_t)sizeof(one))
        pthread_join(g->g_thread, NULL);
    g->g_running = 0;
    gate_close_all(g);
}

unsigned
httpguard_open(httpguard_t *g)
{
    pthread_mutex_lock(&g->g_lock);
    unsigned n = g->g_open;
    pthread_mutex_unlock(&g->g_lock);
    return n;
}

/* Frees every record of list: those the daemon never closed (stopped
 * without its notices) or never started. */
static void
guard_free_list(guard_conn_t *list)
{
    for (guard_conn_t *c = list->gc_next, *next; c != list; c = next) {
        next = c->gc_next;
        free(c);
    }
}

void
httpguard_free(httpguard_t *g)
{
    if (g == NULL)
        return;
    httpguard_close(g);
    guard_free_list(&g->g_conns);
    guard_free_list(&g->g_handed);
    guard_release(g);
}
