/* httpd - libmicrohttpd daemons in external epoll mode, one a worker thread,
 * sharing one listening socket.
 *
 * Why not libmicrohttpd's own threads: with MHD_USE_POLL each turn of its
 * loop walks every connection, so a keep-alive request costs more the more
 * clients hold connections (Prometheus holds one per target: 10,000 and
 * more); with MHD_USE_EPOLL and its internal thread, libmicrohttpd 0.9.75
 * keeps a connection whose TLS handshake answered "again" among the ready
 * ones (only its own record reads clear that mark), and its loop spins on
 * recv() until the client's next flight comes.
 *
 * Here each worker runs its daemon's loop itself: MHD_run() while
 * libmicrohttpd has work it knows of, and when it says it has work at once
 * (timeout 0) but two turns in a row moved no byte (its TLS transport counts
 * them: httpd_tls_transport) and no event came, the worker waits on
 * the daemon's epoll descriptor for HTTPD_SPIN_PAUSE_US, twice that after
 * another such turn, and so on up to HTTPD_SPIN_PAUSE_MAX_US: any new byte,
 * new client or resumed connection wakes it at once, and what only spun (a
 * pending handshake) is tried again after the pause. So a turn costs the
 * connections that have something to do (and those in a handshake), never
 * all of them, and clients stalled in their handshakes cost little: a
 * recv() each every few milliseconds until the proxy's handshake deadline.
 *
 * What such a pause mostly waits out is libmicrohttpd's last read of a
 * keep-alive connection after its answer (it reads until "again" before it
 * lets the connection be), and any event ends the pause: the read is done in
 * the turn the next request or answer brings. The first pause is 1 ms, so
 * that at a worker's thousand scrapes a second that turn mostly comes first;
 * with 0.2 ms the worker woke for that read alone after about one scrape
 * in four (proxy/README.md, 2026-12-08). Bytes a client sends behind a
 * request not yet answered (pipelining; Prometheus does not) wait for a turn:
 * up to a pause.
 *
 * The workers share the listening socket (as libmicrohttpd's own thread
 * pool does): whichever is free accepts. Each holds at most its share of
 * the connection limit.
 *
 * A worker may drive one more thing in its own loop, its "side" (the proxy:
 * its libcurl multi handle to the agents, upstream.h): a descriptor waited on
 * together with the daemon's, a deadline, and a turn run when either is
 * ready. A request handled by the worker reaches its side through
 * httpd_worker_side(), and a connection the side resumes is run again by the
 * same thread at once: no other thread, queue or wake-up on the way.
 */
#ifndef CMON_PROXY_HTTPD_H
#define CMON_PROXY_HTTPD_H

#include <stddef.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#define HTTPD_SPIN_PAUSE_US 1000     /* the first wait when libmicrohttpd only spins */
#define HTTPD_SPIN_PAUSE_MAX_US 5000 /* ... doubling while nothing new comes */
#define HTTPD_MAX_WORKERS 256

typedef struct httpd httpd_t;

/* What a worker drives besides its daemon; every call in the worker's thread. */
typedef struct httpd_side {
    void *hs_ctx;
    int hs_fd;                          /* readable: hs_run has work */
    long long (*hs_wait_us)(void *ctx); /* until hs_run is due: -1 never, 0 now */
    void (*hs_run)(void *ctx);          /* a turn (it may resume connections) */
    void (*hs_stop)(void *ctx);         /* the worker stops: end what is open */
} httpd_side_t;

typedef struct httpd_opts {
    const struct sockaddr *ho_addr; /* where to listen (port 0: any) */
    unsigned ho_workers;            /* threads, each a daemon (1..HTTPD_MAX_WORKERS) */
    unsigned ho_flags;              /* MHD_USE_* beyond epoll (TLS, suspend/resume, ...) */
    unsigned ho_max_conns;          /* in all; each worker holds its share */
    MHD_AccessHandlerCallback ho_access;
    void *ho_access_cls;
    const struct MHD_OptionItem *ho_options; /* ends with MHD_OPTION_END; for every daemon */
    const httpd_side_t *ho_sides;            /* NULL, or one a worker (ho_workers of them) */
} httpd_opts_t;

/* httpd_start() - listen and start the workers; NULL with errno on failure. */
httpd_t *httpd_start(const httpd_opts_t *o);

/* httpd_port() - the port listened on (the one chosen when ho_addr said 0). */
unsigned httpd_port(const httpd_t *h);

/* httpd_resume() - MHD_resume_connection(c), and wake the worker whose daemon
 * holds c (in external mode libmicrohttpd leaves that to its caller); from
 * that worker's own thread (its side, its request handler) no wake-up is
 * needed: it runs its daemon again before it waits. Any thread. */
void httpd_resume(httpd_t *h, struct MHD_Connection *c);

/* httpd_poke() - from a worker's own thread (its side, its request handler):
 * run its daemon again before waiting, because a request it holds without a
 * response can now be answered. No-op in any other thread. */
void httpd_poke(void);

/* httpd_waiting() - from a worker's own thread: delta more (or fewer) requests
 * it holds without a response whose answer the side brings: a turn that moves
 * nothing then waits for the descriptors at once (HTTPD_SPIN_PAUSE_MAX_US at
 * most) instead of pausing a little at a time. No-op in any other thread. */
void httpd_waiting(int delta);

/* httpd_worker_side() - the hs_ctx of the worker whose thread calls it (in a
 * request handler: the worker serving the request); NULL in any other thread
 * or without sides. */
void *httpd_worker_side(void);

/* httpd_tls_transport() - at MHD_CONNECTION_NOTIFY_STARTED of a TLS
 * connection: its session reads and writes through functions that count the
 * bytes they move, so a worker tells a turn that moved bytes (a body sent a
 * TLS record a turn: go on at once) from one that only repeated a pending
 * handshake (pause). Without it every turn that libmicrohttpd says to repeat
 * is a candidate for the pause. */
void httpd_tls_transport(struct MHD_Connection *c, gnutls_session_t s);

/* httpd_quiesce() - accept no new connection; those open go on. Returns when
 * every worker has stopped accepting. */
void httpd_quiesce(httpd_t *h);

/* httpd_stop() - stop the workers (each calls its side's hs_stop first, and
 * runs its daemon once more), close every connection and the listening
 * socket, free h. NULL is a no-op. */
void httpd_stop(httpd_t *h);

#endif
