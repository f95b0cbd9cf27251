/* expo: text 0.0.4 and OpenMetrics exposition writer. */
#include "expo.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
expo_init(struct expo *e, struct buf *b, enum expo_format f)
{
    e->ex_buf = b;
    e->ex_fmt = f;
    e->ex_type = CFG_GAUGE;
    e->ex_name[0] = 0;
}

/* ---- numbers ------------------------------------------------------------ */

static size_t
expo_special(double v, char *out, size_t outlen)
{
    if (isnan(v))
        return (size_t)snprintf(out, outlen, "NaN");
    return (size_t)snprintf(out, outlen, v > 0 ? "+Inf" : "-Inf");
}

size_t
expo_number(double v, char *out, size_t outlen)
{
    if (!isfinite(v))
        return expo_special(v, out, outlen);
    if (v == (double)(int64_t)v && fabs(v) < 1e15)
        return (size_t)snprintf(out, outlen, "%" PRId64, (int64_t)v);
    int n = snprintf(out, outlen, "%.15g", v);
    if (strtod(out, NULL) != v)
        n = snprintf(out, outlen, "%.17g", v);
    return (size_t)n;
}

/* Go's strconv.FormatFloat(v, 'g', -1, 64), as client_golang renders le and
 * quantile: the shortest digits that read back as v, exponent form when the
 * exponent is < -4 or >= 6 (so 100000 but 1e+06, as the OpenMetrics examples). */
char *
expo_canonical(double v, enum expo_format f, char *out, size_t outlen)
{
    if (!isfinite(v)) {
        expo_special(v, out, outlen);
        return out;
    }
    int p = 1;
    for (; p < 17; p++) {
        snprintf(out, outlen, "%.*e", p - 1, v);
        if (strtod(out, NULL) == v)
            break;
    }
    snprintf(out, outlen, "%.*e", p - 1, v);
    int exp = atoi(strchr(out, 'e') + 1);
    if (exp >= -4 && exp < 6) {
        int decimals = p - 1 - exp;
        snprintf(out, outlen, "%.*f", decimals > 0 ? decimals : 0, v);
    }
    if (f == EXPO_OPENMETRICS && strpbrk(out, ".e") == NULL)
        strncat(out, ".0", outlen - strlen(out) - 1);
    return out;
}

/* ---- escaping ----------------------------------------------------------- */

/* Label values: backslash, double quote, line feed. HELP: backslash and line
 * feed (text 0.0.4) and also double quote (OpenMetrics escaped-string). */
static void
expo_escaped(struct buf *b, const char *s, bool quote)
{
    const char *run = s;
    for (; *s; s++) {
        const char *rep = NULL;
        if (*s == '\\')
            rep = "\\\\";
        else if (*s == '\n')
            rep = "\\n";
        else if (*s == '"' && quote)
            rep = "\\\"";
        if (rep != NULL) {
            buf_add(b, run, (size_t)(s - run));
            buf_adds(b, rep);
            run = s + 1;
        }
    }
    buf_add(b, run, (size_t)(s - run));
}

/* ---- lines -------------------------------------------------------------- */

void
expo_family(struct expo *e, const char *name, const char *help, enum cfg_type t)
{
    static const char *const types[] = {"counter", "gauge", "histogram", "summary"};
    size_t len = strlen(name);
    if (len >= sizeof e->ex_name)
        len = sizeof e->ex_name - 1;
    memcpy(e->ex_name, name, len);
    e->ex_name[len] = 0;
    e->ex_type = t;
    bool om = e->ex_fmt == EXPO_OPENMETRICS;
    if (om && t == CFG_COUNTER && len > 6 && strcmp(e->ex_name + len - 6, "_total") == 0)
        e->ex_name[len - 6] = 0;
    struct buf *b = e->ex_buf;
    if (om)
        buf_addf(b, "# TYPE %s %s\n", e->ex_name, types[t]);
    buf_addf(b, "# HELP %s ", e->ex_name);
    expo_escaped(b, help, om);
    buf_addc(b, '\n');
    if (!om)
        buf_addf(b, "# TYPE %s %s\n", e->ex_name, types[t]);
}

/* name+suffix{labels,extra="value"} */
static void
expo_series(struct expo *e, const char *suffix, const struct expo_label *l, size_t nl,
            const char *extra, const char *extra_value)
{
    struct buf *b = e->ex_buf;
    buf_adds(b, e->ex_name);
    buf_adds(b, suffix);
    if (nl == 0 && extra == NULL)
        return;
    buf_addc(b, '{');
    for (size_t k = 0; k < nl; k++) {
        buf_addf(b, "%s%s=\"", k ? "," : "", l[k].el_name);
        expo_escaped(b, l[k].el_value, true);
        buf_addc(b, '"');
    }
    if (extra != NULL)
        buf_addf(b, "%s%s=\"%s\"", nl ? "," : "", extra, extra_value);
    buf_addc(b, '}');
}

static void
expo_end_double(struct expo *e, double v)
{
    char num[40];
    buf_reserve(e->ex_buf, 48);
    num[0] = ' ';
    size_t n = expo_number(v, num + 1, sizeof num - 2);
    num[n + 1] = '\n';
    buf_add(e->ex_buf, num, n + 2);
}

static void
expo_end_u64(struct expo *e, uint64_t v)
{
    buf_addf(e->ex_buf, " %" PRIu64 "\n", v);
}

void
expo_value(struct expo *e, const struct expo_label *l, size_t nl, double v)
{
    bool total = e->ex_fmt == EXPO_OPENMETRICS && e->ex_type == CFG_COUNTER;
    expo_series(e, total ? "_total" : "", l, nl, NULL, NULL);
    expo_end_double(e, v);
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
    expo_series(e, "_sum", l, nl, NULL, NULL);
    expo_end_double(e, sum);
    expo_series(e, "_count", l, nl, NULL, NULL);
    expo_end_u64(e, count);
}

void
expo_summary(struct expo *e, const struct expo_label *l, size_t nl, const char *const *q,
             const double *qv, size_t nq, double sum, uint64_t count)
{
    for (size_t k = 0; k < nq; k++) {
        expo_series(e, "", l, nl, "quantile", q[k]);
        expo_end_double(e, qv[k]);
    }
    expo_series(e, "_sum", l, nl, NULL, NULL);
    expo_end_double(e, sum);
    expo_series(e, "_count", l, nl, NULL, NULL);
    expo_end_u64(e, count);
}

void
expo_finish(struct expo *e)
{
    if (e->ex_fmt == EXPO_OPENMETRICS)
        buf_adds(e->ex_buf, "# EOF\n");
}
