/*
 * fetch.c - the project's HTTP client over libcurl (see fetch.h).
 *
 * A transfer (struct fetch_xfer) ties a request and its response to one curl
 * easy handle while it runs: the write callback appends the body (or hands it
 * to the sink) and enforces the size cap, the header callback keeps the
 * header lines and the two headers of interest. curl may call the header
 * callback for more than one answer (a followed redirect, a 100 Continue):
 * each status line starts the headers afresh.
 */
#include "fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct fetch {
    CURL *f_curl; /* reset between requests, which keeps its connections */
};

struct fetch_xfer {
    const struct fetch_req *x_req;
    struct fetch_resp *x_resp;
    CURL *x_curl;
    struct curl_slist *x_hdrs;
    size_t x_max;   /* the body cap in force */
    size_t x_bytes; /* body bytes received, to the sink or the buffer */
    char x_errbuf[CURL_ERROR_SIZE];
};

/* ---- buffers ------------------------------------------------------------ */

/* Appends data[0..n) to *buf (NUL-terminated, length *len, size *cap).
 * Returns 0, or -1 when memory runs out (nothing is changed). */
/* Seconds as libcurl's milliseconds, rounded up: 0 would mean no limit to it. */
static long
fetch_ms(double seconds)
{
    double ms = ceil(seconds * 1000);
    return ms < 1 ? 1 : ms > LONG_MAX / 2 ? LONG_MAX / 2 : (long)ms;
}

static int
fetch_append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < *len + n + 1)
            c *= 2;
        char *p = realloc(*buf, c);
        if (p == NULL)
            return -1;
        *buf = p;
        *cap = c;
    }
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

/* Makes an empty buffer hold "" so that a response's strings are never NULL. */
static void
fetch_terminate(char **buf, size_t *len, size_t *cap)
{
    if (*buf == NULL && fetch_append(buf, len, cap, "", 0) != 0)
        return;
    if (*buf != NULL)
        (*buf)[*len] = '\0';
}

/* ---- callbacks ---------------------------------------------------------- */

static size_t
fetch_on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct fetch_xfer *x = arg;
    struct fetch_resp *r = x->x_resp;
    size_t n = size * nmemb;

    if (n > x->x_max - x->x_bytes) {
        r->rs_too_big = 1;
        return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
    }
    x->x_bytes += n;
    curl_easy_getinfo(x->x_curl, CURLINFO_RESPONSE_CODE, &r->rs_status);
    if (x->x_req->rq_sink != NULL && r->rs_status == 200) {
        if (x->x_req->rq_sink(r, data, n, x->x_req->rq_sink_arg) != 0) {
            r->rs_stopped = 1;
            return 0;
        }
        return n;
    }
    return fetch_append(&r->rs_body, &r->rs_len, &r->rs_cap, data, n) == 0 ? n : 0;
}

/* Copies a header value, without the blanks around it, into dst[len]. */
static void
fetch_header_value(char *dst, size_t len, const char *v, size_t n)
{
    while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    while (n > 0 && (*v == ' ' || *v == '\t'))
        v++, n--;
    if (n >= len)
        n = len - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* If line[0..n) is header `name` (with its colon), copies its value to dst. */
static void
fetch_header_pick(const char *line, size_t n, const char *name, char *dst, size_t len)
{
    size_t k = strlen(name);
    if (n > k && strncasecmp(line, name, k) == 0)
        fetch_header_value(dst, len, line + k, n - k);
}

static size_t
fetch_on_header(char *line, size_t size, size_t nmemb, void *arg)
{
    struct fetch_xfer *x = arg;
    struct fetch_resp *r = x->x_resp;
    size_t n = size * nmemb;

    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) { /* a new answer begins */
        r->rs_headers_len = 0;
        r->rs_content_type[0] = r->rs_content_encoding[0] = '\0';
    }
    fetch_header_pick(line, n, "content-type:", r->rs_content_type, sizeof(r->rs_content_type));
    fetch_header_pick(line, n, "content-encoding:", r->rs_content_encoding,
                      sizeof(r->rs_content_encoding));
    if (fetch_append(&r->rs_headers, &r->rs_headers_len, &r->rs_headers_cap, line, n) != 0)
        return 0;
    return n;
}

/* ---- setting a transfer up ---------------------------------------------- */

/* Method and request body. */
static void
fetch_setup_method(CURL *c, const struct fetch_req *q)
{
    const char *m = q->rq_method;
    int post = q->rq_body != NULL || (m != NULL && strcmp(m, "POST") == 0);

    if (post) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(q->rq_body ? q->rq_body_len : 0));
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->rq_body ? q->rq_body : "");
    }
    if (m != NULL && strcmp(m, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (m != NULL && strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
}

void
fetch_tls_setopt(void *curl_easy, const struct fetch_tls *tls)
{
    CURL *c = curl_easy;

    if (tls == NULL)
        return;
    if (tls->ft_cert != NULL)
        curl_easy_setopt(c, CURLOPT_SSLCERT, tls->ft_cert);
    if (tls->ft_key != NULL)
        curl_easy_setopt(c, CURLOPT_SSLKEY, tls->ft_key);
    if (tls->ft_cacert != NULL)
        curl_easy_setopt(c, CURLOPT_CAINFO, tls->ft_cacert);
    if (tls->ft_insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (tls->ft_resolve != NULL) /* curl only reads the list */
        curl_easy_setopt(c, CURLOPT_RESOLVE, (struct curl_slist *)tls->ft_resolve);
}

/* Where to connect, how long to wait, how far to follow. */
static void
fetch_setup_connection(CURL *c, const struct fetch_req *q)
{
    double connect_s = q->rq_connect_timeout_s > 0 ? q->rq_connect_timeout_s : q->rq_timeout_s;

    if (q->rq_unix_socket != NULL)
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, q->rq_unix_socket);
    if (!q->rq_use_proxy)
        curl_easy_setopt(c, CURLOPT_PROXY, "");
    if (q->rq_timeout_s > 0)
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, fetch_ms(q->rq_timeout_s));
    if (connect_s > 0)
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, fetch_ms(connect_s));
    if (q->rq_max_redirects > 0) {
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)q->rq_max_redirects);
    }
    fetch_tls_setopt(c, q->rq_tls);
}

/* Starts a transfer of x->x_req on x->x_curl: resets the response (keeping
 * its buffers) and sets every option. -1 when the headers cannot be built. */
static int
fetch_xfer_setup(struct fetch_xfer *x)
{
    const struct fetch_req *q = x->x_req;
    struct fetch_resp *r = x->x_resp;
    CURL *c = x->x_curl;

    r->rs_status = 0;
    r->rs_len = r->rs_headers_len = 0;
    r->rs_content_type[0] = r->rs_content_encoding[0] = r->rs_error[0] = '\0';
    r->rs_ms = 0;
    r->rs_too_big = r->rs_stopped = 0;
    x->x_max = q->rq_max_body ? q->rq_max_body : FETCH_BODY_MAX_DEFAULT;
    x->x_bytes = 0;
    x->x_errbuf[0] = '\0';
    x->x_hdrs = NULL;
    for (size_t i = 0; q->rq_headers != NULL && q->rq_headers[i] != NULL; i++) {
        struct curl_slist *h = curl_slist_append(x->x_hdrs, q->rq_headers[i]);
        if (h == NULL)
            return -1;
        x->x_hdrs = h;
    }
    curl_easy_setopt(c, CURLOPT_URL, q->rq_url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, fetch_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->x_errbuf);
    curl_easy_setopt(c, CURLOPT_PRIVATE, x);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->x_hdrs);
    if (q->rq_accept_encoding != NULL)
        curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, q->rq_accept_encoding);
    if (q->rq_user_agent != NULL)
        curl_easy_setopt(c, CURLOPT_USERAGENT, q->rq_user_agent);
    fetch_setup_method(c, q);
    fetch_setup_connection(c, q);
    return 0;
}

/* Ends a transfer with curl's verdict: fills the status, the time and, on a
 * failure, the reason. Returns 0 when an answer came, -1 otherwise. */
static int
fetch_xfer_finish(struct fetch_xfer *x, CURLcode code)
{
    struct fetch_resp *r = x->x_resp;
    const char *url = x->x_req->rq_url;
    double t = 0;

    curl_easy_getinfo(x->x_curl, CURLINFO_TOTAL_TIME, &t);
    r->rs_ms = t * 1000.0;
    curl_slist_free_all(x->x_hdrs);
    x->x_hdrs = NULL;
    fetch_terminate(&r->rs_body, &r->rs_len, &r->rs_cap);
    fetch_terminate(&r->rs_headers, &r->rs_headers_len, &r->rs_headers_cap);
    if (code == CURLE_OK) {
        curl_easy_getinfo(x->x_curl, CURLINFO_RESPONSE_CODE, &r->rs_status);
        return 0;
    }
    r->rs_status = 0;
    if (r->rs_too_big)
        snprintf(r->rs_error, sizeof(r->rs_error), "cannot fetch %s: body larger than %zu bytes",
                 url, x->x_max);
    else if (r->rs_stopped)
        snprintf(r->rs_error, sizeof(r->rs_error), "cannot fetch %s: stopped by the caller", url);
    else
        snprintf(r->rs_error, sizeof(r->rs_error), "cannot fetch %s: %s", url,
                 x->x_errbuf[0] ? x->x_errbuf : curl_easy_strerror(code));
    return -1;
}

/* Fills the reason of a transfer that could not start. */
static int
fetch_xfer_fail(struct fetch_resp *r, const char *url, const char *why)
{
    r->rs_status = 0;
    fetch_terminate(&r->rs_body, &r->rs_len, &r->rs_cap);
    fetch_terminate(&r->rs_headers, &r->rs_headers_len, &r->rs_headers_cap);
    snprintf(r->rs_error, sizeof(r->rs_error), "cannot fetch %s: %s", url ? url : "(no URL)", why);
    return -1;
}

/* ---- one request at a time ---------------------------------------------- */

fetch_t *
fetch_new(void)
{
    fetch_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    f->f_curl = curl_easy_init();
    if (f->f_curl == NULL) {
        free(f);
        errno = ENOMEM;
        return NULL;
    }
    return f;
}

void
fetch_free(fetch_t *f)
{
    if (f == NULL)
        return;
    curl_easy_cleanup(f->f_curl);
    free(f);
}

/*
 * Performs the transfer on c through a multi handle of its own, waiting on
 * curl's sockets and on a timerfd armed for timeout_s: the kernel's timer
 * fires after that much real time whatever the process's clocks say (curl's
 * own timeout reads them, and under libfaketime they may stand still).
 * Returns curl's verdict, CURLE_OPERATION_TIMEDOUT when the timer fired
 * first (the reason in errbuf).
 */
static CURLcode
fetch_perform_timer(CURL *c, double timeout_s, char *errbuf)
{
    CURLM *m = curl_multi_init();
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    struct itimerspec it = {.it_value = {(time_t)timeout_s, (long)(fmod(timeout_s, 1.0) * 1e9)}};
    CURLcode code = CURLE_OUT_OF_MEMORY;
    int running = 1, left;

    if (it.it_value.tv_sec == 0 && it.it_value.tv_nsec == 0)
        it.it_value.tv_nsec = 1; /* zero would disarm it */
    if (m == NULL || tfd < 0 || timerfd_settime(tfd, 0, &it, NULL) != 0 ||
        curl_multi_add_handle(m, c) != CURLM_OK)
        goto out;
    while (running) {
        struct curl_waitfd w = {.fd = tfd, .events = CURL_WAIT_POLLIN};
        if (curl_multi_perform(m, &running) != CURLM_OK || running == 0)
            break;
        if (curl_multi_poll(m, &w, 1, 1000, NULL) != CURLM_OK)
            break;
        if (w.revents != 0) {
            snprintf(errbuf, CURL_ERROR_SIZE, "Operation timed out after %.0f milliseconds",
                     timeout_s * 1000);
            code = CURLE_OPERATION_TIMEDOUT;
            break;
        }
    }
    if (running == 0) {
        CURLMsg *msg = curl_multi_info_read(m, &left);
        code = msg != NULL && msg->msg == CURLMSG_DONE ? msg->data.result : CURLE_RECV_ERROR;
    }
    curl_multi_remove_handle(m, c);
out:
    if (tfd >= 0)
        close(tfd);
    curl_multi_cleanup(m);
    return code;
}

int
fetch_perform(fetch_t *f, const struct fetch_req *req, struct fetch_resp *resp)
{
    struct fetch_xfer x = {.x_req = req, .x_resp = resp, .x_curl = f->f_curl};

    curl_easy_reset(f->f_curl);
    if (req->rq_url == NULL)
        return fetch_xfer_fail(resp, NULL, "no URL given");
    if (fetch_xfer_setup(&x) != 0) {
        curl_slist_free_all(x.x_hdrs);
        return fetch_xfer_fail(resp, req->rq_url, "out of memory");
    }
    CURLcode code = req->rq_timeout_kernel && req->rq_timeout_s > 0
                        ? fetch_perform_timer(f->f_curl, req->rq_timeout_s, x.x_errbuf)
                        : curl_easy_perform(f->f_curl);
    int rc = fetch_xfer_finish(&x, code);
    curl_easy_reset(f->f_curl); /* the transfer's pointers go stale now */
    return rc;
}

int
fetch_once(const struct fetch_req *req, struct fetch_resp *resp)
{
    fetch_t *f = fetch_new();
    if (f == NULL)
        return fetch_xfer_fail(resp, req->rq_url, "cannot set up libcurl");
    int rc = fetch_perform(f, req, resp);
    fetch_free(f);
    return rc;
}

void
fetch_resp_release(struct fetch_resp *resp)
{
    free(resp->rs_body);
    free(resp->rs_headers);
    resp->rs_body = resp->rs_headers = NULL;
    resp->rs_len = resp->rs_cap = resp->rs_headers_len = resp->rs_headers_cap = 0;
}

/* ---- many requests, a bounded number in flight -------------------------- */

struct fetch_run {
    CURLM *fm_multi;
    struct fetch_call *const *fm_calls;
    struct fetch_xfer *fm_xfers; /* by call index; x_curl NULL when not in flight */
    size_t fm_n, fm_next, fm_active;
};

static int
fetch_run_start(struct fetch_run *h)
{
    size_t i = h->fm_next++;
    struct fetch_call *call = h->fm_calls[i];
    struct fetch_xfer *x = &h->fm_xfers[i];

    *x = (struct fetch_xfer){.x_req = &call->fc_req, .x_resp = &call->fc_resp};
    if (x->x_req->rq_url == NULL)
        return fetch_xfer_fail(x->x_resp, NULL, "no URL given");
    x->x_curl = curl_easy_init();
    if (x->x_curl == NULL || fetch_xfer_setup(x) != 0 ||
        curl_multi_add_handle(h->fm_multi, x->x_curl) != CURLM_OK) {
        curl_slist_free_all(x->x_hdrs);
        curl_easy_cleanup(x->x_curl);
        x->x_curl = NULL;
        return fetch_xfer_fail(x->x_resp, x->x_req->rq_url, "cannot set up a curl handle");
    }
    h->fm_active++;
    return 0;
}

static void
fetch_run_drop(struct fetch_run *h, struct fetch_xfer *x)
{
    curl_multi_remove_handle(h->fm_multi, x->x_curl);
    curl_easy_cleanup(x->x_curl);
    x->x_curl = NULL;
    h->fm_active--;
}

/* Collects finished transfers; returns 1 if done() asked to stop. */
static int
fetch_run_reap(struct fetch_run *h, fetch_done_fn done, void *arg)
{
    CURLMsg *m;
    int left, stop = 0;

    while ((m = curl_multi_info_read(h->fm_multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        struct fetch_xfer *x = (struct fetch_xfer *)priv;
        size_t i = (size_t)(x - h->fm_xfers);
        fetch_xfer_finish(x, m->data.result);
        fetch_run_drop(h, x);
        if (!stop && done != NULL && done(arg, i) != 0)
            stop = 1;
    }
    return stop;
}

/* Ends the transfers still in flight, each response saying why. */
static void
fetch_run_abandon(struct fetch_run *h, const char *why)
{
    for (size_t i = 0; i < h->fm_n; i++) {
        struct fetch_xfer *x = &h->fm_xfers[i];
        if (x->x_curl == NULL)
            continue;
        fetch_run_drop(h, x);
        curl_slist_free_all(x->x_hdrs);
        fetch_xfer_fail(x->x_resp, x->x_req->rq_url, why);
    }
}

static int
fetch_run_loop(struct fetch_run *h, size_t concurrency, fetch_done_fn done, void *arg)
{
    int running = 0;
    for (;;) {
        while (h->fm_next < h->fm_n && h->fm_active < concurrency)
            if (fetch_run_start(h) != 0 && done != NULL && done(arg, h->fm_next - 1) != 0)
                return 1;
        if (h->fm_active == 0)
            return 0;
        if (curl_multi_perform(h->fm_multi, &running) != CURLM_OK)
            return -1;
        if (fetch_run_reap(h, done, arg))
            return 1;
        if (running > 0 && curl_multi_poll(h->fm_multi, NULL, 0, 1000, NULL) != CURLM_OK)
            return -1;
    }
}

int
fetch_many(struct fetch_call *const *calls, size_t n, size_t concurrency, fetch_done_fn done,
           void *arg)
{
    struct fetch_run h = {.fm_calls = calls, .fm_n = n};

    concurrency = concurrency ? concurrency : 1;
    h.fm_multi = curl_multi_init();
    h.fm_xfers = calloc(n ? n : 1, sizeof(*h.fm_xfers));
    int rc = -1;
    if (h.fm_multi != NULL && h.fm_xfers != NULL) {
        curl_multi_setopt(h.fm_multi, CURLMOPT_MAXCONNECTS, (long)(concurrency + 4));
        rc = fetch_run_loop(&h, concurrency, done, arg);
        fetch_run_abandon(&h, rc < 0 ? "curl's multi interface failed" : "abandoned");
    }
    for (size_t i = h.fm_next; rc < 0 && i < n; i++)
        fetch_xfer_fail(&calls[i]->fc_resp, calls[i]->fc_req.rq_url, "cannot set up curl");
    curl_multi_cleanup(h.fm_multi);
    free(h.fm_xfers);
    return rc;
}
