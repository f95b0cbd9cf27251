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

static char *expo_u64(uint64_t v, char *end);

/* ---- numbers ------------------------------------------------------------ */

static size_t
expo_special(double v, char *out, size_t outlen)
{
    if (isnan(v))
        return (size_t)snprintf(out, outlen, "NaN");
    return (size_t)snprintf(out, outlen, v > 0 ? "+Inf" : "-Inf");
}

/* v as an integer r scaled by 10^-d for the fewest decimals d <= 9 that
 * give back exactly v (r / 10^d is correctly rounded, like strtod of the
 * same decimal, so the text reads back as v). Returns the length, or 0 when
 * v needs more digits than that. */
static size_t
expo_decimal(double v, char *out, size_t outlen)
{
    static const double p10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    for (int d = 1; d <= 9 && outlen >= 32; d++) {
        double r = nearbyint(v * p10[d]);
        if (fabs(r) >= 9e15)
            return 0;
        if (r / p10[d] != v)
            continue;
        char digits[24], *end = digits + sizeof digits;
        char *start = expo_u64((uint64_t)fabs(r), end);
        size_t n = (size_t)(end - start), k = 0;
        if (v < 0)
            out[k++] = '-';
        if (n <= (size_t)d) {
            out[k++] = '0';
            out[k++] = '.';
            for (size_t z = n; z < (size_t)d; z++)
                out[k++] = '0';
            memcpy(out + k, start, n);
            k += n;
        } else {
            memcpy(out + k, start, n - (size_t)d);
            k += n - (size_t)d;
            out[k++] = '.';
            memcpy(out + k, end - d, (size_t)d);
            k += (size_t)d;
        }
        out[k] = 0;
        return k;
    }
    return 0;
}

size_t
expo_number(double v, char *out, size_t outlen)
{
    if (!isfinite(v))
        return expo_special(v, out, outlen);
    if (fabs(v) < 1e15 && v == (double)(int64_t)v && outlen >= 24) {
        char num[24], *end = num + sizeof num;
        char *start = expo_u64((uint64_t)fabs(v), end);
        if (v < 0)
            *--start = '-';
        size_t n = (size_t)(end - start);
        memcpy(out, start, n);
        out[n] = 0;
        return n;
    }
    size_t n = fabs(v) >= 1e-5 ? expo_decimal(v, out, outlen) : 0;
    if (n > 0)
        return n;
    n = (size_t)snprintf(out, outlen, "%.15g", v);
    if (strtod(out, NULL) != v)
        n = (size_t)snprintf(out, outlen, "%.17g", v);
    return n;
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

/* Sets the writer's current family (sample base name and type). */
static void
expo_begin(struct expo *e, const char *name, enum cfg_type t)
{
    size_t len = strlen(name);
    if (len >= sizeof e->ex_name)
        len = sizeof e->ex_name - 1;
    memcpy(e->ex_name, name, len);
    e->ex_name[len] = 0;
    e->ex_type = t;
    if (e->ex_fmt == EXPO_OPENMETRICS && t == CFG_COUNTER && len > 6 &&
        strcmp(e->ex_name + len - 6, "_total") == 0)
        e->ex_name[len - 6] = 0;
}

static void
expo_type_line(struct expo *e)
{
    static const char *const types[] = {"counter", "gauge", "histogram", "summary"};
    buf_adds(e->ex_buf, "# TYPE ");
    buf_adds(e->ex_buf, e->ex_name);
    buf_addc(e->ex_buf, ' ');
    buf_adds(e->ex_buf, types[e->ex_type]);
    buf_addc(e->ex_buf, '\n');
}

void
expo_family(struct expo *e, const char *name, const char *help, enum cfg_type t)
{
    expo_begin(e, name, t);
    bool om = e->ex_fmt == EXPO_OPENMETRICS;
    if (om)
        expo_type_line(e);
    buf_adds(e->ex_buf, "# HELP ");
    buf_adds(e->ex_buf, e->ex_name);
    buf_addc(e->ex_buf, ' ');
    expo_escaped(e->ex_buf, help, om);
    buf_addc(e->ex_buf, '\n');
    if (!om)
        expo_type_line(e);
}

void
expo_family_cached(struct expo *e, const char *name, enum cfg_type t, const char *head)
{
    expo_begin(e, name, t);
    buf_adds(e->ex_buf, head);
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
        if (k > 0)
            buf_addc(b, ',');
        buf_adds(b, l[k].el_name);
        buf_add(b, "=\"", 2);
        expo_escaped(b, l[k].el_value, true);
        buf_addc(b, '"');
    }
    if (extra != NULL) {
        if (nl > 0)
            buf_addc(b, ',');
        buf_adds(b, extra);
        buf_add(b, "=\"", 2);
        buf_adds(b, extra_value);
        buf_addc(b, '"');
    }
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

/* Decimal digits of v at the end of out[0..32); returns where they start. */
static char *
expo_u64(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

static void
expo_end_u64(struct expo *e, uint64_t v)
{
    char num[32];
    char *end = num + sizeof num;
    *--end = '\n';
    char *start = expo_u64(v, end);
    *--start = ' ';
    buf_add(e->ex_buf, start, (size_t)(num + sizeof num - start));
}

void
expo_value(struct expo *e, const struct expo_label *l, size_t nl, double v)
{
    bool total = e->ex_fmt == EXPO_OPENMETRICS && e->ex_type == CFG_COUNTER;
    expo_series(e, total ? "_total" : "", l, nl, NULL, NULL);
    expo_end_double(e, v);
}

void
expo_value_text(struct expo *e, const char *text)
{
    bool total = e->ex_fmt == EXPO_OPENMETRICS && e->ex_type == CFG_COUNTER;
    expo_series(e, total ? "_total" : "", NULL, 0, NULL, NULL);
    buf_addc(e->ex_buf, ' ');
    buf_adds(e->ex_buf, text);
    buf_addc(e->ex_buf, '\n');
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
    if (e->ex_fmt != EXPO_OPENMETRICS || sum >= 0) { /* OpenMetrics: a sum is a counter */
        expo_series(e, "_sum", l, nl, NULL, NULL);
        expo_end_double(e, sum);
    }
    expo_series(e, "_count", l, nl, NULL, NULL);
    expo_end_u64(e, count);
}

void
expo_finish(struct expo *e)
{
    if (e->ex_fmt == EXPO_OPENMETRICS)
        buf_adds(e->ex_buf, "# EOF\n");
}
