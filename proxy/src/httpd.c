/* httpd - libmicrohttpd daemons in external epoll mode, one a worker thread,
 * sharing one listening socket (httpd.h says why). */
/* ppoll() needs _GNU_SOURCE, which the build defines */
#include "httpd.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum worker_order { ORDER_RUN = 0, ORDER_QUIESCE, ORDER_STOP };

typedef struct worker {
    struct httpd *w_httpd; /* the pool it belongs to */
    pthread_t w_thread;
    int w_running;
    struct MHD_Daemon *w_daemon;
    int w_epoll;          /* the daemon's epoll descriptor */
    int w_wake;           /* eventfd: an order is waiting */
    atomic_int w_order;   /* enum worker_order */
    atomic_int w_quiet;   /* 1 once the daemon accepts no more */
    httpd_side_t w_side;  /* hs_run NULL: none */
    int w_resumed;        /* its own thread resumed a connection: run the daemon again */
    int w_waiting;        /* requests held without a response, answered through the side */
} worker_t;

struct httpd {
    unsigned h_nworkers;
    unsigned h_port;
    int h_listen; /* the listening socket, ours to close once every daemon is quiet */
    pthread_mutex_t h_lock;
    pthread_cond_t h_quiet; /* a worker went quiet */
    worker_t h_workers[];
};

static void
worker_go_quiet(httpd_t *h, worker_t *w)
{
    if (atomic_load(&w->w_quiet))
        return;
    MHD_quiesce_daemon(w->w_daemon); /* its listening socket: h->h_listen, closed by httpd_stop */
    pthread_mutex_lock(&h->h_lock);
    atomic_store(&w->w_quiet, 1);
    pthread_cond_broadcast(&h->h_quiet);
    pthread_mutex_unlock(&h->h_lock);
}

/* The worker whose thread this is (NULL in any other thread). */
static _Thread_local worker_t *httpd_self;

void *
httpd_worker_side(void)
{
    return httpd_self != NULL ? httpd_self->w_side.hs_ctx : NULL;
}

/* ---- progress: did a turn move any byte? -------------------------------- */

/* Bytes a worker's TLS sessions moved, counted by the transport functions
 * below; every gnutls call of a connection runs in its worker's thread
 * (MHD_run), so a thread's own counter is the worker's. */
static _Thread_local unsigned long long httpd_bytes_moved;

/* ---- small records held for the next ------------------------------------ */

/* libmicrohttpd hands a TLS response to gnutls in two calls, the headers
 * then the body, and gnutls pushes each as a record of its own. Sent as
 * they come, the headers' record (a few hundred bytes) leaves alone: a TCP
 * segment, a softirq and a wake-up of the client for it, then the same for
 * the body. So a record up to HTTPD_TLS_SMALL bytes goes with MSG_MORE: the
 * kernel holds it, and the next send without MSG_MORE (the body's record)
 * takes it along in one segment. What is still held when MHD_run() returns
 * (a response without a body, a handshake's flight, an error) is pushed
 * then, by setting TCP_NODELAY (Linux pushes what is queued when it is
 * set; libmicrohttpd sets it on every connection it answers anyway). The
 * bytes are the kernel's all along: a connection closed meanwhile sends
 * them with its FIN, nothing is lost or reordered. */
#define HTTPD_TLS_SMALL 1024
#define HTTPD_HELD_MAX 32 /* descriptors holding bytes in a turn; more: sent at once */

static _Thread_local int httpd_held[HTTPD_HELD_MAX];
static _Thread_local unsigned httpd_nheld;

/* fd holds bytes (1), or has pushed all it held (0). */
static void
httpd_held_mark(int fd, int holding)
{
    for (unsigned i = 0; i < httpd_nheld; i++)
        if (httpd_held[i] == fd) {
            if (!holding)
                httpd_held[i] = httpd_held[--httpd_nheld];
            return;
        }
    if (holding)
        httpd_held[httpd_nheld++] = fd;
}

/* After MHD_run(): push what the turn's sends left held. A descriptor
 * closed meanwhile sent it with its FIN (EBADF here), one reused by a new
 * connection has nothing held (setting TCP_NODELAY on it is harmless). */
static void
httpd_held_push(void)
{
    static const int one = 1;
    for (unsigned i = 0; i < httpd_nheld; i++)
        (void)setsockopt(httpd_held[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    httpd_nheld = 0;
}

static ssize_t
httpd_tls_push(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
    int fd = (int)(intptr_t)ptr;
    int more = len <= HTTPD_TLS_SMALL && httpd_nheld < HTTPD_HELD_MAX;
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    if (n > 0) {
        httpd_bytes_moved += (unsigned long long)n;
        httpd_held_mark(fd, more);
    }
    return n;
}

static ssize_t
httpd_tls_pull(gnutls_transport_ptr_t fd, void *data, size_t len)
{
    ssize_t n = recv((int)(intptr_t)fd, data, len, 0);
    if (n > 0)
        httpd_bytes_moved += (unsigned long long)n;
    return n;
}

static int
httpd_tls_errno(gnutls_transport_ptr_t fd)
{
    (void)fd;
    return errno;
}

void
httpd_tls_transport(struct MHD_Connection *c, gnutls_session_t s)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci == NULL || s == NULL)
        return; /* libmicrohttpd's own transport stays: a turn of it may pause (httpd.h) */
    gnutls_transport_set_ptr(s, (gnutls_transport_ptr_t)(intptr_t)ci->connect_fd);
    gnutls_transport_set_push_function(s, httpd_tls_push);
    gnutls_transport_set_pull_function(s, httpd_tls_pull);
    gnutls_transport_set_errno_function(s, httpd_tls_errno);
}

/* How long to wait for the daemon's descriptors before the next MHD_run():
 * -1 for ever, else microseconds. zero_turns counts the turns in a row for
 * which libmicrohttpd said "at once" (see httpd.h). */
static long long
worker_wait_us(worker_t *w, unsigned *zero_turns)
{
    MHD_UNSIGNED_LONG_LONG timeout_ms;
    if (MHD_get_timeout(w->w_daemon, &timeout_ms) != MHD_YES) {
        *zero_turns = 0;
        return -1;
    }
    if (timeout_ms > 0) {
        *zero_turns = 0;
        return timeout_ms > (MHD_UNSIGNED_LONG_LONG)INT32_MAX ? (long long)INT32_MAX * 1000
                                                                : (long long)timeout_ms * 1000;
    }
    if (++*zero_turns < 2)
        return 0;
    if (w->w_waiting > 0) /* what it waits for comes through the side's descriptor */
        return HTTPD_SPIN_PAUSE_MAX_US;
    unsigned doublings = *zero_turns - 2 < 5 ? *zero_turns - 2 : 5;
    long long pause = (long long)HTTPD_SPIN_PAUSE_US << doublings;
    return pause < HTTPD_SPIN_PAUSE_MAX_US ? pause : HTTPD_SPIN_PAUSE_MAX_US;
}

/* The wait shortened to the side's deadline; 0 when a connection was resumed
 * by this thread meanwhile (its daemon must run it). */
static long long
worker_side_wait_us(worker_t *w, long long wait_us)
{
    if (w->w_resumed)
        return 0;
    if (w->w_side.hs_run == NULL || wait_us == 0)
        return wait_us;
    long long side = w->w_side.hs_wait_us(w->w_side.hs_ctx);
    return side >= 0 && (wait_us < 0 || side < wait_us) ? side : wait_us;
}

/* Waits for the daemon's descriptor, the wake-up and the side's; 1 when the
 * side's is ready. */
static int
worker_wait(worker_t *w, long long wait_us, unsigned *zero_turns)
{
    struct pollfd pf[3] = {{.fd = w->w_epoll, .events = POLLIN},
                           {.fd = w->w_wake, .events = POLLIN},
                           {.fd = w->w_side.hs_run != NULL ? w->w_side.hs_fd : -1, .events = POLLIN}};
    struct timespec ts = {.tv_sec = wait_us / 1000000, .tv_nsec = (wait_us % 1000000) * 1000};
    if (ppoll(pf, 3, wait_us < 0 ? NULL : &ts, NULL) <= 0)
        return 0;
    if (pf[0].revents != 0)
        *zero_turns = 0; /* something new: run at once, as often as it has work */
    if (pf[1].revents != 0) {
        *zero_turns = 0; /* an order, or a connection resumed */
        uint64_t n;
        if (read(w->w_wake, &n, sizeof(n)) < 0) {
            /* EAGAIN: nothing left to drain */
        }
    }
    return pf[2].revents != 0;
}

/* A turn of the side: when its descriptor was ready, its deadline came, or
 * the daemon had work at once (no wait: the descriptor was not looked at). */
static void
worker_side_run(worker_t *w, int ready, unsigned *zero_turns)
{
    if (w->w_side.hs_run == NULL)
        return;
    if (!ready && w->w_side.hs_wait_us(w->w_side.hs_ctx) != 0)
        return;
    w->w_side.hs_run(w->w_side.hs_ctx);
    if (w->w_resumed)
        *zero_turns = 0; /* answers to send: run at once */
}

/* The worker stops: its side ends what it holds open (resuming their
 * connections), and the daemon runs once more to send what it can. */
static void
worker_side_stop(worker_t *w)
{
    if (w->w_side.hs_stop == NULL)
        return;
    w->w_side.hs_stop(w->w_side.hs_ctx);
    MHD_run(w->w_daemon);
    httpd_held_push();
}

static void *
worker_main(void *arg)
{
    worker_t *w = arg;
    httpd_t *h = w->w_httpd;
    unsigned zero_turns = 0;
    httpd_self = w;
    for (;;) {
        int order = atomic_load(&w->w_order);
        if (order != ORDER_RUN)
            worker_go_quiet(h, w);
        if (order == ORDER_STOP)
            break;
        unsigned long long moved = httpd_bytes_moved;
        w->w_resumed = 0;
        MHD_run(w->w_daemon);
        httpd_held_push();
        if (httpd_bytes_moved != moved)
            zero_turns = 0; /* bytes moved: what is ready is work, not a spin */
        long long wait_us = worker_side_wait_us(w, worker_wait_us(w, &zero_turns));
        int side_ready = wait_us != 0 && worker_wait(w, wait_us, &zero_turns);
        worker_side_run(w, side_ready || wait_us == 0, &zero_turns);
    }
    worker_side_stop(w);
    httpd_self = NULL;
    return NULL;
}

static void
worker_wake(worker_t *w)
{
    uint64_t one = 1;
    if (write(w->w_wake, &one, sizeof(one)) < 0) {
        /* the counter is full: the worker has a wake-up pending already */
    }
}

static void
worker_order(worker_t *w, enum worker_order order)
{
    atomic_store(&w->w_order, (int)order);
    worker_wake(w);
}

void
httpd_waiting(int delta)
{
    if (httpd_self != NULL)
        httpd_self->w_waiting += delta;
}

void
httpd_poke(void)
{
    if (httpd_self != NULL)
        httpd_self->w_resumed = 1;
}

void
httpd_resume(httpd_t *h, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
    MHD_resume_connection(c);
    if (ci == NULL)
        return;
    if (httpd_self != NULL && httpd_self->w_daemon == ci->daemon) {
        httpd_self->w_resumed = 1; /* its own thread: it runs the daemon before it waits */
        return;
    }
    for (unsigned i = 0; i < h->h_nworkers; i++)
        if (h->h_workers[i].w_daemon == ci->daemon) {
            worker_wake(&h->h_workers[i]);
            return;
        }
}

/* ---- start and stop ----------------------------------------------------- */

static struct MHD_Daemon *
daemon_start(const httpd_opts_t *o, unsigned share, int listen_fd)
{
    unsigned flags = (o->ho_flags & ~(unsigned)(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                                                 MHD_USE_THREAD_PER_CONNECTION)) |
                     MHD_USE_EPOLL;
    if (listen_fd < 0)
        return MHD_start_daemon(flags, 0, NULL, NULL, o->ho_access, o->ho_access_cls,
                                MHD_OPTION_ARRAY, o->ho_options, MHD_OPTION_CONNECTION_LIMIT,
                                share, MHD_OPTION_SOCK_ADDR, o->ho_addr, MHD_OPTION_END);
    return MHD_start_daemon(flags, 0, NULL, NULL, o->ho_access, o->ho_access_cls,
                            MHD_OPTION_ARRAY, o->ho_options, MHD_OPTION_CONNECTION_LIMIT, share,
                            MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_END);
}

static int
worker_start(httpd_t *h, worker_t *w)
{
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(w->w_daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (di == NULL)
        return errno = EINVAL, -1;
    w->w_epoll = di->epoll_fd;
    if ((w->w_wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
        return -1;
    w->w_httpd = h;
    int rc = pthread_create(&w->w_thread, NULL, worker_main, w);
    if (rc != 0)
        return errno = rc, -1;
    w->w_running = 1;
    return 0;
}

static unsigned
daemon_port(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return di != NULL ? di->port : 0;
}

static int
daemon_listen_fd(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
    return di != NULL ? di->listen_fd : -1;
}

static int
httpd_start_workers(httpd_t *h, const httpd_opts_t *o)
{
    unsigned max = o->ho_max_conns > 0 ? o->ho_max_conns : 1024;
    unsigned share = (max + h->h_nworkers - 1) / h->h_nworkers;
    for (unsigned i = 0; i < h->h_nworkers; i++) {
        worker_t *w = &h->h_workers[i];
        if (o->ho_sides != NULL)
            w->w_side = o->ho_sides[i];
        if ((w->w_daemon = daemon_start(o, share, h->h_listen)) == NULL)
            return errno != 0 ? -1 : (errno = EINVAL, -1);
        if (i == 0) {
            h->h_listen = daemon_listen_fd(w->w_daemon);
            h->h_port = daemon_port(w->w_daemon);
            if (h->h_listen < 0)
                return errno = EINVAL, -1;
        }
        if (worker_start(h, w) != 0)
            return -1;
    }
    return 0;
}

httpd_t *
httpd_start(const httpd_opts_t *o)
{
    if (o == NULL || o->ho_addr == NULL || o->ho_workers == 0 ||
        o->ho_workers > HTTPD_MAX_WORKERS || o->ho_access == NULL || o->ho_options == NULL)
        return errno = EINVAL, NULL;
    httpd_t *h = calloc(1, sizeof(*h) + o->ho_workers * sizeof(worker_t));
    if (h == NULL)
        return NULL;
    h->h_nworkers = o->ho_workers;
    h->h_listen = -1;
    pthread_mutex_init(&h->h_lock, NULL);
    pthread_cond_init(&h->h_quiet, NULL);
    for (unsigned i = 0; i < h->h_nworkers; i++)
        h->h_workers[i].w_wake = -1;
    if (httpd_start_workers(h, o) != 0) {
        int e = errno;
        httpd_stop(h);
        return errno = e, NULL;
    }
    return h;
}

unsigned
httpd_port(const httpd_t *h)
{
    return h->h_port;
}

void
httpd_quiesce(httpd_t *h)
{
    if (h == NULL)
        return;
    for (unsigned i = 0; i < h->h_nworkers; i++)
        if (h->h_workers[i].w_running)
            worker_order(&h->h_workers[i], ORDER_QUIESCE);
    pthread_mutex_lock(&h->h_lock);
    for (unsigned i = 0; i < h->h_nworkers; i++)
        while (h->h_workers[i].w_running && !atomic_load(&h->h_workers[i].w_quiet))
            pthread_cond_wait(&h->h_quiet, &h->h_lock);
    pthread_mutex_unlock(&h->h_lock);
}

void
httpd_stop(httpd_t *h)
{
    if (h == NULL)
        return;
    for (unsigned i = 0; i < h->h_nworkers; i++) {
        worker_t *w = &h->h_workers[i];
        if (w->w_running) {
            worker_order(w, ORDER_STOP);
            pthread_join(w->w_thread, NULL);
        } else if (w->w_daemon != NULL) {
            MHD_quiesce_daemon(w->w_daemon); /* never ran: the socket is still ours to close */
        }
        if (w->w_daemon != NULL)
            MHD_stop_daemon(w->w_daemon);
        if (w->w_wake >= 0)
            close(w->w_wake);
    }
    if (h->h_listen >= 0)
        close(h->h_listen);
    pthread_cond_destroy(&h->h_quiet);
    pthread_mutex_destroy(&h->h_lock);
    free(h);
}
