/* http.c - blocking GET for set-up work (see http.h). */
#include "http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "procstat.h"

#define HTTP_BODY_MAX (256u << 20) /* refuse bodies above 256 MiB */

static size_t
http_collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct http_reply *r = userdata;
    size_t n = size * nmemb;

    if (r->hr_len + n + 1 > HTTP_BODY_MAX)
        return 0;
    char *b = realloc(r->hr_body, r->hr_len + n + 1);
    if (b == NULL)
        return 0;
    memcpy(b + r->hr_len, ptr, n);
    r->hr_len += n;
    b[r->hr_len] = '\0';
    r->hr_body = b;
    return n;
}

int
http_get(const char *url, double timeout_s, struct http_reply *r, char *err, size_t errlen)
{
    return http_get_with(url, timeout_s, NULL, r, err, errlen);
}

static void
http_reply_headers(CURL *e, struct http_reply *r)
{
    char *type = NULL;
    struct curl_header *h = NULL;

    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->hr_status);
    if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != NULL)
        snprintf(r->hr_type, sizeof(r->hr_type), "%s", type);
    if (curl_easy_header(e, "Content-Encoding", 0, CURLH_HEADER, -1, &h) == CURLHE_OK)
        snprintf(r->hr_encoding, sizeof(r->hr_encoding), "%s", h->value);
}

int
http_get_with(const char *url, double timeout_s, const struct curl_slist *headers,
              struct http_reply *r, char *err, size_t errlen)
{
    CURL *e = curl_easy_init();

    memset(r, 0, sizeof(*r));
    if (e == NULL) {
        snprintf(err, errlen, "cannot start a request to %s", url);
        return -1;
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(e);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "cannot get %s: %s", url, curl_easy_strerror(rc));
        free(r->hr_body);
        memset(r, 0, sizeof(*r));
        curl_easy_cleanup(e);
        return -1;
    }
    http_reply_headers(e, r);
    curl_easy_cleanup(e);
    return 0;
}

int
http_wait_ready(const char *url, pid_t pid, double timeout_s, char *err, size_t errlen)
{
    uint64_t end = clock_mono_ns() + (uint64_t)(timeout_s * 1e9);
    struct http_reply r;

    for (;;) {
        if (http_get(url, 2.0, &r, err, errlen) == 0) {
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

static size_t
http_discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

int
http_prime(const char *base, char *const *paths, size_t n, const struct curl_slist *headers,
           double timeout_s, size_t *not_ok, char *err, size_t errlen)
{
    CURL *e = curl_easy_init();
    char url[1024];
    int rc = 0;

    *not_ok = 0;
    if (e == NULL) {
        snprintf(err, errlen, "cannot start a request to %s", base);
        return -1;
    }
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_discard);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    for (size_t i = 0; i < n && rc == 0; i++) {
        long status = 0;
        snprintf(url, sizeof(url), "%s%s", base, paths[i]);
        curl_easy_setopt(e, CURLOPT_URL, url);
        CURLcode cc = curl_easy_perform(e);
        if (cc != CURLE_OK) {
            snprintf(err, errlen, "cannot get %s: %s", url, curl_easy_strerror(cc));
            rc = -1;
        } else if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status), status != 200) {
            (*not_ok)++;
        }
    }
    curl_easy_cleanup(e);
    return rc;
}
