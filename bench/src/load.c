/* load.c - the scrape load generator over one libcurl multi handle (see load.h). */
#include "load.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <time.h>

#include "clock.h"
#include "fetch.h"
#include "procstat.h"
#include "tlsid.h"

#define LOAD_REFUSED_NS 2000000000ull /* only connection errors this long: the server is gone */
#define LOAD_WATCH_NS 100000000ull    /* how often the server and the stop flag are checked */

struct load_slot {
    CURL *sl_easy;
    uint64_t sl_t0;  /* latency origin: sent (closed loop) or scheduled (open loop) */
    int sl_measured; /* started after the warm-up */
};

struct load_state {
    const struct load_spec *st_spec;
    struct result_figures *st_out;
    CURLM *st_multi;
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
        out->rf_err.re_other++;
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

/* Returns 0, -1 when out of memory, -2 with st_out->rf_error set. */
static int
load_state_open(struct load_state *st, const struct load_spec *sp, struct result_figures *out)
{
    size_t n = (size_t)sp->ls_concurrency, maxpath = 0;

    memset(st, 0, sizeof(*st));
    st->st_spec = sp;
    st->st_out = out;
    st->st_rng = sp->ls_seed;
    if (load_identity(st) < 0)
        return -2;
    for (size_t i = 0; i < sp->ls_npaths; i++)
        if (strlen(sp->ls_paths[i]) > maxpath)
            maxpath = strlen(sp->ls_paths[i]);
    st->st_urlcap = strlen(sp->ls_base) + maxpath + 1;
    st->st_url = malloc(st->st_urlcap);
    st->st_slots = calloc(n, sizeof(*st->st_slots));
    st->st_idle = calloc(n, sizeof(*st->st_idle));
    st->st_multi = curl_multi_init();
    if (st->st_url == NULL || st->st_slots == NULL || st->st_idle == NULL || !st->st_multi)
        return -1;
    long conns = sp->ls_connections > (long)n ? sp->ls_connections : (long)n;
    curl_multi_setopt(st->st_multi, CURLMOPT_MAXCONNECTS, conns);
    curl_multi_setopt(st->st_multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)n);
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
        if (st->st_slots[i].sl_easy == NULL)
            continue;
        if (st->st_multi)
            curl_multi_remove_handle(st->st_multi, st->st_slots[i].sl_easy);
        curl_easy_cleanup(st->st_slots[i].sl_easy);
    }
    if (st->st_multi)
        curl_multi_cleanup(st->st_multi);
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
    if (curl_multi_add_handle(st->st_multi, sl->sl_easy) != CURLM_OK) {
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

static void
load_reap(struct load_state *st)
{
    uint64_t now = clock_mono_ns();
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(st->st_multi, &left)) != NULL) {
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
        curl_multi_remove_handle(st->st_multi, m->easy_handle);
        st->st_inflight--;
        st->st_idle[st->st_nidle++] = sl;
        load_track_refused(st, rc, now);
        if (sl->sl_measured) {
            load_count(st->st_out, (int)rc, status, now - sl->sl_t0, (uint64_t)bytes);
            st->st_out->rf_connects += (uint64_t)(connects > 0 ? connects : 0);
        }
    }
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
    if (procstat_read(sp->ls_pid, &ps) < 0 || ps.ps_state == 'Z' || ps.ps_state == 'X') {
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

static uint64_t
load_wait_ns(struct load_state *st, uint64_t now, int stopping)
{
    uint64_t w = st->st_next_watch > now ? st->st_next_watch - now : 0;
    long curl_ms = -1;

    curl_multi_timeout(st->st_multi, &curl_ms);
    if (curl_ms >= 0 && (uint64_t)curl_ms * 1000000ull < w)
        w = (uint64_t)curl_ms * 1000000ull;
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

static void
load_wait(struct load_state *st, uint64_t now, int stopping)
{
    uint64_t w = load_wait_ns(st, now, stopping);
    struct timespec ts = {(time_t)(w / 1000000000ull), (long)(w % 1000000000ull)};
    fd_set r, wr, ex;
    int maxfd = -1;

    if (w == 0)
        return;
    FD_ZERO(&r);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    curl_multi_fdset(st->st_multi, &r, &wr, &ex, &maxfd);
    if (maxfd >= FD_SETSIZE) {
        curl_multi_poll(st->st_multi, NULL, 0, (int)(w / 1000000ull) + 1, NULL);
        return;
    }
    if (maxfd < 0 && w > 1000000ull)
        ts = (struct timespec){0, 1000000L};
    pselect(maxfd + 1, &r, &wr, &ex, &ts, NULL);
}

/* ------------------------------------------------------------------- loop */

static int
load_loop(struct load_state *st)
{
    const struct load_spec *sp = st->st_spec;
    uint64_t drain_end = st->st_t_end + (uint64_t)(sp->ls_timeout_s * 1e9) + 1000000000ull;
    int running;

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
        if (curl_multi_perform(st->st_multi, &running) != CURLM_OK) {
            load_fail(st, "curl multi interface failed");
            return -1;
        }
        load_reap(st);
        load_wait(st, clock_mono_ns(), stopping);
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
    int running;

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
        if (curl_multi_perform(st->st_multi, &running) != CURLM_OK) {
            load_fail(st, "curl multi interface failed");
            return -1;
        }
        load_reap(st);
        curl_multi_poll(st->st_multi, NULL, 0, 10, NULL);
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

int
load_run(const struct load_spec *spec, struct result_figures *out)
{
    struct load_state st;

    prctl(PR_SET_TIMERSLACK, 1UL); /* wake on time: lateness would count as latency */

    int opened = load_state_open(&st, spec, out);
    if (opened < 0) {
        if (opened == -1)
            snprintf(out->rf_error, sizeof(out->rf_error), "cannot set up the client: %s",
                     strerror(ENOMEM));
        load_state_close(&st);
        return -1;
    }
    st.st_next_watch = clock_mono_ns();
    if (spec->ls_open_all && !spec->ls_no_keepalive && load_open_all(&st) < 0) {
        load_finish(&st, -1);
        load_state_close(&st);
        return -1;
    }
    st.st_t_begin = clock_mono_ns();
    st.st_t_warm = st.st_t_begin + (uint64_t)(spec->ls_warmup_s * 1e9);
    st.st_t_end = st.st_t_warm + (uint64_t)(spec->ls_duration_s * 1e9);
    st.st_interval_ns = spec->ls_rate > 0 ? 1e9 / spec->ls_rate : 0;
    st.st_next_watch = st.st_t_begin;
    int rc = load_loop(&st);
    load_finish(&st, rc);
    load_state_close(&st);
    return rc;
}
