/*
 * upstream.h - the proxy's requests to agents on a libcurl multi handle that
 * one HTTP worker owns and drives from its own loop (httpd.h, httpd_side_t):
 * curl's sockets are watched through an epoll descriptor of the upstream's
 * (upstream_fd(), waited on by the worker together with libmicrohttpd's),
 * curl's timer is the worker's next deadline (upstream_wait_us()), and
 * upstream_run() moves what is ready (curl_multi_socket_action) and hands
 * the finished requests over. So a scrape is received, forwarded, answered
 * and its connection resumed in one thread: no queue, lock or wake-up
 * between threads. A hung agent holds a slot in the epoll set and nothing
 * else.
 *
 * Connections to agents are kept open and reused (the multi handle's
 * connection cache: keep-alive, at most uo_max_conns idle ones). At most
 * uo_host_conns are open to one agent at once from this multi handle
 * (the proxy gives each of its N workers 64/N, so 64 in all); requests beyond
 * wait in curl's queue (their time counts against uo_timeout_ms): an agent is
 * one process a compute node, and a burst of scrapes must not take every
 * connection it accepts.
 *
 * Each request is tried once (no retries: a scrape that fails is retried by
 * Prometheus at its next interval, and retries multiply the load on an agent
 * that is already struggling), within uo_connect_timeout_ms to connect and
 * uo_timeout_ms in all, and its outcome is turned into the status the
 * proxy answers:
 *
 *   agent 200                     200, the body and its Content-Type and
 *                                 Content-Encoding as sent
 *   agent 404 (instance gone)     404
 *   agent 503                     503
 *   agent other status            502
 *   refused, reset, bad answer,   502
 *   an encoding not asked for,
 *   a body over uo_max_body
 *   no answer in time             504
 *   the proxy stopping            503
 *
 * Threads: every function but upstream_new() and upstream_free() is called
 * by the one thread that drives the upstream (its worker); upstream_free()
 * once that thread has stopped.
 */
#ifndef CMON_PROXY_UPSTREAM_H
#define CMON_PROXY_UPSTREAM_H

#include <stddef.h>

#include "sbuf.h"

#define UPSTREAM_URL_MAX 256
#define UPSTREAM_ACCEPT_MAX 512

typedef struct upstream upstream_t;

typedef struct upstream_opts {
    int uo_connect_timeout_ms; /* connecting (default 2000) */
    int uo_timeout_ms;         /* the whole request (default 10000) */
    size_t uo_max_body;        /* largest body passed on (default 64 MB) */
    long uo_max_conns;         /* idle connections kept (default 256) */
    long uo_host_conns;        /* open to one agent at once (default 64) */
} upstream_opts_t;

/* What the proxy answers for one request. */
typedef struct upstream_answer {
    unsigned ua_status;   /* 200, 404, 502, 503 or 504 (above) */
    long ua_agent_status; /* the agent's status, 0 when none came */
    sbuf_t ua_body;       /* the agent's body (200 only); the receiver owns it */
    char ua_ctype[128];   /* its Content-Type, "" when none */
    char ua_cenc[32];     /* its Content-Encoding, "" when none */
    char ua_why[512];     /* for the log and the error body when not 200 */
} upstream_answer_t;

/*
 * Called once per request, in the driving thread (from upstream_run(),
 * upstream_submit() when the request ended at once, or upstream_cancel()),
 * with the answer: the receiver takes it by copying the struct (the body goes
 * with it) and must not block nor call back into the upstream.
 */
typedef void (*upstream_done_fn)(void *arg, upstream_answer_t *answer);

typedef struct upstream_call {
    char uc_url[UPSTREAM_URL_MAX];       /* http://host:port/path */
    char uc_accept[UPSTREAM_ACCEPT_MAX]; /* the client's Accept, "" for none */
    int uc_gzip;                         /* ask the agent for gzip (the client takes it) */
    upstream_done_fn uc_done;
    void *uc_arg;
} upstream_call_t;

/* upstream_new() - a multi handle and its epoll descriptor; no thread. NULL
 * with a message in err. */
upstream_t *upstream_new(const upstream_opts_t *opts, char *err, size_t errlen);

/* upstream_fd() - readable when a connection to an agent is ready. */
int upstream_fd(const upstream_t *u);

/* upstream_wait_us() - how long until curl's timer wants upstream_run()
 * (connect and request timeouts, a transfer to start): -1 none, 0 now. */
long long upstream_wait_us(const upstream_t *u);

/* upstream_run() - moves every transfer whose connection is ready or whose
 * timer is due, and calls done for each that ended. */
void upstream_run(upstream_t *u);

/*
 * upstream_submit() - starts a request for a copy of call: the request is
 * written to an idle pooled connection at once when there is one. 0 (done
 * will be called, possibly before this returns when the request ended at
 * once, e.g. refused); -1 (ENOMEM, or ESHUTDOWN after upstream_cancel) and
 * then done is never called.
 */
int upstream_submit(upstream_t *u, const upstream_call_t *call);

/* upstream_cancel() - ends every request still open with 503 (done called
 * for each); later submits fail with ESHUTDOWN. */
void upstream_cancel(upstream_t *u);

/* upstream_free() - upstream_cancel(), then frees. NULL is fine. */
void upstream_free(upstream_t *u);

#endif
