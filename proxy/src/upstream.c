/* upstream - agent requests on a curl multi handle driven by the loop of the
 * worker that owns it: curl's sockets in an epoll set, its timer a deadline
 * (upstream.h). */
#include "upstream.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "monotime.h"

#define UPSTREAM_EVENTS 64 /* epoll events taken a turn */
/* Easy handles kept for the next requests: a handle made and freed a request
 * (its 16 KB receive buffer, its options) cost more than the request. */
#define UPSTREAM_SPARE_HANDLES 64

/* One request on its way: the call, its curl handle and what came back. */
typedef struct job {
    struct upstream *j_up;
    struct job *j_next; /* the list of jobs on the multi handle */
    struct job *j_prev;
    upstream_call_t j_call;
    CURL *j_easy;
    struct curl_slist *j_headers;
    upstream_answer_t j_ans;
    size_t j_max_body;
    int j_too_big;
} job_t;

struct upstream {
    upstream_opts_t u_opts;
    CURLM *u_multi;
    int u_epoll;        /* curl's sockets, as CURLMOPT_SOCKETFUNCTION says */
    int64_t u_timer_ns; /* when curl wants CURL_SOCKET_TIMEOUT; -1 never */
    job_t *u_active;    /* on the multi handle */
    int u_cancelled;    /* upstream_cancel() was called: no more submits */
    CURL *u_spare[UPSTREAM_SPARE_HANDLES]; /* idle easy handles, options set */
    unsigned u_nspare;
    unsigned char *u_watch; /* what each descriptor is to the epoll set (WATCH_*) */
    size_t u_nwatch;        /* ... of descriptors 0 to u_nwatch - 1 */
};
/* ---- one job ------------------------------------------------------------ */

static size_t
job_write(char *data, size_t size, size_t n, void *arg)
{
    job_t *j = arg;
    size_t len = size * n;
    if (j->j_ans.ua_body.sb_len + len > j->j_max_body) {
        j->j_too_big = 1;
        return 0; /* curl fails the transfer: CURLE_WRITE_ERROR */
    }
    sbuf_add(&j->j_ans.ua_body, data, len);
    return sbuf_failed(&j->j_ans.ua_body) ? 0 : len;
}

/* Keeps Content-Encoding (Content-Type comes from CURLINFO_CONTENT_TYPE). */
static size_t
job_header(char *line, size_t size, size_t n, void *arg)
{
    job_t *j = arg;
    size_t len = size * n;
    static const char name[] = "content-encoding:";
    if (len > sizeof(name) - 1 && strncasecmp(line, name, sizeof(name) - 1) == 0) {
        const char *v = line + sizeof(name) - 1;
        size_t vl = len - (sizeof(name) - 1);
        while (vl > 0 && (*v == ' ' || *v == '\t'))
            v++, vl--;
        while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        snprintf(j->j_ans.ua_cenc, sizeof(j->j_ans.ua_cenc), "%.*s", (int)vl, v);
    }
    return len;
}

static curl_socket_t upstream_open_socket(void *arg, curlsocktype purpose,
                                          struct curl_sockaddr *addr);
static int upstream_close_socket(void *arg, curl_socket_t s);

/* A handle with the options every request has: a spare one, or a new one. */
static CURL *
upstream_handle(upstream_t *u)
{
    if (u->u_nspare > 0)
        return u->u_spare[--u->u_nspare];
    CURL *e = curl_easy_init();
    if (e == NULL)
        return NULL;
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, job_write);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, job_header);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)u->u_opts.uo_connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)u->u_opts.uo_timeout_ms);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "cmon-proxy");
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, upstream_open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, u);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, upstream_close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, u);
    return e;
}

/* A handle done with (off the multi handle): kept for the next request, or
 * freed past UPSTREAM_SPARE_HANDLES. What a request set is cleared here. */
static void
upstream_handle_done(upstream_t *u, CURL *e)
{
    if (e == NULL)
        return;
    if (u->u_nspare == UPSTREAM_SPARE_HANDLES) {
        curl_easy_cleanup(e);
        return;
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL); /* the job's list is freed */
    curl_easy_setopt(e, CURLOPT_PRIVATE, NULL);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, NULL);
    u->u_spare[u->u_nspare++] = e;
}

static int
job_prepare(upstream_t *u, job_t *j)
{
    char line[UPSTREAM_ACCEPT_MAX + 16];
    if ((j->j_easy = upstream_handle(u)) == NULL)
        return -1;
    if (j->j_call.uc_accept[0] != '\0') {
        snprintf(line, sizeof(line), "Accept: %s", j->j_call.uc_accept);
        j->j_headers = curl_slist_append(j->j_headers, line);
    }
    /* asked by hand, not CURLOPT_ACCEPT_ENCODING: curl must not decode, the
     * bytes go to the client as the agent compressed them */
    if (j->j_call.uc_gzip)
        j->j_headers = curl_slist_append(j->j_headers, "Accept-Encoding: gzip");
    CURL *e = j->j_easy;
    curl_easy_setopt(e, CURLOPT_URL, j->j_call.uc_url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, j);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->j_headers);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
    return 0;
}

/* The proxy's status for a transfer that ended with res. */
static void
job_judge(job_t *j, CURLcode res)
{
    upstream_answer_t *a = &j->j_ans;
    const char *url = j->j_call.uc_url;
    a->ua_status = 502;
    if (res == CURLE_OPERATION_TIMEDOUT) {
        a->ua_status = 504;
        snprintf(a->ua_why, sizeof(a->ua_why), "agent %s: no answer in time", url);
    } else if (j->j_too_big)
        snprintf(a->ua_why, sizeof(a->ua_why), "agent %s: body larger than %zu bytes", url,
                 j->j_max_body);
    else if (res != CURLE_OK)
        snprintf(a->ua_why, sizeof(a->ua_why), "agent %s: %s", url, curl_easy_strerror(res));
    else if (a->ua_agent_status == 200) {
        int plain = a->ua_cenc[0] == '\0' || strcasecmp(a->ua_cenc, "identity") == 0;
        if (plain || (j->j_call.uc_gzip && strcasecmp(a->ua_cenc, "gzip") == 0))
            a->ua_status = 200;
        else
            snprintf(a->ua_why, sizeof(a->ua_why), "agent %s: encoding %s not asked for", url,
                     a->ua_cenc);
    } else {
        if (a->ua_agent_status == 404 || a->ua_agent_status == 503)
            a->ua_status = (unsigned)a->ua_agent_status;
        snprintf(a->ua_why, sizeof(a->ua_why), "agent %s answered %ld", url, a->ua_agent_status);
    }
    if (a->ua_status != 200)
        sbuf_release(&a->ua_body);
}

/* Hands the answer over and frees the job (its handle already removed). */
static void
job_finish(job_t *j)
{
    upstream_handle_done(j->j_up, j->j_easy);
    curl_slist_free_all(j->j_headers);
    j->j_call.uc_done(j->j_call.uc_arg, &j->j_ans);
    sbuf_release(&j->j_ans.ua_body); /* NULL unless the receiver left it */
    free(j);
}

static void
job_fail(job_t *j, unsigned status, const char *why)
{
    j->j_ans.ua_status = status;
    sbuf_release(&j->j_ans.ua_body);
    snprintf(j->j_ans.ua_why, sizeof(j->j_ans.ua_why), "%s", why);
    job_finish(j);
}

static void
upstream_unlist(upstream_t *u, job_t *j)
{
    if (j->j_prev != NULL)
        j->j_prev->j_next = j->j_next;
    else
        u->u_active = j->j_next;
    if (j->j_next != NULL)
        j->j_next->j_prev = j->j_prev;
}

static void
job_done(upstream_t *u, CURL *e, CURLcode res)
{
    job_t *j;
    char *ctype = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &j->j_ans.ua_agent_status);
    curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ctype);
    if (ctype != NULL)
        snprintf(j->j_ans.ua_ctype, sizeof(j->j_ans.ua_ctype), "%s", ctype);
    curl_multi_remove_handle(u->u_multi, e);
    upstream_unlist(u, j);
    job_judge(j, res);
    job_finish(j);
}

/* ---- curl's sockets and timer ------------------------------------------- */

/*
 * curl says what it wants of each socket (CURLMOPT_SOCKETFUNCTION): read,
 * write, or nothing more (CURL_POLL_REMOVE), which it says each time a
 * request ends and its connection goes back to the cache, and the next
 * request on it asks to read again. Followed to the letter, that is two
 * epoll_ctl() calls a scrape. So a TCP connection's socket that curl stops
 * watching while it is registered for reading only stays in the epoll set,
 * marked idle (WATCH_IDLE), and a request that asks to read on it again
 * costs nothing. An idle socket that becomes readable is none of curl's
 * business (the agent closed the connection, or sent what it should not):
 * it leaves the set then (a connection the agent closed, curl finds dead
 * when it next takes it from its cache, its own check, and closes). Any
 * other socket leaves the set as curl says: one watched for writing (it
 * would be ready at every wait), and one that is not TCP (a resolver's
 * socket pair, which curl closes behind our back).
 *
 * What a descriptor is to the set is kept by its number, and the kernel
 * gives a closed socket's number to the next one. So the bits are forgotten
 * when curl closes a connection through our callback
 * (CURLOPT_CLOSESOCKETFUNCTION, as it closes every connection it used) and
 * when it opens one through our other (CURLOPT_OPENSOCKETFUNCTION: a socket
 * it closed itself while connecting, say). Whether a socket is TCP is asked
 * of the kernel (getsockname) when it is added to the set, once a
 * connection. A MOD that finds no socket (ENOENT: its number is a new
 * socket's) adds it, and asks again.
 */
enum {
    WATCH_IN = 1,   /* in the set for EPOLLIN */
    WATCH_OUT = 2,  /* in the set for EPOLLOUT */
    WATCH_IDLE = 4, /* curl said CURL_POLL_REMOVE: its events are not curl's */
    WATCH_TCP = 8,  /* a TCP socket: may stay in the set, idle */
};

/* The watch bits of descriptor s (0 for one not in the set). */
static unsigned
watch_get(const upstream_t *u, curl_socket_t s)
{
    return s >= 0 && (size_t)s < u->u_nwatch ? u->u_watch[s] : 0;
}

/* Sets them. When the table cannot grow, s stays unknown (0): it is taken
 * out of the set when curl lets it go, as any socket not TCP. */
static void
watch_set(upstream_t *u, curl_socket_t s, unsigned bits)
{
    if (s < 0)
        return;
    if ((size_t)s >= u->u_nwatch) {
        if (bits == 0)
            return;
        size_t n = u->u_nwatch > 0 ? u->u_nwatch : 64;
        while (n <= (size_t)s)
            n *= 2;
        unsigned char *w = realloc(u->u_watch, n);
        if (w == NULL)
            return;
        memset(w + u->u_nwatch, 0, n - u->u_nwatch);
        u->u_watch = w;
        u->u_nwatch = n;
    }
    u->u_watch[s] = (unsigned char)bits;
}

static int
watch_is_tcp(curl_socket_t s)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    return getsockname(s, (struct sockaddr *)&ss, &len) == 0 &&
           (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
}

/* CURLOPT_OPENSOCKETFUNCTION: a connection's socket, its number forgotten. */
static curl_socket_t
upstream_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
    upstream_t *u = arg;
    (void)purpose;
    curl_socket_t s = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
    if (s >= 0)
        watch_set(u, s, 0);
    return s >= 0 ? s : CURL_SOCKET_BAD;
}

/* CURLOPT_CLOSESOCKETFUNCTION: closed (out of the set with it), forgotten. */
static int
upstream_close_socket(void *arg, curl_socket_t s)
{
    upstream_t *u = arg;
    watch_set(u, s, 0);
    return close(s);
}

/* The socket in the set for want (WATCH_IN|WATCH_OUT, not 0): 0 or -1. */
static int
watch_want(upstream_t *u, curl_socket_t s, unsigned have, unsigned want)
{
    unsigned in_set = have & (WATCH_IN | WATCH_OUT);
    if (in_set == want) {
        watch_set(u, s, (have & WATCH_TCP) | want); /* no longer idle */
        return 0;
    }
    struct epoll_event ev = {.events = ((want & WATCH_IN) ? EPOLLIN : 0u) |
                                       ((want & WATCH_OUT) ? EPOLLOUT : 0u),
                             .data.fd = s};
    int op = in_set != 0 ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(u->u_epoll, op, s, &ev) != 0) {
        int again = op == EPOLL_CTL_MOD ? (errno == ENOENT ? EPOLL_CTL_ADD : -1)
                                        : (errno == EEXIST ? EPOLL_CTL_MOD : -1);
        if (again < 0 || epoll_ctl(u->u_epoll, again, s, &ev) != 0)
            return -1;
        op = again;
    }
    unsigned tcp = op == EPOLL_CTL_ADD ? (watch_is_tcp(s) ? WATCH_TCP : 0u) : have & WATCH_TCP;
    watch_set(u, s, tcp | want);
    return 0;
}

/* The socket out of the set (ENOENT, EBADF: it was not, or is closed). */
static void
watch_drop(upstream_t *u, curl_socket_t s)
{
    epoll_ctl(u->u_epoll, EPOLL_CTL_DEL, s, NULL);
    watch_set(u, s, 0);
}

/* CURLMOPT_SOCKETFUNCTION (above). */
static int
upstream_on_socket(CURL *e, curl_socket_t s, int what, void *arg, void *sockp)
{
    upstream_t *u = arg;
    (void)e;
    (void)sockp;
    unsigned have = watch_get(u, s);
    if (what == CURL_POLL_REMOVE) {
        if ((have & WATCH_TCP) && (have & (WATCH_IN | WATCH_OUT)) == WATCH_IN)
            watch_set(u, s, have | WATCH_IDLE);
        else
            watch_drop(u, s);
        return 0;
    }
    unsigned want =
        ((what & CURL_POLL_IN) ? WATCH_IN : 0u) | ((what & CURL_POLL_OUT) ? WATCH_OUT : 0u);
    return watch_want(u, s, have, want);
}

/* An event of s: 1 when it is curl's, 0 when s is idle (then out of the set). */
static int
watch_event(upstream_t *u, curl_socket_t s)
{
    if (!(watch_get(u, s) & WATCH_IDLE))
        return 1;
    watch_drop(u, s);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: curl's one timer, run by upstream_run() once due
 * (curl must not be called from here). */
static int
upstream_on_timer(CURLM *m, long timeout_ms, void *arg)
{
    upstream_t *u = arg;
    (void)m;
    u->u_timer_ns = timeout_ms < 0 ? -1 : cmon_monotime_ns() + (int64_t)timeout_ms * 1000000;
    return 0;
}

static void
upstream_reap(upstream_t *u)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(u->u_multi, &left)) != NULL)
        if (m->msg == CURLMSG_DONE)
            job_done(u, m->easy_handle, m->data.result);
}

static void
upstream_timer_action(upstream_t *u)
{
    int running;
    u->u_timer_ns = -1; /* curl sets the next one from inside the call */
    curl_multi_socket_action(u->u_multi, CURL_SOCKET_TIMEOUT, 0, &running);
}

/* ---- the contract ------------------------------------------------------- */

int
upstream_fd(const upstream_t *u)
{
    return u->u_epoll;
}

long long
upstream_wait_us(const upstream_t *u)
{
    if (u->u_timer_ns < 0)
        return -1;
    int64_t left = u->u_timer_ns - cmon_monotime_ns();
    return left <= 0 ? 0 : (long long)((left + 999) / 1000);
}

void
upstream_run(upstream_t *u)
{
    struct epoll_event ev[UPSTREAM_EVENTS];
    int running;
    int n = epoll_wait(u->u_epoll, ev, UPSTREAM_EVENTS, 0);
    for (int i = 0; i < n; i++) {
        if (!watch_event(u, ev[i].data.fd))
            continue; /* an idle connection's: out of the set */
        int flags = ((ev[i].events & (EPOLLIN | EPOLLHUP)) ? CURL_CSELECT_IN : 0) |
                    ((ev[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                    ((ev[i].events & EPOLLERR) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(u->u_multi, ev[i].data.fd, flags, &running);
    }
    if (u->u_timer_ns >= 0 && cmon_monotime_ns() >= u->u_timer_ns)
        upstream_timer_action(u);
    upstream_reap(u);
}

static void
upstream_defaults(upstream_opts_t *o)
{
    if (o->uo_connect_timeout_ms <= 0)
        o->uo_connect_timeout_ms = 2000;
    if (o->uo_timeout_ms <= 0)
        o->uo_timeout_ms = 10000;
    if (o->uo_max_body == 0)
        o->uo_max_body = (size_t)64 << 20;
    if (o->uo_max_conns <= 0)
        o->uo_max_conns = 256;
    if (o->uo_host_conns <= 0)
        o->uo_host_conns = 64;
}

upstream_t *
upstream_new(const upstream_opts_t *opts, char *err, size_t errlen)
{
    upstream_t *u = calloc(1, sizeof(*u));
    if (u == NULL || (u->u_multi = curl_multi_init()) == NULL) {
        snprintf(err, errlen, "cannot set up libcurl");
        free(u);
        return NULL;
    }
    if ((u->u_epoll = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        snprintf(err, errlen, "cannot set up the agents' epoll set: %s", strerror(errno));
        curl_multi_cleanup(u->u_multi);
        free(u);
        return NULL;
    }
    u->u_opts = *opts;
    u->u_timer_ns = -1;
    upstream_defaults(&u->u_opts);
    curl_multi_setopt(u->u_multi, CURLMOPT_MAXCONNECTS, u->u_opts.uo_max_conns);
    curl_multi_setopt(u->u_multi, CURLMOPT_MAX_HOST_CONNECTIONS, u->u_opts.uo_host_conns);
    curl_multi_setopt(u->u_multi, CURLMOPT_SOCKETFUNCTION, upstream_on_socket);
    curl_multi_setopt(u->u_multi, CURLMOPT_SOCKETDATA, u);
    curl_multi_setopt(u->u_multi, CURLMOPT_TIMERFUNCTION, upstream_on_timer);
    curl_multi_setopt(u->u_multi, CURLMOPT_TIMERDATA, u);
    return u;
}

/* The job on the multi handle and started: on an idle pooled connection the
 * request is written now, not at the worker's next turn. */
static int
upstream_add(upstream_t *u, job_t *j)
{
    if (job_prepare(u, j) != 0 || curl_multi_add_handle(u->u_multi, j->j_easy) != CURLM_OK)
        return -1;
    j->j_prev = NULL;
    j->j_next = u->u_active;
    if (u->u_active != NULL)
        u->u_active->j_prev = j;
    u->u_active = j;
    upstream_timer_action(u);
    upstream_reap(u); /* refused at once, say: answered now */
    return 0;
}

int
upstream_submit(upstream_t *u, const upstream_call_t *call)
{
    if (u->u_cancelled)
        return errno = ESHUTDOWN, -1;
    job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        return -1;
    j->j_up = u;
    j->j_call = *call;
    j->j_max_body = u->u_opts.uo_max_body;
    if (upstream_add(u, j) != 0)
        job_fail(j, 502, "cannot set up the agent request");
    return 0;
}

void
upstream_cancel(upstream_t *u)
{
    if (u == NULL)
        return;
    u->u_cancelled = 1;
    while (u->u_active != NULL) {
        job_t *j = u->u_active;
        curl_multi_remove_handle(u->u_multi, j->j_easy);
        upstream_unlist(u, j);
        job_fail(j, 503, "the proxy is stopping");
    }
}

void
upstream_free(upstream_t *u)
{
    if (u == NULL)
        return;
    upstream_cancel(u);
    while (u->u_nspare > 0)
        curl_easy_cleanup(u->u_spare[--u->u_nspare]);
    curl_multi_cleanup(u->u_multi);
    free(u->u_watch); /* after: the cache's connections are closed through it */
    close(u->u_epoll);
    free(u);
}
