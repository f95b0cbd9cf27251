/*
 * serve_control.c - the control socket of `cmon-sim serve` (serve_control.h).
 *
 * libmicrohttpd serves HTTP on a Unix socket we bind (MHD_OPTION_LISTEN_SOCKET)
 * with no thread of its own: serve's tick thread runs it. Between ticks, instead
 * of sleeping, the tick thread waits on the server's epoll descriptor and lets
 * libmicrohttpd handle what is ready (MHD_run); a request whose body is whole is
 * applied right there, with control_apply(), and its answer queued. So every
 * request is applied by the world's one writer, in the order requests complete,
 * with no queue, lock or thread hop between the socket and the world; a slow
 * client costs nothing while it sends (libmicrohttpd reads what is there and
 * goes back to waiting).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "answer.h"
#include "control.h"
#include "serve_control.h"

#define SC_CONNECTIONS_MAX 32
#define SC_POLL_NS 100000000ULL /* the tick thread looks at its stop flag this often */

typedef struct sc_req {
    char sr_method[8];
    char sr_path[128];
    char *sr_body;
    size_t sr_len;
    int sr_too_large; /* the body passed CONTROL_BODY_MAX: 413 */
} sc_req_t;

struct serve_control {
    control_t *sc_control;
    struct MHD_Daemon *sc_daemon;
    int sc_epoll; /* libmicrohttpd's epoll descriptor: readable when it has work */
    char sc_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    dev_t sc_dev;
    ino_t sc_ino;
};

/* ---- the socket ------------------------------------------------------------- */

/* 1 when a server answers on the socket at a (connect succeeds). */
static int
sc_answers(const struct sockaddr_un *a)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

    if (fd < 0)
        return 0;
    ok = connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0;
    close(fd);
    return ok;
}

/*
 * Clears the way for a new socket at a; 0, or -1 with err. take_over: a
 * socket someone answers on is replaced too (see serve_control_open()).
 */
static int
sc_clear_path(const struct sockaddr_un *a, int take_over, char *err, size_t errlen)
{
    struct stat st;

    if (lstat(a->sun_path, &st) != 0)
        return 0;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "control socket %s: exists and is not a socket", a->sun_path);
        return -1;
    }
    if (!take_over && sc_answers(a)) {
        snprintf(err, errlen, "control socket %s: in use, another serve answers there",
                 a->sun_path);
        return -1;
    }
    if (unlink(a->sun_path) != 0 && errno != ENOENT) { /* stale: its serve died */
        snprintf(err, errlen, "control socket %s: cannot remove the stale one: %s", a->sun_path,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* A listening socket at path, mode 0600; its fd, or -1 with err. */
static int
sc_bind(serve_control_t *sc, const char *path, int take_over, char *err, size_t errlen)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    struct stat st;
    int fd;

    if (strlen(path) >= sizeof(a.sun_path)) {
        snprintf(err, errlen, "control socket %s: path too long (%zu bytes, at most %zu)", path,
                 strlen(path), sizeof(a.sun_path) - 1);
        return -1;
    }
    memcpy(a.sun_path, path, strlen(path) + 1);
    if (sc_clear_path(&a, take_over, err, errlen) != 0)
        return -1;
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || chmod(path, 0600) != 0 ||
        stat(path, &st) != 0 || listen(fd, SC_CONNECTIONS_MAX) != 0) {
        snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    /* no connect succeeds before listen(): nobody reaches it before the mode is 0600 */
    snprintf(sc->sc_path, sizeof(sc->sc_path), "%s", path);
    sc->sc_dev = st.st_dev;
    sc->sc_ino = st.st_ino;
    return fd;
}

/* Removes the socket while it is still the one sc made. */
static void
sc_unlink(const serve_control_t *sc)
{
    struct stat st;

    if (sc->sc_path[0] != '\0' && lstat(sc->sc_path, &st) == 0 && st.st_dev == sc->sc_dev &&
        st.st_ino == sc->sc_ino)
        unlink(sc->sc_path);
}

/* ---- requests (on the tick thread, inside MHD_run) ------------------------------ */

/* The first call of a request: its record, with the method and path. */
static sc_req_t *
sc_req_new(const char *method, const char *url)
{
    sc_req_t *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    snprintf(r->sr_method, sizeof(r->sr_method), "%s", method);
    snprintf(r->sr_path, sizeof(r->sr_path), "%s", strlen(url) < sizeof(r->sr_path) ? url : "/");
    if (strlen(url) >= sizeof(r->sr_path))
        r->sr_path[0] = '\0'; /* no route is that long: control_apply answers 404 */
    return r;
}

/* Appends a chunk of the body (past CONTROL_BODY_MAX only notes it). */
static void
sc_req_append(sc_req_t *r, const char *data, size_t n)
{
    if (r->sr_too_large || r->sr_len + n > CONTROL_BODY_MAX) {
        r->sr_too_large = 1;
        return;
    }
    char *b = realloc(r->sr_body, r->sr_len + n + 1);
    if (b == NULL) {
        r->sr_too_large = 1;
        return;
    }
    memcpy(b + r->sr_len, data, n);
    r->sr_body = b;
    r->sr_len += n;
}

/* Applies the whole request r to the world and queues its answer. */
static enum MHD_Result
sc_apply(serve_control_t *sc, struct MHD_Connection *c, const sc_req_t *r)
{
    static const char oom[] = "{\"code\":\"internal\",\"message\":\"out of memory\"}";
    json_t *reply = NULL;
    int status =
        control_apply(sc->sc_control, r->sr_method, r->sr_path, r->sr_body, r->sr_len, &reply);
    char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
    enum MHD_Result ret;

    json_decref(reply);
    if (text == NULL)
        return cmon_answer(c, 500, "application/json", oom, sizeof(oom) - 1);
    ret = cmon_answer(c, (unsigned)status, "application/json", text, strlen(text));
    free(text);
    return ret;
}

static enum MHD_Result
sc_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
          const char *version, const char *upload, size_t *upload_len, void **state)
{
    static const char big[] =
        "{\"code\":\"too_large\",\"message\":\"the body is larger than 65536 bytes\"}";
    sc_req_t *r = *state;

    (void)version;
    if (r == NULL) {
        *state = r = sc_req_new(method, url);
        return r ? MHD_YES : MHD_NO;
    }
    if (*upload_len > 0) {
        sc_req_append(r, upload, *upload_len);
        *upload_len = 0;
        return MHD_YES;
    }
    if (r->sr_too_large)
        return cmon_answer(c, 413, "application/json", big, sizeof(big) - 1);
    return sc_apply(cls, c, r);
}

static void
sc_completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode t)
{
    sc_req_t *r = *state;

    (void)cls, (void)c, (void)t;
    if (r == NULL)
        return;
    free(r->sr_body);
    free(r);
    *state = NULL;
}

/* ---- the tick thread's wait ----------------------------------------------------- */

static uint64_t
sc_now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* How long to wait for the server now: the rest of d (ns), at most its own timeout. */
static int
sc_wait_ms(const serve_control_t *sc, uint64_t d)
{
    MHD_UNSIGNED_LONG_LONG mhd;

    if (sc != NULL && MHD_get_timeout(sc->sc_daemon, &mhd) == MHD_YES && mhd * 1000000ULL < d)
        d = mhd * 1000000ULL;
    return (int)((d + 999999ULL) / 1000000ULL);
}

void
serve_control_sleep(serve_control_t *sc, uint64_t ns, volatile sig_atomic_t *stop)
{
    uint64_t end = sc_now_ns() + ns;

    for (uint64_t now = sc_now_ns(); now < end && !*stop; now = sc_now_ns()) {
        uint64_t d = end - now < SC_POLL_NS ? end - now : SC_POLL_NS;
        if (sc == NULL) {
            struct timespec ts = {(time_t)(d / 1000000000ULL), (long)(d % 1000000000ULL)};
            nanosleep(&ts, NULL);
            continue;
        }
        struct pollfd p = {.fd = sc->sc_epoll, .events = POLLIN};
        poll(&p, 1, sc_wait_ms(sc, d)); /* EINTR (a signal): the loop looks at *stop */
        MHD_run(sc->sc_daemon);         /* accepts, reads, applies, answers what is ready */
    }
}

int
serve_control_frozen(const serve_control_t *sc)
{
    return sc != NULL && control_frozen(sc->sc_control);
}

/* ---- open and close ------------------------------------------------------------- */

/* Starts the server on fd, run by the caller's thread; 0, or -1 with err. */
static int
sc_start(serve_control_t *sc, int fd, char *err, size_t errlen)
{
    const union MHD_DaemonInfo *i;

    sc->sc_daemon = MHD_start_daemon(
        MHD_USE_EPOLL, 0, NULL, NULL, sc_access, sc, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)SC_CONNECTIONS_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)60, MHD_OPTION_NOTIFY_COMPLETED, sc_completed, sc, MHD_OPTION_END);
    if (sc->sc_daemon == NULL ||
        (i = MHD_get_daemon_info(sc->sc_daemon, MHD_DAEMON_INFO_EPOLL_FD)) == NULL) {
        snprintf(err, errlen, "control socket %s: the HTTP server did not start", sc->sc_path);
        if (sc->sc_daemon != NULL)
            MHD_stop_daemon(sc->sc_daemon);
        return -1;
    }
    sc->sc_epoll = i->epoll_fd;
    return 0;
}

serve_control_t *
serve_control_open(world_t *w, const char *path, int take_over, unsigned core_zones, int frozen,
                   uint64_t serial, char *err, size_t errlen)
{
    serve_control_t *sc = calloc(1, sizeof(*sc));
    int fd = -1;

    if (sc == NULL || (sc->sc_control = control_new(w, core_zones, frozen, serial)) == NULL) {
        snprintf(err, errlen, "control socket %s: out of memory", path);
        free(sc);
        return NULL;
    }
    if ((fd = sc_bind(sc, path, take_over, err, errlen)) < 0 ||
        sc_start(sc, fd, err, errlen) != 0) {
        if (fd >= 0) {
            close(fd);
            sc_unlink(sc);
        }
        control_free(sc->sc_control);
        free(sc);
        return NULL;
    }
    return sc;
}

void
serve_control_close(serve_control_t *sc)
{
    if (sc == NULL)
        return;
    sc_unlink(sc);                  /* first: a new serve may take the path while this one stops */
    MHD_stop_daemon(sc->sc_daemon); /* closes the connections and the socket */
    control_free(sc->sc_control);
    free(sc);
}
