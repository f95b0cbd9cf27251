/*
 * http.h - the scrape client (libcurl): one GET, or many with a bounded
 * number in flight through a curl multi handle.
 */
#ifndef CMON_SCN_HTTP_H
#define CMON_SCN_HTTP_H

#include <stddef.h>

#include <curl/curl.h>

struct scn_http_req {
    /* in */
    char hr_url[256];
    const char *hr_accept; /* Accept header value, NULL: none */
    int hr_gzip;           /* ask for gzip (the body is handed back decoded) */
    const char *hr_method; /* NULL: GET (POST when hr_post is set); else as given */
    const char *hr_post;   /* body to POST, NULL: none (with method "POST": empty) */
    size_t hr_post_len;
    const char *hr_unix_socket; /* connect through this unix socket, NULL: TCP */
    /* out */
    long hr_status; /* 0: the request failed (hr_error says why) */
    char *hr_body;  /* malloc'd, NUL-terminated; free with scn_http_req_release */
    size_t hr_len;
    size_t hr_cap;
    char hr_content_type[128];
    char hr_content_encoding[32];
    double hr_ms; /* wall-clock time of the request */
    char hr_error[CURL_ERROR_SIZE];
};

/* Called after each request of scn_http_run completes; non-zero stops the
 * run (the requests in flight are abandoned with hr_status 0). */
typedef int (*scn_http_done_fn)(void *arg, size_t i);

/*
 * scn_http_run() - performs n requests, at most concurrency at a time,
 * reusing connections. Returns 0 when all were tried, 1 when done() stopped
 * the run, -1 when curl could not be set up (every hr_error says so).
 */
int scn_http_run(struct scn_http_req *reqs, size_t n, size_t concurrency, scn_http_done_fn done,
                 void *arg);

/* scn_http_req_release() - frees the body (the request can be reused). */
void scn_http_req_release(struct scn_http_req *r);

#endif /* CMON_SCN_HTTP_H */
