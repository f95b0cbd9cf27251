/* baseline.c - regression check against a stored run (see baseline.h). */
#include "baseline.h"

#include <math.h>
#include <string.h>

/* A compared figure: JSON path inside a run, whether larger is better, whether a tail figure. */
struct baseline_figure {
    const char *bf_obj; /* sub-object, or NULL for the run itself */
    const char *bf_key;
    int bf_higher_better;
    int bf_tail; /* compared only with --compare-tail: moves with scheduler stalls */
};

#define BASELINE_NFIG 5
static const struct baseline_figure baseline_ratio_figures[BASELINE_NFIG] = {
    {"ratio", "scrapes_per_s", 1, 0},
    {"ratio", "p50", 0, 0},
    {"ratio", "p99", 0, 1},
    {"ratio", "cpu_s_per_1000", 0, 0},
    {NULL, "agent_peak_rss_kb", 0, 0},
};

static const struct baseline_figure baseline_abs_figures[BASELINE_NFIG] = {
    {NULL, "scrapes_per_s", 1, 0},     {"latency_ms", "p50", 0, 0},
    {"latency_ms", "p99", 0, 1},       {NULL, "agent_cpu_s_per_1000", 0, 0},
    {NULL, "agent_peak_rss_kb", 0, 0},
};

json_t *
baseline_load(const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);

    if (doc == NULL) {
        snprintf(err, errlen, "cannot read baseline %s: %s (line %d)", path, je.text, je.line);
        return NULL;
    }
    const char *schema = json_string_value(json_object_get(doc, "schema"));
    if (schema == NULL || strcmp(schema, "cmon-bench/1") != 0 ||
        !json_is_array(json_object_get(doc, "runs")) ||
        json_array_size(json_object_get(doc, "runs")) == 0) {
        snprintf(err, errlen, "baseline %s: not a cmon-bench/1 document with runs", path);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* A numeric field; NAN when absent or null. */
static double
baseline_num(json_t *run, const char *obj, const char *key)
{
    json_t *o = obj ? json_object_get(run, obj) : run;
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int
baseline_same(json_t *a, json_t *b)
{
    static const char *keys[] = {"zones", "concurrency", "rate", "target", "format", "gzip"};

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!json_equal(json_object_get(a, keys[i]), json_object_get(b, keys[i])))
            return 0;
    return 1;
}

static json_t *
baseline_match(json_t *runs, json_t *run)
{
    for (size_t i = 0; i < json_array_size(runs); i++)
        if (baseline_same(json_array_get(runs, i), run))
            return json_array_get(runs, i);
    return NULL;
}

/* One figure. Returns 1 on a regression, 0 otherwise (also when not comparable). */
static int
baseline_figure(json_t *cur, json_t *base, const struct baseline_figure *fg, double tol, int tail,
                FILE *out)
{
    double c = baseline_num(cur, fg->bf_obj, fg->bf_key);
    double b = baseline_num(base, fg->bf_obj, fg->bf_key);
    char name[64];

    snprintf(name, sizeof(name), "%s%s%s", fg->bf_obj ? fg->bf_obj : "", fg->bf_obj ? "." : "",
             fg->bf_key);
    if (isnan(c) || isnan(b) || b <= 0) {
        fprintf(out, "  %-28s not compared (missing)\n", name);
        return 0;
    }
    double change = (c - b) / b;
    int bad = fg->bf_higher_better ? change < -tol : change > tol;
    int counted = tail || !fg->bf_tail;
    fprintf(out, "  %-28s %12.4g -> %-12.4g %+7.1f%%%s\n", name, b, c, change * 100,
            !counted ? "  (tail: not compared)"
            : bad    ? "  REGRESSION"
                     : "");
    return counted && bad;
}

static double
baseline_error_fraction(json_t *run)
{
    double req = baseline_num(run, NULL, "requests");
    double err = baseline_num(run, "errors", "total");
    return isnan(req) || isnan(err) || req <= 0 ? 0 : err / req;
}

static int
baseline_run(json_t *cur, json_t *base, double tol, int tail, FILE *out)
{
    int use_ratio = json_is_object(json_object_get(cur, "ratio")) &&
                    json_is_object(json_object_get(base, "ratio"));
    const struct baseline_figure *figs = use_ratio ? baseline_ratio_figures : baseline_abs_figures;
    int bad = 0;
    char zones[32] = "unknown";
    json_t *z = json_object_get(cur, "zones");

    if (json_is_integer(z))
        snprintf(zones, sizeof(zones), "%lld", (long long)json_integer_value(z));
    fprintf(out, "baseline: zones %s, concurrency %lld, %s figures\n", zones,
            (long long)json_integer_value(json_object_get(cur, "concurrency")),
            use_ratio ? "agent/nginx ratio" : "absolute");
    for (size_t i = 0; i < BASELINE_NFIG; i++)
        bad += baseline_figure(cur, base, &figs[i], tol, tail, out);
    double fc = baseline_error_fraction(cur), fb = baseline_error_fraction(base);
    int ebad = fc > fb * (1 + tol) + 0.001;
    fprintf(out, "  %-28s %12.4g -> %-12.4g%s\n", "error fraction", fb, fc,
            ebad ? "  REGRESSION" : "");
    return bad + ebad;
}

int
baseline_compare(json_t *doc, json_t *base, double tolerance, int tail, FILE *out, char *err,
                 size_t errlen)
{
    json_t *runs = json_object_get(doc, "runs"), *bruns = json_object_get(base, "runs");
    int bad = 0;

    for (size_t i = 0; i < json_array_size(runs); i++) {
        json_t *cur = json_array_get(runs, i);
        json_t *b = baseline_match(bruns, cur);
        if (b == NULL) {
            snprintf(err, errlen,
                     "baseline has no run with zones %lld, concurrency %lld, this rate and target",
                     (long long)json_integer_value(json_object_get(cur, "zones")),
                     (long long)json_integer_value(json_object_get(cur, "concurrency")));
            return -1;
        }
        bad += baseline_run(cur, b, tolerance, tail, out);
    }
    return bad;
}
