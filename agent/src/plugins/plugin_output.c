/*
 * plugin_output.c - validates and parses what a plugin printed, in either
 * of the original's two formats (reference 4.4 and 4.5).
 *
 * Format A (default): one metric a line, "name[{labels}]<TAB>type<TAB>value
 * [<TAB>help]", type counter, gauge or option ("ttl<TAB>option<TAB>N" sets
 * the plugin's TTL).
 * Format B (the file name ends in ".prom"): Prometheus text, after any
 * number of leading "# OPTION ttl N" lines; each family starts with its
 * "# HELP"/"# TYPE" lines, and a "# " line after samples starts the next.
 *
 * Every family is named plugin_<plugin>_<name>, and so is every sample of
 * it: the original prefixed only HELP and TYPE in format B (D13a). The
 * text is untrusted: it is parsed here into families that the agent's own
 * writer renders, so nothing a plugin prints reaches a scrape verbatim.
 * Values must be numbers of the exposition format (the original passed on
 * whatever JavaScript's Number() took: "0x10", "", D13g).
 */
#include "plugin.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* ---- indexes: families by name, samples by series -------------------- */

/*
 * Open addressing over entry index + 1 (0 empty), at most half full: every
 * line looks its family and its series up, so a linear search would make a
 * plugin's answer quadratic in its lines (512 KB of output: seconds).
 */
typedef struct pindex {
    uint32_t *pi_slot;
    size_t pi_n; /* a power of two, or 0 */
} pindex_t;

/* FNV-1a over n bytes, continuing from h. */
static uint32_t
fnv(uint32_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static uint32_t
family_hash(const char *name)
{
    return fnv(2166136261u, name, strlen(name));
}

static uint32_t
series_hash(size_t fam, plugin_part_t part, const char *labels)
{
    uint32_t h = fnv(2166136261u, &fam, sizeof(fam));
    h = fnv(h, &part, sizeof(part));
    return labels != NULL ? fnv(h, labels, strlen(labels)) : h;
}

static void
pindex_put(pindex_t *x, uint32_t hash, size_t i)
{
    size_t mask = x->pi_n - 1, slot = hash & mask;
    while (x->pi_slot[slot] != 0)
        slot = (slot + 1) & mask;
    x->pi_slot[slot] = (uint32_t)(i + 1);
}

/* Room for entry `count` (0..count-1 exist; hash_of(out, i) rehashes them). 0 or -1. */
static int
pindex_reserve(pindex_t *x, size_t count, uint32_t (*hash_of)(const plugin_output_t *, size_t),
               const plugin_output_t *out)
{
    size_t n = x->pi_n ? x->pi_n : 64;
    if (2 * (count + 1) <= x->pi_n)
        return 0;
    if (count >= UINT32_MAX / 4)
        return -1;
    while (n < 2 * (count + 1))
        n *= 2;
    uint32_t *s = calloc(n, sizeof(*s));
    if (s == NULL)
        return -1;
    free(x->pi_slot);
    x->pi_slot = s;
    x->pi_n = n;
    for (size_t i = 0; i < count; i++)
        pindex_put(x, hash_of(out, i), i);
    return 0;
}

static uint32_t
family_hash_of(const plugin_output_t *o, size_t i)
{
    return family_hash(o->po_families[i].pf_name);
}

static uint32_t
series_hash_of(const plugin_output_t *o, size_t i)
{
    const plugin_sample_t *s = &o->po_samples[i];
    return series_hash(s->ps_family, s->ps_part, s->ps_labels);
}

typedef struct parser {
    const char *p_plugin; /* the plugin's name: prefix plugin_<p_plugin>_ */
    plugin_output_t *p_out;
    size_t p_capfam, p_capsam;
    size_t p_line;
    char *p_err;
    size_t p_errlen;
    /* format B: the block being read */
    int p_options_done; /* a line other than # OPTION was seen */
    long p_fam;         /* family of the current block, -1: no TYPE yet */
    int p_samples;      /* the current block has samples */
    char *p_help;       /* HELP of the current block (raw), or NULL */
    pindex_t p_fidx;    /* families by name */
    pindex_t p_sidx;    /* samples by family, part and labels */
} parser_t;

__attribute__((format(printf, 2, 3))) static int
parse_fail(parser_t *p, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(p->p_err, p->p_errlen, "line %zu: ", p->p_line);
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < p->p_errlen)
        vsnprintf(p->p_err + n, p->p_errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- lexical pieces ------------------------------------------------- */

static int
is_name_char(int c)
{
    return isalnum(c) || c == '_' || c == ':';
}

/* Length of the run of metric-name characters at s. */
static size_t
name_chars(const char *s)
{
    size_t n = 0;
    while (is_name_char((unsigned char)s[n]))
        n++;
    return n;
}

/* Whether the n bytes at s are well-formed UTF-8 (common/utf8.h): label
 * values and HELP text must be, or Prometheus refuses the whole answer,
 * every other collector's with it. */
static int
utf8_valid(const char *s, size_t n)
{
    return cmon_utf8_check(s, n) == n;
}

/*
 * A value as the exposition format writes one: a decimal float (digits, an
 * optional fraction and exponent, an optional sign), NaN, +Inf, -Inf, Inf.
 * Hexadecimal, "Infinity", an empty field or trailing text are refused.
 */
static int
value_parse(const char *s, double *v)
{
    const char *d = s + (*s == '+' || *s == '-');
    char *end;
    if (strcmp(s, "NaN") == 0) {
        *v = NAN;
        return 0;
    }
    if (strcmp(d, "Inf") == 0) {
        *v = *s == '-' ? -INFINITY : INFINITY;
        return 0;
    }
    if (!isdigit((unsigned char)d[0]) && !(d[0] == '.' && isdigit((unsigned char)d[1])))
        return -1;
    for (const char *c = d; *c; c++)
        if (!isdigit((unsigned char)*c) && *c != '.' && *c != 'e' && *c != 'E' && *c != '+' &&
            *c != '-')
            return -1; /* no hex, no inf/nan spellings inside */
    errno = 0;
    *v = strtod(s, &end);
    return *end == '\0' && errno != ERANGE ? 0 : -1;
}

/* A base-10 integer, optionally signed, nothing else (OPTION ttl). */
static int
int_parse(const char *s, long *v)
{
    char *end;
    const char *d = s + (*s == '+' || *s == '-');
    if (!isdigit((unsigned char)*d))
        return -1;
    errno = 0;
    *v = strtol(s, &end, 10);
    return *end == '\0' && errno == 0 ? 0 : -1;
}

/*
 * Parses the label set after '{' at *sp into canonical text
 * (k="v",k2="v2", the value's escapes kept) in out (outlen bytes); blanks
 * around names, '=' and ',' are allowed (the original copied the set as
 * printed: `{service="cloudapi", port="8881"}`). Leaves *sp after '}'.
 * Returns the number of labels, or -1 with a reason in why.
 */
static int
labels_parse(const char **sp, char *out, size_t outlen, const char **why)
{
    const char *s = *sp;
    size_t o = 0;
    int n = 0;
    const char *seen[PLUGIN_LABELS_MAX];
    size_t seenlen[PLUGIN_LABELS_MAX];
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '}')
            break;
        size_t k = name_chars(s);
        if (k == 0 || isdigit((unsigned char)s[0]) || memchr(s, ':', k) != NULL) {
            *why = "bad label name";
            return -1;
        }
        if (k >= 2 && s[0] == '_' && s[1] == '_') {
            *why = "reserved label name (__...)";
            return -1;
        }
        for (int i = 0; i < n; i++)
            if (seenlen[i] == k && memcmp(seen[i], s, k) == 0) {
                *why = "a label given twice";
                return -1;
            }
        if (n == PLUGIN_LABELS_MAX) {
            *why = "more than " PLUGIN_LABELS_MAX_TEXT " labels";
            return -1;
        }
        seen[n] = s;
        seenlen[n] = k;
        const char *name = s;
        s += k;
        while (*s == ' ' || *s == '\t')
            s++;
        if (s[0] != '=') {
            *why = "expected = after a label name";
            return -1;
        }
        s++;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s != '"') {
            *why = "expected a quoted label value";
            return -1;
        }
        const char *val = ++s;
        for (; *s != '"'; s++) {
            if (*s == '\0') {
                *why = "unterminated label value";
                return -1;
            }
            if (*s == '\\') {
                if (s[1] != '\\' && s[1] != '"' && s[1] != 'n') {
                    *why = "bad escape in a label value";
                    return -1;
                }
                s++;
            }
        }
        size_t vlen = (size_t)(s - val);
        if (!utf8_valid(val, vlen)) {
            *why = "a label value that is not UTF-8";
            return -1;
        }
        if (o + k + vlen + 5 >= outlen) {
            *why = "label set too long";
            return -1;
        }
        o += (size_t)snprintf(out + o, outlen - o, "%s%.*s=\"%.*s\"", n ? "," : "", (int)k, name,
                              (int)vlen, val);
        n++;
        s++;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == ',')
            s++;
        else if (*s != '}') {
            *why = "expected , or } after a label value";
            return -1;
        }
    }
    out[o] = '\0';
    *sp = s + 1;
    return n;
}

/* The value of label "le" in canonical label text, into buf; -1 if absent. */
static int
labels_le(const char *t, char *buf, size_t len)
{
    while (t != NULL && *t) {
        size_t k = strcspn(t, "=");
        const char *v = t + k + 2, *e = v;
        while (*e != '"')
            e += *e == '\\' ? 2 : 1;
        if (k == 2 && memcmp(t, "le", 2) == 0 && (size_t)(e - v) < len) {
            memcpy(buf, v, (size_t)(e - v));
            buf[e - v] = '\0';
            return 0;
        }
        t = e + 1 + (e[1] == ',');
    }
    return -1;
}

/* ---- families and samples ------------------------------------------- */

/* The family called full (hash: family_hash(full)), or -1. */
static long
family_find(const parser_t *p, const char *full, uint32_t hash)
{
    const pindex_t *x = &p->p_fidx;
    for (size_t slot = hash & (x->pi_n - 1); x->pi_n > 0 && x->pi_slot[slot] != 0;
         slot = (slot + 1) & (x->pi_n - 1)) {
        size_t i = x->pi_slot[slot] - 1;
        if (strcmp(p->p_out->po_families[i].pf_name, full) == 0)
            return (long)i;
    }
    return -1;
}

/*
 * The family plugin_<plugin>_<name> (name: nlen bytes) of type t: found
 * (same type) or added with help (NULL: the unprefixed name, or dflt_help).
 * -1 after parse_fail.
 */
static long
family_get(parser_t *p, const char *name, size_t nlen, plugin_metric_type_t t, const char *help)
{
    plugin_output_t *o = p->p_out;
    char *full;
    long f;
    if (nlen == 0 || name_chars(name) < nlen)
        return parse_fail(p, "bad metric name \"%.*s\"", (int)(nlen > 60 ? 60 : nlen), name);
    if (asprintf(&full, "plugin_%s_%.*s", p->p_plugin, (int)nlen, name) < 0)
        return parse_fail(p, "out of memory");
    uint32_t hash = family_hash(full);
    if ((f = family_find(p, full, hash)) >= 0) {
        free(full);
        if (o->po_families[f].pf_type != t)
            return parse_fail(p, "%s has two types", o->po_families[f].pf_name);
        return f;
    }
    if (pindex_reserve(&p->p_fidx, o->po_nfamilies, family_hash_of, o) != 0) {
        free(full);
        return parse_fail(p, "out of memory");
    }
    if (o->po_nfamilies == p->p_capfam) {
        size_t cap = p->p_capfam ? p->p_capfam * 2 : 8;
        plugin_family_t *nf = realloc(o->po_families, cap * sizeof(*nf));
        if (nf == NULL) {
            free(full);
            return parse_fail(p, "out of memory");
        }
        o->po_families = nf;
        p->p_capfam = cap;
    }
    plugin_family_t *fam = &o->po_families[o->po_nfamilies];
    fam->pf_name = full;
    fam->pf_type = t;
    fam->pf_help = help != NULL ? strdup(help) : strndup(name, nlen);
    if (fam->pf_help == NULL) {
        free(full);
        return parse_fail(p, "out of memory");
    }
    pindex_put(&p->p_fidx, hash, o->po_nfamilies);
    return (long)o->po_nfamilies++;
}

static int
same_labels(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Adds a sample; a second sample of the same series is refused. */
static int
sample_add(parser_t *p, long fam, plugin_part_t part, const char *labels, int nlabels, double v)
{
    plugin_output_t *o = p->p_out;
    const char *key = nlabels > 0 ? labels : NULL;
    uint32_t hash = series_hash((size_t)fam, part, key);
    const pindex_t *x = &p->p_sidx;
    for (size_t slot = hash & (x->pi_n - 1); x->pi_n > 0 && x->pi_slot[slot] != 0;
         slot = (slot + 1) & (x->pi_n - 1)) {
        const plugin_sample_t *s = &o->po_samples[x->pi_slot[slot] - 1];
        if (s->ps_family == (size_t)fam && s->ps_part == part && same_labels(s->ps_labels, key))
            return parse_fail(p, "a second sample of the same series of %s",
                              o->po_families[fam].pf_name);
    }
    if (pindex_reserve(&p->p_sidx, o->po_nsamples, series_hash_of, o) != 0)
        return parse_fail(p, "out of memory");
    if (o->po_nsamples == p->p_capsam) {
        size_t cap = p->p_capsam ? p->p_capsam * 2 : 16;
        plugin_sample_t *ns = realloc(o->po_samples, cap * sizeof(*ns));
        if (ns == NULL)
            return parse_fail(p, "out of memory");
        o->po_samples = ns;
        p->p_capsam = cap;
    }
    plugin_sample_t *s = &o->po_samples[o->po_nsamples];
    s->ps_family = (size_t)fam;
    s->ps_part = part;
    s->ps_value = v;
    s->ps_labels = NULL;
    if (nlabels > 0 && (s->ps_labels = strdup(labels)) == NULL)
        return parse_fail(p, "out of memory");
    pindex_put(&p->p_sidx, hash, o->po_nsamples);
    o->po_nsamples++;
    return 0;
}

/* ---- format A: tab-separated ---------------------------------------- */

static int
type_a(const char *t, plugin_metric_type_t *out)
{
    if (strcmp(t, "counter") == 0)
        *out = PLUGIN_TYPE_COUNTER;
    else if (strcmp(t, "gauge") == 0)
        *out = PLUGIN_TYPE_GAUGE;
    else
        return -1;
    return 0;
}

/* "ttl<TAB>option<TAB>N" (other options are accepted and ignored). */
static int
option_a(parser_t *p, const char *name, const char *value)
{
    long ttl;
    if (name_chars(name) != strlen(name) || name[0] == '\0')
        return parse_fail(p, "bad option name");
    if (strcmp(name, "ttl") != 0)
        return 0;
    if (int_parse(value, &ttl) != 0)
        return parse_fail(p, "ttl option \"%.20s\" is not a whole number of seconds", value);
    p->p_out->po_has_ttl = 1;
    p->p_out->po_ttl = ttl;
    return 0;
}

/* Splits line on TAB into at most 5 fields; returns their number. */
static int
split_tabs(char *line, char **f)
{
    int n = 0;
    f[n++] = line;
    for (char *c = line; *c; c++)
        if (*c == '\t') {
            *c = '\0';
            if (n == 5)
                return 6;
            f[n++] = c + 1;
        }
    return n;
}

static int
line_a(parser_t *p, char *line)
{
    char *f[5], labels[4096];
    const char *why = "", *ls;
    plugin_metric_type_t t;
    int nf = split_tabs(line, f), nl = 0;
    double v;
    if (nf != 3 && nf != 4)
        return parse_fail(p, "%d tab-separated fields, not 3 or 4", nf > 5 ? 5 : nf);
    if (strcmp(f[1], "option") == 0)
        return option_a(p, f[0], f[2]);
    if (type_a(f[1], &t) != 0)
        return parse_fail(p, "type \"%.20s\" is not counter, gauge or option", f[1]);
    size_t nlen = strcspn(f[0], "{");
    if (f[0][nlen] == '{') {
        ls = f[0] + nlen + 1;
        if ((nl = labels_parse(&ls, labels, sizeof(labels), &why)) < 0)
            return parse_fail(p, "%s", why);
        if (*ls != '\0')
            return parse_fail(p, "text after the label set");
    }
    if (value_parse(f[2], &v) != 0)
        return parse_fail(p, "value \"%.20s\" is not a number", f[2]);
    if (nf == 4 && !utf8_valid(f[3], strlen(f[3])))
        return parse_fail(p, "HELP text that is not UTF-8");
    long fam = family_get(p, f[0], nlen, t, nf == 4 ? f[3] : f[0]);
    return fam < 0 ? -1 : sample_add(p, fam, PLUGIN_PART_PLAIN, labels, nl, v);
}

/* JavaScript's String.prototype.trim(), in place. */
static char *
trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* ---- format B: Prometheus text -------------------------------------- */

/* HELP text of the text format into raw text: \\ and \n undone. */
static char *
help_unescape(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    for (; out != NULL && *s; s++) {
        if (*s == '\\' && (s[1] == '\\' || s[1] == 'n')) {
            s++;
            *o++ = *s == 'n' ? '\n' : '\\';
        } else {
            *o++ = *s;
        }
    }
    if (out != NULL)
        *o = '\0';
    return out;
}

/* A "# " line after samples ends the block (reference 4.5). */
static void
block_next(parser_t *p)
{
    if (!p->p_samples)
        return;
    p->p_fam = -1;
    p->p_samples = 0;
    free(p->p_help);
    p->p_help = NULL;
}

static int
option_b(parser_t *p, const char *s)
{
    char name[32];
    long ttl;
    const char *sp = strchr(s, ' ');
    if (p->p_options_done)
        return parse_fail(p, "# OPTION after other lines");
    if (sp == NULL || (size_t)(sp - s) >= sizeof(name))
        return parse_fail(p, "# OPTION wants a name and a value");
    snprintf(name, sizeof(name), "%.*s", (int)(sp - s), s);
    if (strcmp(name, "ttl") != 0)
        return parse_fail(p, "unknown option \"%s\"", name);
    if (int_parse(sp + 1, &ttl) != 0)
        return parse_fail(p, "ttl option \"%.20s\" is not a whole number of seconds", sp + 1);
    p->p_out->po_has_ttl = 1;
    p->p_out->po_ttl = ttl;
    return 0;
}

static int
type_b(parser_t *p, const char *s)
{
    size_t n = name_chars(s);
    plugin_metric_type_t t;
    const char *ts = s + n;
    if (n == 0 || *ts != ' ')
        return parse_fail(p, "bad metric name in # TYPE");
    ts++;
    if (strcmp(ts, "histogram") == 0)
        t = PLUGIN_TYPE_HISTOGRAM;
    else if (type_a(ts, &t) != 0)
        return parse_fail(p, "type \"%.20s\" is not counter, gauge or histogram", ts);
    if (p->p_fam >= 0)
        return parse_fail(p, "a second # TYPE before any sample");
    p->p_fam = family_get(p, s, n, t, p->p_help);
    return p->p_fam < 0 ? -1 : 0;
}

static int
comment_b(parser_t *p, const char *line)
{
    if (strncmp(line, "# OPTION ", 9) == 0)
        return option_b(p, line + 9);
    p->p_options_done = 1;
    block_next(p);
    if (strncmp(line, "# HELP ", 7) == 0) {
        const char *sp = strchr(line + 7, ' ');
        free(p->p_help);
        p->p_help = help_unescape(sp != NULL ? sp + 1 : "");
        if (p->p_help == NULL)
            return parse_fail(p, "out of memory");
        if (!utf8_valid(p->p_help, strlen(p->p_help)))
            return parse_fail(p, "HELP text that is not UTF-8");
        if (p->p_fam >= 0) { /* HELP after TYPE: the family's */
            plugin_family_t *f = &p->p_out->po_families[p->p_fam];
            free(f->pf_help);
            f->pf_help = strdup(p->p_help);
            if (f->pf_help == NULL)
                return parse_fail(p, "out of memory");
        }
        return 0;
    }
    if (strncmp(line, "# TYPE ", 7) == 0)
        return type_b(p, line + 7);
    return 0; /* any other comment */
}

/* Which part of family base name a sample name (without prefix) is; -1: none. */
static int
sample_part(const char *s, size_t n, const char *base, plugin_metric_type_t t, plugin_part_t *part)
{
    static const char *const sfx[] = {"", "_bucket", "_sum", "_count"};
    size_t bl = strlen(base);
    if (n < bl || memcmp(s, base, bl) != 0)
        return -1;
    for (int i = 0; i < 4; i++) {
        if (t != PLUGIN_TYPE_HISTOGRAM && i > 0)
            break;
        if (t == PLUGIN_TYPE_HISTOGRAM && i == 0)
            continue;
        if (n - bl == strlen(sfx[i]) && memcmp(s + bl, sfx[i], n - bl) == 0) {
            *part = (plugin_part_t)i;
            return 0;
        }
    }
    return -1;
}

static int
sample_b(parser_t *p, const char *line)
{
    char labels[4096], le[64], prefix[PLUGIN_NAME_MAX + 16];
    const char *why = "", *s = line, *base;
    size_t n = name_chars(line), pl;
    plugin_part_t part;
    int nl = 0;
    double v;
    p->p_options_done = 1;
    if (p->p_fam < 0)
        return parse_fail(p, "a sample before its family's # TYPE");
    plugin_family_t *f = &p->p_out->po_families[p->p_fam];
    pl = (size_t)snprintf(prefix, sizeof(prefix), "plugin_%s_", p->p_plugin);
    base = f->pf_name + pl;
    /* The sample's own name, or the name already prefixed (as a plugin
     * written around D13a prints it). */
    int prefixed = n > pl && memcmp(line, prefix, pl) == 0 &&
                   sample_part(line + pl, n - pl, base, f->pf_type, &part) == 0;
    if (!prefixed && sample_part(line, n, base, f->pf_type, &part) != 0)
        return parse_fail(p, "sample \"%.*s\" is not of family %s", (int)(n > 60 ? 60 : n), line,
                          f->pf_name);
    s += n;
    if (*s == '{') {
        s++;
        if ((nl = labels_parse(&s, labels, sizeof(labels), &why)) < 0)
            return parse_fail(p, "%s", why);
    }
    if (*s != ' ' && *s != '\t')
        return parse_fail(p, "expected a blank before the value");
    while (*s == ' ' || *s == '\t')
        s++;
    if (strpbrk(s, " \t") != NULL)
        return parse_fail(p, "timestamps and trailing text are not served");
    if (value_parse(s, &v) != 0)
        return parse_fail(p, "value \"%.20s\" is not a number", s);
    if (part == PLUGIN_PART_BUCKET) {
        double bound;
        if (nl == 0 || labels_le(labels, le, sizeof(le)) != 0 || value_parse(le, &bound) != 0)
            return parse_fail(p, "a bucket without a numeric le label");
    } else if (f->pf_type == PLUGIN_TYPE_HISTOGRAM && nl > 0 &&
               labels_le(labels, le, sizeof(le)) == 0) {
        return parse_fail(p, "only buckets have an le label");
    }
    p->p_samples = 1;
    return sample_add(p, p->p_fam, part, labels, nl, v);
}

static int
line_b(parser_t *p, char *line)
{
    size_t n = strlen(line);
    if (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';
    if (n == 0)
        return 0;
    if (line[0] == '#')
        return comment_b(p, line);
    return sample_b(p, line);
}

/* ---- the whole output ----------------------------------------------- */

void
plugin_output_release(plugin_output_t *out)
{
    for (size_t i = 0; i < out->po_nfamilies; i++) {
        free(out->po_families[i].pf_name);
        free(out->po_families[i].pf_help);
    }
    for (size_t i = 0; i < out->po_nsamples; i++)
        free(out->po_samples[i].ps_labels);
    free(out->po_families);
    free(out->po_samples);
    memset(out, 0, sizeof(*out));
}

int
plugin_output_parse(const char *plugin, int prom, const char *buf, size_t len, plugin_output_t *out,
                    char *err, size_t errlen)
{
    parser_t p = {.p_plugin = plugin, .p_out = out, .p_err = err, .p_errlen = errlen, .p_fam = -1};
    char *copy, *line, *nl;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (memchr(buf, '\0', len) != NULL) {
        snprintf(err, errlen, "output holds a NUL byte");
        return -1;
    }
    if ((copy = malloc(len + 1)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(copy, buf, len);
    copy[len] = '\0';
    for (line = copy; rc == 0 && *line; line = nl) {
        nl = strchr(line, '\n');
        if (nl != NULL)
            *nl++ = '\0';
        else
            nl = line + strlen(line);
        p.p_line++;
        if (prom) {
            rc = line_b(&p, line);
        } else {
            char *t = trim(line);
            rc = *t == '\0' ? 0 : line_a(&p, t);
        }
    }
    free(p.p_help);
    free(copy);
    free(p.p_fidx.pi_slot);
    free(p.p_sidx.pi_slot);
    if (rc != 0)
        plugin_output_release(out);
    return rc;
}
