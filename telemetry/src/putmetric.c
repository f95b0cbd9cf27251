/* putmetric: name=value pairs to JSON, posted over the control socket. */
#include "putmetric.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

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


/* ---- the control socket client -----------------------------------------
 *
 * One HTTP/1.1 exchange over the unix socket, by hand rather than through
 * libcurl (common/fetch.h): a sensor script runs `containerpilot
 * -putmetric` every few seconds, and loading libcurl and its dependencies
 * (OpenSSL, Kerberos, LDAP, ...) cost 5 ms of CPU a call, measured, against
 * a whole round trip of about 1 ms without it (telemetry/bench, putmetric).
 * The exchange is the simplest HTTP has: one request with Content-Length
 * and "Connection: close", the answer read to the end (at most
 * CONTROL_ANSWER_MAX bytes, CONTROL_TIMEOUT seconds for each read and
 * write), its status line and body after the blank line. */

#define CONTROL_ANSWER_MAX 65536
#define CONTROL_TIMEOUT 60

static int
control_connect(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sun.sun_path) {
        snprintf(err, errlen, "cannot reach %s: socket path too long", path);
        return -1;
    }
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {.tv_sec = CONTROL_TIMEOUT};
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
        snprintf(err, errlen, "cannot reach %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int
control_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads the whole answer into b. 0, or -1 with errno (EFBIG: too long). */
static int
control_read_all(int fd, sbuf_t *b)
{
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (b->sb_len + (size_t)n > CONTROL_ANSWER_MAX) {
            errno = EFBIG;
            return -1;
        }
        sbuf_add(b, chunk, (size_t)n);
    }
}

/* "HTTP/1.x NNN ...\r\n...\r\n\r\nBODY": the status, the body appended to
 * answer; -1 when it is not such an answer. */
static long
control_parse(const sbuf_t *b, sbuf_t *answer)
{
    const char *s = b->sb_buf, *end = s ? strstr(s, "\r\n\r\n") : NULL;
    if (end == NULL || strncmp(s, "HTTP/1.", 7) != 0 || b->sb_len < 12 || s[8] != ' ')
        return -1;
    long status = strtol(s + 9, NULL, 10);
    if (status < 100 || status > 599)
        return -1;
    sbuf_add(answer, end + 4, b->sb_len - (size_t)(end + 4 - s));
    return status;
}

long
control_request(const char *socket_path, const char *method, const char *path, const char *body,
                sbuf_t *answer, char *err, size_t errlen)
{
    if (answer->sb_buf == NULL) { /* sbuf_init() failed: no text to answer into */
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t blen = body ? strlen(body) : 0;
    sbuf_t q, a;
    sbuf_init(&q, 256 + blen);
    sbuf_init(&a, 512);
    sbuf_addf(&q, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n", method, path);
    if (strcmp(method, "POST") == 0)
        sbuf_addf(&q, "Content-Type: application/json\r\nContent-Length: %zu\r\n", blen);
    sbuf_adds(&q, "\r\n");
    sbuf_add(&q, body ? body : "", blen);
    long status = -1;
    int fd = sbuf_failed(&q) ? -1 : control_connect(socket_path, err, errlen);
    if (fd >= 0 && (control_write_all(fd, q.sb_buf, q.sb_len) != 0 || control_read_all(fd, &a) != 0))
        snprintf(err, errlen, "cannot reach %s: %s", socket_path,
                 errno == EFBIG ? "answer over 65536 bytes" : strerror(errno));
    else if (fd >= 0 && (status = control_parse(&a, answer)) < 0)
        snprintf(err, errlen, "cannot reach %s: not an HTTP answer", socket_path);
    if (fd >= 0)
        close(fd);
    if (sbuf_failed(&q))
        snprintf(err, errlen, "out of memory");
    sbuf_release(&q);
    sbuf_release(&a);
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
