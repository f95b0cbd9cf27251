/*
 * corefetch.c - parallel GETs under one real-time deadline (corefetch.h).
 */
#include "corefetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "realtimer.h"

/* What a transfer writes into, and its limit. */
typedef struct cf_sink {
    corefetch_call_t *ck_call;
    size_t ck_cap, ck_max;
    int ck_too_big;
} cf_sink_t;

static size_t
cf_write(char *buf, size_t size, size_t nmemb, void *arg)
{
    cf_sink_t *k = arg;
    corefetch_call_t *c = k->ck_call;
    size_t n = size * nmemb;
    if (c->cf_len + n > k->ck_max) {
        k->ck_too_big = 1;
        return 0; /* stops the transfer */
    }
    if (c->cf_len + n + 1 > k->ck_cap) {
        size_t cap = k->ck_cap ? k->ck_cap : 4096;
        while (cap < c->cf_len + n + 1)
            cap *= 2;
        char *b = realloc(c->cf_body, cap);
        if (b == NULL)
            return 0;
        c->cf_body = b;
        k->ck_cap = cap;
    }
    memcpy(c->cf_body + c->cf_len, buf, n);
    c->cf_len += n;
    c->cf_body[c->cf_len] = '\0';
    return n;
}

static CURL *
cf_easy(corefetch_call_t *c, cf_sink_t *k, long timeout_ms)
{
    CURL *h = curl_easy_init();
    if (h == NULL)
        return NULL;
    curl_easy_setopt(h, CURLOPT_URL, c->cf_url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cf_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, k);
    curl_easy_setopt(h, CURLOPT_PRIVATE, k);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms); /* where clocks run */
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
    return h;
}

static void
cf_done(CURLMsg *msg)
{
    cf_sink_t *k;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&k);
    corefetch_call_t *c = k->ck_call;
    if (msg->data.result == CURLE_OK) {
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &c->cf_status);
        return;
    }
    if (k->ck_too_big)
        snprintf(c->cf_error, sizeof(c->cf_error), "body over %zu bytes", k->ck_max);
    else
        snprintf(c->cf_error, sizeof(c->cf_error), "%s", curl_easy_strerror(msg->data.result));
}

/*
 * Runs the transfers until all are done or the deadline passes. The
 * deadline is a timerfd in the wait set (real time, even under a frozen
 * clock); without one (out of descriptors) it is the monotonic clock, asked
 * after each wakeup: the transfers still get their whole time.
 */
static void
cf_run(CURLM *m, realtimer_t *deadline)
{
    int running = 1;
    while (running > 0) {
        if (curl_multi_perform(m, &running) != CURLM_OK)
            break;
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left)) != NULL)
            if (msg->msg == CURLMSG_DONE)
                cf_done(msg);
        if (running == 0)
            break;
        int tfd = realtimer_fd(deadline);
        struct curl_waitfd wf = {.fd = tfd, .events = CURL_WAIT_POLLIN};
        if (curl_multi_poll(m, tfd >= 0 ? &wf : NULL, tfd >= 0 ? 1 : 0,
                            realtimer_poll_ms(deadline, 1000), NULL) != CURLM_OK)
            break;
        if (tfd >= 0 ? (wf.revents & CURL_WAIT_POLLIN) != 0 : realtimer_expired(deadline))
            break;
    }
}

int
corefetch_all(corefetch_call_t *calls, size_t n, double timeout_s, size_t max_body)
{
    CURLM *m = curl_multi_init();
    cf_sink_t *sinks = calloc(n ? n : 1, sizeof(*sinks));
    CURL **hs = calloc(n ? n : 1, sizeof(*hs));
    if (m == NULL || sinks == NULL || hs == NULL) {
        curl_multi_cleanup(m);
        free(sinks);
        free(hs);
        errno = ENOMEM;
        return -1;
    }
    long timeout_ms = (long)(timeout_s * 1000) + 1;
    for (size_t i = 0; i < n; i++) {
        corefetch_release(&calls[i]);
        sinks[i] = (cf_sink_t){.ck_call = &calls[i], .ck_max = max_body};
        hs[i] = cf_easy(&calls[i], &sinks[i], timeout_ms);
        snprintf(calls[i].cf_error, sizeof(calls[i].cf_error), "no answer within %ld ms",
                 timeout_ms - 1);
        if (hs[i] == NULL || curl_multi_add_handle(m, hs[i]) != CURLM_OK)
            snprintf(calls[i].cf_error, sizeof(calls[i].cf_error), "cannot start the request");
    }
    realtimer_t deadline;
    realtimer_start(&deadline, (long)(timeout_s * 1000));
    cf_run(m, &deadline);
    realtimer_stop(&deadline);
    for (size_t i = 0; i < n; i++) {
        if (calls[i].cf_status != 0)
            calls[i].cf_error[0] = '\0';
        if (hs[i] != NULL) {
            curl_multi_remove_handle(m, hs[i]);
            curl_easy_cleanup(hs[i]);
        }
    }
    curl_multi_cleanup(m);
    free(sinks);
    free(hs);
    return 0;
}

void
corefetch_release(corefetch_call_t *c)
{
    free(c->cf_body);
    c->cf_body = NULL;
    c->cf_len = 0;
    c->cf_status = 0;
    c->cf_error[0] = '\0';
}
