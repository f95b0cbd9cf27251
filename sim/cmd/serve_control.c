/*
 * serve_control.c - the control socket of `cmon-sim serve` (serve_control.h).
 *
 * libmicrohttpd serves HTTP on a Unix socket we bind (MHD_OPTION_LISTEN_SOCKET),
 * one thread per connection. A request's thread reads the whole body, queues
 * the request and waits on sc_done; the tick thread, waiting on sc_wake
 * between ticks, takes the queue, applies each request with control_apply()
 * and wakes the waiters. So requests from any number of clients are applied
 * one at a time, in the order they came, by the world's one writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#define SC_WAIT_MAX_S 30     /* a request not applied by then is answered 503 */
#define SC_POLL_NS 100000000 /* the tick thread looks at its stop flag this often */

enum sc_state { SC_READING, SC_QUEUED, SC_APPLYING, SC_DONE };

typedef struct sc_req {
    char sr_method[8];
    char sr_path[128];
    char *sr_body;
    size_t sr_len;
    int sr_too_large;       /* the body passed CONTROL_BODY_MAX: 413 */
    enum sc_state sr_state; /* under sc_lock once queued */
    int sr_status;
    char *sr_reply; /* the answer's JSON text (malloc'd) */
    struct sc_req *sr_next;
} sc_req_t;

struct serve_control {
    control_t *sc_control; /* the tick thread's only */
    struct MHD_Daemon *sc_daemon;
    char sc_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    dev_t sc_dev;
    ino_t sc_ino;
    pthread_mutex_t sc_lock;
    pthread_cond_t sc_wake; /* a request was queued (tick thread waits) */
    pthread_cond_t sc_done; /* requests were applied (request threads wait) */
    sc_req_t *sc_head, *sc_tail;
    int sc_closing;
};

/* ---- the socket ------------------------------------------------------------- */

/* 1 when a server answers on the socket at path (connect succeeds). */
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
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
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

/* ---- the request threads ------------------------------------------------------ */

static enum MHD_Result
sc_answer(struct MHD_Connection *c, unsigned status, const char *code, const char *msg)
{
    char body[512];
    int n = snprintf(body, sizeof(body), "{\"code\":\"%s\",\"message\":\"%s\"}", code, msg);

    return cmon_answer(c, status, "application/json", body, (size_t)n);
}

/* Takes the queued r out of the queue (under sc_lock). */
static void
sc_unqueue(serve_control_t *sc, sc_req_t *r)
{
    sc_req_t **p = &sc->sc_head, *prev = NULL;

    while (*p != NULL && *p != r)
        prev = *p, p = &(*p)->sr_next;
    if (*p == NULL)
        return;
    *p = r->sr_next;
    if (sc->sc_tail == r)
        sc->sc_tail = prev;
}

/* Queues r and waits until it is applied; 0, or -1 when it was not (closing, or too slow). */
static int
sc_submit(serve_control_t *sc, sc_req_t *r)
{
    struct timespec until;
    int rc = 0;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += SC_WAIT_MAX_S;
    pthread_mutex_lock(&sc->sc_lock);
    if (sc->sc_closing) {
        pthread_mutex_unlock(&sc->sc_lock);
        return -1;
    }
    r->sr_state = SC_QUEUED;
    if (sc->sc_tail)
        sc->sc_tail->sr_next = r;
    else
        sc->sc_head = r;
    sc->sc_tail = r;
    pthread_cond_signal(&sc->sc_wake);
    for (;;) {
        if (r->sr_state == SC_DONE)
            break;
        if (r->sr_state == SC_QUEUED && (rc != 0 || sc->sc_closing)) {
            sc_unqueue(sc, r); /* the world never saw it */
            break;
        }
        if (rc == 0) /* being applied: wait for it however long it takes */
            rc = pthread_cond_timedwait(&sc->sc_done, &sc->sc_lock, &until);
        else
            pthread_cond_wait(&sc->sc_done, &sc->sc_lock);
    }
    pthread_mutex_unlock(&sc->sc_lock);
    return r->sr_state == SC_DONE ? 0 : -1;
}

/* The first call of a request: its record, with the method and path. */
static sc_req_t *
sc_req_new(const char *method, const char *url)
{
    sc_req_t *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    snprintf(r->sr_method, sizeof(r->sr_method), "%s", method);
    if (strlen(url) >= sizeof(r->sr_path))
        snprintf(r->sr_path, sizeof(r->sr_path), "(too long)");
    else
        snprintf(r->sr_path, sizeof(r->sr_path), "%s", url);
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

static enum MHD_Result
sc_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
          const char *version, const char *upload, size_t *upload_len, void **state)
{
    serve_control_t *sc = cls;
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
        return sc_answer(c, 413, "too_large", "the body is larger than 65536 bytes");
    if (sc_submit(sc, r) != 0)
        return sc_answer(c, 503, "unavailable", "serve is stopping or too busy to apply it");
    return cmon_answer(c, (unsigned)r->sr_status, "application/json", r->sr_reply,
                       strlen(r->sr_reply));
}

static void
sc_completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode t)
{
    sc_req_t *r = *state;

    (void)cls, (void)c, (void)t;
    if (r == NULL)
        return;
    free(r->sr_body);
    free(r->sr_reply);
    free(r);
    *state = NULL;
}

/* ---- the tick thread ------------------------------------------------------------ */

/* Applies r (not under sc_lock: only this thread reads the control). */
static void
sc_apply(serve_control_t *sc, sc_req_t *r)
{
    json_t *reply = NULL;

    r->sr_status =
        control_apply(sc->sc_control, r->sr_method, r->sr_path, r->sr_body, r->sr_len, &reply);
    r->sr_reply = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
    json_decref(reply);
    if (r->sr_reply == NULL) {
        r->sr_status = 500;
        r->sr_reply = strdup("{\"code\":\"internal\",\"message\":\"out of memory\"}");
    }
}

/* Takes the queue and applies it; called with sc_lock held, returns with it held. */
static void
sc_drain(serve_control_t *sc)
{
    while (sc->sc_head != NULL) {
        sc_req_t *r = sc->sc_head;
        sc->sc_head = r->sr_next;
        if (sc->sc_head == NULL)
            sc->sc_tail = NULL;
        r->sr_state = SC_APPLYING;
        pthread_mutex_unlock(&sc->sc_lock);
        sc_apply(sc, r);
        pthread_mutex_lock(&sc->sc_lock);
        r->sr_state = SC_DONE;
        pthread_cond_broadcast(&sc->sc_done);
    }
}

static uint64_t
sc_now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void
sc_plain_sleep(uint64_t ns, volatile sig_atomic_t *stop)
{
    uint64_t end = sc_now_ns() + ns;

    for (uint64_t now = sc_now_ns(); now < end && !*stop; now = sc_now_ns()) {
        uint64_t d = end - now < SC_POLL_NS ? end - now : SC_POLL_NS;
        struct timespec ts = {(time_t)(d / 1000000000ULL), (long)(d % 1000000000ULL)};
        nanosleep(&ts, NULL);
    }
}

void
serve_control_sleep(serve_control_t *sc, uint64_t ns, volatile sig_atomic_t *stop)
{
    if (sc == NULL) {
        sc_plain_sleep(ns, stop);
        return;
    }
    uint64_t end = sc_now_ns() + ns;
    pthread_mutex_lock(&sc->sc_lock);
    for (uint64_t now = sc_now_ns(); now < end && !*stop; now = sc_now_ns()) {
        sc_drain(sc);
        uint64_t d = end - now < SC_POLL_NS ? end - now : SC_POLL_NS, at = now + d;
        struct timespec ts = {(time_t)(at / 1000000000ULL), (long)(at % 1000000000ULL)};
        if (sc->sc_head == NULL)
            pthread_cond_timedwait(&sc->sc_wake, &sc->sc_lock, &ts);
    }
    sc_drain(sc);
    pthread_mutex_unlock(&sc->sc_lock);
}

int
serve_control_frozen(const serve_control_t *sc)
{
    return sc != NULL && control_frozen(sc->sc_control);
}

/* ---- open and close ------------------------------------------------------------- */

static int
sc_sync_init(serve_control_t *sc)
{
    pthread_condattr_t ca;

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&sc->sc_lock, NULL);
    pthread_cond_init(&sc->sc_wake, &ca);
    pthread_cond_init(&sc->sc_done, &ca);
    pthread_condattr_destroy(&ca);
    return 0;
}

/* Starts the server on fd; its threads do not take serve's signals. 0, or -1 with err. */
static int
sc_start(serve_control_t *sc, int fd, char *err, size_t errlen)
{
    sigset_t block, old;

    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    sc->sc_daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL, sc_access,
        sc, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)SC_CONNECTIONS_MAX,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_NOTIFY_COMPLETED, sc_completed, sc,
        MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (sc->sc_daemon == NULL) {
        snprintf(err, errlen, "control socket %s: the HTTP server did not start", sc->sc_path);
        return -1;
    }
    return 0;
}

serve_control_t *
serve_control_open(world_t *w, const char *path, int take_over, unsigned core_zones, int frozen,
                   uint64_t serial, char *err, size_t errlen)
{
    serve_control_t *sc = calloc(1, sizeof(*sc));
    int fd;

    if (sc == NULL || (sc->sc_control = control_new(w, core_zones, frozen, serial)) == NULL) {
        snprintf(err, errlen, "control socket %s: out of memory", path);
        free(sc);
        return NULL;
    }
    sc_sync_init(sc);
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
    pthread_mutex_lock(&sc->sc_lock);
    sc->sc_closing = 1;
    pthread_cond_broadcast(&sc->sc_done);
    pthread_mutex_unlock(&sc->sc_lock);
    sc_unlink(sc); /* first: a new serve may take the path while this one stops */
    MHD_stop_daemon(sc->sc_daemon);
    control_free(sc->sc_control);
    pthread_mutex_destroy(&sc->sc_lock);
    pthread_cond_destroy(&sc->sc_wake);
    pthread_cond_destroy(&sc->sc_done);
    free(sc);
}
