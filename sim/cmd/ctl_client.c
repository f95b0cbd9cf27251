/*
 * ctl_client.c - a client of serve's control socket (ctl_client.h), over
 * common/fetch (libcurl on a Unix socket).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_client.h"
#include "fetch.h"
#include "world.h"

#define CTL_TIMEOUT_S 60 /* serve answers within a tick: this is for a serve that hangs */

struct ctl_client {
    fetch_t *cc_fetch;
    struct fetch_resp cc_resp;
    char cc_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

char *
ctl_client_path(const char *world, const char *control, char *out, size_t len)
{
    if (control != NULL) {
        snprintf(out, len, "%s", control);
        return out;
    }
    if (world == NULL)
        world = getenv(WORLD_ENV) && *getenv(WORLD_ENV) ? getenv(WORLD_ENV) : WORLD_DEFAULT_PATH;
    snprintf(out, len, "%s.ctl", world);
    return out;
}

/* Whether something answers at path; 0, or -1 with err saying why not. */
static int
ctl_client_probe(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int fd, rc;

    memcpy(a.sun_path, path, strlen(path) + 1);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        snprintf(err, errlen, "cannot make a socket: %s", strerror(errno));
        return -1;
    }
    rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
    if (rc != 0 && errno == ECONNREFUSED)
        snprintf(err, errlen, "nothing answers on %s: its serve died (a stale socket)", path);
    else if (rc != 0)
        snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(errno));
    close(fd);
    return rc == 0 ? 0 : -1;
}

/* The checks of ctl_client_open() before any connection; 0, or -1 with err. */
static int
ctl_client_check(const char *path, char *err, size_t errlen)
{
    struct stat st;

    if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        snprintf(err, errlen, "control socket %s: path too long", path);
        return -1;
    }
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            snprintf(err, errlen, "no control socket at %s (is cmon-sim serve running?)", path);
        else
            snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s is not a socket (not a serve's control socket)", path);
        return -1;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errlen,
                 "control socket %s belongs to uid %ld, not to you (uid %ld): only its "
                 "serve's user may drive that world",
                 path, (long)st.st_uid, (long)geteuid());
        return -1;
    }
    return ctl_client_probe(path, err, errlen);
}

ctl_client_t *
ctl_client_open(const char *path, char *err, size_t errlen)
{
    ctl_client_t *c;

    if (ctl_client_check(path, err, errlen) != 0)
        return NULL;
    if ((c = calloc(1, sizeof(*c))) == NULL || (c->cc_fetch = fetch_new()) == NULL) {
        snprintf(err, errlen, "out of memory");
        free(c);
        return NULL;
    }
    snprintf(c->cc_path, sizeof(c->cc_path), "%s", path);
    return c;
}

int
ctl_client_call(ctl_client_t *c, const char *method, const char *path, const json_t *body,
                long *status, json_t **reply, char *err, size_t errlen)
{
    static const char *const headers[] = {"Content-Type: application/json", NULL};
    char url[256], *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct fetch_req rq = {.rq_url = url,
                           .rq_method = method,
                           .rq_body = text,
                           .rq_body_len = text ? strlen(text) : 0,
                           .rq_headers = headers,
                           .rq_unix_socket = c->cc_path,
                           .rq_timeout_s = CTL_TIMEOUT_S,
                           .rq_timeout_kernel = 1};
    int rc;

    snprintf(url, sizeof(url), "http://serve%s", path);
    *reply = NULL;
    rc = fetch_perform(c->cc_fetch, &rq, &c->cc_resp);
    free(text);
    if (rc != 0) {
        snprintf(err, errlen, "no answer from %s: %s", c->cc_path, c->cc_resp.rs_error);
        return -1;
    }
    *status = c->cc_resp.rs_status;
    *reply = json_loadb(c->cc_resp.rs_body, c->cc_resp.rs_len, 0, NULL);
    return 0;
}

const char *
ctl_client_message(const json_t *reply)
{
    const char *m = json_string_value(json_object_get(reply, "message"));

    return m ? m : "";
}

void
ctl_client_close(ctl_client_t *c)
{
    if (c == NULL)
        return;
    fetch_resp_release(&c->cc_resp);
    fetch_free(c->cc_fetch);
    free(c);
}
