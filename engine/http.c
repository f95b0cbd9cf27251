/*
 * http.c - scrapes with libcurl. Bodies are decoded by curl (gzip), headers
 * of interest kept; the timing is curl's total time for the transfer.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

#define HTTP_TIMEOUT_S 120L

static size_t
http_on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct scn_http_req *r = arg;
    size_t n = size * nmemb;
    if (r->hr_len + n + 1 > r->hr_cap) {
        size_t cap = r->hr_cap ? r->hr_cap : 16384;
        while (cap < r->hr_len + n + 1)
            cap *= 2;
        char *p = realloc(r->hr_body, cap);
        if (p == NULL)
            return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
        r->hr_body = p;
        r->hr_cap = cap;
    }
    memcpy(r->hr_body + r->hr_len, data, n);
    r->hr_len += n;
    r->hr_body[r->hr_len] = '\0';
    return n;
}

static void
http_header_copy(char *dst, size_t len, const char *v, size_t n)
{
    while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
        n--;
    while (n > 0 && *v == ' ')
        v++, n--;
    if (n >= len)
        n = len - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t
http_on_header(char *line, size_t size, size_t nmemb, void *arg)
{
    struct scn_http_req *r = arg;
    size_t n = size * nmemb;
    static const char ct[] = "content-type:", ce[] = "content-encoding:";
    if (n > sizeof(ct) - 1 && strncasecmp(line, ct, sizeof(ct) - 1) == 0)
        http_header_copy(r->hr_content_type, sizeof(r->hr_content_type), line + sizeof(ct) - 1,
                         n - (sizeof(ct) - 1));
    else if (n > sizeof(ce) - 1 && strncasecmp(line, ce, sizeof(ce) - 1) == 0)
        http_header_copy(r->hr_content_encoding, sizeof(r->hr_content_encoding),
                         line + sizeof(ce) - 1, n - (sizeof(ce) - 1));
    return n;
}

/* Method, body and socket of the request. */
static void
http_easy_method(CURL *c, const struct scn_http_req *r)
{
    if (r->hr_post != NULL || (r->hr_method != NULL && strcmp(r->hr_method, "POST") == 0)) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(r->hr_post ? r->hr_post_len : 0));
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->hr_post ? r->hr_post : "");
    }
    if (r->hr_method != NULL && strcmp(r->hr_method, "GET") != 0 &&
        strcmp(r->hr_method, "POST") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->hr_method);
        curl_easy_setopt(c, CURLOPT_NOBODY, strcmp(r->hr_method, "HEAD") == 0 ? 1L : 0L);
    }
    if (r->hr_unix_socket != NULL)
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, r->hr_unix_socket);
}

static CURL *
http_easy_new(struct scn_http_req *r, struct curl_slist **hdrs)
{
    CURL *c = curl_easy_init();
    if (c == NULL)
        return NULL;
    r->hr_status = 0;
    r->hr_len = 0;
    r->hr_error[0] = r->hr_content_type[0] = r->hr_content_encoding[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, r->hr_url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, HTTP_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->hr_error);
    curl_easy_setopt(c, CURLOPT_PRIVATE, r);
    http_easy_method(c, r);
    if (r->hr_gzip)
        curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
    *hdrs = NULL;
    if (r->hr_accept != NULL) {
        char h[256];
        snprintf(h, sizeof(h), "Accept: %s", r->hr_accept);
        *hdrs = curl_slist_append(NULL, h);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
    }
    return c;
}

static void
http_easy_finish(CURL *c, CURLcode code, struct scn_http_req *r)
{
    double t = 0;
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &t);
    r->hr_ms = t * 1000.0;
    if (code == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->hr_status);
    } else {
        r->hr_status = 0;
        if (r->hr_error[0] == '\0')
            snprintf(r->hr_error, sizeof(r->hr_error), "%s", curl_easy_strerror(code));
    }
    if (r->hr_body == NULL && (r->hr_body = calloc(1, 1)) != NULL)
        r->hr_cap = 1;
}

struct http_run {
    CURLM *hm_multi;
    struct scn_http_req *hm_reqs;
    struct curl_slist **hm_hdrs;
    CURL **hm_easy; /* in flight, by request index; NULL otherwise */
    size_t hm_n, hm_next, hm_active;
};

static int
http_start_next(struct http_run *h)
{
    size_t i = h->hm_next++;
    CURL *c = http_easy_new(&h->hm_reqs[i], &h->hm_hdrs[i]);
    if (c == NULL || curl_multi_add_handle(h->hm_multi, c) != CURLM_OK) {
        snprintf(h->hm_reqs[i].hr_error, CURL_ERROR_SIZE, "cannot set up a curl handle");
        curl_easy_cleanup(c);
        return -1;
    }
    h->hm_easy[i] = c;
    h->hm_active++;
    return 0;
}

/* Collects finished transfers; returns 1 if done() asked to stop. */
static int
http_reap(struct http_run *h, scn_http_done_fn done, void *arg)
{
    CURLMsg *m;
    int left, stop = 0;
    while ((m = curl_multi_info_read(h->hm_multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        struct scn_http_req *r = (struct scn_http_req *)priv;
        size_t i = (size_t)(r - h->hm_reqs);
        http_easy_finish(m->easy_handle, m->data.result, r);
        curl_multi_remove_handle(h->hm_multi, m->easy_handle);
        curl_easy_cleanup(m->easy_handle);
        h->hm_easy[i] = NULL;
        h->hm_active--;
        if (!stop && done != NULL && done(arg, i) != 0)
            stop = 1;
    }
    return stop;
}

static void
http_abandon(struct http_run *h)
{
    for (size_t i = 0; i < h->hm_n; i++) {
        if (h->hm_easy[i] == NULL)
            continue;
        curl_multi_remove_handle(h->hm_multi, h->hm_easy[i]);
        curl_easy_cleanup(h->hm_easy[i]);
        h->hm_easy[i] = NULL;
        snprintf(h->hm_reqs[i].hr_error, CURL_ERROR_SIZE, "abandoned");
    }
}

static int
http_loop(struct http_run *h, size_t concurrency, scn_http_done_fn done, void *arg)
{
    int running = 0;
    for (;;) {
        while (h->hm_next < h->hm_n && h->hm_active < concurrency)
            if (http_start_next(h) != 0 && done != NULL && done(arg, h->hm_next - 1) != 0)
                return 1;
        if (h->hm_active == 0)
            return 0;
        if (curl_multi_perform(h->hm_multi, &running) != CURLM_OK)
            return -1;
        if (http_reap(h, done, arg))
            return 1;
        if (running > 0 && curl_multi_poll(h->hm_multi, NULL, 0, 1000, NULL) != CURLM_OK)
            return -1;
    }
}

static void
http_run_free(struct http_run *h)
{
    http_abandon(h);
    curl_multi_cleanup(h->hm_multi);
    for (size_t i = 0; i < h->hm_n && h->hm_hdrs != NULL; i++)
        curl_slist_free_all(h->hm_hdrs[i]);
    free(h->hm_hdrs);
    free(h->hm_easy);
}

int
scn_http_run(struct scn_http_req *reqs, size_t n, size_t concurrency, scn_http_done_fn done,
             void *arg)
{
    struct http_run h = {.hm_reqs = reqs, .hm_n = n};
    h.hm_multi = curl_multi_init();
    h.hm_hdrs = calloc(n ? n : 1, sizeof(*h.hm_hdrs));
    h.hm_easy = calloc(n ? n : 1, sizeof(*h.hm_easy));
    if (h.hm_multi == NULL || h.hm_hdrs == NULL || h.hm_easy == NULL) {
        for (size_t i = 0; i < n; i++)
            snprintf(reqs[i].hr_error, CURL_ERROR_SIZE, "cannot set up curl");
        h.hm_n = 0;
        http_run_free(&h);
        return -1;
    }
    curl_multi_setopt(h.hm_multi, CURLMOPT_MAXCONNECTS, (long)(concurrency + 4));
    int rc = http_loop(&h, concurrency ? concurrency : 1, done, arg);
    http_run_free(&h);
    return rc;
}

void
scn_http_req_release(struct scn_http_req *r)
{
    free(r->hr_body);
    r->hr_body = NULL;
    r->hr_len = r->hr_cap = 0;
}
