/*
 * http - the agent's HTTP server (libmicrohttpd) and its router.
 *
 * The server only routes: a route table maps a path pattern and a set of
 * methods to a handler; handlers fill an http_resp_t (status, body,
 * content type) and never touch the connection. The server adds gzip when
 * the client allows it and the handler says the body may be compressed,
 * answers 404 for unknown paths, 405 (with Allow) for a method a known path
 * does not take, and counts every answer by status.
 */
#ifndef CMON_AGENT_HTTP_H
#define CMON_AGENT_HTTP_H

#include <stdint.h>
#include <sys/socket.h>

#include "sbuf.h"
#include "selfstats.h"

#define HTTP_GET 0x1
#define HTTP_HEAD 0x2
#define HTTP_POST 0x4

/* What a handler sees of a request. */
typedef struct http_req {
    unsigned hr_method;             /* one HTTP_* bit */
    const char *hr_path;            /* the path, without the query */
    const char *hr_param;           /* the segment that matched "{}", or NULL */
    const char *hr_accept;          /* Accept header, or NULL */
    const char *hr_accept_encoding; /* Accept-Encoding header, or NULL */
    const char *hr_cmon_opts;       /* x-joyent-cmon-opts header (cmonopts.h), or NULL */
} http_req_t;

/* What a handler answers. The server frees hs_body. */
typedef struct http_resp {
    unsigned hs_code;
    sbuf_t hs_body;
    const char *hs_ctype; /* static string; default text/plain */
    int hs_compressible;  /* 1: gzip when allowed */
    const char *hs_vary;  /* static Vary value, or NULL */
} http_resp_t;

/* A handler: 0 when resp is filled, -1 for an internal error (500). */
typedef int (*http_handler_t)(void *ctx, const http_req_t *req, http_resp_t *resp);

/*
 * One route. rt_path is a pattern of '/'-separated segments where "{}"
 * matches any one non-empty segment (handed to the handler as hr_param).
 * The first route whose path matches decides; a table ends with a NULL
 * rt_path.
 */
typedef struct http_route {
    const char *rt_path;
    unsigned rt_methods; /* HTTP_* bits */
    http_handler_t rt_handler;
    const char
        *rt_name; /* route label of http_requests_completed (reference 3.7); NULL: "unknown" */
} http_route_t;

typedef struct http_opts {
    const struct sockaddr *ho_addr; /* where to listen (listen.h); port 0: any free one */
    unsigned ho_threads;            /* worker threads */
    unsigned ho_max_conns;          /* connection limit */
    unsigned ho_max_per_client;     /* connections at once from one IP address; 0: no limit */
    unsigned ho_header_timeout;     /* seconds for a request's headers, absolute (>= 1) */
    unsigned ho_idle_timeout;       /* seconds an idle connection is kept */
    size_t ho_conn_memory;          /* per-connection memory: bounds URL and headers */
    double ho_log_interval;         /* seconds between log lines of a kind (refusals, cuts) */
} http_opts_t;

typedef struct http_server http_server_t;

/*
 * http_server_start() - listens and serves routes with ctx as every
 * handler's first argument. NULL with errno set (EADDRINUSE, EINVAL ...).
 */
http_server_t *http_server_start(const http_opts_t *opts, const http_route_t *routes, void *ctx,
                                 selfstats_t *stats);

/* http_server_port() - the port actually bound. */
unsigned http_server_port(const http_server_t *srv);

/* http_server_stop() - stops accepting, finishes, frees. NULL is fine. */
void http_server_stop(http_server_t *srv);

/*
 * http_route_match() - the route of table for method and path: *status is
 * 200 (route returned, *param the "{}" segment copied into param_buf),
 * 404 (no route, NULL), or 405 (path known, method not: the route is
 * returned for its Allow set).
 */
const http_route_t *http_route_match(const http_route_t *table, unsigned method, const char *path,
                                     char *param_buf, size_t param_len, unsigned *status);

/* http_allow() - writes the Allow header value of a method set. */
void http_allow(unsigned methods, char *buf, size_t len);

#endif
