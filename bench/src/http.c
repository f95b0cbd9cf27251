/* http.c - blocking GETs for set-up work (see http.h), over common/fetch. */
#include "http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fetch.h"
#include "procstat.h"

#define HTTP_BODY_MAX (256u << 20) /* refuse bodies above 256 MiB */
#define HTTP_HEADERS_MAX 16        /* request headers passed on, at most */

int
http_get(const char *url, double timeout_s, struct http_reply *r, char *err, size_t errlen)
{
    return http_get_with(url, timeout_s, NULL, NULL, r, err, errlen);
}

/* The lines of a curl_slist (the load generator's form, shared with it) as
 * the NULL-terminated array fetch takes. */
static void
http_header_lines(const struct curl_slist *headers, const char **lines)
{
    size_t n = 0;
    for (const struct curl_slist *h = headers; h != NULL && n < HTTP_HEADERS_MAX; h = h->next)
        lines[n++] = h->data;
    lines[n] = NULL;
}

int
http_get_with(const char *url, double timeout_s, const struct curl_slist *headers,
              const struct fetch_tls *tls, struct http_reply *r, char *err, size_t errlen)
{
    const char *lines[HTTP_HEADERS_MAX + 1];
    http_header_lines(headers, lines);
    struct fetch_req q = {.rq_url = url,
                          .rq_headers = lines,
                          .rq_timeout_s = timeout_s,
                          .rq_max_body = HTTP_BODY_MAX,
                          .rq_tls = tls};
    struct fetch_resp s = {0};

    memset(r, 0, sizeof(*r));
    if (fetch_once(&q, &s) != 0) {
        snprintf(err, errlen, "%s", s.rs_error);
        fetch_resp_release(&s);
        return -1;
    }
    r->hr_status = s.rs_status;
    r->hr_body = s.rs_body; /* taken over */
    r->hr_len = s.rs_len;
    snprintf(r->hr_type, sizeof(r->hr_type), "%s", s.rs_content_type);
    snprintf(r->hr_encoding, sizeof(r->hr_encoding), "%s", s.rs_content_encoding);
    s.rs_body = NULL;
    fetch_resp_release(&s);
    return 0;
}

int
http_wait_ready(const char *url, pid_t pid, double timeout_s, char *err, size_t errlen)
{
    return http_wait_ready_tls(url, NULL, pid, timeout_s, err, errlen);
}

int
http_wait_ready_tls(const char *url, const struct fetch_tls *tls, pid_t pid, double timeout_s,
                    char *err, size_t errlen)
{
    uint64_t end = clock_mono_ns() + (uint64_t)(timeout_s * 1e9);
    struct http_reply r;

    for (;;) {
        if (http_get_with(url, 2.0, NULL, tls, &r, err, errlen) == 0) {
            free(r.hr_body);
            err[0] = '\0';
            return 0;
        }
        if (pid > 0 && !procstat_alive(pid)) {
            snprintf(err, errlen, "server (pid %d) exited before it answered %s", (int)pid, url);
            return -1;
        }
        if (clock_mono_ns() >= end) {
            snprintf(err, errlen, "no answer from %s within %.0f s", url, timeout_s);
            return -1;
        }
        clock_sleep_ns(50000000ull);
    }
}

int
http_prime(const char *base, char *const *paths, size_t n, const struct curl_slist *headers,
           const struct fetch_tls *tls, double timeout_s, size_t *not_ok, char *err, size_t errlen)
{
    const char *lines[HTTP_HEADERS_MAX + 1];
    http_header_lines(headers, lines);
    char url[1024];
    struct fetch_req q = {.rq_url = url,
                          .rq_headers = lines,
                          .rq_timeout_s = timeout_s,
                          .rq_max_body = HTTP_BODY_MAX,
                          .rq_tls = tls};
    struct fetch_resp s = {0};
    fetch_t *f = fetch_new(); /* one keep-alive connection for them all */
    int rc = 0;

    *not_ok = 0;
    if (f == NULL) {
        snprintf(err, errlen, "cannot start a request to %s", base);
        return -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        snprintf(url, sizeof(url), "%s%s", base, paths[i]);
        if (fetch_perform(f, &q, &s) != 0) {
            snprintf(err, errlen, "%s", s.rs_error);
            rc = -1;
        } else if (s.rs_status != 200) {
            (*not_ok)++;
        }
    }
    fetch_resp_release(&s);
    fetch_free(f);
    return rc;
}
