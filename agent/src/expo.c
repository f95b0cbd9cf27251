/* expo - the text 0.0.4 and OpenMetrics 1.0 writers. */
#include "expo.h"

#include <errno.h>
#include <string.h>

const char *
expo_content_type(expo_format_t fmt)
{
    if (fmt == EXPO_OPENMETRICS)
        return "application/openmetrics-text; version=1.0.0; charset=utf-8";
    return "text/plain; version=0.0.4; charset=utf-8";
}

/* Appends s escaping backslash, newline and (when quote) the double quote. */
static void
expo_escape(sbuf_t *out, const char *s, int quote)
{
    const char *run = s;
    for (; *s != '\0'; s++) {
        const char *rep = NULL;
        if (*s == '\\')
            rep = "\\\\";
        else if (*s == '\n')
            rep = "\\n";
        else if (*s == '"' && quote)
            rep = "\\\"";
        if (rep == NULL)
            continue;
        sbuf_add(out, run, (size_t)(s - run));
        sbuf_add(out, rep, 2);
        run = s + 1;
    }
    sbuf_add(out, run, (size_t)(s - run));
}

static int
expo_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && memcmp(s + n - m, suffix, m) == 0;
}

static const char *
expo_type_name(metric_type_t t)
{
    switch (t) {
    case METRIC_COUNTER:
        return "counter";
    case METRIC_HISTOGRAM:
        return "histogram";
    default:
        return "gauge";
    }
}

/*
 * The family name as declared: OpenMetrics declares a counter without its
 * _total suffix. Writes it to out and returns its length.
 */
static size_t
expo_family_name(sbuf_t *out, const char *name, metric_type_t t, expo_format_t fmt)
{
    size_t n = strlen(name);
    if (fmt == EXPO_OPENMETRICS && t == METRIC_COUNTER && expo_ends_with(name, "_total"))
        n -= strlen("_total");
    sbuf_add(out, name, n);
    return n;
}

static void
expo_unit(sbuf_t *out, const char *fam, size_t len)
{
    static const char *const units[] = {"seconds", "bytes", "ratio"};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t m = strlen(units[i]);
        if (len > m + 1 && fam[len - m - 1] == '_' && memcmp(fam + len - m, units[i], m) == 0) {
            sbuf_adds(out, "# UNIT ");
            sbuf_add(out, fam, len);
            sbuf_addc(out, ' ');
            sbuf_adds(out, units[i]);
            sbuf_addc(out, '\n');
            return;
        }
    }
}

/* Writes the metadata lines; the declared name is left in decl. */
static void
expo_meta(sbuf_t *out, const famset_t *fs, const family_t *f, expo_format_t fmt, sbuf_t *decl)
{
    const char *name = famset_str(fs, f->fa_name);
    const char *help = famset_str(fs, f->fa_help);
    sbuf_reset(decl);
    size_t len = expo_family_name(decl, name, f->fa_type, fmt);
    if (fmt == EXPO_TEXT) {
        if (*help != '\0') {
            sbuf_adds(out, "# HELP ");
            sbuf_add(out, decl->sb_buf, len);
            sbuf_addc(out, ' ');
            expo_escape(out, help, 0);
            sbuf_addc(out, '\n');
        }
    }
    sbuf_adds(out, "# TYPE ");
    sbuf_add(out, decl->sb_buf, len);
    sbuf_addc(out, ' ');
    sbuf_adds(out, expo_type_name(f->fa_type));
    sbuf_addc(out, '\n');
    if (fmt == EXPO_OPENMETRICS) {
        expo_unit(out, decl->sb_buf, len);
        if (*help != '\0') {
            sbuf_adds(out, "# HELP ");
            sbuf_add(out, decl->sb_buf, len);
            sbuf_addc(out, ' ');
            expo_escape(out, help, 1);
            sbuf_addc(out, '\n');
        }
    }
}

static void
expo_value(sbuf_t *out, mval_t v)
{
    switch (v.mv_kind) {
    case MVAL_U64:
        sbuf_addu64(out, v.mv.u);
        break;
    case MVAL_I64:
        sbuf_addi64(out, v.mv.i);
        break;
    default:
        sbuf_adddbl(out, v.mv.d);
        break;
    }
}

static void
expo_labels(sbuf_t *out, const famset_t *fs, const fsample_t *sa)
{
    if (sa->sa_nlabels == 0)
        return;
    sbuf_addc(out, '{');
    for (size_t i = 0; i < sa->sa_nlabels; i++) {
        if (i > 0)
            sbuf_addc(out, ',');
        sbuf_adds(out, famset_str(fs, sa->sa_lname[i]));
        sbuf_adds(out, "=\"");
        expo_escape(out, famset_str(fs, sa->sa_lvalue[i]), 1);
        sbuf_addc(out, '"');
    }
    sbuf_addc(out, '}');
}

static void
expo_sample(sbuf_t *out, const famset_t *fs, const fsample_t *sa, const family_t *f,
            const sbuf_t *decl, expo_format_t fmt)
{
    static const char *const parts[] = {"", "_bucket", "_sum", "_count"};
    sbuf_add(out, decl->sb_buf, decl->sb_len);
    if (f->fa_type == METRIC_COUNTER && fmt == EXPO_OPENMETRICS)
        sbuf_adds(out, "_total");
    else
        sbuf_adds(out, parts[sa->sa_part <= SAMPLE_COUNT ? sa->sa_part : 0]);
    expo_labels(out, fs, sa);
    sbuf_addc(out, ' ');
    expo_value(out, sa->sa_value);
    sbuf_addc(out, '\n');
}

int
expo_write(const famset_t *fs, expo_format_t fmt, sbuf_t *out)
{
    sbuf_t decl = SBUF_INIT;
    for (size_t fi = 0; fi < fs->fs_nfams; fi++) {
        const family_t *f = &fs->fs_fams[fi];
        int started = 0;
        for (size_t si = 0; si < fs->fs_nsamples; si++) {
            const fsample_t *sa = &fs->fs_samples[si];
            if (sa->sa_family != fi)
                continue;
            if (!started)
                expo_meta(out, fs, f, fmt, &decl);
            started = 1;
            expo_sample(out, fs, sa, f, &decl, fmt);
        }
    }
    if (fmt == EXPO_OPENMETRICS)
        sbuf_adds(out, "# EOF\n");
    int failed = sbuf_failed(&decl) || sbuf_failed(out);
    sbuf_release(&decl);
    if (failed) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}
