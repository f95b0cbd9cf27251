/* putmetric: name=value pairs to JSON, posted over the control socket. */
#include "putmetric.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
putmetric_pair(json_t *obj, const char *pair, char *err, size_t errlen)
{
    const char *eq = strchr(pair, '=');
    if (eq == NULL || eq == pair) {
        snprintf(err, errlen, "cannot read \"%s\": expected name=value", pair);
        return -1;
    }
    char name[256];
    size_t nlen = (size_t)(eq - pair);
    if (nlen >= sizeof name || strspn(pair, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789_:") < nlen) {
        snprintf(err, errlen, "cannot read \"%s\": not a metric name", pair);
        return -1;
    }
    memcpy(name, pair, nlen);
    name[nlen] = 0;
    char *end;
    errno = 0;
    double v = strtod(eq + 1, &end);
    if (eq[1] == 0 || *end != 0 || errno == ERANGE || !isfinite(v)) {
        snprintf(err, errlen, "cannot read \"%s\": value is not a finite number", pair);
        return -1;
    }
    if (json_object_get(obj, name) != NULL) {
        snprintf(err, errlen, "metric %s named twice", name);
        return -1;
    }
    json_object_set_new(obj, name, json_real(v));
    return 0;
}

char *
putmetric_body(char *const *pairs, size_t n, char *err, size_t errlen)
{
    json_t *obj = json_object();
    for (size_t k = 0; k < n; k++) {
        if (putmetric_pair(obj, pairs[k], err, errlen) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    char *body = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(obj);
    return body;
}

static size_t
putmetric_collect(char *data, size_t size, size_t n, void *cls)
{
    sbuf_t *b = cls;
    if (b->sb_len < 65536)
        sbuf_add(b, data, size * n);
    return size * n;
}

long
putmetric_post(const char *socket_path, const char *body, sbuf_t *answer, char *err, size_t errlen)
{
    if (answer->sb_buf == NULL) { /* sbuf_init() failed: no text to answer into */
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    CURL *c = curl_easy_init();
    if (c == NULL) {
        snprintf(err, errlen, "cannot start libcurl");
        return -1;
    }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path);
    curl_easy_setopt(c, CURLOPT_URL, "http://localhost/v3/metric");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, putmetric_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
    CURLcode rc = curl_easy_perform(c);
    long status = -1;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else
        snprintf(err, errlen, "cannot post to %s: %s", socket_path, curl_easy_strerror(rc));
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}
