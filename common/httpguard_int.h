/*
 * httpguard_int.h - the guard's insides, shared by its two halves and by no
 * one else: httpguard.c (libmicrohttpd's callbacks, the deadlines of the
 * connections the daemon holds, the thread) and httpgate.c (the listening
 * socket: accept, limits, the first request line, the hand-over).
 *
 * Every connection has one record from its accept to its close, on one of
 * two lists: g_conns (at the gate, or the daemon's) or g_handed (given to the
 * daemon, whose "started" notice has not come yet). The lists, the counts and
 * the states of the daemon's records are under g_lock; a record at the gate
 * (GC_GATE, GC_LINGER) is only ever touched by the guard's thread.
 */
#ifndef CMON_HTTPGUARD_INT_H
#define CMON_HTTPGUARD_INT_H

#include "httpguard.h"
#include "ipcount.h"
#include "ratelog.h"

#include <pthread.h>

#define GUARD_TICKS_PER_S 4 /* the thread's kernel timer: every 250 ms */

typedef enum {
    GC_GATE,    /* at the gate: waiting for its first request line */
    GC_LINGER,  /* at the gate, answered 400/414: draining until closed */
    GC_HANDED,  /* given to the daemon, not started there yet (g_handed) */
    GC_HEADERS, /* the daemon's: waiting for a request's headers, gc_deadline set */
    GC_BUSY,    /* headers complete: the handler has the request */
    GC_KEPT,    /* answered, kept alive: waiting for the next request's first byte */
    GC_CUT      /* shut down by the thread: libmicrohttpd is closing it */
} gc_state_t;

/* gc_mark of a connection answered since the last tick: the thread reads the
 * kernel's count (TCP_INFO) at its next tick, not the request's thread once
 * per request. */
#define GUARD_MARK_UNSET (~0ULL)

typedef struct guard_conn {
    struct guard_conn *gc_prev, *gc_next;
    int gc_fd;
    gc_state_t gc_state;
    unsigned long gc_deadline;  /* tick by which the headers must be complete */
    unsigned long long gc_mark; /* bytes received by the first tick after it was answered,
                                 * or GUARD_MARK_UNSET until that tick */
    int gc_uri_seen;            /* the request line of the current request arrived */
    unsigned gc_refuse;         /* 0, or the status its request line earned (400, 414) */
    size_t gc_seen;             /* at the gate: bytes it had sent at the last look */
    size_t gc_drained;          /* lingering: bytes read and dropped */
    int gc_counted;             /* gc_key holds one of g_per_ip's counts */
    ipcount_key_t gc_key;
    struct sockaddr_storage gc_addr; /* the peer, for MHD_add_connection() */
    socklen_t gc_addrlen;
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
    pthread_mutex_t g_lock; /* guards the lists, the counts, g_tick, the daemon's states */
    guard_conn_t g_conns;   /* list head (a sentinel) */
    guard_conn_t g_handed;  /* list head: handed over, not started */
    ipcount_t *g_per_ip;    /* connections per client address, all lists */
    unsigned g_open;        /* records on both lists */
    unsigned long g_tick;   /* ticks of g_timer since the start */
    int g_timer;            /* periodic timerfd */
    int g_stop;             /* eventfd: the thread ends when readable */
    int g_epoll;            /* the thread's: g_timer, g_stop, g_listen, the gate's connections */
    int g_listen;           /* the listening socket (-1: none yet, or closed) */
    int g_listen_paused;    /* out of g_epoll until the next tick (no fd left to accept) */
    struct MHD_Daemon *g_daemon; /* where the gate hands connections */
    char *g_peek;                /* httpguard_line_max() bytes: the gate's look */
    pthread_t g_thread;
    int g_running; /* g_thread is to be joined */
};

/* ---- httpguard.c, for the gate ---------------------------------------- */

/* Tells the log callback, at most one line a kind an interval. */
void guard_log(httpguard_t *g, const char *kind, const char *what);

/* Puts c on list (g_lock held); counts it when it is new (counted: 1). */
void guard_link(httpguard_t *g, guard_conn_t *list, guard_conn_t *c, int counted);

/* Takes c off its list (g_lock held); uncounts it when gone for good
 * (counted: 1), its per-client count too. */
void guard_unlink(httpguard_t *g, guard_conn_t *c, int counted);

/* hg_header_timeout in ticks. */
unsigned long guard_header_ticks(const httpguard_t *g);

/* ---- httpgate.c, for the thread --------------------------------------- */

/* Accepts what waits on g_listen (a bounded batch; the rest next round). */
void gate_accept(httpguard_t *g);

/* An epoll event of a connection at the gate. Frees it when it ends. */
void gate_event(httpguard_t *g, guard_conn_t *c, unsigned events);

/* One tick for a record of g_conns at the gate or of g_handed (g_lock
 * held): answers a connection past its deadline, ends a lingering one, drops
 * a hand-over the daemon never started. The status it answered (400: part
 * of a line came, 408: nothing), else 0. */
unsigned gate_tick(httpguard_t *g, guard_conn_t *c);

/* Once a tick: the listening socket back in g_epoll after a pause. */
void gate_resume(httpguard_t *g);

/* Closes the listening socket and every connection at the gate (the
 * thread stopped). */
void gate_close_all(httpguard_t *g);

#endif /* CMON_HTTPGUARD_INT_H */
