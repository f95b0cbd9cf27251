/*
 * plugin_output.c - validates and parses what a plugin printed.
 *
 * The plugin's text is untrusted: it is parsed into families here and the
 * agent's own writer renders them, so nothing a plugin prints reaches a
 * scrape verbatim. The grammar is the text format 0.0.4 (specs/), limited to
 * counter, gauge and untyped families without timestamps.
 */
#include "plugin.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TTL_MAX (24 * 3600)

typedef struct parser {
    plugin_output_t *p_out;
    plugin_family_t *p_cur; /* family whose samples are being read, or NULL */
    size_t p_cap;           /* allocated families */
    size_t p_line;
    char *p_err;
    size_t p_errlen;
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
is_name_start(int c)
{
    return isalpha(c) || c == '_' || c == ':';
}

static int
is_name_char(int c)
{
    return isalnum(c) || c == '_' || c == ':';
}

/* Length of the metric name at s (0 when there is none). */
static size_t
name_span(const char *s)
{
    size_t n = 0;
    if (!is_name_start((unsigned char)s[0]))
        return 0;
    while (is_name_char((unsigned char)s[n]))
        n++;
    return n;
}

/* Length of the label set starting after '{' up to and excluding '}'; -1 bad. */
static long
labels_span(const char *s, char *why, size_t whylen)
{
    const char *p = s;
    while (*p != '}') {
        size_t n = 0;
        if (!isalpha((unsigned char)p[0]) && p[0] != '_') {
            snprintf(why, whylen, "bad label name");
            return -1;
        }
        while (isalnum((unsigned char)p[n]) || p[n] == '_')
            n++;
        if (n >= 2 && p[0] == '_' && p[1] == '_') {
            snprintf(why, whylen, "reserved label name");
            return -1;
        }
        p += n;
        if (p[0] != '=' || p[1] != '"') {
            snprintf(why, whylen, "expected =\" after label name");
            return -1;
        }
        for (p += 2; *p != '"'; p++) {
            if (*p == '\0' || *p == '\n') {
                snprintf(why, whylen, "unterminated label value");
                return -1;
            }
            if (*p == '\\') {
                if (p[1] != '\\' && p[1] != '"' && p[1] != 'n') {
                    snprintf(why, whylen, "bad escape in label value");
                    return -1;
                }
                p++;
            }
        }
        p++;
        if (*p == ',')
            p++;
        else if (*p != '}') {
            snprintf(why, whylen, "expected , or } after label value");
            return -1;
        }
    }
    return (long)(p - s);
}

/* Parses a sample value as the text format writes it; -1 when it is not one. */
static int
value_parse(const char *s, double *v)
{
    char *end;
    if (strcmp(s, "NaN") == 0) {
        *v = NAN;
        return 0;
    }
    if (strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0) {
        *v = s[0] == '-' ? -INFINITY : INFINITY;
        return 0;
    }
    if (*s == '\0' || isspace((unsigned char)*s) || isalpha((unsigned char)*s))
        return -1;
    errno = 0;
    *v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE || isnan(*v) || isinf(*v))
        return -1;
    return 0;
}

/* ---- families ------------------------------------------------------- */

static plugin_family_t *
family_find(plugin_output_t *out, const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < out->po_nfamilies; i++)
        if (strlen(out->po_families[i].pf_name) == len &&
            memcmp(out->po_families[i].pf_name, name, len) == 0)
            return &out->po_families[i];
    return NULL;
}

/* The family called name: the current one, or a new one; NULL after a failure. */
static plugin_family_t *
family_get(parser_t *p, const char *name, size_t len)
{
    plugin_output_t *out = p->p_out;
    plugin_family_t *f = family_find(out, name, len);
    if (f != NULL && f == p->p_cur)
        return f;
    if (f != NULL) {
        parse_fail(p, "family %.*s split into two groups", (int)len, name);
        return NULL;
    }
    if (out->po_nfamilies == p->p_cap) {
        size_t cap = p->p_cap ? p->p_cap * 2 : 8;
        plugin_family_t *nf = realloc(out->po_families, cap * sizeof(*nf));
        if (nf == NULL) {
            parse_fail(p, "out of memory");
            return NULL;
        }
        out->po_families = nf;
        p->p_cap = cap;
    }
    f = &out->po_families[out->po_nfamilies];
    memset(f, 0, sizeof(*f));
    f->pf_name = strndup(name, len);
    if (f->pf_name == NULL) {
        parse_fail(p, "out of memory");
        return NULL;
    }
    out->po_nfamilies++;
    p->p_cur = f;
    return f;
}

static int
family_add_sample(parser_t *p, plugin_family_t *f, const char *labels, size_t llen, double v)
{
    size_t i;
    plugin_sample_t *ns;
    for (i = 0; i < f->pf_nsamples; i++) {
        const char *l = f->pf_samples[i].ps_labels;
        if ((l == NULL && labels == NULL) ||
            (l != NULL && labels != NULL && strlen(l) == llen && memcmp(l, labels, llen) == 0))
            return parse_fail(p, "duplicate series in %s", f->pf_name);
    }
    ns = realloc(f->pf_samples, (f->pf_nsamples + 1) * sizeof(*ns));
    if (ns == NULL)
        return parse_fail(p, "out of memory");
    f->pf_samples = ns;
    ns[f->pf_nsamples].ps_value = v;
    ns[f->pf_nsamples].ps_labels = labels ? strndup(labels, llen) : NULL;
    if (labels != NULL && ns[f->pf_nsamples].ps_labels == NULL)
        return parse_fail(p, "out of memory");
    f->pf_nsamples++;
    return 0;
}

/* ---- lines ---------------------------------------------------------- */

static int
parse_type(parser_t *p, plugin_family_t *f, const char *t)
{
    if (f->pf_nsamples > 0 || f->pf_type != PLUGIN_TYPE_UNTYPED)
        return parse_fail(p, "TYPE for %s after its samples or twice", f->pf_name);
    if (strcmp(t, "counter") == 0)
        f->pf_type = PLUGIN_TYPE_COUNTER;
    else if (strcmp(t, "gauge") == 0)
        f->pf_type = PLUGIN_TYPE_GAUGE;
    else if (strcmp(t, "untyped") != 0)
        return parse_fail(p, "type %s is not counter, gauge or untyped", t);
    return 0;
}

static int
parse_help(parser_t *p, plugin_family_t *f, const char *h)
{
    const char *s;
    if (f->pf_help != NULL || f->pf_nsamples > 0)
        return parse_fail(p, "HELP for %s after its samples or twice", f->pf_name);
    for (s = h; *s; s++)
        if (*s == '\\' && s[1] != '\\' && s[1] != 'n')
            return parse_fail(p, "bad escape in HELP");
        else if (*s == '\\')
            s++;
    f->pf_help = strdup(h);
    return f->pf_help ? 0 : parse_fail(p, "out of memory");
}

static int
parse_ttl(parser_t *p, const char *s)
{
    char *end;
    long ttl;
    errno = 0;
    ttl = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || ttl < 0 || ttl > TTL_MAX)
        return parse_fail(p, "TTL is not a number of seconds in [0, %d]", TTL_MAX);
    if (p->p_out->po_ttl >= 0)
        return parse_fail(p, "TTL given twice");
    p->p_out->po_ttl = (int)ttl;
    return 0;
}

/* "# HELP name text", "# TYPE name type", "# TTL n", or any other comment. */
static int
parse_comment(parser_t *p, const char *line)
{
    const char *s = line + 1, *name;
    size_t n;
    plugin_family_t *f;
    int help;
    if (*s != ' ')
        return 0;
    s++;
    if (strncmp(s, "TTL ", 4) == 0)
        return parse_ttl(p, s + 4);
    help = strncmp(s, "HELP ", 5) == 0;
    if (!help && strncmp(s, "TYPE ", 5) != 0)
        return 0;
    name = s + 5;
    n = name_span(name);
    if (n == 0 || (name[n] != ' ' && name[n] != '\0'))
        return parse_fail(p, "bad metric name in %s", help ? "HELP" : "TYPE");
    f = family_get(p, name, n);
    if (f == NULL)
        return -1;
    s = name + n + (name[n] == ' ');
    return help ? parse_help(p, f, s) : parse_type(p, f, s);
}

static int
parse_sample(parser_t *p, const char *line)
{
    size_t n = name_span(line), llen = 0;
    const char *s = line + n, *labels = NULL;
    char why[64];
    double v;
    plugin_family_t *f;
    if (n == 0)
        return parse_fail(p, "expected a metric name");
    if (*s == '{') {
        long l = labels_span(s + 1, why, sizeof(why));
        if (l < 0)
            return parse_fail(p, "%s", why);
        labels = s + 1;
        llen = (size_t)l;
        s += l + 2;
        if (llen == 0)
            labels = NULL;
    }
    if (*s != ' ')
        return parse_fail(p, "expected a space before the value");
    while (*s == ' ')
        s++;
    if (strchr(s, ' ') != NULL)
        return parse_fail(p, "timestamps and trailing text are not allowed");
    if (value_parse(s, &v) != 0)
        return parse_fail(p, "bad value \"%.20s\"", s);
    f = family_get(p, line, n);
    if (f == NULL)
        return -1;
    return family_add_sample(p, f, labels, llen, v);
}

static int
parse_line(parser_t *p, const char *line)
{
    const char *s;
    for (s = line; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\t')
            return parse_fail(p, "control character 0x%02x", (unsigned char)*s);
    if (line[0] == '\0')
        return 0;
    if (line[0] == '#')
        return parse_comment(p, line);
    return parse_sample(p, line);
}

void
plugin_output_release(plugin_output_t *out)
{
    size_t i, j;
    for (i = 0; i < out->po_nfamilies; i++) {
        plugin_family_t *f = &out->po_families[i];
        for (j = 0; j < f->pf_nsamples; j++)
            free(f->pf_samples[j].ps_labels);
        free(f->pf_samples);
        free(f->pf_name);
        free(f->pf_help);
    }
    free(out->po_families);
    out->po_families = NULL;
    out->po_nfamilies = 0;
    out->po_ttl = -1;
}

int
plugin_output_parse(const char *buf, size_t len, plugin_output_t *out, char *err, size_t errlen)
{
    parser_t p = {out, NULL, 0, 0, err, errlen};
    char *copy = malloc(len + 1), *line, *nl;

    memset(out, 0, sizeof(*out));
    out->po_ttl = -1;
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(copy, buf, len);
    copy[len] = '\0';
    if (memchr(buf, '\0', len) != NULL) {
        free(copy);
        snprintf(err, errlen, "output holds a NUL byte");
        return -1;
    }
    for (line = copy; *line; line = nl) {
        nl = strchr(line, '\n');
        if (nl != NULL)
            *nl++ = '\0';
        else
            nl = line + strlen(line);
        p.p_line++;
        if (parse_line(&p, line) != 0) {
            free(copy);
            plugin_output_release(out);
            return -1;
        }
    }
    free(copy);
    return 0;
}
