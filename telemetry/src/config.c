/* config: reading and validating the telemetry section. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"
#include "json5.h"

#define CFG_MAX_DEPTH 8
#define CFG_MAX_FILE (4 * 1024 * 1024)
#define CFG_MAX_BUCKETS 64

/* Validation context: where we are in the document, for error positions. */
struct cctx {
    const char *cc_name;
    struct json5_doc *cc_doc;
    struct json5_step cc_path[CFG_MAX_DEPTH];
    size_t cc_depth;
    char *cc_err;
    size_t cc_errlen;
};

static const char *const cfg_type_names[] = {"counter", "gauge", "histogram", "summary"};
static const double cfg_default_buckets[] = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};

const char *
cfg_type_name(enum cfg_type t)
{
    return cfg_type_names[t];
}

/* ---- errors ------------------------------------------------------------- */

static void
cfg_report(const char *name, const char *src, size_t len, size_t off, const char *msg, char *err,
           size_t errlen)
{
    int line, col;
    json5_position(src, len, off, &line, &col);
    snprintf(err, errlen, "%s:%d:%d: %s", name, line, col, msg);
}

/* Fails at the current path (the key itself when at_key). Returns -1. */
static int __attribute__((format(printf, 3, 4)))
cfail(struct cctx *c, bool at_key, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t off;
    json5_doc_locate(c->cc_doc, c->cc_path, c->cc_depth, at_key, &off);
    cfg_report(c->cc_name, c->cc_doc->jd_src, c->cc_doc->jd_srclen, off, msg, c->cc_err,
               c->cc_errlen);
    return -1;
}

static void
cpush_key(struct cctx *c, const char *key)
{
    c->cc_path[c->cc_depth++] = (struct json5_step){.js_key = key};
}

static void
cpush_index(struct cctx *c, size_t index)
{
    c->cc_path[c->cc_depth++] = (struct json5_step){.js_index = index};
}

static void
cpop(struct cctx *c)
{
    c->cc_depth--;
}

/* ---- small readers ------------------------------------------------------ */

static char *
cfg_strdup(const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

/* Every key of obj must be one of `allowed` (NULL-terminated). */
static int
cfg_check_keys(struct cctx *c, json_t *obj, const char *const *allowed, const char *what)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        size_t k = 0;
        while (allowed[k] != NULL && strcmp(allowed[k], key) != 0)
            k++;
        if (allowed[k] == NULL) {
            cpush_key(c, key);
            int rc = cfail(c, true, "unknown key \"%s\" in %s", key, what);
            cpop(c);
            return rc;
        }
    }
    return 0;
}

/* A string member; absent leaves *out unchanged (when not required). */
static int
cfg_get_string(struct cctx *c, json_t *obj, const char *key, bool required, const char **out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return required ? cfail(c, false, "missing \"%s\"", key) : 0;
    cpush_key(c, key);
    int rc = json_is_string(v) ? 0 : cfail(c, false, "\"%s\" must be a string", key);
    cpop(c);
    if (rc == 0)
        *out = json_string_value(v);
    return rc;
}

int
cfg_parse_duration(const char *s, double *seconds)
{
    static const struct {
        const char *unit;
        double scale;
    } units[] = {{"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}, {"", 1}};
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno != 0 || !isfinite(v))
        return -1;
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        if (strcmp(end, units[k].unit) == 0) {
            *seconds = v * units[k].scale;
            return 0;
        }
    }
    return -1;
}

/* A positive duration: number of seconds or a duration string. */
static int
cfg_get_duration(struct cctx *c, json_t *obj, const char *key, double *out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return 0;
    cpush_key(c, key);
    double d = -1;
    if (json_is_number(v))
        d = json_number_value(v);
    else if (!json_is_string(v) || cfg_parse_duration(json_string_value(v), &d) != 0)
        d = -1;
    int rc = 0;
    if (!(d >= 0.001 && d <= 86400))
        rc = cfail(c, false, "\"%s\" must be a duration from 1ms to 24h (seconds or \"10s\")", key);
    cpop(c);
    if (rc == 0)
        *out = d;
    return rc;
}

/* NULL-terminated copy of a string or array of strings; a string is split
 * on blanks when `split`. */
static int
cfg_get_strings(struct cctx *c, json_t *v, bool split, char ***out)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    char **list = calloc(n + 1, sizeof *list);
    if (list == NULL)
        abort();
    if (json_is_string(v) && split) {
        free(list);
        list = calloc(strlen(json_string_value(v)) / 2 + 2, sizeof *list);
        char *copy = cfg_strdup(json_string_value(v)), *save = NULL;
        size_t k = 0;
        for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
            list[k++] = cfg_strdup(t);
        free(copy);
    } else if (json_is_string(v)) {
        list[0] = cfg_strdup(json_string_value(v));
    } else {
        for (size_t k = 0; k < n; k++) {
            json_t *e = json_array_get(v, k);
            if (!json_is_string(e)) {
                cpush_index(c, k);
                cfail(c, false, "must be a string");
                cpop(c);
                for (size_t j = 0; j < k; j++)
                    free(list[j]);
                free(list);
                return -1;
            }
            list[k] = cfg_strdup(json_string_value(e));
        }
    }
    *out = list;
    return 0;
}

static void
cfg_free_strings(char **list)
{
    for (size_t k = 0; list != NULL && list[k] != NULL; k++)
        free(list[k]);
    free(list);
}

/* ---- one sensor or metric ---------------------------------------------- */

static bool
cfg_name_ok(const char *s, bool colon)
{
    if (*s == 0 || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++) {
        bool ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                  (*s >= '0' && *s <= '9') || *s == '_' || (colon && *s == ':');
        if (!ok)
            return false;
    }
    return true;
}

/* namespace_subsystem_name with empty or absent parts skipped: a metric with
 * only `name` is called exactly `name` (ContainerPilot made it "__name"). */
static int
cfg_build_name(struct cctx *c, json_t *obj, struct cfg_metric *m)
{
    static const char *const parts[] = {"namespace", "subsystem", "name"};
    sbuf_t b;
    if (sbuf_init(&b, 64) != 0) {
        cfail(c, false, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < 3; k++) {
        const char *p = "";
        if (cfg_get_string(c, obj, parts[k], k == 2, &p) != 0)
            goto fail;
        if (*p != 0 && !cfg_name_ok(p, k == 2)) {
            cpush_key(c, parts[k]);
            cfail(c, false, "\"%s\" is not a valid metric name part", p);
            cpop(c);
            goto fail;
        }
        if (*p != 0 && b.sb_len > 0)
            sbuf_addc(&b, '_');
        sbuf_adds(&b, p);
    }
    if (sbuf_failed(&b)) {
        cfail(c, false, "out of memory");
        goto fail;
    }
    if (b.sb_len == 0 || strncmp(b.sb_buf, "__", 2) == 0) {
        cfail(c, false, "metric name \"%s\" is empty or reserved", b.sb_buf);
        goto fail;
    }
    m->cm_name = sbuf_detach(&b, NULL);
    return 0;
fail:
    sbuf_release(&b);
    return -1;
}

static int
cfg_get_type(struct cctx *c, json_t *obj, struct cfg_metric *m)
{
    const char *t = NULL;
    if (cfg_get_string(c, obj, "type", true, &t) != 0)
        return -1;
    for (size_t k = 0; k < 4; k++) {
        if (strcmp(t, cfg_type_names[k]) == 0) {
            m->cm_type = (enum cfg_type)k;
            return 0;
        }
    }
    cpush_key(c, "type");
    cfail(c, false, "type \"%s\" is not counter, gauge, histogram or summary", t);
    cpop(c);
    return -1;
}

static int
cfg_bucket_list(struct cctx *c, json_t *v, struct cfg_metric *m)
{
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n == 0 || n > CFG_MAX_BUCKETS)
        return cfail(c, false, "\"buckets\" must be an array of 1 to %d numbers", CFG_MAX_BUCKETS);
    m->cm_buckets = calloc(n, sizeof(double));
    for (size_t k = 0; k < n; k++) {
        json_t *e = json_array_get(v, k);
        double d = json_number_value(e);
        if (!json_is_number(e) || (k > 0 && !(d > m->cm_buckets[k - 1]))) {
            cpush_index(c, k);
            cfail(c, false, "bucket bounds must be numbers in increasing order");
            cpop(c);
            return -1;
        }
        m->cm_buckets[k] = d;
        m->cm_nbuckets = k + 1;
    }
    return 0;
}

static int
cfg_get_buckets(struct cctx *c, json_t *obj, struct cfg_metric *m)
{
    json_t *v = json_object_get(obj, "buckets");
    if (v != NULL && m->cm_type != CFG_HISTOGRAM) {
        cpush_key(c, "buckets");
        cfail(c, true, "\"buckets\" is only for histograms");
        cpop(c);
        return -1;
    }
    if (m->cm_type != CFG_HISTOGRAM)
        return 0;
    if (v == NULL) {
        size_t n = sizeof cfg_default_buckets / sizeof cfg_default_buckets[0];
        m->cm_buckets = malloc(sizeof cfg_default_buckets);
        memcpy(m->cm_buckets, cfg_default_buckets, sizeof cfg_default_buckets);
        m->cm_nbuckets = n;
        return 0;
    }
    cpush_key(c, "buckets");
    int rc = cfg_bucket_list(c, v, m);
    cpop(c);
    return rc;
}

static int
cfg_get_check(struct cctx *c, json_t *obj, struct cfg_metric *m)
{
    json_t *v = json_object_get(obj, "check");
    if (v == NULL)
        return cfail(c, false, "missing \"check\" (the command to run)");
    cpush_key(c, "check");
    int rc = -1;
    if (!json_is_string(v) && !json_is_array(v))
        cfail(c, false, "\"check\" must be a command string or an array of strings");
    else if (cfg_get_strings(c, v, true, &m->cm_argv) == 0 && m->cm_argv[0] == NULL)
        cfail(c, false, "\"check\" is empty");
    else if (m->cm_argv != NULL)
        rc = 0;
    cpop(c);
    return rc;
}

static int
cfg_sensor_fields(struct cctx *c, json_t *obj, struct cfg_metric *m)
{
    m->cm_is_sensor = true;
    if (json_object_get(obj, "poll") == NULL)
        return cfail(c, false, "missing \"poll\" (seconds between runs)");
    if (cfg_get_duration(c, obj, "poll", &m->cm_poll) != 0)
        return -1;
    m->cm_timeout = m->cm_poll;
    if (cfg_get_duration(c, obj, "timeout", &m->cm_timeout) != 0)
        return -1;
    return cfg_get_check(c, obj, m);
}

static int
cfg_metric_parse(struct cctx *c, json_t *obj, bool sensor, struct cfg_metric *m)
{
    static const char *const metric_keys[] = {"namespace", "subsystem", "name", "help",
                                              "type",      "buckets",   NULL};
    static const char *const sensor_keys[] = {"namespace", "subsystem", "name",  "help",    "type",
                                              "buckets",   "poll",      "check", "timeout", NULL};
    if (!json_is_object(obj))
        return cfail(c, false, "must be an object");
    if (cfg_check_keys(c, obj, sensor ? sensor_keys : metric_keys,
                       sensor ? "a sensor" : "a metric") != 0)
        return -1;
    if (cfg_build_name(c, obj, m) != 0 || cfg_get_type(c, obj, m) != 0 ||
        cfg_get_buckets(c, obj, m) != 0)
        return -1;
    const char *help = m->cm_name;
    if (cfg_get_string(c, obj, "help", false, &help) != 0)
        return -1;
    m->cm_help = cfg_strdup(*help ? help : m->cm_name);
    return sensor ? cfg_sensor_fields(c, obj, m) : 0;
}

static void
cfg_metric_free(struct cfg_metric *m)
{
    free(m->cm_name);
    free(m->cm_help);
    free(m->cm_buckets);
    cfg_free_strings(m->cm_argv);
}

/* ---- sections ----------------------------------------------------------- */

static int
cfg_unique(struct cctx *c, const struct cfg *cfg, const struct cfg_metric *m)
{
    if (strncmp(m->cm_name, "cmon_telemetry_", 15) == 0)
        return cfail(c, false, "metric name \"%s\" is reserved for built-in metrics", m->cm_name);
    for (size_t k = 0; k < cfg->cf_nmetrics; k++)
        if (strcmp(cfg->cf_metrics[k].cm_name, m->cm_name) == 0)
            return cfail(c, false, "metric name \"%s\" is configured twice", m->cm_name);
    return 0;
}

static int
cfg_metric_list(struct cctx *c, json_t *tel, const char *key, struct cfg *cfg)
{
    json_t *list = json_object_get(tel, key);
    if (list == NULL)
        return 0;
    cpush_key(c, key);
    if (!json_is_array(list)) {
        cfail(c, false, "\"%s\" must be an array", key);
        cpop(c);
        return -1;
    }
    size_t n = json_array_size(list);
    cfg->cf_metrics = realloc(cfg->cf_metrics, (cfg->cf_nmetrics + n) * sizeof *cfg->cf_metrics);
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        struct cfg_metric m = {0};
        cpush_index(c, k);
        rc = cfg_metric_parse(c, json_array_get(list, k), strcmp(key, "sensors") == 0, &m);
        if (rc == 0)
            rc = cfg_unique(c, cfg, &m);
        cpop(c);
        if (rc == 0)
            cfg->cf_metrics[cfg->cf_nmetrics++] = m;
        else
            cfg_metric_free(&m);
    }
    cpop(c);
    return rc;
}

static int
cfg_port(struct cctx *c, json_t *tel, struct cfg *cfg)
{
    json_t *v = json_object_get(tel, "port");
    if (v == NULL)
        return 0;
    cpush_key(c, "port");
    json_int_t p = json_integer_value(v);
    int rc = 0;
    if (!json_is_integer(v) || p < 0 || p > 65535)
        rc = cfail(c, false, "\"port\" must be an integer from 0 to 65535");
    else
        cfg->cf_port = (int)p;
    cpop(c);
    return rc;
}

static int
cfg_string_list(struct cctx *c, json_t *tel, const char *key, bool single_ok, char ***out)
{
    json_t *v = json_object_get(tel, key);
    if (v == NULL)
        return 0;
    cpush_key(c, key);
    int rc = -1;
    if (!json_is_array(v) && !(single_ok && json_is_string(v)))
        cfail(c, false, "\"%s\" must be %san array of strings", key,
              single_ok ? "a string or " : "");
    else {
        cfg_free_strings(*out);
        *out = NULL;
        rc = cfg_get_strings(c, v, false, out);
    }
    cpop(c);
    return rc;
}

static int
cfg_telemetry(struct cctx *c, json_t *tel, struct cfg *cfg)
{
    static const char *const keys[] = {"port", "interfaces", "tags", "sensors", "metrics", NULL};
    cpush_key(c, "telemetry");
    int rc = -1;
    if (!json_is_object(tel))
        cfail(c, false, "\"telemetry\" must be an object");
    else if (cfg_check_keys(c, tel, keys, "telemetry") == 0 && cfg_port(c, tel, cfg) == 0 &&
             cfg_string_list(c, tel, "interfaces", true, &cfg->cf_interfaces) == 0 &&
             cfg_string_list(c, tel, "tags", false, &cfg->cf_tags) == 0 &&
             cfg_metric_list(c, tel, "sensors", cfg) == 0 &&
             cfg_metric_list(c, tel, "metrics", cfg) == 0)
        rc = 0;
    cpop(c);
    return rc;
}

/* ---- jobs (v3): sensor jobs run, the rest named and ignored ------------ */

/* ContainerPilot v3's job keys: anything else is a typo there too. */
static const char *const cfg_job_keys[] = {
    "name",    "exec",    "logging", "port",        "initial_status", "interfaces", "tags",
    "consul",  "health",  "restarts", "stopTimeout", "timeout",       "when",       NULL};
static const char *const cfg_when_keys[] = {"interval", "source", "once", "each", "timeout", NULL};

/* Appends "NAME" to the ignored list of one kind ("service jobs: a, b"). */
static void
cfg_note_ignored(sbuf_t *list, const char *name)
{
    sbuf_adds(list, list->sb_len ? ", " : "");
    sbuf_adds(list, name);
}

static int
cfg_job_exec(struct cctx *c, json_t *job, struct cfg_job *j)
{
    json_t *v = json_object_get(job, "exec");
    if (v == NULL)
        return cfail(c, false, "missing \"exec\" (the command a job with when.interval runs)");
    cpush_key(c, "exec");
    int rc = -1;
    if (!json_is_string(v) && !json_is_array(v))
        cfail(c, false, "\"exec\" must be a command string or an array of strings");
    else if (cfg_get_strings(c, v, true, &j->cj_argv) == 0 && j->cj_argv[0] == NULL)
        cfail(c, false, "\"exec\" is empty");
    else if (j->cj_argv != NULL)
        rc = 0;
    cpop(c);
    return rc;
}

/* A job with when.interval: name, exec, interval, timeout (default: the
 * interval, as ContainerPilot's periodic jobs). */
static int
cfg_job_periodic(struct cctx *c, json_t *job, json_t *when, const char *name, struct cfg_job *j)
{
    cpush_key(c, "when");
    int rc = json_object_get(when, "source") != NULL
                 ? cfail(c, false, "\"when\" has both \"interval\" and \"source\"")
                 : cfg_get_duration(c, when, "interval", &j->cj_interval);
    cpop(c);
    if (rc != 0)
        return -1;
    j->cj_name = cfg_strdup(name);
    j->cj_timeout = j->cj_interval;
    if (cfg_get_duration(c, job, "timeout", &j->cj_timeout) != 0)
        return -1;
    return cfg_job_exec(c, job, j);
}

static void
cfg_job_free(struct cfg_job *j)
{
    free(j->cj_name);
    cfg_free_strings(j->cj_argv);
}

static int
cfg_job_unique(struct cctx *c, const struct cfg *cfg, const char *name)
{
    for (size_t k = 0; k < cfg->cf_njobs; k++)
        if (strcmp(cfg->cf_jobs[k].cj_name, name) == 0)
            return cfail(c, false, "job name \"%s\" is used twice", name);
    return 0;
}

/* One job: checked against ContainerPilot's keys; run when periodic, else
 * its name goes to `services`; a health check to `health`. */
static int
cfg_job(struct cctx *c, json_t *job, struct cfg *cfg, sbuf_t *services, sbuf_t *health)
{
    const char *name = NULL;
    if (!json_is_object(job))
        return cfail(c, false, "a job must be an object");
    if (cfg_check_keys(c, job, cfg_job_keys, "a job") != 0 ||
        cfg_get_string(c, job, "name", true, &name) != 0)
        return -1;
    if (*name == 0)
        return cfail(c, false, "a job needs a non-empty \"name\"");
    json_t *when = json_object_get(job, "when");
    if (when != NULL && !json_is_object(when)) {
        cpush_key(c, "when");
        cfail(c, false, "\"when\" must be an object");
        cpop(c);
        return -1;
    }
    if (when != NULL) {
        cpush_key(c, "when");
        int rc = cfg_check_keys(c, when, cfg_when_keys, "\"when\"");
        cpop(c);
        if (rc != 0)
            return -1;
    }
    if (json_object_get(job, "health") != NULL)
        cfg_note_ignored(health, name);
    if (when == NULL || json_object_get(when, "interval") == NULL) {
        cfg_note_ignored(services, name);
        return 0;
    }
    struct cfg_job j = {0};
    if (cfg_job_unique(c, cfg, name) != 0 || cfg_job_periodic(c, job, when, name, &j) != 0) {
        cfg_job_free(&j);
        return -1;
    }
    cfg->cf_jobs = realloc(cfg->cf_jobs, (cfg->cf_njobs + 1) * sizeof *cfg->cf_jobs);
    if (cfg->cf_jobs == NULL)
        abort();
    cfg->cf_jobs[cfg->cf_njobs++] = j;
    return 0;
}

/* Joins the non-empty lists into "service jobs: a, b; health checks: a". */
static void
cfg_ignored_add(sbuf_t *out, const char *what, const sbuf_t *names)
{
    if (names->sb_len == 0)
        return;
    sbuf_addf(out, "%s%s: %s", out->sb_len ? "; " : "", what, names->sb_buf);
}

static int
cfg_jobs(struct cctx *c, json_t *root, struct cfg *cfg, sbuf_t *ignored)
{
    json_t *jobs = json_object_get(root, "jobs");
    if (jobs == NULL)
        return 0;
    cpush_key(c, "jobs");
    if (!json_is_array(jobs)) {
        cfail(c, false, "\"jobs\" must be an array");
        cpop(c);
        return -1;
    }
    sbuf_t services, health;
    sbuf_init(&services, 64);
    sbuf_init(&health, 64);
    int rc = 0;
    for (size_t k = 0; k < json_array_size(jobs) && rc == 0; k++) {
        cpush_index(c, k);
        rc = cfg_job(c, json_array_get(jobs, k), cfg, &services, &health);
        cpop(c);
    }
    cfg_ignored_add(ignored, "service jobs", &services);
    cfg_ignored_add(ignored, "health checks", &health);
    sbuf_release(&services);
    sbuf_release(&health);
    cpop(c);
    return rc;
}

/* Watch names (for /status; watches need Consul and are not run). */
static void
cfg_watches(json_t *root, struct cfg *cfg, sbuf_t *ignored)
{
    json_t *w = json_object_get(root, "watches");
    size_t n = json_array_size(w), k = 0;
    sbuf_t names;
    sbuf_init(&names, 64);
    cfg->cf_watches = calloc(n + 1, sizeof(char *));
    if (cfg->cf_watches == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        const char *name = json_string_value(json_object_get(json_array_get(w, i), "name"));
        if (name == NULL)
            continue;
        cfg->cf_watches[k++] = cfg_strdup(name);
        cfg_note_ignored(&names, name);
    }
    cfg_ignored_add(ignored, "watches", &names);
    sbuf_release(&names);
    if (json_object_get(root, "consul") != NULL)
        sbuf_addf(ignored, "%sconsul", ignored->sb_len ? "; " : "");
}

/* Everything outside `telemetry` and `control` that is read: jobs to run,
 * and the names of what is not run (cf_ignored). */
static int
cfg_outside(struct cctx *c, json_t *root, struct cfg *cfg)
{
    sbuf_t ignored;
    sbuf_init(&ignored, 128);
    int rc = cfg_jobs(c, root, cfg, &ignored);
    if (rc == 0)
        cfg_watches(root, cfg, &ignored);
    if (rc == 0 && ignored.sb_len > 0)
        cfg->cf_ignored = sbuf_detach(&ignored, NULL);
    sbuf_release(&ignored);
    return rc;
}

static int
cfg_control(struct cctx *c, json_t *root, struct cfg *cfg)
{
    json_t *ctl = json_object_get(root, "control");
    if (ctl == NULL)
        return 0;
    cpush_key(c, "control");
    const char *sock = NULL;
    int rc = -1;
    if (!json_is_object(ctl))
        cfail(c, false, "\"control\" must be an object");
    else if (cfg_get_string(c, ctl, "socket", false, &sock) == 0)
        rc = 0;
    if (rc == 0 && sock != NULL)
        cfg->cf_socket = cfg_strdup(sock);
    cpop(c);
    return rc;
}

static int
cfg_root(struct cctx *c, json_t *root, struct cfg *cfg)
{
    if (!json_is_object(root))
        return cfail(c, false, "the configuration must be a JSON object");
    json_t *tel = json_object_get(root, "telemetry");
    if (tel == NULL)
        return cfail(c, false, "no \"telemetry\" section");
    if (cfg_control(c, root, cfg) != 0 || cfg_outside(c, root, cfg) != 0)
        return -1;
    return cfg_telemetry(c, tel, cfg);
}

static void
cfg_defaults(struct cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->cf_port = 9090;
    cfg->cf_interfaces = calloc(3, sizeof(char *));
    cfg->cf_interfaces[0] = cfg_strdup("eth0:inet");
    cfg->cf_interfaces[1] = cfg_strdup("inet");
    cfg->cf_tags = calloc(1, sizeof(char *));
}

int
cfg_load_text(const char *name, const char *text, size_t len, struct cfg *cfg, char *err,
              size_t errlen)
{
    struct json5_doc doc;
    size_t off;
    const char *msg;
    char jmsg[256];
    cfg_defaults(cfg);
    if (json5_doc_convert(text, len, &doc, &off, &msg) != 0) {
        cfg_report(name, text, len, off, msg, err, errlen);
        cfg_free(cfg);
        return -1;
    }
    json_t *root = json5_doc_parse(&doc, &off, jmsg, sizeof jmsg);
    int rc = -1;
    if (root == NULL) {
        cfg_report(name, text, len, off, jmsg, err, errlen);
    } else {
        struct cctx c = {.cc_name = name, .cc_doc = &doc, .cc_err = err, .cc_errlen = errlen};
        rc = cfg_root(&c, root, cfg);
        json_decref(root);
    }
    json5_doc_free(&doc);
    if (rc != 0)
        cfg_free(cfg);
    return rc;
}

int
cfg_load_file(const char *path, struct cfg *cfg, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    sbuf_t b;
    sbuf_init(&b, 4096);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.sb_len <= CFG_MAX_FILE)
        sbuf_add(&b, chunk, n);
    int bad = ferror(f), big = b.sb_len > CFG_MAX_FILE, oom = sbuf_failed(&b);
    fclose(f);
    int rc = -1;
    if (bad || big || oom)
        snprintf(err, errlen, "cannot read %s: %s", path,
                 oom   ? "out of memory"
                 : big ? "file too large"
                       : "read error");
    else
        rc = cfg_load_text(path, b.sb_buf, b.sb_len, cfg, err, errlen);
    sbuf_release(&b);
    return rc;
}

void
cfg_free(struct cfg *cfg)
{
    for (size_t k = 0; k < cfg->cf_nmetrics; k++)
        cfg_metric_free(&cfg->cf_metrics[k]);
    free(cfg->cf_metrics);
    for (size_t k = 0; k < cfg->cf_njobs; k++)
        cfg_job_free(&cfg->cf_jobs[k]);
    free(cfg->cf_jobs);
    cfg_free_strings(cfg->cf_watches);
    free(cfg->cf_ignored);
    cfg_free_strings(cfg->cf_interfaces);
    cfg_free_strings(cfg->cf_tags);
    free(cfg->cf_socket);
    memset(cfg, 0, sizeof *cfg);
}
