/* upstream - agent requests on a curl multi handle in a thread of their own (upstream.h). */
#include "upstream.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One request on its way: the call, its curl handle and what came back. */
typedef struct job {
    struct job *j_next; /* queue, then the list of jobs on the multi handle */
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
    pthread_t u_thread;
    pthread_mutex_t u_lock;
    job_t *u_queue;  /* submitted, not yet on the multi handle */
    job_t *u_active; /* on the multi handle (the upstream thread's alone) */
    int u_stopping;
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

static int
job_prepare(upstream_t *u, job_t *j)
{
    char line[UPSTREAM_ACCEPT_MAX + 16];
    if ((j->j_easy = curl_easy_init()) == NULL)
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
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, job_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, job_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)u->u_opts.uo_connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)u->u_opts.uo_timeout_ms);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "cmon-proxy");
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
    if (j->j_easy != NULL)
        curl_easy_cleanup(j->j_easy);
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

/* ---- the thread --------------------------------------------------------- */

/* Moves the queue onto the multi handle. */
static void
upstream_take_queue(upstream_t *u)
{
    pthread_mutex_lock(&u->u_lock);
    job_t *q = u->u_queue;
    u->u_queue = NULL;
    pthread_mutex_unlock(&u->u_lock);
    while (q != NULL) {
        job_t *j = q;
        q = q->j_next;
        if (job_prepare(u, j) != 0 || curl_multi_add_handle(u->u_multi, j->j_easy) != CURLM_OK) {
            job_fail(j, 502, "cannot set up the agent request");
            continue;
        }
        j->j_prev = NULL;
        j->j_next = u->u_active;
        if (u->u_active != NULL)
            u->u_active->j_prev = j;
        u->u_active = j;
    }
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

static int
upstream_stopping(upstream_t *u)
{
    pthread_mutex_lock(&u->u_lock);
    int s = u->u_stopping;
    pthread_mutex_unlock(&u->u_lock);
    return s;
}

static void *
upstream_main(void *arg)
{
    upstream_t *u = arg;
    int running;
    while (!upstream_stopping(u)) {
        upstream_take_queue(u);
        curl_multi_perform(u->u_multi, &running);
        upstream_reap(u);
        curl_multi_poll(u->u_multi, NULL, 0, 1000, NULL);
    }
    return NULL;
}

/* ---- the contract ------------------------------------------------------- */

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
upstream_start(const upstream_opts_t *opts, char *err, size_t errlen)
{
    upstream_t *u = calloc(1, sizeof(*u));
    if (u == NULL || (u->u_multi = curl_multi_init()) == NULL) {
        snprintf(err, errlen, "cannot set up libcurl");
        free(u);
        return NULL;
    }
    u->u_opts = *opts;
    upstream_defaults(&u->u_opts);
    curl_multi_setopt(u->u_multi, CURLMOPT_MAXCONNECTS, u->u_opts.uo_max_conns);
    curl_multi_setopt(u->u_multi, CURLMOPT_MAX_HOST_CONNECTIONS, u->u_opts.uo_host_conns);
    pthread_mutex_init(&u->u_lock, NULL);
    int rc = pthread_create(&u->u_thread, NULL, upstream_main, u);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the upstream thread: %s", strerror(rc));
        pthread_mutex_destroy(&u->u_lock);
        curl_multi_cleanup(u->u_multi);
        free(u);
        return NULL;
    }
    return u;
}

int
upstream_submit(upstream_t *u, const upstream_call_t *call)
{
    job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        return -1;
    j->j_call = *call;
    j->j_max_body = u->u_opts.uo_max_body;
    pthread_mutex_lock(&u->u_lock);
    int stopping = u->u_stopping;
    if (!stopping) {
        j->j_next = u->u_queue;
        u->u_queue = j;
    }
    pthread_mutex_unlock(&u->u_lock);
    if (stopping) {
        free(j);
        errno = ESHUTDOWN;
        return -1;
    }
    curl_multi_wakeup(u->u_multi);
    return 0;
}

void
upstream_stop(upstream_t *u)
{
    if (u == NULL)
        return;
    pthread_mutex_lock(&u->u_lock);
    u->u_stopping = 1;
    pthread_mutex_unlock(&u->u_lock);
    curl_multi_wakeup(u->u_multi);
    pthread_join(u->u_thread, NULL);
    while (u->u_queue != NULL) { /* no other thread adds once u_stopping is set */
        job_t *j = u->u_queue;
        u->u_queue = j->j_next;
        job_fail(j, 503, "the proxy is stopping");
    }
    while (u->u_active != NULL) {
        job_t *j = u->u_active;
        curl_multi_remove_handle(u->u_multi, j->j_easy);
        upstream_unlist(u, j);
        job_fail(j, 503, "the proxy is stopping");
    }
    curl_multi_cleanup(u->u_multi);
    pthread_mutex_destroy(&u->u_lock);
    free(u);
}
