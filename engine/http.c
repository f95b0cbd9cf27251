/*
 * http.c - the engine's requests over common/fetch: the Lua options become a
 * fetch request (gzip decoded by curl, a generous timeout for big fleets).
 */
#include <stdio.h>
#include <stdlib.h>

#include "http.h"

#define HTTP_TIMEOUT_S 120.0

static void
http_prepare(struct scn_http_req *r)
{
    struct fetch_req *q = &r->hr_call.fc_req;

    *q = (struct fetch_req){.rq_url = r->hr_url,
                            .rq_method = r->hr_method,
                            .rq_body = r->hr_post,
                            .rq_body_len = r->hr_post_len,
                            .rq_accept_encoding = r->hr_gzip ? "gzip" : NULL,
                            .rq_unix_socket = r->hr_unix_socket,
                            .rq_tls = r->hr_tls,
                            .rq_timeout_s = HTTP_TIMEOUT_S};
    size_t nh = 0;
    if (r->hr_accept != NULL) {
        snprintf(r->hr_accept_line, sizeof(r->hr_accept_line), "Accept: %s", r->hr_accept);
        r->hr_headers[nh++] = r->hr_accept_line;
    }
    if (r->hr_cmon_opts != NULL) {
        snprintf(r->hr_opts_line, sizeof(r->hr_opts_line), "x-joyent-cmon-opts: %s",
                 r->hr_cmon_opts);
        r->hr_headers[nh++] = r->hr_opts_line;
    }
    r->hr_headers[nh] = NULL;
    if (nh > 0)
        q->rq_headers = r->hr_headers;
}

int
scn_http_run(struct scn_http_req *reqs, size_t n, size_t concurrency, scn_http_done_fn done,
             void *arg)
{
    struct fetch_call **calls = calloc(n ? n : 1, sizeof(*calls));
    if (calls == NULL) {
        for (size_t i = 0; i < n; i++)
            snprintf(reqs[i].hr_call.fc_resp.rs_error, FETCH_ERROR_MAX, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        http_prepare(&reqs[i]);
        calls[i] = &reqs[i].hr_call;
    }
    int rc = fetch_many(calls, n, concurrency, done, arg);
    free(calls);
    return rc;
}

void
scn_http_req_release(struct scn_http_req *r)
{
    fetch_resp_release(&r->hr_call.fc_resp);
}
