/* httpguard - connection limits and request deadlines for libmicrohttpd (httpguard.h). */
#include "httpguard.h"
#include "monotime.h"
#include "ratelog.h"

#include <errno.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_received (glibc's lacks it) */
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define GUARD_TICKS_PER_S 4 /* the watchdog's kernel timer: every 250 ms */

typedef enum {
    GC_HEADERS, /* waiting for a request's headers, gc_deadline set */
    GC_BUSY,    /* headers complete: the handler has the request */
    GC_KEPT,    /* answered, kept alive: waiting for the next request's first byte */
    GC_CUT      /* shut down by the watchdog: libmicrohttpd is closing it */
} gc_state_t;

/* One connection, from libmicrohttpd's "started" notice to its "closed" one
 * (which comes before it closes the socket: gc_fd stays ours meanwhile). */
typedef struct guard_conn {
    struct guard_conn *gc_prev, *gc_next;
    int gc_fd;
    gc_state_t gc_state;
    unsigned long gc_deadline;  /* tick by which the headers must be complete */
    unsigned long long gc_mark; /* bytes received when it was last answered */
    int gc_uri_seen;            /* the request line of the current request arrived */
    unsigned gc_refuse;         /* 0, or the status its request line earned (400, 414) */
} guard_conn_t;

struct httpguard {
    httpguard_limits_t g_lim;
    MHD_AccessHandlerCallback g_handler;
    void *g_handler_cls;
    MHD_RequestCompletedCallback g_done;
    void *g_done_cls;
    httpguard_log_t g_log;
    ratelog_t *g_rate; /* g_log's lines, at most one a kind every hg_log_interval */
    void *g_log_cls;
    pthread_mutex_t g_lock; /* guards everything below */
    guard_conn_t g_conns;   /* list head (a sentinel) */
    unsigned g_open;
    unsigned long g_tick; /* ticks of g_timer since the start */
    int g_timer;          /* periodic timerfd */
    int g_stop;           /* eventfd: the watchdog ends when readable */
    pthread_t g_thread;
};

/* ---- request checks --------------------------------------------------- */

int
httpguard_is_token(const char *s)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (s == NULL || *s == '\0')
        return 0;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && strchr(extra, c) == NULL)
            return 0;
    }
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

/* ---- the connection list ---------------------------------------------- */

static void
guard_link(httpguard_t *g, guard_conn_t *c)
{
    c->gc_next = g->g_conns.gc_next;
    c->gc_prev = &g->g_conns;
    g->g_conns.gc_next->gc_prev = c;
    g->g_conns.gc_next = c;
    g->g_open++;
}

static void
guard_unlink(httpguard_t *g, guard_conn_t *c)
{
    c->gc_prev->gc_next = c->gc_next;
    c->gc_next->gc_prev = c->gc_prev;
    g->g_open--;
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

static unsigned long
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

/* Tells the log callback, at most one line a kind an interval; a line after
 * suppressed ones says how many. */
static void
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

enum MHD_Result
httpguard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addr;
    (void)addrlen;
    httpguard_t *g = cls;
    pthread_mutex_lock(&g->g_lock);
    int full = g->g_open >= g->g_lim.hg_max_conns;
    pthread_mutex_unlock(&g->g_lock);
    if (full)
        guard_log(g, "connection refused", "connection refused: --max-connections reached");
    return full ? MHD_NO : MHD_YES;
}

static void
guard_started(httpguard_t *g, struct MHD_Connection *conn, void **socket_context)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    guard_conn_t *c = calloc(1, sizeof(*c));
    *socket_context = c;
    if (c == NULL || ci == NULL) {
        free(c);
        *socket_context = NULL;
        return; /* untracked: libmicrohttpd's idle timeout still applies */
    }
    c->gc_fd = ci->connect_fd;
    c->gc_state = GC_HEADERS;
    pthread_mutex_lock(&g->g_lock);
    c->gc_deadline = g->g_tick + guard_header_ticks(g);
    guard_link(g, c);
    pthread_mutex_unlock(&g->g_lock);
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
    guard_unlink(g, c);
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
        unsigned long long mark = guard_bytes_received(c->gc_fd);
        pthread_mutex_lock(&g->g_lock);
        if (c->gc_state != GC_CUT) {
            c->gc_state = GC_KEPT;
            c->gc_mark = mark;
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

/* ---- the watchdog ----------------------------------------------------- */

/* Answers and shuts down a connection past its deadline (the lock held).
 * libmicrohttpd sees the end of the stream and closes it. */
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

/* One tick: starts the deadline of kept-alive connections whose next request
 * has begun, cuts those past theirs. Counts the cuts into *timeouts, *bad. */
static void
guard_tick(httpguard_t *g, unsigned *timeouts, unsigned *bad)
{
    pthread_mutex_lock(&g->g_lock);
    for (guard_conn_t *c = g->g_conns.gc_next; c != &g->g_conns; c = c->gc_next) {
        if (c->gc_state == GC_KEPT && guard_bytes_received(c->gc_fd) > c->gc_mark) {
            c->gc_state = GC_HEADERS;
            c->gc_deadline = g->g_tick + guard_header_ticks(g);
        }
        if (c->gc_state != GC_HEADERS || g->g_tick < c->gc_deadline)
            continue;
        int bad_line = !c->gc_uri_seen && guard_bytes_received(c->gc_fd) > c->gc_mark;
        guard_cut(c, bad_line);
        (*(bad_line ? bad : timeouts))++;
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
                 "--header-timeout, only garbage or empty lines (400)",
                 bad);
        guard_log(g, "no request line", what);
    }
}

static void *
guard_watchdog(void *arg)
{
    httpguard_t *g = arg;
    struct pollfd pfd[2] = {{.fd = g->g_timer, .events = POLLIN},
                            {.fd = g->g_stop, .events = POLLIN}};
    for (;;) {
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents != 0)
            break;
        uint64_t n = 0;
        if (pfd[0].revents == 0 || read(g->g_timer, &n, sizeof(n)) != (ssize_t)sizeof(n))
            continue;
        unsigned timeouts = 0, bad = 0;
        pthread_mutex_lock(&g->g_lock);
        g->g_tick += (unsigned long)n;
        pthread_mutex_unlock(&g->g_lock);
        guard_tick(g, &timeouts, &bad);
        guard_log_cuts(g, timeouts, bad);
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

static int
guard_timer_open(httpguard_t *g)
{
    struct itimerspec its = {.it_interval = {0, 1000000000L / GUARD_TICKS_PER_S},
                             .it_value = {0, 1000000000L / GUARD_TICKS_PER_S}};
    g->g_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    g->g_stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (g->g_timer < 0 || g->g_stop < 0 || timerfd_settime(g->g_timer, 0, &its, NULL) != 0)
        return -1;
    return 0;
}

static void
guard_close_fds(httpguard_t *g)
{
    int saved = errno;
    if (g->g_timer >= 0)
        close(g->g_timer);
    if (g->g_stop >= 0)
        close(g->g_stop);
    errno = saved;
}

httpguard_t *
httpguard_new(const httpguard_limits_t *lim, MHD_AccessHandlerCallback handler, void *handler_cls,
              MHD_RequestCompletedCallback done, void *done_cls, httpguard_log_t log, void *log_cls)
{
    if (!guard_limits_ok(lim) || handler == NULL) {
        errno = EINVAL;
        return NULL;
    }
    httpguard_t *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return NULL;
    *g = (httpguard_t){.g_lim = *lim,
                       .g_handler = handler,
                       .g_handler_cls = handler_cls,
                       .g_done = done,
                       .g_done_cls = done_cls,
                       .g_log = log,
                       .g_log_cls = log_cls,
                       .g_timer = -1,
                       .g_stop = -1};
    g->g_conns.gc_next = g->g_conns.gc_prev = &g->g_conns;
    pthread_mutex_init(&g->g_lock, NULL);
    g->g_rate = ratelog_new(lim->hg_log_interval);
    int rc = g->g_rate != NULL ? guard_timer_open(g) : -1;
    if (rc == 0 && (rc = pthread_create(&g->g_thread, NULL, guard_watchdog, g)) != 0)
        errno = rc;
    if (rc != 0) {
        guard_close_fds(g);
        ratelog_free(g->g_rate);
        pthread_mutex_destroy(&g->g_lock);
        free(g);
        return NULL;
    }
    return g;
}

size_t
httpguard_options(httpguard_t *g, struct MHD_OptionItem *items)
{
    const httpguard_limits_t *l = &g->g_lim;
    unsigned threads = l->hg_threads > 1 ? l->hg_threads : 1;
    /* libmicrohttpd splits its limit among the workers and stops accepting
     * (the backlog waits) at it: give each worker room for all of ours, so
     * that httpguard_accept() decides and refuses at once. */
    unsigned mhd_limit = (l->hg_max_conns + 1) * threads;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)guard_notify, g},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)guard_uri_log, g},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)guard_completed, g},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)mhd_limit, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)l->hg_max_per_client, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)l->hg_idle_timeout, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)l->hg_conn_memory, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    size_t n = sizeof(opts) / sizeof(opts[0]);
    memcpy(items, opts, sizeof(opts));
    return n;
}

unsigned
httpguard_open(httpguard_t *g)
{
    pthread_mutex_lock(&g->g_lock);
    unsigned n = g->g_open;
    pthread_mutex_unlock(&g->g_lock);
    return n;
}

void
httpguard_free(httpguard_t *g)
{
    if (g == NULL)
        return;
    uint64_t one = 1;
    if (write(g->g_stop, &one, sizeof(one)) == (ssize_t)sizeof(one))
        pthread_join(g->g_thread, NULL);
    guard_close_fds(g);
    for (guard_conn_t *c = g->g_conns.gc_next, *next; c != &g->g_conns; c = next) {
        next = c->gc_next;
        free(c); /* only when the daemon was never stopped cleanly */
    }
    ratelog_free(g->g_rate);
    pthread_mutex_destroy(&g->g_lock);
    free(g);
}
