/* expo - the famset walk of the text 0.0.4 and OpenMetrics 1.0 writers. */
#include "expo.h"
#include "metacache.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* The base unit the declared name fam[0..len) ends in ("_seconds" ...), or
 * NULL: OpenMetrics then gets a UNIT line. */
static const char *
expo_unit(const char *fam, size_t len)
{
    static const char *const units[] = {"seconds", "bytes", "ratio"};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t m = strlen(units[i]);
        if (len > m + 1 && fam[len - m - 1] == '_' && memcmp(fam + len - m, units[i], m) == 0)
            return units[i];
    }
    return NULL;
}

size_t
expo_meta_lines(sbuf_t *out, const char *name, size_t namelen, const char *help, metric_type_t type,
                expo_format_t fmt)
{
    size_t len = expofmt_family_len(name, namelen, type == METRIC_COUNTER, fmt);
    const char *unit = fmt == EXPO_OPENMETRICS ? expo_unit(name, len) : NULL;
    expofmt_add_meta(out, fmt, name, len, expo_type_name(type), unit, help);
    return len;
}

/*
 * Writes the metadata lines and returns the declared name's length: the
 * declared name is a prefix of the family's name (less an OpenMetrics
 * counter's "_total"), so it is written from there, never copied. A family
 * with static strings takes its lines from mc when they are there.
 */
static size_t
expo_meta(sbuf_t *out, const famset_t *fs, const family_t *f, expo_format_t fmt,
          const metacache_t *mc, const char **decl)
{
    const char *name = famset_fam_name(fs, f);
    *decl = name;
    size_t len, dlen;
    const char *lines = f->fa_sname != NULL ? metacache_find(mc, f->fa_sname, f->fa_shelp,
                                                             f->fa_type, fmt, &len, &dlen)
                                            : NULL;
    if (lines != NULL) {
        sbuf_add(out, lines, len);
        return dlen;
    }
    return expo_meta_lines(out, name, strlen(name), famset_fam_help(fs, f), f->fa_type, fmt);
}

/* The longest " value\n": a sign and a decimal, or a double, with the space and line feed. */
#define EXPO_VALUE_LINE_MAX (1 + 1 + EXPOFMT_DECIMAL_LEN + EXPOFMT_NUMBER_LEN)

/*
 * " value\n" of a sample, written in place after one growth: a scrape
 * writes ~80 of them, and a copy through a stack buffer was one more
 * library call each.
 */
static void
expo_value_line(sbuf_t *out, mval_t v)
{
    if (sbuf_grow(out, EXPO_VALUE_LINE_MAX) != 0)
        return;
    char *start = out->sb_buf + out->sb_len, *p = start;
    *p++ = ' ';
    switch (v.mv_kind) {
    case MVAL_U64:
        p += expofmt_decimal(v.mv.u, 0, p);
        break;
    case MVAL_I64:
        if (v.mv.i < 0)
            *p++ = '-';
        p += expofmt_decimal(v.mv.i < 0 ? (uint64_t)0 - (uint64_t)v.mv.i : (uint64_t)v.mv.i, 0, p);
        break;
    case MVAL_DEC:
        p += expofmt_decimal(v.mv.u, v.mv_exp, p);
        break;
    default:
        p += expofmt_number(v.mv.d, p, EXPOFMT_NUMBER_LEN);
        break;
    }
    *p++ = '\n';
    *p = '\0';
    out->sb_len += (size_t)(p - start);
}

static void
expo_labels(sbuf_t *out, const famset_t *fs, const fsample_t *sa)
{
    if (sa->sa_nlabels == 0)
        return;
    sbuf_addc(out, '{');
    for (size_t i = 0; i < sa->sa_nlabels; i++)
        expofmt_add_label(out, i == 0, famset_str(fs, sa->sa_lname[i]),
                          famset_str(fs, sa->sa_lvalue[i]));
    sbuf_addc(out, '}');
}

/* A sample: the declared name decl[0..dlen), then total (an OpenMetrics
 * counter's "_total", tlen bytes, else "") or the histogram part's suffix. */
static void
expo_sample(sbuf_t *out, const famset_t *fs, const fsample_t *sa, const char *decl, size_t dlen,
            const char *total, size_t tlen)
{
    static const char *const parts[] = {"", "_bucket", "_sum", "_count"};
    static const size_t part_len[] = {0, 7, 4, 6};
    const char *suffix = total;
    size_t slen = tlen;
    if (tlen == 0 && sa->sa_part != SAMPLE_PLAIN && sa->sa_part <= SAMPLE_COUNT) {
        suffix = parts[sa->sa_part];
        slen = part_len[sa->sa_part];
    }
    if (sbuf_grow(out, dlen + slen) != 0)
        return;
    char *p = out->sb_buf + out->sb_len;
    memcpy(p, decl, dlen);
    memcpy(p + dlen, suffix, slen);
    out->sb_len += dlen + slen;
    out->sb_buf[out->sb_len] = '\0';
    expo_labels(out, fs, sa);
    expo_value_line(out, sa->sa_value);
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
    return expo_write_cached(fs, fmt, NULL, out);
}

int
expo_write_cached(const famset_t *fs, expo_format_t fmt, const metacache_t *mc, sbuf_t *out)
{
    /* Order the samples by family (stable: a counting sort), so that each
     * family is written as one group in one pass. */
    size_t nf = fs->fs_nfams, ns = fs->fs_nsamples;
    uint32_t first_buf[128], order_buf[256];
    uint32_t *first = nf + 1 <= 128 ? first_buf : malloc((nf + 1) * sizeof(uint32_t));
    uint32_t *order = ns <= 256 ? order_buf : malloc((ns + 1) * sizeof(uint32_t));
    int failed = first == NULL || order == NULL;
    const char *ctotal = expofmt_sample_suffix(1, fmt); /* a counter's sample suffix */
    size_t ctlen = strlen(ctotal);
    if (!failed) {
        expo_order(fs, first, order);
        for (size_t fi = 0; fi < nf; fi++) {
            const family_t *f = &fs->fs_fams[fi];
            if (first[fi] == first[fi + 1])
                continue; /* no samples: left out */
            const char *decl;
            size_t dlen = expo_meta(out, fs, f, fmt, mc, &decl);
            int counter = f->fa_type == METRIC_COUNTER;
            const char *total = counter ? ctotal : "";
            size_t tlen = counter ? ctlen : 0;
            for (uint32_t k = first[fi]; k < first[fi + 1]; k++)
                expo_sample(out, fs, &fs->fs_samples[order[k]], decl, dlen, total, tlen);
        }
        expofmt_add_eof(out, fmt);
    }
    failed = failed || sbuf_failed(out);
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
