/*
 * http.h - the scenario engine's requests to the agent: what a Lua call
 * asks for (target URL, Accept, gzip, method, body, unix socket) turned into
 * a common/fetch request, one at a time or many with a bounded number in
 * flight. The response is common/fetch's.
 */
#ifndef CMON_SCN_HTTP_H
#define CMON_SCN_HTTP_H

#include <stddef.h>

#include "fetch.h"

struct scn_http_req {
    /* in */
    char hr_url[256];
    const char *hr_accept; /* Accept header value, NULL: none */
    int hr_gzip;           /* ask for gzip (the body is handed back decoded) */
    const char *hr_method; /* NULL: GET (POST when hr_post is set); else as given */
    const char *hr_post;   /* body to POST, NULL: none (with method "POST": empty) */
    size_t hr_post_len;
    const char *hr_unix_socket;     /* connect through this unix socket, NULL: TCP */
    const struct fetch_tls *hr_tls; /* https: client certificate, CA, --resolve; NULL: none */
    /* the request as sent and its response (hr_call.fc_resp: status 0 when
     * the request failed, rs_error says why); filled by scn_http_run */
    struct fetch_call hr_call;
    const char *hr_cmon_opts; /* x-joyent-cmon-opts header value, NULL: none */
    char hr_accept_line[192]; /* "Accept: ..." */
    char hr_opts_line[192];   /* "x-joyent-cmon-opts: ..." */
    const char *hr_headers[3];
};

/* Called after each request of scn_http_run completes; non-zero stops the
 * run (the requests in flight are abandoned with status 0). */
typedef int (*scn_http_done_fn)(void *arg, size_t i);

/*
 * scn_http_run() - performs n requests, at most concurrency at a time,
 * reusing connections. Returns 0 when all were tried, 1 when done() stopped
 * the run, -1 when curl could not be set up (every rs_error says so).
 */
int scn_http_run(struct scn_http_req *reqs, size_t n, size_t concurrency, scn_http_done_fn done,
                 void *arg);

/* scn_http_req_release() - frees the response (the request can be reused). */
void scn_http_req_release(struct scn_http_req *r);

#endif /* CMON_SCN_HTTP_H */
