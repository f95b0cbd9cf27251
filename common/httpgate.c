/*
 * httpgate - the guard's gate (httpguard.h): the connections of the
 * listening socket from their accept until their first request line is
 * whole, on the guard's thread.
 *
 * A connection at the gate is in g_epoll edge-triggered: the gate reads
 * nothing (MSG_PEEK), so a level-triggered one would wake it for the same
 * bytes forever; each new segment wakes it once, and it looks at everything
 * received so far (at most httpguard_line_max() bytes: a trickled line costs
 * its length squared, bounded by that). A well-formed line hands the socket
 * to libmicrohttpd untouched; a bad one is answered here and closed after a
 * lingering drain (closing a socket with unread input sends a reset, which
 * can destroy the answer before the client reads it).
 */
#include "httpguard_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define GATE_ACCEPT_BATCH 64                  /* accepts a wake-up; the rest next round */
#define GATE_LINGER_TICKS (GUARD_TICKS_PER_S) /* a lingering close lasts at most 1 s */
#define GATE_LINGER_BYTES (64 * 1024)         /* and drops at most this much */
#define GATE_HANDED_GRACE (GUARD_TICKS_PER_S) /* a hand-over not started by then was lost */

/* ---- answers ---------------------------------------------------------- */

#define GATE_ANSWER(status, reason, body)                                                          \
    "HTTP/1.1 " status " " reason "\r\nConnection: close\r\n"                                      \
    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " body "\r\n\r\n"

static const char gate_400[] = GATE_ANSWER("400", "Bad Request", "12") "bad request\n";
static const char gate_408[] = GATE_ANSWER("408", "Request Timeout", "16") "request timeout\n";
static const char gate_414[] = GATE_ANSWER("414", "URI Too Long", "13") "uri too long\n";

/* Closes and frees a connection at the gate (the lock held). */
static void
gate_drop_locked(httpguard_t *g, guard_conn_t *c)
{
    /* out of g_epoll first: a child forked meanwhile may hold a copy of the
     * descriptor, and close() alone would leave it in the set */
    epoll_ctl(g->g_epoll, EPOLL_CTL_DEL, c->gc_fd, NULL);
    close(c->gc_fd);
    guard_unlink(g, c, 1);
    free(c);
}

static void
gate_drop(httpguard_t *g, guard_conn_t *c)
{
    pthread_mutex_lock(&g->g_lock);
    gate_drop_locked(g, c);
    pthread_mutex_unlock(&g->g_lock);
}

/* Reads and drops what a lingering connection received. 1 when it is done
 * (the client's end, an error, or more than GATE_LINGER_BYTES), 0 when it
 * may still send. */
static int
gate_linger(guard_conn_t *c)
{
    char buf[4096];
    for (;;) {
        ssize_t n = recv(c->gc_fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            c->gc_drained += (size_t)n;
            if (c->gc_drained > GATE_LINGER_BYTES)
                return 1;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : 1;
    }
}

/* Answers status (400, 408, 414) and starts a lingering close: its side
 * shut, what came already dropped now (edge-triggered: it would wake no
 * one). 1 when the connection is done, as gate_linger(). */
static int
gate_answer(httpguard_t *g, guard_conn_t *c, unsigned status)
{
    const char *msg = status == 414 ? gate_414 : status == 408 ? gate_408 : gate_400;
    size_t len = status == 414   ? sizeof(gate_414) - 1
                 : status == 408 ? sizeof(gate_408) - 1
                                 : sizeof(gate_400) - 1;
    ssize_t n = send(c->gc_fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)n; /* best effort: a fresh socket's buffer takes it, a reset one is gone */
    shutdown(c->gc_fd, SHUT_WR);
    c->gc_state = GC_LINGER;
    c->gc_deadline = g->g_tick + GATE_LINGER_TICKS; /* g_tick: only this thread writes it */
    return gate_linger(c);
}

/* ---- accepting -------------------------------------------------------- */

static int gate_look(httpguard_t *g, guard_conn_t *c, unsigned events);

/* Counts and records a new connection, or says why it is refused (the lock
 * held). NULL with *why set when refused. */
static guard_conn_t *
gate_admit_locked(httpguard_t *g, const ipcount_key_t *key, int has_key, const char **why)
{
    const httpguard_limits_t *l = &g->g_lim;
    if (g->g_open >= l->hg_max_conns) {
        *why = "connection refused: --max-connections reached";
        return NULL;
    }
    if (has_key && l->hg_max_per_client > 0 &&
        ipcount_get(g->g_per_ip, key) >= l->hg_max_per_client) {
        *why = "connection refused: --max-connections-per-client reached";
        return NULL;
    }
    guard_conn_t *c = calloc(1, sizeof(*c));
    if (c == NULL || (has_key && ipcount_add(g->g_per_ip, key) != 0)) {
        free(c);
        *why = "connection refused: out of memory";
        return NULL;
    }
    c->gc_counted = has_key;
    c->gc_key = *key;
    guard_link(g, &g->g_conns, c, 1);
    return c;
}

/* A connection just accepted: at the gate, or closed at once past a limit. */
static void
gate_admit(httpguard_t *g, int fd, const struct sockaddr_storage *ss, socklen_t len)
{
    ipcount_key_t key;
    int has_key = ipcount_key_of((const struct sockaddr *)ss, len, &key);
    const char *why = NULL;
    pthread_mutex_lock(&g->g_lock);
    guard_conn_t *c = gate_admit_locked(g, &key, has_key, &why);
    if (c != NULL) {
        c->gc_fd = fd;
        c->gc_state = GC_GATE;
        c->gc_deadline = g->g_tick + guard_header_ticks(g);
        c->gc_addr = *ss;
        c->gc_addrlen = len;
    }
    pthread_mutex_unlock(&g->g_lock);
    if (c == NULL) {
        close(fd);
        guard_log(g, why, why);
        return;
    }
    /* Its request often came with the handshake: a look now spares the round
     * through epoll. Else epoll reports its first bytes (adding a socket
     * whose bytes are there already reports them too). */
    if (!gate_look(g, c, 0))
        return;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(g->g_epoll, EPOLL_CTL_ADD, fd, &ev) != 0)
        gate_drop(g, c);
}

/* No descriptor left to accept with: the listening socket rests until the
 * next tick (level-triggered, it would wake the thread at once again). */
static void
gate_pause(httpguard_t *g, int err)
{
    char what[160];
    epoll_ctl(g->g_epoll, EPOLL_CTL_DEL, g->g_listen, NULL);
    g->g_listen_paused = 1;
    snprintf(what, sizeof(what), "cannot accept connections: %s", strerror(err));
    guard_log(g, "cannot accept", what);
}

void
gate_resume(httpguard_t *g)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &g->g_listen};
    if (g->g_listen_paused && epoll_ctl(g->g_epoll, EPOLL_CTL_ADD, g->g_listen, &ev) == 0)
        g->g_listen_paused = 0;
}

void
gate_accept(httpguard_t *g)
{
    for (int i = 0; i < GATE_ACCEPT_BATCH; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int fd = accept4(g->g_listen, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            gate_admit(g, fd, &ss, len);
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            gate_pause(g, errno);
            return;
        }
        /* else the error of one pending connection (ECONNABORTED, ...): the next */
    }
}

/* ---- the first request line ------------------------------------------- */

/* Gives c to the daemon, which reads it from its first byte. */
static void
gate_handover(httpguard_t *g, guard_conn_t *c)
{
    epoll_ctl(g->g_epoll, EPOLL_CTL_DEL, c->gc_fd, NULL);
    pthread_mutex_lock(&g->g_lock);
    guard_unlink(g, c, 0);
    c->gc_state = GC_HANDED;
    guard_link(g, &g->g_handed, c, 0);
    pthread_mutex_unlock(&g->g_lock);
    /* From MHD_YES on, c is the daemon thread's (it may be closed and freed
     * already): the address is copied before the connection is queued. */
    if (MHD_add_connection(g->g_daemon, c->gc_fd, (struct sockaddr *)&c->gc_addr, c->gc_addrlen) ==
        MHD_YES)
        return;
    char what[160];
    snprintf(what, sizeof(what), "connection closed: the HTTP server cannot take it: %s",
             strerror(errno));
    pthread_mutex_lock(&g->g_lock); /* never queued: still ours, its socket closed */
    guard_unlink(g, c, 1);
    pthread_mutex_unlock(&g->g_lock);
    free(c);
    guard_log(g, "cannot hand over", what);
}

/* A bad first line, answered and logged. 1 while c lingers, 0 when it was
 * done at once (freed). */
static int
gate_refuse(httpguard_t *g, guard_conn_t *c, unsigned status)
{
    guard_log(g, status == 414 ? "request target too long" : "bad request line",
              status == 414 ? "connection answered 414: request target over the URL limit"
                            : "connection answered 400: malformed request line or too many "
                              "empty lines before it");
    if (!gate_answer(g, c, status))
        return 1;
    gate_drop(g, c);
    return 0;
}

/* Looks at what c has sent (events: epoll's; 0 right after the accept).
 * 1 while c is still the gate's (waiting for more, or lingering), 0 when it
 * is gone: handed over, or closed and freed. */
static int
gate_look(httpguard_t *g, guard_conn_t *c, unsigned events)
{
    if (c->gc_state == GC_LINGER) {
        if (!gate_linger(c))
            return 1;
        gate_drop(g, c);
        return 0;
    }
    size_t max_url = g->g_lim.hg_max_url;
    ssize_t n = recv(c->gc_fd, g->g_peek, httpguard_line_max(max_url), MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 1;
    if (n <= 0) { /* gone without a byte, or reset: nothing to answer */
        gate_drop(g, c);
        return 0;
    }
    c->gc_seen = (size_t)n;
    httpguard_line_t v = httpguard_line_check(g->g_peek, (size_t)n, max_url);
    if (v == HTTPGUARD_LINE_MORE && (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0)
        v = HTTPGUARD_LINE_BAD; /* its side ended mid-line: it can never be whole */
    if (v == HTTPGUARD_LINE_OK) {
        gate_handover(g, c);
        return 0;
    }
    if (v != HTTPGUARD_LINE_MORE)
        return gate_refuse(g, c, v == HTTPGUARD_LINE_LONG ? 414 : 400);
    return 1;
}

void
gate_event(httpguard_t *g, guard_conn_t *c, unsigned events)
{
    (void)gate_look(g, c, events);
}

/* ---- deadlines and the end -------------------------------------------- */

unsigned
gate_tick(httpguard_t *g, guard_conn_t *c)
{
    if (c->gc_state == GC_HANDED) {
        if (g->g_tick >= c->gc_deadline + GATE_HANDED_GRACE) {
            guard_unlink(g, c, 1); /* the daemon closed it without starting it */
            free(c);
        }
        return 0;
    }
    if (g->g_tick < c->gc_deadline)
        return 0;
    if (c->gc_state == GC_LINGER) {
        gate_drop_locked(g, c);
        return 0;
    }
    unsigned status = c->gc_seen > 0 ? 400 : 408; /* part of a line, or nothing */
    if (gate_answer(g, c, status))
        gate_drop_locked(g, c);
    return status;
}

void
gate_close_all(httpguard_t *g)
{
    if (g->g_listen >= 0)
        close(g->g_listen);
    g->g_listen = -1;
    pthread_mutex_lock(&g->g_lock);
    for (guard_conn_t *c = g->g_conns.gc_next, *next; c != &g->g_conns; c = next) {
        next = c->gc_next;
        if (c->gc_state == GC_GATE || c->gc_state == GC_LINGER)
            gate_drop_locked(g, c);
    }
    pthread_mutex_unlock(&g->g_lock);
}
