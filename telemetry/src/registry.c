/* registry: metric storage and recording rules. */
#include "registry.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double reg_quantiles[REG_NQUANTILES] = {0.5, 0.9, 0.99};
static const double reg_dur_bounds[REG_NDURATION] = {.005, .01, .025, .05, .1, .25,
                                                     .5,   1,   2.5,  5,   10};
static const char *const probe_outcome_names[PROBE_NOUTCOMES] = {
    "ok", "invalid", "failed", "timeout", "overflow", "error", "rejected"};

const char *
probe_outcome_name(enum probe_outcome o)
{
    return probe_outcome_names[o];
}

/* ---- set-up ------------------------------------------------------------- */

static char **
reg_le_texts(const double *bounds, size_t n, expo_format_t f)
{
    char **t = calloc(n + 1, sizeof *t);
    for (size_t k = 0; t != NULL && k < n; k++) {
        char num[EXPOFMT_NUMBER_LEN];
        t[k] = strdup(expofmt_canonical(bounds[k], f, num, sizeof num));
    }
    return t;
}

static void
reg_free_texts(char **t)
{
    for (size_t k = 0; t != NULL && t[k] != NULL; k++)
        free(t[k]);
    free(t);
}

/* 0, or -1 when memory ran out for the HELP and TYPE lines. */
static int
reg_metric_init(struct reg_metric *m, const struct cfg_metric *cm)
{
    m->rm_cfg = cm;
    for (int f = 0; f < 2; f++) {
        sbuf_t b;
        struct expo e;
        sbuf_init(&b, 128); /* the lines are read at every scrape: keep them close */
        expo_init(&e, &b, (expo_format_t)f);
        expo_family(&e, cm->cm_name, cm->cm_help, cm->cm_type);
        if (sbuf_failed(&b) || b.sb_buf == NULL) {
            sbuf_release(&b);
            return -1;
        }
        m->rm_head[f] = sbuf_detach(&b, NULL);
    }
    m->rm_last.rl_outcome = -1;
    if (cm->cm_type == CFG_HISTOGRAM) {
        m->rm_buckets = calloc(cm->cm_nbuckets + 1, sizeof *m->rm_buckets);
        for (int f = 0; f < 2; f++)
            m->rm_le[f] = reg_le_texts(cm->cm_buckets, cm->cm_nbuckets, (expo_format_t)f);
    } else if (cm->cm_type == CFG_SUMMARY) {
        m->rm_window.w_val = calloc(REG_WINDOW_CAP, sizeof(double));
        m->rm_window.w_time = calloc(REG_WINDOW_CAP, sizeof(double));
        m->rm_window.w_dirty = true;
    }
    return 0;
}

long
registry_find(const struct registry *r, const char *name)
{
    for (size_t k = 0; k < r->rg_n; k++)
        if (strcmp(r->rg_metrics[k].rm_cfg->cm_name, name) == 0)
            return (long)k;
    return -1;
}

/* ---- jobs, events, the control socket ----------------------------------- */

const char *const reg_ctl_paths[REG_NCTL_PATHS] = {
    "/v3/environ", "/v3/metric", "/v3/ping", "/v3/reload", "/v3/maintenance/enable",
    "/v3/maintenance/disable", "other"};
const int reg_ctl_codes[REG_NCTL_CODES] = {200, 400, 404, 405, 413, 422, 500, 503};

void
registry_event_locked(struct registry *r, const char *code, const char *source)
{
    for (size_t k = 0; k < r->rg_nevents; k++) {
        struct reg_event *e = &r->rg_events[k];
        if (strcmp(e->re_code, code) == 0 && strcmp(e->re_source, source) == 0) {
            e->re_count++;
            return;
        }
    }
    if (r->rg_nevents == REG_MAX_EVENTS)
        return;
    struct reg_event *grown = realloc(r->rg_events, (r->rg_nevents + 1) * sizeof *grown);
    char *src = strdup(source);
    if (grown == NULL || src == NULL) {
        free(src);
        if (grown != NULL)
            r->rg_events = grown;
        return;
    }
    r->rg_events = grown;
    struct reg_event *e = &r->rg_events[r->rg_nevents++];
    snprintf(e->re_code, sizeof e->re_code, "%s", code);
    e->re_source = src;
    e->re_count = 1;
}

void
registry_job_done(struct registry *r, size_t idx, enum probe_outcome o, double duration,
                  const char *msg)
{
    pthread_mutex_lock(&r->rg_lock);
    struct reg_job *j = &r->rg_jobs[idx];
    j->rj_runs[o]++;
    j->rj_last.rl_outcome = (int)o;
    j->rj_last.rl_value = NAN;
    j->rj_last.rl_duration = duration;
    j->rj_last.rl_when = time(NULL);
    snprintf(j->rj_last.rl_message, sizeof j->rj_last.rl_message, "%s", msg ? msg : "");
    registry_event_locked(r,
                          o == PROBE_OK      ? "ExitSuccess"
                          : o == PROBE_ERROR ? "Error"
                                             : "ExitFailed",
                          j->rj_cfg->cj_name);
    pthread_mutex_unlock(&r->rg_lock);
}

void
registry_job_skipped(struct registry *r, size_t idx, uint64_t n)
{
    pthread_mutex_lock(&r->rg_lock);
    r->rg_jobs[idx].rj_skipped += n;
    pthread_mutex_unlock(&r->rg_lock);
}

void
registry_maintenance(struct registry *r, bool on)
{
    pthread_mutex_lock(&r->rg_lock);
    r->rg_maintenance = on;
    registry_event_locked(r, on ? "EnterMaintenance" : "ExitMaintenance", "global");
    pthread_mutex_unlock(&r->rg_lock);
}

void
registry_control_request(struct registry *r, const char *path, int code)
{
    size_t p = 0, c = 0;
    while (p + 1 < REG_NCTL_PATHS && strcmp(reg_ctl_paths[p], path) != 0)
        p++;
    while (c < REG_NCTL_CODES && reg_ctl_codes[c] != code)
        c++;
    pthread_mutex_lock(&r->rg_lock);
    r->rg_ctl[p][c]++;
    pthread_mutex_unlock(&r->rg_lock);
}

/* ---- reload ------------------------------------------------------------- */

/* Whether metric state recorded under `a` means the same under `b`. */
static bool
reg_same_metric(const struct cfg_metric *a, const struct cfg_metric *b)
{
    return strcmp(a->cm_name, b->cm_name) == 0 && a->cm_type == b->cm_type &&
           a->cm_is_sensor == b->cm_is_sensor && a->cm_nbuckets == b->cm_nbuckets &&
           (a->cm_nbuckets == 0 ||
            memcmp(a->cm_buckets, b->cm_buckets, a->cm_nbuckets * sizeof(double)) == 0);
}

/* Moves the recorded values of `from` into the fresh `to` (same shape). */
static void
reg_metric_move(struct reg_metric *to, struct reg_metric *from)
{
    to->rm_value = from->rm_value;
    if (to->rm_buckets != NULL)
        memcpy(to->rm_buckets, from->rm_buckets,
               (to->rm_cfg->cm_nbuckets + 1) * sizeof *to->rm_buckets);
    to->rm_sum = from->rm_sum;
    to->rm_count = from->rm_count;
    struct reg_window w = to->rm_window; /* swap: the old one is freed with `from` */
    to->rm_window = from->rm_window;
    from->rm_window = w;
    to->rm_window.w_dirty = true;
    memcpy(to->rm_runs, from->rm_runs, sizeof to->rm_runs);
    memcpy(to->rm_dur_buckets, from->rm_dur_buckets, sizeof to->rm_dur_buckets);
    to->rm_dur_sum = from->rm_dur_sum;
    to->rm_dur_count = from->rm_dur_count;
    to->rm_last = from->rm_last;
}

static void
reg_metrics_free(struct reg_metric *ms, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        struct reg_metric *m = &ms[k];
        free(m->rm_buckets);
        free(m->rm_window.w_val);
        free(m->rm_window.w_time);
        reg_free_texts(m->rm_le[0]);
        reg_free_texts(m->rm_le[1]);
        free(m->rm_head[0]);
        free(m->rm_head[1]);
    }
    free(ms);
}

/* Fresh metric and job tables for cfg (no lock needed: nothing shared). */
static int
reg_tables_new(const struct cfg *cfg, struct reg_metric **ms, struct reg_job **js)
{
    *ms = calloc(cfg->cf_nmetrics ? cfg->cf_nmetrics : 1, sizeof **ms);
    *js = calloc(cfg->cf_njobs ? cfg->cf_njobs : 1, sizeof **js);
    int rc = *ms != NULL && *js != NULL ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < cfg->cf_nmetrics; k++)
        rc = reg_metric_init(&(*ms)[k], &cfg->cf_metrics[k]);
    for (size_t k = 0; rc == 0 && k < cfg->cf_njobs; k++) {
        (*js)[k].rj_cfg = &cfg->cf_jobs[k];
        (*js)[k].rj_last.rl_outcome = -1;
    }
    if (rc != 0) {
        reg_metrics_free(*ms, *ms ? cfg->cf_nmetrics : 0);
        free(*js);
    }
    return rc;
}

/* Carries what is unchanged from the current tables into the new ones
 * (caller holds the lock). */
static void
reg_carry_over(struct registry *r, const struct cfg *cfg, struct reg_metric *ms,
               struct reg_job *js)
{
    for (size_t k = 0; k < cfg->cf_nmetrics; k++) {
        long old = registry_find(r, cfg->cf_metrics[k].cm_name);
        if (old >= 0 && reg_same_metric(r->rg_metrics[old].rm_cfg, &cfg->cf_metrics[k]))
            reg_metric_move(&ms[k], &r->rg_metrics[old]);
    }
    for (size_t k = 0; k < cfg->cf_njobs; k++) {
        for (size_t o = 0; o < r->rg_njobs; o++) {
            if (strcmp(r->rg_jobs[o].rj_cfg->cj_name, cfg->cf_jobs[k].cj_name) != 0)
                continue;
            struct reg_job keep = r->rg_jobs[o];
            keep.rj_cfg = &cfg->cf_jobs[k];
            js[k] = keep;
        }
    }
}

int
registry_reload(struct registry *r, const struct cfg *cfg)
{
    struct reg_metric *ms;
    struct reg_job *js;
    if (reg_tables_new(cfg, &ms, &js) != 0)
        return -1;
    pthread_mutex_lock(&r->rg_lock);
    reg_carry_over(r, cfg, ms, js);
    struct reg_metric *old = r->rg_metrics;
    size_t nold = r->rg_n;
    free(r->rg_jobs);
    r->rg_metrics = ms;
    r->rg_n = cfg->cf_nmetrics;
    r->rg_jobs = js;
    r->rg_njobs = cfg->cf_njobs;
    r->rg_cfg = cfg;
    pthread_mutex_unlock(&r->rg_lock);
    reg_metrics_free(old, nold);
    return 0;
}

/* ---- set-up and release ------------------------------------------------- */

int
registry_init(struct registry *r, const struct cfg *cfg)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->rg_lock, NULL);
    r->rg_cfg = cfg;
    if (reg_tables_new(cfg, &r->rg_metrics, &r->rg_jobs) != 0)
        return -1;
    r->rg_n = cfg->cf_nmetrics;
    r->rg_njobs = cfg->cf_njobs;
    for (int f = 0; f < 2; f++) {
        r->rg_dur_le[f] = reg_le_texts(reg_dur_bounds, REG_NDURATION, (expo_format_t)f);
        for (int q = 0; q < REG_NQUANTILES; q++) {
            char num[EXPOFMT_NUMBER_LEN];
            r->rg_q[f][q] =
                strdup(expofmt_canonical(reg_quantiles[q], (expo_format_t)f, num, sizeof num));
        }
    }
    r->rg_started = time(NULL);
    registry_event_locked(r, "Startup", "global"); /* ContainerPilot's GlobalStartup */
    return 0;
}

void
registry_free(struct registry *r)
{
    reg_metrics_free(r->rg_metrics, r->rg_n);
    free(r->rg_jobs);
    for (size_t k = 0; k < r->rg_nevents; k++)
        free(r->rg_events[k].re_source);
    free(r->rg_events);
    for (int f = 0; f < 2; f++) {
        reg_free_texts(r->rg_dur_le[f]);
        for (int q = 0; q < REG_NQUANTILES; q++)
            free(r->rg_q[f][q]);
    }
    pthread_mutex_destroy(&r->rg_lock);
}

/* ---- summaries: the sliding window -------------------------------------- */

static void
reg_window_expire(struct reg_window *w, double now)
{
    while (w->w_len > 0) {
        size_t tail = (w->w_head + REG_WINDOW_CAP - w->w_len) % REG_WINDOW_CAP;
        if (w->w_time[tail] > now - REG_WINDOW_SECONDS)
            break;
        w->w_len--;
        w->w_dirty = true;
    }
}

static void
reg_window_add(struct reg_window *w, double v, double now)
{
    reg_window_expire(w, now);
    w->w_val[w->w_head] = v;
    w->w_time[w->w_head] = now;
    w->w_head = (w->w_head + 1) % REG_WINDOW_CAP;
    if (w->w_len < REG_WINDOW_CAP)
        w->w_len++;
    w->w_dirty = true;
}

static int
reg_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank quantiles over the window; recomputed only when it changed
 * or its oldest observation has aged out. */
static const double *
reg_window_quantiles(struct reg_window *w, double now)
{
    if (!w->w_dirty && now < w->w_valid_until)
        return w->w_q;
    reg_window_expire(w, now);
    double sorted[REG_WINDOW_CAP];
    size_t tail = (w->w_head + REG_WINDOW_CAP - w->w_len) % REG_WINDOW_CAP;
    for (size_t k = 0; k < w->w_len; k++)
        sorted[k] = w->w_val[(tail + k) % REG_WINDOW_CAP];
    qsort(sorted, w->w_len, sizeof(double), reg_cmp_double);
    for (int q = 0; q < REG_NQUANTILES; q++) {
        size_t rank = (size_t)ceil(reg_quantiles[q] * (double)w->w_len);
        w->w_q[q] = w->w_len == 0 ? NAN : sorted[rank > 0 ? rank - 1 : 0];
    }
    w->w_valid_until = w->w_len ? w->w_time[tail] + REG_WINDOW_SECONDS : INFINITY;
    w->w_dirty = false;
    return w->w_q;
}

const double *
registry_quantiles_locked(struct registry *r, size_t idx, double now)
{
    return reg_window_quantiles(&r->rg_metrics[idx].rm_window, now);
}

/* ---- recording ---------------------------------------------------------- */

/* Whether v is acceptable for the metric's type; a reason if not. */
static int
reg_check(const struct reg_metric *m, double v, char *why, size_t whylen)
{
    const char *name = m->rm_cfg->cm_name;
    if (m->rm_cfg->cm_type == CFG_COUNTER && !(v >= 0 && isfinite(v))) {
        snprintf(why, whylen, "counter %s cannot be incremented by %g", name, v);
        return -1;
    }
    if (m->rm_cfg->cm_type != CFG_GAUGE && !isfinite(v)) {
        snprintf(why, whylen, "%s %s cannot observe %g", cfg_type_name(m->rm_cfg->cm_type), name,
                 v);
        return -1;
    }
    return 0;
}

static void
reg_observe(uint64_t *buckets, const double *bounds, size_t n, double v)
{
    size_t k = 0;
    while (k < n && v > bounds[k])
        k++;
    buckets[k]++;
}

int
registry_record_locked(struct registry *r, size_t idx, double v, double now, char *why,
                       size_t whylen)
{
    struct reg_metric *m = &r->rg_metrics[idx];
    if (reg_check(m, v, why, whylen) != 0)
        return -1;
    m->rm_text_ok = false;
    switch (m->rm_cfg->cm_type) {
    case CFG_COUNTER:
        m->rm_value += v;
        break;
    case CFG_GAUGE:
        m->rm_value = v;
        break;
    case CFG_HISTOGRAM:
        reg_observe(m->rm_buckets, m->rm_cfg->cm_buckets, m->rm_cfg->cm_nbuckets, v);
        m->rm_sum += v;
        m->rm_count++;
        break;
    case CFG_SUMMARY:
        reg_window_add(&m->rm_window, v, now);
        m->rm_sum += v;
        m->rm_count++;
        break;
    }
    return 0;
}

enum probe_outcome
registry_probe_done(struct registry *r, size_t idx, enum probe_outcome o, double value,
                    double duration, const char *msg, double now)
{
    struct reg_metric *m = &r->rg_metrics[idx];
    char why[200] = "";
    pthread_mutex_lock(&r->rg_lock);
    if (o == PROBE_OK && registry_record_locked(r, idx, value, now, why, sizeof why) != 0) {
        o = PROBE_REJECTED;
        msg = why;
    }
    m->rm_runs[o]++;
    reg_observe(m->rm_dur_buckets, reg_dur_bounds, REG_NDURATION, duration);
    m->rm_dur_sum += duration;
    m->rm_dur_count++;
    m->rm_last.rl_outcome = (int)o;
    m->rm_last.rl_value = value;
    m->rm_last.rl_duration = duration;
    m->rm_last.rl_when = time(NULL);
    snprintf(m->rm_last.rl_message, sizeof m->rm_last.rl_message, "%s", msg ? msg : "");
    pthread_mutex_unlock(&r->rg_lock);
    return o;
}

/* ---- -putmetric requests ------------------------------------------------ */

static int
reg_put_answer(struct registry *r, int code)
{
    r->rg_put[code == 200 ? 0 : code == 400 ? 1 : 2]++;
    return code;
}

/* A value: a JSON number, or a string holding exactly one finite number, as
 * ContainerPilot's own client sends ({"name": "1.5"}). Returns 0 or -1. */
static int
reg_put_value(json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return 0;
    }
    const char *s = json_string_value(v);
    if (s == NULL || *s == 0 || isspace((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return *end == 0 && errno == 0 && isfinite(*out) ? 0 : -1;
}

/* The value of an entry that reg_put_value accepted. */
static double
reg_value(json_t *v)
{
    double d = NAN;
    reg_put_value(v, &d);
    return d;
}

/* Appends a metric name from a request body, or jansson's message (which
 * quotes the body): control bytes as \xNN (a newline would split the log
 * line and the one-line answer; found by tests/fuzz_control.c), at most 128
 * bytes of it. */
static void
reg_add_name(sbuf_t *msg, const char *key)
{
    size_t k = 0;
    for (; key[k] != '\0' && k < 128; k++) {
        unsigned char c = (unsigned char)key[k];
        if (c < 0x20 || c == 0x7f)
            sbuf_addf(msg, "\\x%02x", c);
        else
            sbuf_addc(msg, (char)c);
    }
    if (key[k] != '\0')
        sbuf_adds(msg, "...");
}

/* 400 checks, all before anything is recorded: every name a configured
 * metric (not a sensor), every value acceptable. */
static int
reg_put_check(struct registry *r, json_t *obj, sbuf_t *msg)
{
    const char *key;
    json_t *v;
    int bad = 0;
    json_object_foreach(obj, key, v)
    {
        long idx = registry_find(r, key);
        char why[200];
        if (idx < 0 || r->rg_metrics[idx].rm_cfg->cm_is_sensor) {
            sbuf_adds(msg, bad++ ? "; " : "");
            reg_add_name(msg, key);
            sbuf_adds(msg, " is not a configured metric");
        } else if (reg_check(&r->rg_metrics[idx], reg_value(v), why, sizeof why) != 0) {
            sbuf_addf(msg, "%s%s", bad++ ? "; " : "", why);
        }
    }
    return bad ? -1 : 0;
}

int
registry_put(struct registry *r, const char *body, size_t len, double now, sbuf_t *msg)
{
    json_error_t e;
    json_t *obj = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
    const char *key;
    json_t *v;
    int code = 200;
    if (obj == NULL || !json_is_object(obj) || json_object_size(obj) == 0) {
        sbuf_adds(msg, "body must be a JSON object of metric names and numbers");
        if (obj == NULL) { /* jansson quotes the body near the error: raw bytes */
            sbuf_adds(msg, ": ");
            reg_add_name(msg, e.text);
        }
        code = 422;
    }
    json_object_foreach(code == 200 ? obj : NULL, key, v)
    {
        double d;
        if (reg_put_value(v, &d) != 0) {
            sbuf_adds(msg, "value of ");
            reg_add_name(msg, key);
            sbuf_adds(msg, " is not a number");
            code = 422;
            break;
        }
    }
    pthread_mutex_lock(&r->rg_lock);
    if (code == 200 && reg_put_check(r, obj, msg) != 0)
        code = 400;
    json_object_foreach(code == 200 ? obj : NULL, key, v)
    {
        char why[200];
        registry_record_locked(r, (size_t)registry_find(r, key), reg_value(v), now, why,
                               sizeof why);
        registry_event_locked(r, "Metric", key); /* ContainerPilot: one event a value */
    }
    reg_put_answer(r, code);
    pthread_mutex_unlock(&r->rg_lock);
    json_decref(obj);
    return code;
}
