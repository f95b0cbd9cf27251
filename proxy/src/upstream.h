/*
 * upstream.h - the proxy's requests to agents, off the HTTP workers: one
 * thread drives a libcurl multi handle, so a hung agent holds a slot in
 * curl's poll set and nothing else. Connections to agents are kept open and
 * reused (curl's connection cache of the multi handle: keep-alive, at most
 * uo_max_conns idle ones). At most uo_host_conns are open to one agent at
 * once; requests beyond wait in curl's queue (their time counts against
 * uo_timeout_ms): an agent is one process a compute node, and a burst of
 * scrapes must not take every connection it accepts.
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
 * Called once per request from the upstream thread (or from upstream_stop's
 * caller) with the answer: the receiver takes it by copying the struct (the
 * body goes with it) and must not block.
 */
typedef void (*upstream_done_fn)(void *arg, upstream_answer_t *answer);

typedef struct upstream_call {
    char uc_url[UPSTREAM_URL_MAX];       /* http://host:port/path */
    char uc_accept[UPSTREAM_ACCEPT_MAX]; /* the client's Accept, "" for none */
    int uc_gzip;                         /* ask the agent for gzip (the client takes it) */
    upstream_done_fn uc_done;
    void *uc_arg;
} upstream_call_t;

/* upstream_start() - starts the thread. NULL with a message in err. */
upstream_t *upstream_start(const upstream_opts_t *opts, char *err, size_t errlen);

/*
 * upstream_submit() - queues a copy of call. 0; -1 (ENOMEM, or ESHUTDOWN
 * when stopping) and then done is never called.
 */
int upstream_submit(upstream_t *u, const upstream_call_t *call);

/* upstream_stop() - ends every request still open with 503 (done called
 * for each), stops the thread, frees. NULL is fine. */
void upstream_stop(upstream_t *u);

#endif
