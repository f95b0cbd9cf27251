/*
 * coretext.c - a metric port's text into families (coretext.h).
 *
 * One pass over the lines. The family a sample belongs to is the one the
 * last `# TYPE` declared: the text format groups a family's samples after
 * its TYPE line, and the original refused a sample with no TYPE before it.
 */
#include "coretext.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* The parse of one text: where it is and what the last TYPE declared. */
typedef struct ct_state {
    famset_t *cs_out;
    size_t cs_line; /* 1-based number of the line being read */
    int cs_fam;     /* family of the last TYPE, -1 before any */
    metric_type_t cs_type;
    char *cs_name;      /* its name (malloc'd) */
    char *cs_help_name; /* the last HELP line's name and text (malloc'd), or NULL */
    char *cs_help;
    int cs_seen_sample; /* a line other than a comment was read: no OPTION any more */
    int *cs_ttl;
    char *cs_err;
    size_t cs_errlen;
} ct_state_t;

__attribute__((format(printf, 2, 3))) static int
ct_fail(ct_state_t *st, const char *fmt, ...)
{
    int n = snprintf(st->cs_err, st->cs_errlen, "line %zu: ", st->cs_line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < st->cs_errlen)
        vsnprintf(st->cs_err + n, st->cs_errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int
ct_oom(ct_state_t *st)
{
    snprintf(st->cs_err, st->cs_errlen, "out of memory");
    errno = ENOMEM;
    return -1;
}

/* A metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or, colon 0, a label name. */
static int
ct_is_name(const char *s, size_t n, int colon)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                 (colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return 0;
    }
    return 1;
}

static size_t
ct_token(const char *s, const char *end)
{
    size_t n = 0;
    while (s + n < end && s[n] != ' ' && s[n] != '\t')
        n++;
    return n;
}

static const char *
ct_skip_blanks(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

/* 1 when s (n bytes) is valid UTF-8 (common/utf8.h): Prometheus refuses a
 * whole scrape with one bad label value or HELP text, so a port that serves
 * one is refused instead. */
static int
ct_utf8(const char *s, size_t n)
{
    return cmon_utf8_check(s, n) == n;
}

/* HELP text with the format's escapes (\\ and \n) undone, malloc'd. */
static char *
ct_unescape_help(const char *s, const char *end)
{
    char *out = malloc((size_t)(end - s) + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (; s < end; s++) {
        if (*s == '\\' && s + 1 < end && (s[1] == '\\' || s[1] == 'n')) {
            s++;
            *o++ = *s == 'n' ? '\n' : '\\';
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

/* ---- comments: HELP, TYPE, OPTION ---------------------------------------- */

static int
ct_help(ct_state_t *st, const char *p, const char *end)
{
    size_t n = ct_token(p, end);
    if (!ct_is_name(p, n, 1))
        return ct_fail(st, "bad metric name in HELP: '%.*s'", (int)n, p);
    free(st->cs_help_name);
    free(st->cs_help);
    st->cs_help_name = strndup(p, n);
    const char *t = p + n < end ? p + n + 1 : end;
    st->cs_help = ct_unescape_help(t, end);
    if (st->cs_help_name == NULL || st->cs_help == NULL)
        return ct_oom(st);
    if (!ct_utf8(st->cs_help, strlen(st->cs_help)))
        return ct_fail(st, "HELP of %s is not valid UTF-8", st->cs_help_name);
    return 0;
}

static int
ct_type_of(const char *t, size_t n, metric_type_t *type)
{
    if (n == 7 && memcmp(t, "counter", 7) == 0)
        *type = METRIC_COUNTER;
    else if (n == 5 && memcmp(t, "gauge", 5) == 0)
        *type = METRIC_GAUGE;
    else if (n == 9 && memcmp(t, "histogram", 9) == 0)
        *type = METRIC_HISTOGRAM;
    else
        return -1;
    return 0;
}

static int
ct_type(ct_state_t *st, const char *p, const char *end)
{
    size_t n = ct_token(p, end);
    if (!ct_is_name(p, n, 1))
        return ct_fail(st, "bad metric name in TYPE: '%.*s'", (int)n, p);
    const char *t = ct_skip_blanks(p + n, end);
    size_t tn = ct_token(t, end);
    metric_type_t type;
    if (ct_type_of(t, tn, &type) != 0)
        return ct_fail(st, "family %.*s has type '%.*s' (counter, gauge or histogram only)", (int)n,
                       p, (int)tn, t);
    free(st->cs_name);
    if ((st->cs_name = strndup(p, n)) == NULL)
        return ct_oom(st);
    int same = st->cs_help_name && strcmp(st->cs_help_name, st->cs_name) == 0;
    int fam = famset_family(st->cs_out, st->cs_name, same ? st->cs_help : st->cs_name, type);
    if (fam < 0)
        return ct_oom(st);
    if (st->cs_out->fs_fams[fam].fa_type != type)
        return ct_fail(st, "family %s declared again with another type", st->cs_name);
    st->cs_fam = fam;
    st->cs_type = type;
    return 0;
}

/* "# OPTION ttl N": honoured only before any sample, as the original's parser. */
static int
ct_option(ct_state_t *st, const char *p, const char *end)
{
    size_t n = ct_token(p, end);
    if (n != 3 || memcmp(p, "ttl", 3) != 0 || st->cs_seen_sample)
        return 0;
    const char *v = ct_skip_blanks(p + n, end);
    char *stop;
    errno = 0;
    long ttl = strtol(v, &stop, 10);
    if (v == end || stop != end || errno != 0 || ttl < 0 || ttl > 86400)
        return ct_fail(st, "OPTION ttl '%.*s' is not a whole number of seconds", (int)(end - v), v);
    *st->cs_ttl = (int)ttl;
    return 0;
}

static int
ct_comment(ct_state_t *st, const char *p, const char *end)
{
    p = ct_skip_blanks(p + 1, end);
    size_t n = ct_token(p, end);
    const char *rest = ct_skip_blanks(p + n, end);
    if (n == 4 && memcmp(p, "HELP", 4) == 0)
        return ct_help(st, rest, end);
    if (n == 4 && memcmp(p, "TYPE", 4) == 0)
        return ct_type(st, rest, end);
    if (n == 6 && memcmp(p, "OPTION", 6) == 0)
        return ct_option(st, rest, end);
    return 0; /* any other comment */
}

/* ---- samples -------------------------------------------------------------- */

/* The labels of one sample, their names and unescaped values in lb_buf. */
typedef struct ct_labels {
    size_t lb_n;
    const char *lb_names[FAMSET_MAX_LABELS];
    const char *lb_values[FAMSET_MAX_LABELS];
    char *lb_buf;
} ct_labels_t;

/* One label value from just after its '"'; *pp past the closing '"'. -1 when unterminated. */
static int
ct_label_value(const char **pp, const char *end, char **out)
{
    const char *s = *pp;
    char *o = *out;
    for (; s < end && *s != '"'; s++) {
        if (*s == '\\' && s + 1 < end) {
            s++;
            *o++ = *s == 'n' ? '\n' : *s;
        } else {
            *o++ = *s;
        }
    }
    if (s == end)
        return -1;
    *o++ = '\0';
    *out = o;
    *pp = s + 1;
    return 0;
}

/* One name="value" at *pp into lb (names and values copied into *buf). */
static int
ct_label(ct_state_t *st, const char **pp, const char *end, ct_labels_t *lb, char **buf)
{
    const char *s = ct_skip_blanks(*pp, end), *eq = s;
    while (eq < end && *eq != '=' && *eq != ' ')
        eq++;
    if (!ct_is_name(s, (size_t)(eq - s), 0))
        return ct_fail(st, "bad label name '%.*s'", (int)(eq - s), s);
    if (lb->lb_n == FAMSET_MAX_LABELS)
        return ct_fail(st, "more than %d labels", FAMSET_MAX_LABELS);
    memcpy(*buf, s, (size_t)(eq - s));
    lb->lb_names[lb->lb_n] = *buf;
    *buf += eq - s;
    *(*buf)++ = '\0';
    const char *q = ct_skip_blanks(eq, end);
    if (q + 1 >= end || q[0] != '=' || (q = ct_skip_blanks(q + 1, end)) >= end || *q != '"')
        return ct_fail(st, "label %s has no quoted value", lb->lb_names[lb->lb_n]);
    for (size_t i = 0; i < lb->lb_n; i++)
        if (strcmp(lb->lb_names[i], lb->lb_names[lb->lb_n]) == 0)
            return ct_fail(st, "label %s given twice", lb->lb_names[i]);
    q++;
    const char *value = lb->lb_values[lb->lb_n++] = *buf;
    if (ct_label_value(&q, end, buf) != 0)
        return ct_fail(st, "unterminated label value");
    if (!ct_utf8(value, strlen(value)))
        return ct_fail(st, "value of label %s is not valid UTF-8", lb->lb_names[lb->lb_n - 1]);
    *pp = ct_skip_blanks(q, end);
    return 0;
}

/* The label set from just after '{' to its '}'; *pp after the '}'. */
static int
ct_label_set(ct_state_t *st, const char **pp, const char *end, ct_labels_t *lb)
{
    const char *s = ct_skip_blanks(*pp, end);
    char *buf = lb->lb_buf;
    while (s < end && *s != '}') {
        if (ct_label(st, &s, end, lb, &buf) != 0)
            return -1;
        if (s < end && *s == ',')
            s = ct_skip_blanks(s + 1, end);
        else if (s < end && *s != '}')
            return ct_fail(st, "expected ',' or '}' after a label");
    }
    if (s == end)
        return ct_fail(st, "unterminated label set");
    *pp = s + 1;
    return 0;
}

/* The value text: an integer stays exact; else a double (NaN, +Inf, -Inf). */
static int
ct_value(const char *s, size_t n, mval_t *v)
{
    char tmp[64];
    if (n == 0 || n >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *stop;
    errno = 0;
    if (strspn(tmp + (tmp[0] == '-'), "0123456789") == n - (tmp[0] == '-') && n > (tmp[0] == '-')) {
        if (tmp[0] == '-') {
            long long i = strtoll(tmp, &stop, 10);
            if (errno == 0)
                return *v = mval_i64(i), 0;
        } else {
            unsigned long long u = strtoull(tmp, &stop, 10);
            if (errno == 0)
                return *v = mval_u64(u), 0;
        }
        errno = 0;
    }
    double d = strtod(tmp, &stop);
    if (*stop != '\0' || stop == tmp)
        return -1;
    *v = mval_dbl(d);
    return 0;
}

/* Which part of the current family a sample called name (n bytes) is; -1: none. */
static int
ct_part(const ct_state_t *st, const char *name, size_t n, sample_part_t *part)
{
    size_t fn = strlen(st->cs_name);
    if (n == fn && memcmp(name, st->cs_name, n) == 0 && st->cs_type != METRIC_HISTOGRAM)
        return *part = SAMPLE_PLAIN, 0;
    if (st->cs_type != METRIC_HISTOGRAM || n <= fn || memcmp(name, st->cs_name, fn) != 0)
        return -1;
    const char *suffix = name + fn;
    size_t sn = n - fn;
    if (sn == 7 && memcmp(suffix, "_bucket", 7) == 0)
        return *part = SAMPLE_BUCKET, 0;
    if (sn == 4 && memcmp(suffix, "_sum", 4) == 0)
        return *part = SAMPLE_SUM, 0;
    if (sn == 6 && memcmp(suffix, "_count", 6) == 0)
        return *part = SAMPLE_COUNT, 0;
    return -1;
}

static int
ct_has_le(const ct_labels_t *lb)
{
    for (size_t i = 0; i < lb->lb_n; i++)
        if (strcmp(lb->lb_names[i], "le") == 0)
            return 1;
    return 0;
}

/* The value and an optional timestamp after the name or label set. */
static int
ct_sample_value(ct_state_t *st, const char *s, const char *end, mval_t *v)
{
    s = ct_skip_blanks(s, end);
    size_t vn = ct_token(s, end);
    if (ct_value(s, vn, v) != 0)
        return ct_fail(st, "value '%.*s' is not a number", (int)vn, s);
    const char *ts = ct_skip_blanks(s + vn, end);
    size_t tn = ct_token(ts, end);
    if (tn > 0 && (strspn(ts + (*ts == '-'), "0123456789") != tn - (*ts == '-') ||
                   ct_skip_blanks(ts + tn, end) != end))
        return ct_fail(st, "'%.*s' after the value is no timestamp", (int)(end - ts), ts);
    return 0;
}

static int
ct_sample(ct_state_t *st, const char *p, const char *end)
{
    const char *s = p;
    while (s < end && *s != '{' && *s != ' ' && *s != '\t')
        s++;
    if (!ct_is_name(p, (size_t)(s - p), 1))
        return ct_fail(st, "bad metric name '%.*s'", (int)(s - p), p);
    if (st->cs_fam < 0)
        return ct_fail(st, "sample %.*s before any TYPE line", (int)(s - p), p);
    sample_part_t part;
    if (ct_part(st, p, (size_t)(s - p), &part) != 0)
        return ct_fail(st, "sample %.*s is not of family %s (declared by the last TYPE)",
                       (int)(s - p), p, st->cs_name);
    ct_labels_t lb = {.lb_n = 0, .lb_buf = malloc((size_t)(end - p) + 1)};
    if (lb.lb_buf == NULL)
        return ct_oom(st);
    int rc = 0;
    mval_t v;
    if (s < end && *s == '{') {
        s++;
        rc = ct_label_set(st, &s, end, &lb);
    }
    if (rc == 0 && part == SAMPLE_BUCKET && !ct_has_le(&lb))
        rc = ct_fail(st, "bucket of %s without an le label", st->cs_name);
    if (rc == 0)
        rc = ct_sample_value(st, s, end, &v);
    if (rc == 0 &&
        famset_sample(st->cs_out, st->cs_fam, part, lb.lb_n, lb.lb_names, lb.lb_values, v) != 0)
        rc = ct_oom(st);
    free(lb.lb_buf);
    return rc;
}

/* ---- the text --------------------------------------------------------------- */

static int
ct_line(ct_state_t *st, const char *p, const char *end)
{
    if (end > p && end[-1] == '\r')
        end--;
    p = ct_skip_blanks(p, end);
    if (p == end)
        return 0;
    if (*p == '#')
        return ct_comment(st, p, end);
    st->cs_seen_sample = 1;
    return ct_sample(st, p, end);
}

int
coretext_parse(const char *text, size_t len, famset_t *out, int *ttl, char *err, size_t errlen)
{
    ct_state_t st = {
        .cs_out = out, .cs_fam = -1, .cs_ttl = ttl, .cs_err = err, .cs_errlen = errlen};
    const char *p = text, *end = text + len;
    int rc = 0;
    *ttl = -1;
    while (rc == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        st.cs_line++;
        if (memchr(p, '\0', (size_t)(le - p)) != NULL)
            rc = ct_fail(&st, "a NUL byte");
        else
            rc = ct_line(&st, p, le);
        p = nl ? nl + 1 : end;
    }
    if (rc == 0 && famset_failed(out))
        rc = ct_oom(&st);
    free(st.cs_name);
    free(st.cs_help_name);
    free(st.cs_help);
    if (rc != 0)
        famset_reset(out);
    return rc;
}

static const char *
ct_type_name(metric_type_t t)
{
    return t == METRIC_COUNTER ? "counter" : t == METRIC_GAUGE ? "gauge" : "histogram";
}

/*
 * The merge's lookups, so that it costs time in proportion to the two sets
 * and not their product (a port may serve 4 MB, 16 ports a zone): a hash
 * table of dst's families by name, then one of dst's series (family, part,
 * labels) in the families src also has. Open addressing; a slot holds the
 * hash and the index + 1 (0: empty).
 */
typedef struct ct_slot {
    uint32_t sl_hash;
    uint32_t sl_index; /* family or sample index + 1 */
} ct_slot_t;

typedef struct ct_table {
    ct_slot_t *tb_slots;
    size_t tb_mask;
} ct_table_t;

/* A table for n entries, at most half full. -1 ENOMEM. */
static int
ct_table_init(ct_table_t *t, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    t->tb_mask = cap - 1;
    t->tb_slots = calloc(cap, sizeof(*t->tb_slots));
    return t->tb_slots != NULL ? 0 : -1;
}

static void
ct_table_put(ct_table_t *t, uint32_t hash, size_t index)
{
    size_t s = hash & t->tb_mask;
    while (t->tb_slots[s].sl_index != 0)
        s = (s + 1) & t->tb_mask;
    t->tb_slots[s] = (ct_slot_t){hash, (uint32_t)index + 1};
}

/* FNV-1a, continued from h over the string s and its NUL. */
static uint32_t
ct_fnv(uint32_t h, const char *s)
{
    do {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    } while (*s++ != '\0');
    return h;
}

/*
 * A series' hash: its family (an index in dst), its part and its labels in
 * any order (a label set has none: {a="1",b="2"} is {b="2",a="1"}), hence
 * the sum of each label's hash.
 */
static uint32_t
ct_series_hash(const famset_t *fs, const fsample_t *x, uint32_t dfam)
{
    uint32_t h = (2166136261u ^ dfam) * 16777619u ^ x->sa_part, labels = 0;
    for (unsigned l = 0; l < x->sa_nlabels; l++)
        labels += ct_fnv(ct_fnv(2166136261u, famset_str(fs, x->sa_lname[l])),
                         famset_str(fs, x->sa_lvalue[l]));
    return h * 16777619u ^ labels;
}

/* The index of dst's family called name (its famset hash fhash) in t, or -1. */
static int
ct_find(const ct_table_t *t, const famset_t *dst, const char *name, uint32_t fhash)
{
    for (size_t s = fhash & t->tb_mask; t->tb_slots[s].sl_index != 0; s = (s + 1) & t->tb_mask) {
        const ct_slot_t *sl = &t->tb_slots[s];
        if (sl->sl_hash == fhash &&
            strcmp(famset_fam_name(dst, &dst->fs_fams[sl->sl_index - 1]), name) == 0)
            return (int)sl->sl_index - 1;
    }
    return -1;
}

/* 1 when x (of a) and y (of b) are the same part with the same label set, in any order. */
static int
ct_same_series(const famset_t *a, const fsample_t *x, const famset_t *b, const fsample_t *y)
{
    if (x->sa_part != y->sa_part || x->sa_nlabels != y->sa_nlabels)
        return 0;
    for (unsigned l = 0; l < x->sa_nlabels; l++) { /* names are unique in a sample */
        const char *name = famset_str(a, x->sa_lname[l]);
        unsigned k = 0;
        while (k < y->sa_nlabels && strcmp(name, famset_str(b, y->sa_lname[k])) != 0)
            k++;
        if (k == y->sa_nlabels ||
            strcmp(famset_str(a, x->sa_lvalue[l]), famset_str(b, y->sa_lvalue[k])) != 0)
            return 0;
    }
    return 1;
}

/* What a merge looks up: src's families in dst (-1: new), dst's series in them. */
typedef struct ct_merge {
    int *mg_dfam;             /* per src family: dst's family of that name, or -1 */
    unsigned char *mg_in_src; /* per dst family: src has it too */
    size_t mg_shared;         /* dst's samples in those families */
    ct_table_t mg_fams, mg_series;
} ct_merge_t;

static void
ct_merge_release(ct_merge_t *mg)
{
    free(mg->mg_dfam);
    free(mg->mg_in_src);
    free(mg->mg_fams.tb_slots);
    free(mg->mg_series.tb_slots);
}

/*
 * Maps src's families to dst's; -1 with err on a type conflict ("family x is
 * a gauge here, a counter on an earlier port"), -2 ENOMEM.
 */
static int
ct_merge_families(ct_merge_t *mg, const famset_t *dst, const famset_t *src, char *err,
                  size_t errlen)
{
    mg->mg_in_src = calloc(dst->fs_nfams + 1, 1);
    mg->mg_dfam = malloc((src->fs_nfams + 1) * sizeof(int));
    if (mg->mg_in_src == NULL || mg->mg_dfam == NULL ||
        ct_table_init(&mg->mg_fams, dst->fs_nfams) != 0)
        return -2;
    for (size_t i = 0; i < dst->fs_nfams; i++)
        ct_table_put(&mg->mg_fams, dst->fs_fams[i].fa_hash, i);
    for (size_t i = 0; i < src->fs_nfams; i++) {
        const family_t *f = &src->fs_fams[i];
        const char *name = famset_fam_name(src, f);
        int d = mg->mg_dfam[i] = ct_find(&mg->mg_fams, dst, name, f->fa_hash);
        if (d >= 0 && dst->fs_fams[d].fa_type != f->fa_type) {
            snprintf(err, errlen, "family %s is a %s here, a %s on an earlier port", name,
                     ct_type_name(f->fa_type), ct_type_name(dst->fs_fams[d].fa_type));
            return -1;
        }
        if (d >= 0)
            mg->mg_in_src[d] = 1;
    }
    for (size_t j = 0; j < dst->fs_nsamples; j++)
        mg->mg_shared += mg->mg_in_src[dst->fs_samples[j].sa_family];
    return 0;
}

/* The sample of dst in t that is the series y of src (in dst's family d), or NULL. */
static const fsample_t *
ct_series_find(const ct_table_t *t, const famset_t *dst, const famset_t *src, const fsample_t *y,
               uint32_t d)
{
    uint32_t h = ct_series_hash(src, y, d);
    for (size_t s = h & t->tb_mask; t->tb_slots[s].sl_index != 0; s = (s + 1) & t->tb_mask) {
        const fsample_t *x = &dst->fs_samples[t->tb_slots[s].sl_index - 1];
        if (t->tb_slots[s].sl_hash == h && x->sa_family == d && ct_same_series(dst, x, src, y))
            return x;
    }
    return NULL;
}

/*
 * A series of src that dst already has: two ports serving the very same
 * series would make the answer invalid (a duplicate series). -1 when one is
 * found, its family named in err; -2 ENOMEM; 0 none.
 */
static int
ct_merge_duplicate(ct_merge_t *mg, const famset_t *dst, const famset_t *src, char *err,
                   size_t errlen)
{
    if (mg->mg_shared == 0)
        return 0;
    if (ct_table_init(&mg->mg_series, mg->mg_shared) != 0)
        return -2;
    for (size_t j = 0; j < dst->fs_nsamples; j++) {
        const fsample_t *x = &dst->fs_samples[j];
        if (mg->mg_in_src[x->sa_family])
            ct_table_put(&mg->mg_series, ct_series_hash(dst, x, x->sa_family), j);
    }
    for (size_t i = 0; i < src->fs_nsamples; i++) {
        const fsample_t *y = &src->fs_samples[i];
        int d = mg->mg_dfam[y->sa_family];
        if (d >= 0 && ct_series_find(&mg->mg_series, dst, src, y, (uint32_t)d) != NULL) {
            snprintf(err, errlen, "a series of family %s is served by an earlier port too",
                     famset_fam_name(src, &src->fs_fams[y->sa_family]));
            return -1;
        }
    }
    return 0;
}

int
coretext_merge(famset_t *dst, const famset_t *src, char *err, size_t errlen)
{
    ct_merge_t mg = {0};
    int rc = ct_merge_families(&mg, dst, src, err, errlen);
    if (rc == 0)
        rc = ct_merge_duplicate(&mg, dst, src, err, errlen);
    if (rc == 0 && famset_merge(dst, src) != 0)
        rc = -2;
    ct_merge_release(&mg);
    if (rc == -2) {
        snprintf(err, errlen, "out of memory");
        errno = ENOMEM;
        return -1;
    }
    return rc;
}
