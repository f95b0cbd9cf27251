/* expo: cmon-telemetry's exposition writer, on common/expofmt. */
#include "expo.h"

#include <stdbool.h>
#include <string.h>

void
expo_init(struct expo *e, sbuf_t *b, expo_format_t f)
{
    e->ex_buf = b;
    e->ex_fmt = f;
    e->ex_type = CFG_GAUGE;
    e->ex_name[0] = 0;
}

/* ---- families ----------------------------------------------------------- */

/* Sets the writer's current family (sample base name and type). */
static void
expo_begin(struct expo *e, const char *name, enum cfg_type t)
{
    size_t len = strlen(name);
    if (len >= sizeof e->ex_name)
        len = sizeof e->ex_name - 1;
    len = expofmt_family_len(name, len, t == CFG_COUNTER, e->ex_fmt);
    memcpy(e->ex_name, name, len);
    e->ex_name[len] = 0;
    e->ex_type = t;
}

void
expo_family(struct expo *e, const char *name, const char *help, enum cfg_type t)
{
    static const char *const types[] = {"counter", "gauge", "histogram", "summary"};
    expo_begin(e, name, t);
    expofmt_add_meta(e->ex_buf, e->ex_fmt, e->ex_name, strlen(e->ex_name), types[t], NULL, help);
}

void
expo_family_legacy_counter(struct expo *e, const char *name, const char *help)
{
    bool om = e->ex_fmt == EXPO_OPENMETRICS;
    expo_begin(e, name, om ? CFG_GAUGE : CFG_COUNTER); /* OM: a plain sample, no suffix */
    expofmt_add_meta(e->ex_buf, e->ex_fmt, e->ex_name, strlen(e->ex_name),
                     om ? "unknown" : "counter", NULL, help);
}

void
expo_family_cached(struct expo *e, const char *name, enum cfg_type t, const char *head)
{
    expo_begin(e, name, t);
    sbuf_adds(e->ex_buf, head);
}

/* ---- samples ------------------------------------------------------------ */

/* name+suffix{labels,extra="value"} */
static void
expo_series(struct expo *e, const char *suffix, const struct expo_label *l, size_t nl,
            const char *extra, const char *extra_value)
{
    sbuf_t *b = e->ex_buf;
    sbuf_adds(b, e->ex_name);
    sbuf_adds(b, suffix);
    if (nl == 0 && extra == NULL)
        return;
    sbuf_addc(b, '{');
    for (size_t k = 0; k < nl; k++)
        expofmt_add_label(b, k == 0, l[k].el_name, l[k].el_value);
    if (extra != NULL)
        expofmt_add_label(b, nl == 0, extra, extra_value);
    sbuf_addc(b, '}');
}

static void
expo_end_double(struct expo *e, double v)
{
    sbuf_addc(e->ex_buf, ' ');
    expofmt_add_double(e->ex_buf, v);
    sbuf_addc(e->ex_buf, '\n');
}

static void
expo_end_u64(struct expo *e, uint64_t v)
{
    sbuf_addc(e->ex_buf, ' ');
    expofmt_add_u64(e->ex_buf, v);
    sbuf_addc(e->ex_buf, '\n');
}

/* The suffix of a plain sample: "_total" for an OpenMetrics counter. */
static const char *
expo_plain_suffix(const struct expo *e)
{
    return expofmt_sample_suffix(e->ex_type == CFG_COUNTER, e->ex_fmt);
}

void
expo_value(struct expo *e, const struct expo_label *l, size_t nl, double v)
{
    expo_series(e, expo_plain_suffix(e), l, nl, NULL, NULL);
    expo_end_double(e, v);
}

void
expo_value_text(struct expo *e, const char *text)
{
    expo_series(e, expo_plain_suffix(e), NULL, 0, NULL, NULL);
    sbuf_addc(e->ex_buf, ' ');
    sbuf_adds(e->ex_buf, text);
    sbuf_addc(e->ex_buf, '\n');
}

/* The _sum (when with_sum) and _count samples of a histogram or summary. */
static void
expo_sum_count(struct expo *e, const struct expo_label *l, size_t nl, bool with_sum, double sum,
               uint64_t count)
{
    if (with_sum) {
        expo_series(e, "_sum", l, nl, NULL, NULL);
        expo_end_double(e, sum);
    }
    expo_series(e, "_count", l, nl, NULL, NULL);
    expo_end_u64(e, count);
}

void
expo_histogram(struct expo *e, const struct expo_label *l, size_t nl, const char *const *le,
               const uint64_t *cumulative, size_t nb, double sum, uint64_t count)
{
    for (size_t k = 0; k < nb; k++) {
        expo_series(e, "_bucket", l, nl, "le", le[k]);
        expo_end_u64(e, cumulative[k]);
    }
    expo_series(e, "_bucket", l, nl, "le", "+Inf");
    expo_end_u64(e, count);
    /* OpenMetrics: a sum is a counter, so no _sum (and then no _count) when
     * it is negative or negative bucket bounds allow it to be */
    if (e->ex_fmt == EXPO_OPENMETRICS && (sum < 0 || (nb > 0 && le[0][0] == '-')))
        return;
    expo_sum_count(e, l, nl, true, sum, count);
}

void
expo_summary(struct expo *e, const struct expo_label *l, size_t nl, const char *const *q,
             const double *qv, size_t nq, double sum, uint64_t count)
{
    for (size_t k = 0; k < nq; k++) {
        expo_series(e, "", l, nl, "quantile", q[k]);
        expo_end_double(e, qv[k]);
    }
    /* OpenMetrics: a sum is a counter, so no negative _sum */
    expo_sum_count(e, l, nl, e->ex_fmt != EXPO_OPENMETRICS || sum >= 0, sum, count);
}

void
expo_finish(struct expo *e)
{
    expofmt_add_eof(e->ex_buf, e->ex_fmt);
}
