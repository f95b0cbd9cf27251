/*
 * load.c - the scrape load generator over libcurl multi handles (see load.h).
 *
 * curl is driven by its socket interface: each multi handle tells us which
 * sockets to watch (load_on_socket, into one epoll set) and when to call it
 * back (load_on_timer); we sleep in ppoll() on the epoll set until the next
 * of those, the next scheduled request or the next check of the server, and
 * hand curl the ready sockets and due timers (load_drive). Unlike select(),
 * this holds any number of connections with descriptors past 1,024.
 *
 * Connections to many hosts (a proxy routing by name, one connection per
 * instance) are spread over several multi handles, each host always in the
 * same one: libcurl 7.88 walks every connection of a multi handle's cache
 * each time a finished request is removed from it (curl_multi_remove_handle
 * looking for connect-only connections), which with 10,000 connections cost
 * the client half a millisecond per request.
 */
#include "load.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <poll.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fetch.h"
#include "procstat.h"
#include "tlsid.h"

#define LOAD_REFUSED_NS 2000000000ull /* only connection errors this long: the server is gone */
#define LOAD_WATCH_NS 100000000ull    /* how often the server and the stop flag are checked */
#define LOAD_CONNS_PER_MULTI 256      /* connections one multi handle caches, at most about */
#define LOAD_EVENTS 64                /* socket events taken from epoll at a time */

struct load_state;

/* One multi handle, the hosts of paths i with i % st_nmulti == its index. */
struct load_multi {
    CURLM *lm_multi;
    struct load_state *lm_st;
    uint64_t lm_deadline; /* when curl wants to be called back (monotonic ns); UINT64_MAX none */
};

struct load_slot {
    CURL *sl_easy;
    struct load_multi *sl_multi; /* the multi handle it is in while in flight */
    uint64_t sl_t0;              /* latency origin: sent (closed loop) or scheduled (open loop) */
    int sl_measured;             /* started after the warm-up */
};

struct load_state {
    const struct load_spec *st_spec;
    struct result_figures *st_out;
    struct load_multi *st_multis;
    size_t st_nmulti;
    int st_epfd;      /* the sockets curl watches, of every multi handle */
    CURLSH *st_share; /* one DNS cache (--resolve lines) and TLS session cache for all */
    struct load_slot *st_slots;
    struct load_slot **st_idle; /* stack of slots with nothing in flight */
    size_t st_nidle;
    size_t st_inflight;
    uint64_t st_rng;
    uint64_t st_t_begin, st_t_warm, st_t_end; /* monotonic ns */
    uint64_t st_next;                         /* open loop: index of the next scheduled request */
    double st_interval_ns;                    /* open loop: time between two requests */
    uint64_t st_next_watch;
    int st_warmed;
    int st_failed;
    int st_opened_all;         /* ls_open_all done: every host's connection is open */
    uint64_t st_refused_since; /* first connection error since the last answer; 0 none */
    struct procstat st_ps_warm, st_ps_last;
    int st_have_warm, st_have_last;
    long st_hwm_max;   /* largest VmHWM seen (it only grows while the process lives) */
    long st_shmem_max; /* largest RssShmem seen */
    double st_client_warm;
    char *st_url;
    size_t st_urlcap;
    struct fetch_tls st_tls; /* the spec's, less the client certificate when st_id holds it */
    struct tlsid st_id;      /* the client certificate, read once */
};

uint64_t
load_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void
load_count(struct result_figures *out, int curl_code, long status, uint64_t ns, uint64_t bytes)
{
    out->rf_requests++;
    if (curl_code == CURLE_OK && status == 200) {
        out->rf_ok++;
        out->rf_bytes += bytes;
        hist_add(out->rf_hist, ns);
    } else if (curl_code == CURLE_OK) {
        long s = status > 0 && status < RESULT_MAX_STATUS ? status : 0;
        out->rf_err.re_status[s]++;
    } else if (curl_code == CURLE_OPERATION_TIMEDOUT) {
        out->rf_err.re_timeout++;
    } else if (curl_code == CURLE_COULDNT_CONNECT || curl_code == CURLE_SEND_ERROR ||
               curl_code == CURLE_RECV_ERROR || curl_code == CURLE_GOT_NOTHING ||
               curl_code == CURLE_PARTIAL_FILE) {
        out->rf_err.re_connect++;
    } else {
        if (out->rf_err.re_other++ == 0) /* what kind: a figure alone cannot say */
            snprintf(out->rf_err.re_other_first, sizeof(out->rf_err.re_other_first), "%s",
                     curl_easy_strerror((CURLcode)curl_code));
    }
}

static size_t
load_discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

static double
load_client_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int
load_slot_open(struct load_state *st, struct load_slot *sl)
{
    const struct load_spec *sp = st->st_spec;
    CURL *e = curl_easy_init();

    if (e == NULL)
        return -1;
    sl->sl_easy = e;
    curl_easy_setopt(e, CURLOPT_PRIVATE, sl);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, load_discard);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "cmon-bench");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, sp->ls_headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(sp->ls_timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(sp->ls_timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_SHARE, st->st_share);
    fetch_tls_setopt(e, sp->ls_tls ? &st->st_tls : NULL);
    if (st->st_id.ti_cert != NULL)
        tlsid_setopt(e, &st->st_id);
    if (sp->ls_no_keepalive) { /* a full TLS handshake each time: no reuse, no resumption */
        curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
        curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    }
    return 0;
}

/*
 * The TLS settings of the spec; a client certificate is read here, once,
 * for every connection (tlsid.h). Returns 0, or -1 with st_out->rf_error.
 */
static int
load_identity(struct load_state *st)
{
    const struct fetch_tls *t = st->st_spec->ls_tls;
    char why[200];

    if (t == NULL)
        return 0;
    st->st_tls = *t;
    if (t->ft_cert == NULL)
        return 0;
    if (tlsid_load(&st->st_id, t->ft_cert, t->ft_key, why, sizeof(why)) < 0) {
        snprintf(st->st_out->rf_error, sizeof(st->st_out->rf_error), "client certificate: %s", why);
        return -1;
    }
    st->st_tls.ft_cert = st->st_tls.ft_key = NULL; /* presented by st_id instead */
    return 0;
}

/* ----------------------------------------------------------- curl's sockets */

/* curl: watch socket s for what (CURL_POLL_*), or no more. Into the one epoll set. */
static int
load_on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct load_multi *lm = userp;
    struct load_state *st = lm->lm_st;
    struct epoll_event ev = {0};

    (void)easy;
    (void)socketp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(st->st_epfd, EPOLL_CTL_DEL, s, NULL);
        return 0;
    }
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    ev.data.u64 =
        (uint64_t)(lm - st->st_multis) << 32 | (uint32_t)s; /* which multi, which socket */
    if (epoll_ctl(st->st_epfd, EPOLL_CTL_MOD, s, &ev) < 0 && errno == ENOENT)
        epoll_ctl(st->st_epfd, EPOLL_CTL_ADD, s, &ev);
    return 0;
}

/* curl: call me back in timeout_ms (-1: no timer). */
static int
load_on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct load_multi *lm = userp;

    (void)multi;
    lm->lm_deadline =
        timeout_ms < 0 ? UINT64_MAX : clock_mono_ns() + (uint64_t)timeout_ms * 1000000ull;
    return 0;
}

/*
 * The multi handles: one, or enough that none caches more than about
 * LOAD_CONNS_PER_MULTI connections when the paths name many hosts.
 * Returns 0 or -1 (out of memory).
 */
static int
load_multis_open(struct load_state *st, long conns)
{
    const struct load_spec *sp = st->st_spec;
    size_t k = (size_t)(conns + LOAD_CONNS_PER_MULTI - 1) / LOAD_CONNS_PER_MULTI;

    if (sp->ls_base[0] != '\0' || k < 1)
        k = 1; /* one host */
    if (k > sp->ls_npaths)
        k = sp->ls_npaths;
    st->st_multis = calloc(k, sizeof(*st->st_multis));
    if (st->st_multis == NULL)
        return -1;
    for (size_t i = 0; i < k; i++) {
        struct load_multi *lm = &st->st_multis[i];
        lm->lm_st = st;
        lm->lm_deadline = UINT64_MAX;
        lm->lm_multi = curl_multi_init();
        if (lm->lm_multi == NULL)
            return -1;
        st->st_nmulti++;
        /* the caches together hold conns at most: conns is what the descriptors allow */
        long cache = conns / (long)k > sp->ls_concurrency ? conns / (long)k : sp->ls_concurrency;
        curl_multi_setopt(lm->lm_multi, CURLMOPT_MAXCONNECTS, cache);
        curl_multi_setopt(lm->lm_multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)sp->ls_concurrency);
        curl_multi_setopt(lm->lm_multi, CURLMOPT_SOCKETFUNCTION, load_on_socket);
        curl_multi_setopt(lm->lm_multi, CURLMOPT_SOCKETDATA, lm);
        curl_multi_setopt(lm->lm_multi, CURLMOPT_TIMERFUNCTION, load_on_timer);
        curl_multi_setopt(lm->lm_multi, CURLMOPT_TIMERDATA, lm);
    }
    return 0;
}

/* Returns 0, -1 when out of memory, -2 with st_out->rf_error set. */
static int
load_state_open(struct load_state *st, const struct load_spec *sp, struct result_figures *out)
{
    size_t n = (size_t)sp->ls_concurrency, maxpath = 0;

    memset(st, 0, sizeof(*st));
    st->st_spec = sp;
    st->st_out = out;
    st->st_rng = sp->ls_seed;
    st->st_epfd = epoll_create1(EPOLL_CLOEXEC);
    if (st->st_epfd < 0)
        return -1;
    st->st_share = curl_share_init();
    if (st->st_share == NULL)
        return -1;
    /* each multi handle keeps caches of its own: a slot moving between them would
       find neither the --resolve names it was given nor TLS sessions to resume */
    curl_share_setopt(st->st_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(st->st_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    if (load_identity(st) < 0)
        return -2;
    for (size_t i = 0; i < sp->ls_npaths; i++)
        if (strlen(sp->ls_paths[i]) > maxpath)
            maxpath = strlen(sp->ls_paths[i]);
    st->st_urlcap = strlen(sp->ls_base) + maxpath + 1;
    st->st_url = malloc(st->st_urlcap);
    st->st_slots = calloc(n, sizeof(*st->st_slots));
    st->st_idle = calloc(n, sizeof(*st->st_idle));
    long conns = sp->ls_connections > (long)n ? sp->ls_connections : (long)n;
    if (st->st_url == NULL || st->st_slots == NULL || st->st_idle == NULL ||
        load_multis_open(st, conns) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (load_slot_open(st, &st->st_slots[i]) < 0)
            return -1;
        st->st_idle[st->st_nidle++] = &st->st_slots[i];
    }
    return 0;
}

static void
load_state_close(struct load_state *st)
{
    for (size_t i = 0; st->st_slots && i < (size_t)st->st_spec->ls_concurrency; i++) {
        struct load_slot *sl = &st->st_slots[i];
        if (sl->sl_easy == NULL)
            continue;
        if (sl->sl_multi != NULL)
            curl_multi_remove_handle(sl->sl_multi->lm_multi, sl->sl_easy);
        curl_easy_cleanup(sl->sl_easy);
    }
    for (size_t i = 0; i < st->st_nmulti; i++)
        curl_multi_cleanup(st->st_multis[i].lm_multi);
    free(st->st_multis);
    if (st->st_share != NULL)
        curl_share_cleanup(st->st_share);
    if (st->st_epfd >= 0)
        close(st->st_epfd);
    free(st->st_slots);
    free(st->st_idle);
    free(st->st_url);
    tlsid_release(&st->st_id);
}

/* ------------------------------------------------------------------ issuing */

/* Send path pick on an idle slot; its latency counts from t0. 0 or -1. */
static int
load_start_path(struct load_state *st, size_t pick, uint64_t t0)
{
    const struct load_spec *sp = st->st_spec;
    struct load_slot *sl = st->st_idle[--st->st_nidle];

    snprintf(st->st_url, st->st_urlcap, "%s%s", sp->ls_base, sp->ls_paths[pick]);
    curl_easy_setopt(sl->sl_easy, CURLOPT_URL, st->st_url);
    sl->sl_t0 = t0;
    sl->sl_measured = t0 >= st->st_t_warm;
    sl->sl_multi = &st->st_multis[pick % st->st_nmulti]; /* a host stays in one */
    if (curl_multi_add_handle(sl->sl_multi->lm_multi, sl->sl_easy) != CURLM_OK) {
        sl->sl_multi = NULL;
        st->st_idle[st->st_nidle++] = sl;
        return -1;
    }
    st->st_inflight++;
    return 0;
}

static int
load_start(struct load_state *st, uint64_t t0)
{
    const struct load_spec *sp = st->st_spec;
    size_t pick = sp->ls_npaths > 1 ? load_rand_next(&st->st_rng) % sp->ls_npaths : 0;
    return load_start_path(st, pick, t0);
}

static uint64_t
load_sched(const struct load_state *st, uint64_t i)
{
    return st->st_t_begin + (uint64_t)((double)i * st->st_interval_ns);
}

static int
load_issue(struct load_state *st, uint64_t now)
{
    if (st->st_spec->ls_rate <= 0) {
        while (st->st_nidle > 0)
            if (load_start(st, now) < 0)
                return -1;
        return 0;
    }
    while (st->st_nidle > 0) {
        uint64_t due = load_sched(st, st->st_next);
        if (due > now || due >= st->st_t_end)
            break;
        if (load_start(st, due) < 0)
            return -1;
        st->st_next++;
    }
    return 0;
}

/*
 * Open loop: requests due before the end that are not sent yet. They are
 * still sent after the end (within the drain time): they are the ones that
 * waited longest, and leaving them out would hide a stall near the end.
 */
static int
load_backlog(const struct load_state *st)
{
    return st->st_spec->ls_rate > 0 && load_sched(st, st->st_next) < st->st_t_end;
}

/* Open loop: requests due inside the measured window that were never sent. */
static void
load_count_unsent(struct load_state *st)
{
    if (st->st_spec->ls_rate <= 0)
        return;
    for (uint64_t i = st->st_next;; i++) {
        uint64_t due = load_sched(st, i);
        if (due >= st->st_t_end)
            break;
        if (due >= st->st_t_warm) {
            st->st_out->rf_requests++;
            st->st_out->rf_err.re_unsent++;
        }
    }
}

/* ----------------------------------------------------------------- reaping */

/* A server that only refuses or drops connections is gone: note since when. */
static void
load_track_refused(struct load_state *st, CURLcode rc, uint64_t now)
{
    int refused = rc == CURLE_COULDNT_CONNECT || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
                  rc == CURLE_GOT_NOTHING;

    if (!refused)
        st->st_refused_since = 0;
    else if (st->st_refused_since == 0)
        st->st_refused_since = now;
}

/* The finished requests of one multi handle, counted; their slots idle again. */
static void
load_reap_multi(struct load_state *st, struct load_multi *lm, uint64_t now)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(lm->lm_multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct load_slot *sl = NULL;
        long status = 0;
        curl_off_t bytes = 0;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(m->easy_handle, CURLINFO_SIZE_DOWNLOAD_T, &bytes);
        long connects = 0;
        curl_easy_getinfo(m->easy_handle, CURLINFO_NUM_CONNECTS, &connects);
        CURLcode rc = m->data.result;
        curl_multi_remove_handle(lm->lm_multi, m->easy_handle);
        sl->sl_multi = NULL;
        st->st_inflight--;
        st->st_idle[st->st_nidle++] = sl;
        load_track_refused(st, rc, now);
        if (sl->sl_measured) {
            load_count(st->st_out, (int)rc, status, now - sl->sl_t0, (uint64_t)bytes);
            st->st_out->rf_connects += (uint64_t)(connects > 0 ? connects : 0);
        }
    }
}

static void
load_reap(struct load_state *st)
{
    uint64_t now = clock_mono_ns();

    for (size_t i = 0; i < st->st_nmulti; i++)
        load_reap_multi(st, &st->st_multis[i], now);
}

/* --------------------------------------------------------------- watching */

static void
load_fail(struct load_state *st, const char *msg)
{
    if (!st->st_failed)
        snprintf(st->st_out->rf_error, sizeof(st->st_out->rf_error), "%s", msg);
    st->st_failed = 1;
}

static void
load_watch(struct load_state *st, uint64_t now)
{
    const struct load_spec *sp = st->st_spec;
    struct procstat ps;
    char msg[128];

    st->st_next_watch = now + LOAD_WATCH_NS;
    if (sp->ls_stop != NULL && *sp->ls_stop)
        load_fail(st, "interrupted");
    if (st->st_refused_since != 0 && now - st->st_refused_since > LOAD_REFUSED_NS)
        load_fail(st, "server unreachable: nothing but connection errors for 2 s");
    if (sp->ls_pid <= 0)
        return;
    int rc = procstat_read(sp->ls_pid, &ps);
    if (rc < 0 && errno != ESRCH) { /* EMFILE: out of descriptors, not the server gone */
        snprintf(msg, sizeof(msg), "cannot read /proc/%d: %s", (int)sp->ls_pid, strerror(errno));
        load_fail(st, msg);
        return;
    }
    if (rc < 0 || ps.ps_state == 'Z' || ps.ps_state == 'X') {
        snprintf(msg, sizeof(msg), "server (pid %d) exited during the run", (int)sp->ls_pid);
        load_fail(st, msg);
        return;
    }
    if (ps.ps_hwm_kb > st->st_hwm_max)
        st->st_hwm_max = ps.ps_hwm_kb;
    if (ps.ps_shmem_kb > st->st_shmem_max)
        st->st_shmem_max = ps.ps_shmem_kb;
    st->st_ps_last = ps;
    st->st_have_last = 1;
}

static void
load_mark_warm(struct load_state *st, uint64_t now)
{
    st->st_warmed = 1;
    st->st_client_warm = load_client_cpu();
    load_watch(st, now);
    if (st->st_have_last) {
        st->st_ps_warm = st->st_ps_last;
        st->st_have_warm = 1;
    }
}

/* ---------------------------------------------------------------- waiting */

/* The earliest time a multi handle wants to be called back; UINT64_MAX none. */
static uint64_t
load_curl_deadline(const struct load_state *st)
{
    uint64_t d = UINT64_MAX;

    for (size_t i = 0; i < st->st_nmulti; i++)
        if (st->st_multis[i].lm_deadline < d)
            d = st->st_multis[i].lm_deadline;
    return d;
}

static uint64_t
load_wait_ns(struct load_state *st, uint64_t now, int stopping)
{
    uint64_t w = st->st_next_watch > now ? st->st_next_watch - now : 0;
    uint64_t curl_at = load_curl_deadline(st);

    if (curl_at != UINT64_MAX && (curl_at <= now ? 0 : curl_at - now) < w)
        w = curl_at <= now ? 0 : curl_at - now;
    if (!st->st_warmed && st->st_t_warm > now && st->st_t_warm - now < w)
        w = st->st_t_warm - now;
    if (!stopping && st->st_t_end - now < w)
        w = st->st_t_end - now;
    if (!stopping && st->st_spec->ls_rate <= 0 && st->st_nidle > 0)
        return 0; /* closed loop: a slot is free, send again now */
    if (load_backlog(st) && st->st_nidle > 0) {
        uint64_t due = load_sched(st, st->st_next);
        w = due <= now ? 0 : (due - now < w ? due - now : w);
    }
    return w;
}

/* Sleep at most w ns, until a socket curl watches is ready. */
static void
load_sleep(struct load_state *st, uint64_t w)
{
    struct timespec ts = {(time_t)(w / 1000000000ull), (long)(w % 1000000000ull)};
    struct pollfd p = {.fd = st->st_epfd, .events = POLLIN};

    if (w > 0)
        ppoll(&p, 1, &ts, NULL);
}

/*
 * Hand curl what is ready: the sockets epoll reports, then the timers that
 * are due. Returns 0, or -1 when curl fails.
 */
static int
load_drive(struct load_state *st)
{
    struct epoll_event ev[LOAD_EVENTS];
    int running, n = epoll_wait(st->st_epfd, ev, LOAD_EVENTS, 0);

    for (int i = 0; i < n; i++) {
        struct load_multi *lm = &st->st_multis[ev[i].data.u64 >> 32];
        curl_socket_t s = (curl_socket_t)(uint32_t)ev[i].data.u64;
        int flags = (ev[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                    (ev[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                    (ev[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
        if (curl_multi_socket_action(lm->lm_multi, s, flags, &running) != CURLM_OK)
            return -1;
    }
    uint64_t now = clock_mono_ns();
    for (size_t i = 0; i < st->st_nmulti; i++) {
        struct load_multi *lm = &st->st_multis[i];
        if (lm->lm_deadline > now)
            continue;
        lm->lm_deadline = UINT64_MAX;
        if (curl_multi_socket_action(lm->lm_multi, CURL_SOCKET_TIMEOUT, 0, &running) != CURLM_OK)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------- loop */

static int
load_loop(struct load_state *st)
{
    const struct load_spec *sp = st->st_spec;
    uint64_t drain_end = st->st_t_end + (uint64_t)(sp->ls_timeout_s * 1e9) + 1000000000ull;

    for (;;) {
        uint64_t now = clock_mono_ns();
        if (!st->st_warmed && now >= st->st_t_warm)
            load_mark_warm(st, now);
        if (now >= st->st_next_watch)
            load_watch(st, now);
        if (st->st_failed)
            return -1;
        int stopping = now >= st->st_t_end;
        if (stopping && ((st->st_inflight == 0 && !load_backlog(st)) || now >= drain_end))
            return 0;
        if ((!stopping || load_backlog(st)) && load_issue(st, now) < 0) {
            load_fail(st, "cannot start a request");
            return -1;
        }
        if (load_drive(st) < 0) {
            load_fail(st, "curl multi interface failed");
            return -1;
        }
        load_reap(st);
        now = clock_mono_ns();
        load_sleep(st, load_wait_ns(st, now, stopping));
    }
}

/*
 * ls_open_all: every path once, in order, C at a time, none counted, so that
 * with one host per path (a proxy routing by name) each connection is open
 * before the warm-up, as a Prometheus scraping every target keeps them.
 * Returns 0, or -1 when the server went away (rf_error says why).
 */
static int
load_open_all(struct load_state *st)
{
    const struct load_spec *sp = st->st_spec;
    size_t next = 0;

    st->st_t_warm = UINT64_MAX; /* nothing started here is measured */
    while (next < sp->ls_npaths || st->st_inflight > 0) {
        uint64_t now = clock_mono_ns();
        if (now >= st->st_next_watch)
            load_watch(st, now);
        if (st->st_failed)
            return -1;
        while (st->st_nidle > 0 && next < sp->ls_npaths)
            if (load_start_path(st, next++, now) < 0) {
                load_fail(st, "cannot start a request");
                return -1;
            }
        if (load_drive(st) < 0) {
            load_fail(st, "curl multi interface failed");
            return -1;
        }
        load_reap(st);
        now = clock_mono_ns();
        uint64_t curl_at = load_curl_deadline(st), w = 10000000ull; /* 10 ms at most */
        if (curl_at != UINT64_MAX && (curl_at <= now ? 0 : curl_at - now) < w)
            w = curl_at <= now ? 0 : curl_at - now;
        load_sleep(st, st->st_nidle > 0 && next < sp->ls_npaths ? 0 : w);
    }
    st->st_refused_since = 0;
    return 0;
}

static void
load_finish(struct load_state *st, int rc)
{
    struct result_figures *out = st->st_out;
    uint64_t now = clock_mono_ns();
    uint64_t end = rc == 0 ? st->st_t_end : (now < st->st_t_end ? now : st->st_t_end);

    if (rc == 0)
        load_count_unsent(st);
    out->rf_elapsed_s = end > st->st_t_warm ? (double)(end - st->st_t_warm) / 1e9 : 0;
    if (!st->st_warmed)
        return;
    out->rf_client_cpu_s = load_client_cpu() - st->st_client_warm;
    if (st->st_spec->ls_pid > 0 && rc == 0)
        load_watch(st, now);
    if (st->st_have_warm && st->st_have_last) {
        out->rf_cpu_s = st->st_ps_last.ps_cpu_s - st->st_ps_warm.ps_cpu_s;
        out->rf_peak_rss_kb = st->st_hwm_max > 0 ? st->st_hwm_max : -1;
        out->rf_shmem_kb = st->st_have_last ? st->st_shmem_max : -1;
    }
}

struct load_session {
    struct load_state ss_state;
};

struct load_session *
load_session_open(const struct load_spec *spec, struct result_figures *out)
{
    struct load_session *ls = calloc(1, sizeof(*ls));

    prctl(PR_SET_TIMERSLACK, 1UL); /* wake on time: lateness would count as latency */
    if (ls == NULL) {
        snprintf(out->rf_error, sizeof(out->rf_error), "cannot set up the client: %s",
                 strerror(ENOMEM));
        return NULL;
    }
    int opened = load_state_open(&ls->ss_state, spec, out);
    if (opened < 0) {
        if (opened == -1)
            snprintf(out->rf_error, sizeof(out->rf_error), "cannot set up the client: %s",
                     strerror(ENOMEM));
        load_session_close(ls);
        return NULL;
    }
    return ls;
}

/*
 * A round starts from nothing measured: the window, the schedule, the
 * figures of the server and the client are its own. A request still in
 * flight from the round before (its server slower than the drain time) is
 * not counted in this one.
 */
static void
load_round_reset(struct load_state *st, struct result_figures *out)
{
    const struct load_spec *sp = st->st_spec;

    st->st_out = out;
    st->st_rng = sp->ls_seed;
    st->st_next = 0;
    st->st_warmed = st->st_failed = 0;
    st->st_refused_since = 0;
    st->st_have_warm = st->st_have_last = 0;
    st->st_hwm_max = st->st_shmem_max = 0;
    st->st_client_warm = 0;
    for (size_t i = 0; i < (size_t)sp->ls_concurrency; i++)
        st->st_slots[i].sl_measured = 0;
    st->st_next_watch = clock_mono_ns();
}

int
load_session_round(struct load_session *ls, struct result_figures *out)
{
    struct load_state *st = &ls->ss_state;
    const struct load_spec *spec = st->st_spec;

    load_round_reset(st, out);
    if (spec->ls_open_all && !spec->ls_no_keepalive && !st->st_opened_all) {
        if (load_open_all(st) < 0) {
            load_finish(st, -1);
            return -1;
        }
        st->st_opened_all = 1;
    }
    st->st_t_begin = clock_mono_ns();
    st->st_t_warm = st->st_t_begin + (uint64_t)(spec->ls_warmup_s * 1e9);
    st->st_t_end = st->st_t_warm + (uint64_t)(spec->ls_duration_s * 1e9);
    st->st_interval_ns = spec->ls_rate > 0 ? 1e9 / spec->ls_rate : 0;
    st->st_next_watch = st->st_t_begin;
    int rc = load_loop(st);
    load_finish(st, rc);
    return rc;
}

void
load_session_close(struct load_session *ls)
{
    if (ls == NULL)
        return;
    load_state_close(&ls->ss_state);
    free(ls);
}

int
load_run(const struct load_spec *spec, struct result_figures *out)
{
    struct load_session *ls = load_session_open(spec, out);

    if (ls == NULL)
        return -1;
    int rc = load_session_round(ls, out);
    load_session_close(ls);
    return rc;
}
