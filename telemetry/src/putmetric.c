/* putmetric: name=value pairs to JSON, posted over the control socket. */
#include "putmetric.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"

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

#define PUTMETRIC_ANSWER_MAX 65536 /* the server answers a line or two */

long
control_request(const char *socket_path, const char *method, const char *path, const char *body,
                sbuf_t *answer, char *err, size_t errlen)
{
    if (answer->sb_buf == NULL) { /* sbuf_init() failed: no text to answer into */
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char url[256];
    snprintf(url, sizeof url, "http://localhost%s", path);
    const char *headers[] = {"Content-Type: application/json", NULL};
    bool post = strcmp(method, "POST") == 0;
    struct fetch_req q = {.rq_url = url,
                          .rq_method = method,
                          .rq_unix_socket = socket_path,
                          .rq_headers = post ? headers : NULL,
                          .rq_body = post ? (body ? body : "") : NULL,
                          .rq_body_len = post && body ? strlen(body) : 0,
                          .rq_timeout_s = 60,
                          .rq_max_body = PUTMETRIC_ANSWER_MAX};
    struct fetch_resp r = {0};
    long status = -1;
    if (fetch_once(&q, &r) == 0) {
        status = r.rs_status;
        sbuf_add(answer, r.rs_body, r.rs_len);
    } else {
        snprintf(err, errlen, "cannot reach %s: %s", socket_path, r.rs_error);
    }
    fetch_resp_release(&r);
    return status;
}

long
putmetric_post(const char *socket_path, const char *body, sbuf_t *answer, char *err, size_t errlen)
{
    return control_request(socket_path, "POST", "/v3/metric", body, answer, err, errlen);
}

static int
putenv_pair(json_t *obj, const char *pair, char *err, size_t errlen)
{
    const char *eq = strchr(pair, '=');
    if (eq == NULL || eq == pair) {
        snprintf(err, errlen, "cannot read \"%s\": expected NAME=VALUE", pair);
        return -1;
    }
    char *name = strndup(pair, (size_t)(eq - pair));
    int rc = 0;
    if (name == NULL || json_object_get(obj, name) != NULL) {
        snprintf(err, errlen, "variable %s named twice", name ? name : pair);
        rc = -1;
    } else if (json_object_set_new(obj, name, json_string(eq + 1)) != 0) {
        snprintf(err, errlen, "cannot read \"%s\": not UTF-8", pair);
        rc = -1;
    }
    free(name);
    return rc;
}

char *
putenv_body(char *const *pairs, size_t n, char *err, size_t errlen)
{
    json_t *obj = json_object();
    for (size_t k = 0; k < n; k++) {
        if (putenv_pair(obj, pairs[k], err, errlen) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    char *body = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    return body;
}
