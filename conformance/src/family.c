/*
 * family.c - the rules that span lines, for both formats: which family a
 * sample belongs to, grouping, metadata order and duplicates, duplicate
 * series, and the histogram, summary, stateset, info and counter rules.
 *
 * Memory: the open family keeps one 64-bit fingerprint per series (name and
 * label set; no text), dropped when the family closes. Text histograms and
 * summaries also keep a 32-byte state per Metric (label set without le or
 * quantile; metrics.c), whose samples may come in any order; the state holds
 * the fingerprint of the Metric's first series until its _count needs the
 * room, so that a Metric of one sample costs one entry, not two. OpenMetrics
 * keeps only the record of the Metric being read, since its Metrics must not
 * interleave, and remembers the others as one more fingerprint in the same
 * set (none at all for gauges, unknowns, counters and infos, whose Metric
 * fingerprint is the one of their main series). Across the exposition only
 * one record per family name is kept (the OpenMetrics sample names with a
 * suffix are found from it: om_suffixed_name_taken()).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cf.h"

enum {
    M_BUCKET = 1 << 0,
    M_INF = 1 << 1,
    M_COUNT = 1 << 2,
    M_SUM = 1 << 3,
    M_Q = 1 << 4,
    M_NEG_LE = 1 << 5,
    M_TS = 1 << 6,
    M_STARTED = 1 << 7,
    M_TOTAL = 1 << 8,
    M_NEG_GSUM = 1 << 9,
    M_FIRST = 1 << 10, /* text: cf_mstate_t holds the first series' fingerprint */
    M_ALL = (1 << CF_MSTATE_FLAG_BITS) - 1
};
_Static_assert(M_FIRST < (1 << CF_MSTATE_FLAG_BITS), "the flags fit cf_mstate_t's ms_word");

/* One Metric of the open family (in OpenMetrics: its open MetricPoint).
 * Kept small: text histograms and summaries hold one per Metric. */
typedef struct fam_metric {
    unsigned long fm_line;
    unsigned fm_flags;
    double fm_last;        /* the last le (histograms) or quantile (summaries) */
    double fm_last_bucket; /* once M_INF is set: the +Inf bucket's value */
    double fm_count;
} fam_metric_t;

/* What is remembered of a closed family. */
typedef struct fam_record {
    unsigned long fr_line;
    enum cf_type fr_type;
    unsigned char fr_has_type, fr_has_help;
    unsigned char fr_sealed; /* OpenMetrics: its sample names with a suffix are taken */
} fam_record_t;

#define NCACHE 16 /* label names whose hashes are remembered */

struct cf_fam_state {
    cf_checker_t *fs_c;
    int fs_om;
    /* the open family */
    int fs_open;
    char *fs_name;
    size_t fs_len, fs_cap;
    enum cf_type fs_type;
    int fs_has_type, fs_has_help, fs_help_text, fs_has_unit, fs_unit_len;
    int fs_samples, fs_sealed, fs_dup;
    int fs_lint_le, fs_lint_q, fs_lint_camel;
    unsigned long fs_line;
    cf_map_t fs_series;    /* fingerprints of the series (OpenMetrics: and Metrics) */
    cf_mtable_t fs_mtable; /* text histograms and summaries: their Metrics */
    /* OpenMetrics: the Metric being read and its open MetricPoint */
    uint64_t fs_marker_seed; /* see metric_marker() */
    int fs_have_cur;
    uint64_t fs_cur_key;
    fam_metric_t fs_cur;
    double fs_cur_ts;
    cf_map_t fs_point; /* series of the open point, when it has a timestamp */
    /* the whole exposition */
    cf_map_t fs_families; /* family name hash -> record index */
    fam_record_t *fs_records;
    size_t fs_nrecords, fs_records_cap;
    cf_map_t fs_lset; /* label name hash -> index, for lines with many labels */
    /* hashes of the names of the previous sample (lines repeat them) */
    struct {
        char nc_name[48];
        size_t nc_len;
        uint64_t nc_hash;
    } fs_ncache[NCACHE + 1];
    int fs_deliver; /* the caller wants the samples (co_sample) */
};

static const uint64_t SEED_NAME = 0x1234567ULL, SEED_VALUE = 0x89abcdefULL;

static uint64_t
name_hash(const char *p, size_t n)
{
    return cf_hash(p, n, SEED_NAME);
}

/* name_hash() through slot `i` of the cache of recent names. */
static uint64_t
name_hash_cached(cf_fam_state_t *fs, size_t i, const char *p, size_t n)
{
    if (i > NCACHE || n > sizeof(fs->fs_ncache[0].nc_name))
        return name_hash(p, n);
    if (fs->fs_ncache[i].nc_len == n && memcmp(fs->fs_ncache[i].nc_name, p, n) == 0)
        return fs->fs_ncache[i].nc_hash;
    memcpy(fs->fs_ncache[i].nc_name, p, n);
    fs->fs_ncache[i].nc_len = n;
    return fs->fs_ncache[i].nc_hash = name_hash(p, n);
}

cf_fam_state_t *
cf_fam_new(cf_checker_t *c, int om)
{
    cf_fam_state_t *fs = calloc(1, sizeof(*fs));

    if (fs == NULL)
        return NULL;
    fs->fs_c = c;
    fs->fs_om = om;
    fs->fs_series.m_set = 1;
    fs->fs_point.m_set = 1;
    fs->fs_deliver = cf_samples_on(c);
    return fs;
}

void
cf_fam_free(cf_fam_state_t *fs)
{
    if (fs == NULL)
        return;
    free(fs->fs_name);
    cf_map_free(&fs->fs_series);
    cf_mtable_free(&fs->fs_mtable);
    cf_map_free(&fs->fs_point);
    cf_map_free(&fs->fs_families);
    free(fs->fs_records);
    cf_map_free(&fs->fs_lset);
    free(fs);
}

/* ------------------------------------------------------------------ */
/* names and suffixes                                                  */

static const char *const SUF_NONE[] = {"", NULL};
static const char *const SUF_TEXT_HIST[] = {"_bucket", "_sum", "_count", NULL};
static const char *const SUF_TEXT_SUMMARY[] = {"", "_sum", "_count", NULL};
static const char *const SUF_COUNTER[] = {"_total", "_created", NULL};
static const char *const SUF_HIST[] = {"_bucket", "_count", "_sum", "_created", NULL};
static const char *const SUF_GHIST[] = {"_bucket", "_gcount", "_gsum", NULL};
static const char *const SUF_SUMMARY[] = {"", "_count", "_sum", "_created", NULL};
static const char *const SUF_INFO[] = {"_info", NULL};

static const char *const *
type_suffixes(enum cf_type t, int om)
{
    switch (t) {
    case CF_COUNTER:
        return om ? SUF_COUNTER : SUF_NONE;
    case CF_HISTOGRAM:
        return om ? SUF_HIST : SUF_TEXT_HIST;
    case CF_SUMMARY:
        return om ? SUF_SUMMARY : SUF_TEXT_SUMMARY;
    case CF_GAUGEHISTOGRAM:
        return SUF_GHIST;
    case CF_INFO:
        return SUF_INFO;
    default:
        return SUF_NONE;
    }
}

static enum cf_role
suffix_role(const char *suf, enum cf_type t)
{
    /* the suffixes are _total _created _count _bucket _sum _gcount _gsum _info "" */
    switch (suf[0] == '_' ? suf[1] : '\0') {
    case 't':
        return CF_ROLE_TOTAL;
    case 'b':
        return CF_ROLE_BUCKET;
    case 's':
        return CF_ROLE_SUM;
    case 'g':
        return suf[2] == 'c' ? CF_ROLE_COUNT : CF_ROLE_SUM;
    case 'c':
        return suf[2] == 'r' ? CF_ROLE_CREATED : CF_ROLE_COUNT;
    case 'i':
        return CF_ROLE_VALUE;
    default:
        break;
    }
    if (t == CF_SUMMARY)
        return CF_ROLE_QUANTILE;
    return t == CF_COUNTER ? CF_ROLE_TOTAL : CF_ROLE_VALUE; /* text counter value */
}

/* Is `x` a sample name of the open family? Sets *role. */
static int
belongs(const cf_fam_state_t *fs, cf_str_t x, enum cf_role *role)
{
    const char *const *suf = type_suffixes(fs->fs_type, fs->fs_om);
    size_t i, sl;

    if (!fs->fs_open || x.s_len < fs->fs_len || memcmp(x.s_ptr, fs->fs_name, fs->fs_len) != 0)
        return 0;
    for (i = 0; suf[i] != NULL; i++) {
        sl = strlen(suf[i]);
        if (x.s_len == fs->fs_len + sl && memcmp(x.s_ptr + fs->fs_len, suf[i], sl) == 0) {
            *role = suffix_role(suf[i], fs->fs_type);
            return 1;
        }
    }
    return 0;
}

static const char *
type_name(enum cf_type t, int om)
{
    static const char *const names[] = {"untyped", "counter",        "gauge",    "histogram",
                                        "summary", "gaugehistogram", "stateset", "info"};
    if (t == CF_UNTYPED && om)
        return "unknown";
    return names[t];
}

/* ------------------------------------------------------------------ */
/* records of families                                                 */

static fam_record_t *
record_find(cf_fam_state_t *fs, uint64_t h)
{
    uint32_t *idx = cf_map_get(&fs->fs_families, h);

    return idx ? &fs->fs_records[*idx] : NULL;
}

static fam_record_t *
record_add(cf_fam_state_t *fs, uint64_t h)
{
    fam_record_t *r;
    uint32_t *idx;
    int rc;

    r = cf_grow(fs->fs_records, &fs->fs_records_cap, fs->fs_nrecords, sizeof(*r), 64);
    if (r == NULL)
        return NULL;
    fs->fs_records = r;
    rc = cf_map_put(&fs->fs_families, h, (uint32_t)fs->fs_nrecords, &idx);
    if (rc < 0)
        return NULL;
    if (rc == 0)
        return &fs->fs_records[*idx];
    r = &fs->fs_records[fs->fs_nrecords++];
    memset(r, 0, sizeof(*r));
    return r;
}

/* OpenMetrics: the sample names the open family can produce are taken from
 * now on (its record is marked sealed: om_suffixed_name_taken() finds them
 * from the record, no set of names is kept); a family that already has one
 * of these names clashes. The family's own name is in fs_families already (a
 * clash with it was found when the family opened). */
static void
fam_seal(cf_fam_state_t *fs)
{
    const char *const *suf;
    fam_record_t *r;
    char buf[256];
    size_t i, sl;
    uint64_t h;

    if (fs->fs_sealed || !fs->fs_om || fs->fs_dup)
        return;
    fs->fs_sealed = 1;
    suf = type_suffixes(fs->fs_type, 1);
    for (i = 0; suf[i] != NULL; i++) {
        char *p = fs->fs_len + 16 <= sizeof(buf) ? buf : cf_scratch(fs->fs_c, fs->fs_len + 16);
        if (p == NULL)
            return;
        sl = strlen(suf[i]);
        if (sl == 0)
            continue;
        memcpy(p, fs->fs_name, fs->fs_len);
        memcpy(p + fs->fs_len, suf[i], sl);
        h = name_hash(p, fs->fs_len + sl);
        if (record_find(fs, h) != NULL)
            cf_report(fs->fs_c, fs->fs_line, 1, "om-name-clash",
                      "sample name '%.*s%s' of family '%.*s' clashes with another family",
                      (int)fs->fs_len, fs->fs_name, suf[i], (int)fs->fs_len, fs->fs_name);
    }
    if ((r = record_find(fs, name_hash(fs->fs_name, fs->fs_len))) != NULL)
        r->fr_sealed = 1;
    if (fs->fs_has_unit && fs->fs_unit_len > 0 &&
        (fs->fs_type == CF_INFO || fs->fs_type == CF_STATESET))
        cf_report(fs->fs_c, fs->fs_line, 1, "om-unit-type", "a %s family must have an empty UNIT",
                  type_name(fs->fs_type, 1));
}

/* OpenMetrics: is `x` a sample name with a suffix of an earlier (sealed)
 * family, `F_total` of a counter F, `F_bucket` of a histogram F...? */
static int
om_suffixed_name_taken(cf_fam_state_t *fs, cf_str_t x)
{
    static const char *const sufs[] = {"_total",  "_created", "_bucket", "_count", "_sum",
                                       "_gcount", "_gsum",    "_info",   NULL};
    const char *const *own;
    fam_record_t *r;
    size_t i, j, sl;

    for (i = 0; sufs[i] != NULL; i++) {
        sl = strlen(sufs[i]);
        if (x.s_len <= sl || memcmp(x.s_ptr + x.s_len - sl, sufs[i], sl) != 0)
            continue;
        r = record_find(fs, name_hash(x.s_ptr, x.s_len - sl));
        if (r == NULL || !r->fr_sealed)
            continue;
        own = type_suffixes(r->fr_type, 1);
        for (j = 0; own[j] != NULL; j++)
            if (strcmp(own[j], sufs[i]) == 0)
                return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* metric state and its end-of-point checks                           */

static int
same_value(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static void
metric_point_check(cf_fam_state_t *fs, fam_metric_t *m)
{
    cf_checker_t *c = fs->fs_c;
    int hist = fs->fs_type == CF_HISTOGRAM || fs->fs_type == CF_GAUGEHISTOGRAM;

    if (fs->fs_om && fs->fs_type == CF_COUNTER && (m->fm_flags & M_STARTED) &&
        !(m->fm_flags & M_TOTAL))
        cf_report(c, m->fm_line, 1, "om-counter-total-missing",
                  "counter '%.*s' has a MetricPoint without a _total sample", (int)fs->fs_len,
                  fs->fs_name);
    if (!hist || !(m->fm_flags & M_STARTED))
        return;
    if (!(m->fm_flags & M_INF))
        cf_report(c, m->fm_line, 1, "histogram-inf-missing",
                  "histogram '%.*s' has no bucket with le=\"+Inf\"", (int)fs->fs_len, fs->fs_name);
    if ((m->fm_flags & (M_INF | M_COUNT)) == (M_INF | M_COUNT) &&
        !same_value(m->fm_last_bucket, m->fm_count))
        cf_report(c, m->fm_line, 1, "histogram-inf-count",
                  "histogram '%.*s': +Inf bucket %.17g differs from count %.17g", (int)fs->fs_len,
                  fs->fs_name, m->fm_last_bucket, m->fm_count);
    if (!fs->fs_om)
        return;
    if (!(m->fm_flags & M_COUNT) != !(m->fm_flags & M_SUM))
        cf_report(c, m->fm_line, 1, "om-histogram-count-sum",
                  "histogram '%.*s' has a %s without a %s", (int)fs->fs_len, fs->fs_name,
                  (m->fm_flags & M_SUM) ? "sum" : "count", (m->fm_flags & M_SUM) ? "count" : "sum");
    if (fs->fs_type == CF_HISTOGRAM && (m->fm_flags & (M_NEG_LE | M_SUM)) == (M_NEG_LE | M_SUM))
        cf_report(c, m->fm_line, 1, "om-histogram-sum-negative",
                  "histogram '%.*s' has negative thresholds and a sum", (int)fs->fs_len,
                  fs->fs_name);
    /* "If negative threshold buckets are present, then sum MAY be negative":
     * without them a negative Gsum is wrong, as the reference parser says */
    if (fs->fs_type == CF_GAUGEHISTOGRAM && (m->fm_flags & (M_NEG_LE | M_NEG_GSUM)) == M_NEG_GSUM)
        cf_report(c, m->fm_line, 1, "om-sum-value",
                  "gauge histogram '%.*s' has a negative _gsum but no negative bucket threshold",
                  (int)fs->fs_len, fs->fs_name);
}

/* Text: a Metric's compact state to the record the rules work on, and back. */
static void
mstate_load(const cf_mstate_t *ms, fam_metric_t *m)
{
    m->fm_line = (unsigned long)(ms->ms_word >> CF_MSTATE_FLAG_BITS);
    m->fm_flags = (unsigned)(ms->ms_word & M_ALL);
    m->fm_last = ms->ms_last;
    m->fm_last_bucket = ms->ms_bucket;
    m->fm_count = (m->fm_flags & M_COUNT) ? ms->ms_u.ms_count : 0;
}

static void
mstate_store(cf_mstate_t *ms, const fam_metric_t *m)
{
    ms->ms_word = (ms->ms_word & ~(uint64_t)M_ALL) | (m->fm_flags & M_ALL);
    ms->ms_last = m->fm_last;
    ms->ms_bucket = m->fm_last_bucket;
    if (m->fm_flags & M_COUNT) /* M_FIRST was cleared before (text_metric_unfirst) */
        ms->ms_u.ms_count = m->fm_count;
}

/* ------------------------------------------------------------------ */
/* opening and closing families                                        */

static void
fam_close(cf_fam_state_t *fs)
{
    size_t i;

    if (!fs->fs_open)
        return;
    if (fs->fs_om) {
        fam_seal(fs);
        if (fs->fs_have_cur)
            metric_point_check(fs, &fs->fs_cur);
        cf_map_clear(&fs->fs_point);
    } else {
        for (i = 0; i < fs->fs_mtable.mt_n; i++) {
            fam_metric_t m;
            mstate_load(&fs->fs_mtable.mt_states[i], &m);
            metric_point_check(fs, &m);
        }
    }
    if (cf_lint_on(fs->fs_c) && !fs->fs_dup)
        cf_lint_family(fs->fs_c, fs->fs_line, (cf_str_t){fs->fs_name, fs->fs_len}, fs->fs_type,
                       fs->fs_help_text, fs->fs_om, fs->fs_lint_le, fs->fs_lint_q,
                       fs->fs_lint_camel);
    cf_map_clear(&fs->fs_series);
    cf_mtable_clear(&fs->fs_mtable);
    fs->fs_have_cur = 0;
    fs->fs_open = 0;
}

/* Open family `name` (closing the open one). `dup` marks a family whose
 * name was already used (reported by the caller): it is checked on its own
 * but not registered again. */
static int
fam_open(cf_fam_state_t *fs, cf_str_t name, enum cf_type type, int dup)
{
    fam_record_t *r;

    fam_close(fs);
    if (name.s_len + 1 > fs->fs_cap) {
        size_t ncap = name.s_len + 64;
        char *p = realloc(fs->fs_name, ncap);
        if (p == NULL)
            return -1;
        fs->fs_name = p;
        fs->fs_cap = ncap;
    }
    memcpy(fs->fs_name, name.s_ptr, name.s_len);
    fs->fs_len = name.s_len;
    fs->fs_type = type;
    fs->fs_has_type = fs->fs_has_help = fs->fs_help_text = fs->fs_has_unit = 0;
    fs->fs_unit_len = 0;
    fs->fs_samples = fs->fs_sealed = 0;
    fs->fs_dup = dup;
    fs->fs_lint_le = fs->fs_lint_q = fs->fs_lint_camel = 0;
    fs->fs_line = cf_line(fs->fs_c);
    fs->fs_open = 1;
    if (dup)
        return 0;
    r = record_add(fs, name_hash(name.s_ptr, name.s_len));
    if (r == NULL)
        return -1;
    r->fr_line = fs->fs_line;
    r->fr_type = type;
    return 0;
}

static fam_record_t *
open_record(cf_fam_state_t *fs)
{
    if (fs->fs_dup)
        return NULL;
    return record_find(fs, name_hash(fs->fs_name, fs->fs_len));
}

/* ------------------------------------------------------------------ */
/* metadata                                                            */

static void
meta_same_family(cf_fam_state_t *fs, char kind, size_t col, enum cf_type type, cf_str_t unit,
                 int empty)
{
    cf_checker_t *c = fs->fs_c;
    fam_record_t *r = open_record(fs);
    const char *what = kind == 'T' ? "TYPE" : kind == 'H' ? "HELP" : "UNIT";
    int *has = kind == 'T' ? &fs->fs_has_type : kind == 'H' ? &fs->fs_has_help : &fs->fs_has_unit;

    if (*has) {
        cf_report(c, cf_line(c), col,
                  fs->fs_om     ? "om-metadata-duplicate"
                  : kind == 'T' ? "text-type-duplicate"
                                : "text-help-duplicate",
                  "second %s line for '%.*s'", what, (int)fs->fs_len, fs->fs_name);
        return;
    }
    if (fs->fs_samples) {
        cf_report(c, cf_line(c), col,
                  fs->fs_om     ? "om-metadata-order"
                  : kind == 'T' ? "text-type-after-sample"
                                : "text-help-after-sample",
                  "%s line for '%.*s' after its samples", what, (int)fs->fs_len, fs->fs_name);
        return;
    }
    *has = 1;
    if (kind == 'T') {
        fs->fs_type = type;
        if (r)
            r->fr_type = type;
    } else if (kind == 'H') {
        fs->fs_help_text = !empty;
    } else {
        fs->fs_unit_len = (int)unit.s_len;
    }
    if (r) {
        r->fr_has_type |= kind == 'T';
        r->fr_has_help |= kind == 'H';
    }
}

static void
meta_unit_suffix(cf_fam_state_t *fs, cf_str_t name, size_t col, cf_str_t unit)
{
    if (unit.s_len == 0)
        return;
    if (name.s_len < unit.s_len + 1 || name.s_ptr[name.s_len - unit.s_len - 1] != '_' ||
        memcmp(name.s_ptr + name.s_len - unit.s_len, unit.s_ptr, unit.s_len) != 0)
        cf_report(fs->fs_c, cf_line(fs->fs_c), col, "om-unit-suffix",
                  "family name '%.*s' does not end with '_%.*s'", (int)name.s_len, name.s_ptr,
                  (int)unit.s_len, unit.s_ptr);
}

void
cf_fam_meta(cf_fam_state_t *fs, char kind, cf_str_t name, size_t col, enum cf_type type,
            cf_str_t unit, int empty)
{
    cf_checker_t *c = fs->fs_c;
    fam_record_t *r;
    int dup = 0;

    if (fs->fs_om && kind == 'U')
        meta_unit_suffix(fs, name, col, unit);
    if (fs->fs_open && name.s_len == fs->fs_len &&
        memcmp(name.s_ptr, fs->fs_name, fs->fs_len) == 0) {
        meta_same_family(fs, kind, col, type, unit, empty);
        return;
    }
    if (fs->fs_om && name.s_len > 0 && name.s_ptr[0] == '_')
        cf_report(c, cf_line(c), col, "om-name-reserved",
                  "family name '%.*s' begins with an underscore", (int)name.s_len, name.s_ptr);
    r = record_find(fs, name_hash(name.s_ptr, name.s_len));
    if (r != NULL) {
        dup = 1;
        if (fs->fs_om)
            cf_report(c, cf_line(c), col, "om-family-duplicate",
                      "family '%.*s' already appeared at line %lu", (int)name.s_len, name.s_ptr,
                      r->fr_line);
        else if (kind == 'T' && r->fr_has_type)
            cf_report(c, cf_line(c), col, "text-type-duplicate", "second TYPE line for '%.*s'",
                      (int)name.s_len, name.s_ptr);
        else if (kind == 'H' && r->fr_has_help)
            cf_report(c, cf_line(c), col, "text-help-duplicate", "second HELP line for '%.*s'",
                      (int)name.s_len, name.s_ptr);
        else
            cf_report(c, cf_line(c), col, "text-family-interleaved",
                      "lines of '%.*s' are not one group (it appeared at line %lu)",
                      (int)name.s_len, name.s_ptr, r->fr_line);
    } else if (fs->fs_om && om_suffixed_name_taken(fs, name)) {
        dup = 1;
        cf_report(c, cf_line(c), col, "om-name-clash",
                  "family name '%.*s' clashes with a sample name of another family",
                  (int)name.s_len, name.s_ptr);
    }
    if (fam_open(fs, name, CF_UNTYPED, dup) < 0)
        return;
    meta_same_family(fs, kind, col, type, unit, empty);
}

/* ------------------------------------------------------------------ */
/* samples: finding the family                                         */

/* Text: the earlier family a sample name belongs to, if any. */
static fam_record_t *
text_earlier(cf_fam_state_t *fs, cf_str_t x)
{
    static const char *const sufs[] = {"_bucket", "_sum", "_count"};
    fam_record_t *r = record_find(fs, name_hash(x.s_ptr, x.s_len));
    size_t i, sl;

    if (r)
        return r;
    for (i = 0; i < 3; i++) {
        sl = strlen(sufs[i]);
        if (x.s_len <= sl || memcmp(x.s_ptr + x.s_len - sl, sufs[i], sl) != 0)
            continue;
        r = record_find(fs, name_hash(x.s_ptr, x.s_len - sl));
        if (r && (r->fr_type == CF_HISTOGRAM || (r->fr_type == CF_SUMMARY && i > 0)))
            return r;
    }
    return NULL;
}

/* Decide the family and role of a sample; opens a family when needed. */
static void
sample_family(cf_fam_state_t *fs, const cf_sample_t *sa, enum cf_role *role)
{
    cf_checker_t *c = fs->fs_c;
    cf_str_t x = sa->sa_name;
    int dup = 0;

    if (belongs(fs, x, role))
        return;
    if (fs->fs_open && x.s_len == fs->fs_len && memcmp(x.s_ptr, fs->fs_name, x.s_len) == 0) {
        /* the family's own name where its type wants a suffix */
        cf_report(c, cf_line(c), sa->sa_name_col,
                  fs->fs_om ? "om-sample-suffix" : "text-sample-name",
                  "a sample of %s '%.*s' needs a suffix", type_name(fs->fs_type, fs->fs_om),
                  (int)x.s_len, x.s_ptr);
        *role = fs->fs_type == CF_COUNTER ? CF_ROLE_TOTAL : CF_ROLE_VALUE;
        return;
    }
    *role = CF_ROLE_VALUE;
    if (fs->fs_om) {
        uint64_t h = name_hash(x.s_ptr, x.s_len);
        if (record_find(fs, h) != NULL || om_suffixed_name_taken(fs, x)) {
            dup = 1;
            cf_report(c, cf_line(c), sa->sa_name_col, "om-family-interleaved",
                      "sample '%.*s' belongs to a family that already ended", (int)x.s_len,
                      x.s_ptr);
        } else if (x.s_len > 0 && x.s_ptr[0] == '_') {
            cf_report(c, cf_line(c), sa->sa_name_col, "om-name-reserved",
                      "family name '%.*s' begins with an underscore", (int)x.s_len, x.s_ptr);
        }
    } else {
        fam_record_t *r = text_earlier(fs, x);
        if (r != NULL) {
            dup = 1;
            cf_report(c, cf_line(c), sa->sa_name_col, "text-family-interleaved",
                      "lines of '%.*s' are not one group (its family appeared at line %lu)",
                      (int)x.s_len, x.s_ptr, r->fr_line);
        }
    }
    fam_open(fs, x, CF_UNTYPED, dup);
}

/* ------------------------------------------------------------------ */
/* samples: labels                                                     */

size_t
cf_label_decode(const cf_label_t *l, char *buf)
{
    const char *p = l->l_value.s_ptr;
    size_t i, k = 0, n = l->l_value.s_len;

    for (i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n) {
            char e = p[++i];
            if (e == 'n')
                buf[k++] = '\n';
            else if (e == '"' || e == '\\')
                buf[k++] = e;
            else {
                buf[k++] = '\\';
                buf[k++] = e;
            }
        } else {
            buf[k++] = p[i];
        }
    }
    return k;
}

static int
same_name(const cf_label_t *a, const cf_label_t *b)
{
    return a->l_nhash == b->l_nhash && a->l_name.s_len == b->l_name.s_len &&
           memcmp(a->l_name.s_ptr, b->l_name.s_ptr, a->l_name.s_len) == 0;
}

/* Does label i repeat an earlier label name? A few labels are scanned; many
 * (a hostile line) go through a hash set, so that a line stays linear. */
static int
label_repeated(cf_fam_state_t *fs, const cf_sample_t *sa, size_t i)
{
    uint32_t *j;
    size_t k;

    if (sa->sa_nlabels <= 16) {
        for (k = 0; k < i; k++)
            if (same_name(&sa->sa_labels[k], &sa->sa_labels[i]))
                return 1;
        return 0;
    }
    if (i == 0)
        cf_map_clear(&fs->fs_lset);
    if (cf_map_put(&fs->fs_lset, sa->sa_labels[i].l_nhash, (uint32_t)i, &j) != 0)
        return 0;
    return same_name(&sa->sa_labels[*j], &sa->sa_labels[i]);
}

/* Hash every label; report duplicate names. Returns the sum of the label
 * hashes (order-independent). */
static uint64_t
labels_hash(cf_fam_state_t *fs, cf_sample_t *sa)
{
    uint64_t sum = 0, vh;
    size_t i, n;

    for (i = 0; i < sa->sa_nlabels; i++) {
        cf_label_t *l = &sa->sa_labels[i];
        char *buf;
        l->l_nhash = name_hash_cached(fs, i + 1, l->l_name.s_ptr, l->l_name.s_len);
        if (l->l_escaped && (buf = cf_scratch(fs->fs_c, l->l_value.s_len + 1)) != NULL) {
            n = cf_label_decode(l, buf);
            vh = cf_hash(buf, n, SEED_VALUE);
        } else {
            vh = cf_hash(l->l_value.s_ptr, l->l_value.s_len, SEED_VALUE);
        }
        l->l_hash = cf_hash_mix(l->l_nhash ^ (vh * 0x9E3779B97F4A7C15ULL));
        sum += l->l_hash;
        if (label_repeated(fs, sa, i))
            cf_report(fs->fs_c, cf_line(fs->fs_c), l->l_col, "label-duplicate",
                      "label '%.*s' appears twice", (int)l->l_name.s_len, l->l_name.s_ptr);
    }
    return sum;
}

static cf_label_t *
label_find(cf_sample_t *sa, const char *name, size_t n)
{
    size_t i;

    for (i = 0; i < sa->sa_nlabels; i++)
        if (sa->sa_labels[i].l_name.s_len == n &&
            memcmp(sa->sa_labels[i].l_name.s_ptr, name, n) == 0)
            return &sa->sa_labels[i];
    return NULL;
}

/* Is the le label's value exactly "+Inf" (no escape can spell it otherwise)? */
static int
is_plus_inf(const cf_label_t *l)
{
    return l->l_value.s_len == 4 && memcmp(l->l_value.s_ptr, "+Inf", 4) == 0;
}

/* Parse a label value as a number (le, quantile): 0 ok. */
static int
label_number(cf_fam_state_t *fs, const cf_label_t *l, double *out)
{
    char *buf = cf_scratch(fs->fs_c, 2 * l->l_value.s_len + 2);
    size_t n;

    if (buf == NULL)
        return -1;
    n = cf_label_decode(l, buf);
    if (fs->fs_om)
        return cf_num_om_number(buf, n, out, buf + n + 1);
    return cf_num_go_float(buf, n, out, buf + n + 1);
}

/* ------------------------------------------------------------------ */
/* samples: per-type value rules                                       */

static void
check_bucket(cf_fam_state_t *fs, cf_sample_t *sa, fam_metric_t *m, const cf_label_t *le)
{
    cf_checker_t *c = fs->fs_c;
    unsigned long line = cf_line(c);
    double bound;

    if (le == NULL) {
        cf_report(c, line, sa->sa_name_col, "histogram-le-missing", "bucket without an 'le' label");
        return;
    }
    if (label_number(fs, le, &bound) != 0 || isnan(bound)) {
        cf_report(c, line, le->l_col, "histogram-le-invalid", "le=\"%.*s\" is not a number",
                  (int)le->l_value.s_len, le->l_value.s_ptr);
        return;
    }
    if (fs->fs_om && isinf(bound) && bound > 0 && !is_plus_inf(le)) {
        /* "Exposers MUST produce output for positive infinity as +Inf": the
         * reference parser takes le="+INF" for no +Inf bucket at all */
        cf_report(c, line, le->l_col, "histogram-le-invalid",
                  "le=\"%.*s\": positive infinity must be written +Inf", (int)le->l_value.s_len,
                  le->l_value.s_ptr);
        return;
    }
    if (fs->fs_om &&
        (isnan(sa->sa_value) || sa->sa_value < 0 || sa->sa_value != floor(sa->sa_value)))
        cf_report(c, line, sa->sa_value_col, "om-bucket-value",
                  "bucket value %.17g is not a non-negative integer", sa->sa_value);
    if (m->fm_flags & M_BUCKET) {
        if (bound == m->fm_last)
            cf_report(c, line, le->l_col, "histogram-le-duplicate", "bucket le=\"%.*s\" repeated",
                      (int)le->l_value.s_len, le->l_value.s_ptr);
        else if (bound < m->fm_last)
            cf_report(c, line, le->l_col, "histogram-le-order",
                      "bucket le=\"%.*s\" after a larger le", (int)le->l_value.s_len,
                      le->l_value.s_ptr);
        if (sa->sa_value < m->fm_last_bucket)
            cf_report(c, line, sa->sa_value_col, "histogram-cumulative",
                      "bucket value %.17g is below the previous bucket's %.17g", sa->sa_value,
                      m->fm_last_bucket);
    }
    /* buckets are cumulative: bucket le covers (-Inf, le], not (previous le, le] */
    if (fs->fs_om && sa->sa_has_exemplar && !(sa->sa_ex_value <= bound))
        cf_report(c, line, sa->sa_ex_col, "om-exemplar-range",
                  "exemplar value %.17g is above its bucket's le", sa->sa_ex_value);
    if (bound < 0)
        m->fm_flags |= M_NEG_LE;
    if (m->fm_flags & M_INF) /* a bucket after +Inf (reported): keep +Inf's value for _count */
        return;
    if (isinf(bound) && bound > 0)
        m->fm_flags |= M_INF;
    m->fm_flags |= M_BUCKET;
    m->fm_last = bound;
    m->fm_last_bucket = sa->sa_value;
}

static void
check_quantile(cf_fam_state_t *fs, cf_sample_t *sa, fam_metric_t *m, const cf_label_t *q)
{
    cf_checker_t *c = fs->fs_c;
    unsigned long line = cf_line(c);
    double v;

    if (q == NULL) {
        cf_report(c, line, sa->sa_name_col, "summary-quantile-missing",
                  "summary sample without a 'quantile' label");
        return;
    }
    if (label_number(fs, q, &v) != 0 || isnan(v)) {
        cf_report(c, line, q->l_col, "summary-quantile-invalid",
                  "quantile=\"%.*s\" is not a number", (int)q->l_value.s_len, q->l_value.s_ptr);
        return;
    }
    if (fs->fs_om) {
        if (v < 0 || v > 1)
            cf_report(c, line, q->l_col, "om-quantile-range", "quantile %.17g is not in [0, 1]", v);
        if (sa->sa_value < 0)
            cf_report(c, line, sa->sa_value_col, "om-quantile-value",
                      "quantile value %.17g is negative", sa->sa_value);
    } else if ((m->fm_flags & M_Q) && v <= m->fm_last) {
        cf_report(c, line, q->l_col, "text-quantile-order",
                  "quantile=\"%.*s\" is not above the previous quantile", (int)q->l_value.s_len,
                  q->l_value.s_ptr);
    }
    m->fm_flags |= M_Q;
    m->fm_last = v;
}

/* Count and sum of histograms, gauge histograms and summaries. */
static void
check_count_sum(cf_fam_state_t *fs, cf_sample_t *sa, fam_metric_t *m, enum cf_role role)
{
    cf_checker_t *c = fs->fs_c;
    double v = sa->sa_value;
    int ghist = fs->fs_type == CF_GAUGEHISTOGRAM;

    if (role == CF_ROLE_COUNT) {
        m->fm_flags |= M_COUNT;
        m->fm_count = v;
        if (fs->fs_om && (isnan(v) || v < 0 || v != floor(v)))
            cf_report(c, cf_line(c), sa->sa_value_col, "om-count-value",
                      "count %.17g is not a non-negative integer", v);
        return;
    }
    m->fm_flags |= M_SUM;
    if (ghist && v < 0) /* allowed with negative buckets: checked when the point ends */
        m->fm_flags |= M_NEG_GSUM;
    if (fs->fs_om && (isnan(v) || (v < 0 && !ghist)))
        cf_report(c, cf_line(c), sa->sa_value_col, "om-sum-value", "sum %.17g must not be NaN%s", v,
                  ghist ? "" : " or negative");
}

static void
check_simple(cf_fam_state_t *fs, cf_sample_t *sa, enum cf_role role)
{
    cf_checker_t *c = fs->fs_c;
    double v = sa->sa_value;

    if (!fs->fs_om)
        return;
    if (fs->fs_type == CF_COUNTER && role == CF_ROLE_TOTAL && (isnan(v) || v < 0))
        cf_report(c, cf_line(c), sa->sa_value_col, "om-counter-value",
                  "counter total %.17g must not be NaN or negative", v);
    if (fs->fs_type == CF_STATESET && v != 0 && v != 1)
        cf_report(c, cf_line(c), sa->sa_value_col, "om-stateset-value",
                  "state value %.17g is not 0 or 1", v);
    if (fs->fs_type == CF_INFO && v != 1)
        cf_report(c, cf_line(c), sa->sa_value_col, "om-info-value", "info value %.17g is not 1", v);
}

/* The label that is not part of the Metric's identity, if any. */
static cf_label_t *
point_label(cf_fam_state_t *fs, cf_sample_t *sa, enum cf_role role)
{
    cf_checker_t *c = fs->fs_c;
    int hist = fs->fs_type == CF_HISTOGRAM || fs->fs_type == CF_GAUGEHISTOGRAM;
    cf_label_t *l;

    if (role == CF_ROLE_BUCKET)
        return label_find(sa, "le", 2);
    if (role == CF_ROLE_QUANTILE)
        return label_find(sa, "quantile", 8);
    if (fs->fs_type == CF_STATESET) {
        l = label_find(sa, fs->fs_name, fs->fs_len);
        if (l == NULL)
            cf_report(c, cf_line(c), sa->sa_name_col, "om-stateset-label",
                      "state sample without a '%.*s' label", (int)fs->fs_len, fs->fs_name);
        return l;
    }
    if (fs->fs_om && hist && label_find(sa, "le", 2))
        cf_report(c, cf_line(c), sa->sa_name_col, "om-histogram-le-label",
                  "only buckets carry an 'le' label");
    if (fs->fs_om && fs->fs_type == CF_SUMMARY && label_find(sa, "quantile", 8))
        cf_report(c, cf_line(c), sa->sa_name_col, "om-summary-quantile-label",
                  "only quantile samples carry a 'quantile' label");
    return NULL;
}

/* ------------------------------------------------------------------ */
/* samples: Metrics and MetricPoints (OpenMetrics)                     */

/* Non-zero fingerprint of a series: its label set (the order-independent sum
 * of labels_hash()) with the hash `name` of its sample name. */
static uint64_t
series_fingerprint(uint64_t labels, uint64_t name)
{
    uint64_t key = cf_hash_mix(labels ^ name);

    return key ? key : 1;
}

/*
 * OpenMetrics: the seed of metric_marker() for the open family, set when its
 * first sample comes (its type is final then). A Metric is remembered as a
 * fingerprint in the series set: for gauges, unknowns, counters and infos it is
 * the fingerprint of the Metric's main sample (x, x_total, x_info), so that
 * one entry stands for both; for the other types, whose samples all carry le,
 * quantile or the state label or are not unique to the Metric, a seed no
 * sample name hashes to keeps the two apart.
 */
static void
metric_marker_init(cf_fam_state_t *fs)
{
    const char *suf = fs->fs_type == CF_COUNTER ? "_total" : fs->fs_type == CF_INFO ? "_info" : "";
    size_t sl = strlen(suf);
    char *p;

    if (fs->fs_type != CF_GAUGE && fs->fs_type != CF_UNTYPED && fs->fs_type != CF_COUNTER &&
        fs->fs_type != CF_INFO) {
        fs->fs_marker_seed = name_hash(fs->fs_name, fs->fs_len) ^ 0x5bd1e9955bd1e995ULL;
        return;
    }
    if ((p = cf_scratch(fs->fs_c, fs->fs_len + sl)) == NULL) {
        fs->fs_marker_seed = 0x5bd1e9955bd1e995ULL; /* still a valid, if unshared, seed */
        return;
    }
    memcpy(p, fs->fs_name, fs->fs_len);
    memcpy(p + fs->fs_len, suf, sl);
    fs->fs_marker_seed = name_hash(p, fs->fs_len + sl);
}

/* OpenMetrics: the fingerprint of the Metric whose label set (without le,
 * quantile or the state label) hashes to `labels`. */
static uint64_t
metric_marker(const cf_fam_state_t *fs, uint64_t labels)
{
    return series_fingerprint(labels, fs->fs_marker_seed);
}

/*
 * OpenMetrics: make the Metric `marker` (seen before when `seen`) and the
 * point of sample `sa` current, reporting interleaved Metrics and timestamps
 * out of order. A point is the run of samples of one Metric with one
 * timestamp (or none); a later one needs a later timestamp. Returns the
 * Metric's record, or NULL when the sample repeats a series of the open point
 * with the same timestamp: the reference parser accepts and drops such a
 * repeat ("not a duplicate due to timestamp truncation").
 */
static fam_metric_t *
om_metric(cf_fam_state_t *fs, cf_sample_t *sa, uint64_t marker, int seen, uint64_t series)
{
    cf_checker_t *c = fs->fs_c;
    fam_metric_t *m = &fs->fs_cur;
    int had_ts = !!(m->fm_flags & M_TS);

    if (fs->fs_have_cur && fs->fs_cur_key == marker) {
        if (had_ts == sa->sa_has_ts && (!had_ts || fs->fs_cur_ts == sa->sa_ts)) {
            int rc = had_ts ? cf_map_put(&fs->fs_point, series, 1, NULL) : 1;
            if (rc < 0)
                cf_nomem(c);
            return rc == 0 ? NULL : m; /* 0: a repeat in the point, same timestamp */
        }
        if (!sa->sa_has_ts || !had_ts || sa->sa_ts < fs->fs_cur_ts)
            cf_report(c, cf_line(c), sa->sa_name_col, "om-timestamp-order",
                      "MetricPoints of one Metric need increasing timestamps");
        metric_point_check(fs, m);
    } else {
        if (seen)
            cf_report(c, cf_line(c), sa->sa_name_col, "om-metric-interleaved",
                      "Metric of '%.*s' interleaved with another", (int)fs->fs_len, fs->fs_name);
        if (fs->fs_have_cur)
            metric_point_check(fs, m);
        fs->fs_cur_key = marker;
        fs->fs_have_cur = 1;
    }
    memset(m, 0, sizeof(*m));
    m->fm_line = cf_line(c);
    m->fm_flags = sa->sa_has_ts ? M_TS : 0;
    fs->fs_cur_ts = sa->sa_ts;
    cf_map_clear(&fs->fs_point);
    if (sa->sa_has_ts && cf_map_put(&fs->fs_point, series, 1, NULL) < 0)
        cf_nomem(c);
    return m;
}

static void
check_exemplar_place(cf_fam_state_t *fs, cf_sample_t *sa, enum cf_role role)
{
    if (!sa->sa_has_exemplar)
        return;
    if ((fs->fs_type == CF_COUNTER && role == CF_ROLE_TOTAL) || role == CF_ROLE_BUCKET)
        return;
    cf_report(fs->fs_c, cf_line(fs->fs_c), sa->sa_ex_col, "om-exemplar-placement",
              "only counter totals and histogram buckets may have exemplars");
}

/* Per-label checks and what the lints need to know of the labels. */
static void
sample_labels_scan(cf_fam_state_t *fs, const cf_sample_t *sa)
{
    cf_checker_t *c = fs->fs_c;
    size_t i;

    for (i = 0; i < sa->sa_nlabels; i++) {
        const cf_label_t *l = &sa->sa_labels[i];
        if (fs->fs_om && l->l_name.s_len > 0 && l->l_name.s_ptr[0] == '_')
            cf_report(c, cf_line(c), l->l_col, "om-label-reserved",
                      "label name '%.*s' begins with an underscore", (int)l->l_name.s_len,
                      l->l_name.s_ptr);
        if (l->l_name.s_len == 2 && memcmp(l->l_name.s_ptr, "le", 2) == 0)
            fs->fs_lint_le = 1;
        if (l->l_name.s_len == 8 && memcmp(l->l_name.s_ptr, "quantile", 8) == 0)
            fs->fs_lint_q = 1;
        if (cf_lint_on(c) && cf_lint_camel(l->l_name.s_ptr, l->l_name.s_len))
            fs->fs_lint_camel = 1;
    }
}

/* Fingerprint of the sample's series: name and label set, not the timestamp
 * (memory grows with the series, not with their MetricPoints). */
static uint64_t
sample_series_key(cf_fam_state_t *fs, const cf_sample_t *sa, uint64_t labels)
{
    uint64_t key =
        series_fingerprint(labels, name_hash_cached(fs, 0, sa->sa_name.s_ptr, sa->sa_name.s_len));

    if (fs->fs_series.m_cap > 0) /* the probe is a cache miss: start it early */
        __builtin_prefetch(&fs->fs_series.m_keys[key & (fs->fs_series.m_cap - 1)]);
    return key;
}

/* The value rules of the sample's role within its Metric `m` (if any). */
static void
sample_value_rules(cf_fam_state_t *fs, cf_sample_t *sa, enum cf_role role, fam_metric_t *m,
                   const cf_label_t *pl)
{
    check_simple(fs, sa, role);
    if (m == NULL)
        return;
    if (role == CF_ROLE_BUCKET)
        check_bucket(fs, sa, m, pl);
    else if (role == CF_ROLE_QUANTILE)
        check_quantile(fs, sa, m, pl);
    else if (role == CF_ROLE_COUNT || role == CF_ROLE_SUM)
        check_count_sum(fs, sa, m, role);
    if (role == CF_ROLE_TOTAL)
        m->fm_flags |= M_TOTAL;
    if (role != CF_ROLE_VALUE && role != CF_ROLE_QUANTILE)
        m->fm_flags |= M_STARTED;
}

static void
report_series_duplicate(cf_fam_state_t *fs, const cf_sample_t *sa)
{
    cf_report(fs->fs_c, cf_line(fs->fs_c), sa->sa_name_col, "series-duplicate",
              "series '%.*s' with this label set appears twice", (int)sa->sa_name.s_len,
              sa->sa_name.s_ptr);
}

/* Text: a repeated series is a duplicate. */
static void
text_sample_rules(cf_fam_state_t *fs, cf_sample_t *sa, enum cf_role role, int repeated)
{
    if (repeated)
        report_series_duplicate(fs, sa);
    sample_value_rules(fs, sa, role, NULL, NULL);
}

/*
 * Text histograms and summaries: their lines may come in any order, so each
 * Metric keeps a compact state until the family ends (metrics.c). The series
 * of a Metric go into the series set but for the first one, whose
 * fingerprint its state keeps until the Metric's _count needs the room: a
 * family of Metrics of one sample each remembers every Metric once.
 */
static int
text_metric_series(cf_fam_state_t *fs, cf_mstate_t *ms, uint64_t series)
{
    int rc;

    if ((ms->ms_word & M_FIRST) && ms->ms_u.ms_first == series)
        return 0;
    if ((rc = cf_map_put(&fs->fs_series, series, 1, NULL)) < 0)
        cf_nomem(fs->fs_c);
    return rc;
}

/* The first series leaves the state for the set (the _count takes its room). */
static void
text_metric_unfirst(cf_fam_state_t *fs, cf_mstate_t *ms)
{
    if (!(ms->ms_word & M_FIRST))
        return;
    if (cf_map_put(&fs->fs_series, ms->ms_u.ms_first, 1, NULL) < 0)
        cf_nomem(fs->fs_c);
    ms->ms_word &= ~(uint64_t)M_FIRST;
    ms->ms_u.ms_count = 0;
}

static void
text_metric_rules(cf_fam_state_t *fs, cf_sample_t *sa, enum cf_role role, uint64_t labels,
                  uint64_t series)
{
    cf_label_t *pl = point_label(fs, sa, role);
    uint64_t key = cf_hash_mix(labels - (pl ? pl->l_hash : 0)) | 1;
    cf_mstate_t *ms = cf_mtable_find(&fs->fs_mtable, key);
    fam_metric_t m;
    int rc = 1;

    if (ms == NULL && (ms = cf_mtable_add(&fs->fs_mtable, key)) != NULL) {
        ms->ms_word = ((uint64_t)cf_line(fs->fs_c) << CF_MSTATE_FLAG_BITS) | M_FIRST;
        ms->ms_u.ms_first = series;
    } else if (ms != NULL) {
        rc = text_metric_series(fs, ms, series);
    }
    if (rc == 0)
        report_series_duplicate(fs, sa);
    if (ms == NULL) {
        cf_nomem(fs->fs_c);
        sample_value_rules(fs, sa, role, NULL, pl);
        return;
    }
    if (role == CF_ROLE_COUNT)
        text_metric_unfirst(fs, ms);
    mstate_load(ms, &m);
    sample_value_rules(fs, sa, role, &m, pl);
    mstate_store(ms, &m);
}

/* OpenMetrics: a repeated series is a duplicate unless its samples carry
 * timestamps (a later MetricPoint, or a repeat om_metric() drops). */
static void
om_sample_rules(cf_fam_state_t *fs, cf_sample_t *sa, enum cf_role role, uint64_t labels,
                uint64_t series, int repeated)
{
    cf_label_t *pl = point_label(fs, sa, role);
    uint64_t marker = metric_marker(fs, labels - (pl ? pl->l_hash : 0));
    int seen = repeated, rc;
    fam_metric_t *m;

    if (marker != series) {
        if ((rc = cf_map_put(&fs->fs_series, marker, 1, NULL)) < 0)
            cf_nomem(fs->fs_c);
        seen = rc == 0;
    }
    if (repeated && !sa->sa_has_ts &&
        !(fs->fs_have_cur && fs->fs_cur_key == marker && (fs->fs_cur.fm_flags & M_TS)))
        report_series_duplicate(fs, sa); /* with timestamps there: om-timestamp-order */
    check_exemplar_place(fs, sa, role);
    m = om_metric(fs, sa, marker, seen, series);
    if (m != NULL)
        sample_value_rules(fs, sa, role, m, pl);
}

/* The sample to the caller (co_sample), with the family it belongs to. Out
 * of line: validating alone never pays for it. */
__attribute__((noinline, cold)) static void
sample_deliver(cf_fam_state_t *fs, const cf_sample_t *sa)
{
    if (fs->fs_open)
        cf_sample_deliver(fs->fs_c, fs->fs_name, fs->fs_len, fs->fs_type, sa);
    else /* the family could not be opened (no memory): the sample's own name */
        cf_sample_deliver(fs->fs_c, sa->sa_name.s_ptr, sa->sa_name.s_len, fs->fs_type, sa);
}

void
cf_fam_sample(cf_fam_state_t *fs, cf_sample_t *sa)
{
    enum cf_role role;
    uint64_t labels, skey;
    int rc;

    sample_family(fs, sa, &role);
    if (!fs->fs_samples) {
        fs->fs_samples = 1;
        fam_seal(fs);
        metric_marker_init(fs);
    }
    labels = labels_hash(fs, sa);
    skey = sample_series_key(fs, sa, labels);
    sample_labels_scan(fs, sa);
    if (__builtin_expect(fs->fs_deliver, 0)) /* before the rules: they stay a tail call */
        sample_deliver(fs, sa);
    if (!fs->fs_om && (fs->fs_type == CF_HISTOGRAM || fs->fs_type == CF_SUMMARY)) {
        text_metric_rules(fs, sa, role, labels, skey);
        return;
    }
    if ((rc = cf_map_put(&fs->fs_series, skey, 1, NULL)) < 0)
        cf_nomem(fs->fs_c);
    if (fs->fs_om)
        om_sample_rules(fs, sa, role, labels, skey, rc == 0);
    else
        text_sample_rules(fs, sa, role, rc == 0);
}

void
cf_fam_end(cf_fam_state_t *fs)
{
    fam_close(fs);
}
