/* expo - the text 0.0.4 and OpenMetrics 1.0 writers. */
#include "expo.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
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
    const char *special = quote ? "\\\n\"" : "\\\n";
    for (;;) {
        size_t run = strcspn(s, special);
        sbuf_add(out, s, run);
        s += run;
        if (*s == '\0')
            return;
        sbuf_addc(out, '\\');
        sbuf_addc(out, *s == '\n' ? 'n' : *s);
        s++;
    }
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
    const char *name = famset_fam_name(fs, f);
    const char *help = famset_fam_help(fs, f);
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
    case MVAL_DEC:
        sbuf_adddec(out, v.mv.u, v.mv_exp);
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

/*
 * Fills first[0..nf] (start of each family's samples in order, first[nf] =
 * ns) and order[] (sample indexes grouped by family, in insertion order).
 */
static void
expo_order(const famset_t *fs, uint32_t *first, uint32_t *order)
{
    size_t nf = fs->fs_nfams, ns = fs->fs_nsamples;
    memset(first, 0, (nf + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < ns; i++)
        first[fs->fs_samples[i].sa_family + 1]++;
    for (size_t f = 0; f < nf; f++)
        first[f + 1] += first[f];
    for (size_t i = 0; i < ns; i++)
        order[first[fs->fs_samples[i].sa_family]++] = (uint32_t)i;
    for (size_t f = nf; f > 0; f--) /* undo the increments: shift back */
        first[f] = first[f - 1];
    first[0] = 0;
}

int
expo_write(const famset_t *fs, expo_format_t fmt, sbuf_t *out)
{
    /* Order the samples by family (stable: a counting sort), so that each
     * family is written as one group in one pass. */
    size_t nf = fs->fs_nfams, ns = fs->fs_nsamples;
    uint32_t first_buf[128], order_buf[256];
    uint32_t *first = nf + 1 <= 128 ? first_buf : malloc((nf + 1) * sizeof(uint32_t));
    uint32_t *order = ns <= 256 ? order_buf : malloc((ns + 1) * sizeof(uint32_t));
    sbuf_t decl = SBUF_INIT;
    int failed = first == NULL || order == NULL;
    if (!failed) {
        expo_order(fs, first, order);
        for (size_t fi = 0; fi < nf; fi++) {
            const family_t *f = &fs->fs_fams[fi];
            if (first[fi] == first[fi + 1])
                continue; /* no samples: left out */
            expo_meta(out, fs, f, fmt, &decl);
            for (uint32_t k = first[fi]; k < first[fi + 1]; k++)
                expo_sample(out, fs, &fs->fs_samples[order[k]], f, &decl, fmt);
        }
        if (fmt == EXPO_OPENMETRICS)
            sbuf_adds(out, "# EOF\n");
    }
    failed = failed || sbuf_failed(&decl) || sbuf_failed(out);
    sbuf_release(&decl);
    if (first != first_buf)
        free(first);
    if (order != order_buf)
        free(order);
    if (failed) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}
