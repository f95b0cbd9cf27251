/*
 * checker.c - the public checker: splits the input into lines without
 * copying complete lines (only a line that straddles two chunks is carried,
 * up to co_max_line bytes), validates UTF-8, hands each line to the format,
 * and reports violations. In AUTO mode without a Content-Type it runs a text
 * and an OpenMetrics checker side by side and replays the violations of the
 * one the input turns out to be.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf.h"

#define DEFAULT_MAX_LINE (1u << 20)
#define DEFAULT_MAX_VIOLATIONS 1000

struct conform_checker {
    conform_options_t ck_opt;
    conform_format_t ck_format;
    conform_checker_t *ck_sub[2]; /* AUTO by sniffing: text, openmetrics */
    cf_text_t *ck_text;
    cf_om_t *ck_om;
    unsigned long ck_line;
    char *ck_carry;
    size_t ck_carry_len, ck_carry_cap;
    int ck_carry_over; /* the carried line passed max_line */
    int ck_any, ck_last_nl;
    char ck_tail[8]; /* last bytes, for sniffing */
    size_t ck_tail_len;
    char *ck_scratch;
    size_t ck_scratch_cap;
    size_t ck_errors, ck_warnings, ck_reported;
    conform_violation_t *ck_viol;
    size_t ck_nviol, ck_viol_cap;
    int ck_stopped, ck_finished, ck_verdict, ck_nomem;
    char ck_msg[512];
    char *ck_sample; /* the strings of the sample being delivered */
    size_t ck_sample_cap;
    conform_label_t *ck_labels; /* its labels */
    size_t ck_labels_cap;
};

void
conform_options_init(conform_options_t *opt)
{
    memset(opt, 0, sizeof(*opt));
}

/* ------------------------------------------------------------------ */
/* reporting                                                           */

static void
collect(conform_checker_t *c, const conform_violation_t *v)
{
    conform_violation_t *nv;

    nv = cf_grow(c->ck_viol, &c->ck_viol_cap, c->ck_nviol, sizeof(*nv), 16);
    if (nv == NULL) {
        c->ck_nomem = 1;
        return;
    }
    c->ck_viol = nv;
    nv = &c->ck_viol[c->ck_nviol];
    *nv = *v;
    nv->cv_message = strdup(v->cv_message);
    if (nv->cv_message == NULL) {
        c->ck_nomem = 1;
        return;
    }
    c->ck_nviol++;
}

/* Count a violation, then hand it to the callback and the collection. */
static void
deliver(conform_checker_t *c, const conform_violation_t *v)
{
    if (v->cv_severity == CONFORM_SEVERITY_ERROR)
        c->ck_errors++;
    else
        c->ck_warnings++;
    if (c->ck_reported >= c->ck_opt.co_max_violations)
        return;
    c->ck_reported++;
    if (c->ck_opt.co_collect)
        collect(c, v);
    if (c->ck_opt.co_report && c->ck_opt.co_report(v, c->ck_opt.co_report_arg) != 0)
        c->ck_stopped = 1;
}

void
cf_report(cf_checker_t *c, unsigned long line, size_t col, const char *rule, const char *fmt, ...)
{
    conform_violation_t v;
    va_list ap;

    if (c->ck_reported >= c->ck_opt.co_max_violations) {
        /* past the cap violations are only counted: skip the formatting */
        if (cf_rule_is_lint(rule) && c->ck_opt.co_lint != CONFORM_LINT_ERROR)
            c->ck_warnings++;
        else
            c->ck_errors++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(c->ck_msg, sizeof(c->ck_msg), fmt, ap);
    va_end(ap);
    v.cv_line = line;
    v.cv_col = col;
    v.cv_rule_id = rule;
    v.cv_message = c->ck_msg;
    v.cv_severity = CONFORM_SEVERITY_ERROR;
    if (cf_rule_is_lint(rule) && c->ck_opt.co_lint != CONFORM_LINT_ERROR)
        v.cv_severity = CONFORM_SEVERITY_WARNING;
    deliver(c, &v);
}

void
cf_nomem(cf_checker_t *c)
{
    c->ck_nomem = 1;
}

char *
cf_scratch(cf_checker_t *c, size_t n)
{
    if (n > c->ck_scratch_cap) {
        size_t ncap = n < 256 ? 256 : n * 2;
        char *p = realloc(c->ck_scratch, ncap);
        if (p == NULL) {
            c->ck_nomem = 1;
            return NULL;
        }
        c->ck_scratch = p;
        c->ck_scratch_cap = ncap;
    }
    return c->ck_scratch;
}

unsigned long
cf_line(const cf_checker_t *c)
{
    return c->ck_line;
}

int
cf_lint_on(const cf_checker_t *c)
{
    return c->ck_opt.co_lint != CONFORM_LINT_OFF;
}

/* ------------------------------------------------------------------ */
/* life cycle                                                          */

conform_format_t
conform_format_from_content_type(const char *ct)
{
    if (ct == NULL)
        return CONFORM_FORMAT_TEXT;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, "application/openmetrics-text", 28) == 0)
        return CONFORM_FORMAT_OPENMETRICS;
    return CONFORM_FORMAT_TEXT;
}

static int
checker_init_format(conform_checker_t *c)
{
    conform_options_t sub;
    int i;

    if (c->ck_format == CONFORM_FORMAT_TEXT)
        return (c->ck_text = cf_text_new(c)) ? 0 : -1;
    if (c->ck_format == CONFORM_FORMAT_OPENMETRICS)
        return (c->ck_om = cf_om_new(c)) ? 0 : -1;
    sub = c->ck_opt;
    sub.co_report = NULL;
    sub.co_collect = 1;
    sub.co_content_type = NULL;
    sub.co_sample = NULL; /* refused with sniffing: the format is unknown until the end */
    for (i = 0; i < 2; i++) {
        sub.co_format = i == 0 ? CONFORM_FORMAT_TEXT : CONFORM_FORMAT_OPENMETRICS;
        if ((c->ck_sub[i] = conform_checker_new(&sub)) == NULL)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* samples for the caller                                              */

_Static_assert((int)CF_INFO == (int)CONFORM_TYPE_INFO && (int)CF_UNTYPED == 0,
               "enum cf_type and conform_type_t keep the same order");

int
cf_samples_on(const cf_checker_t *c)
{
    return c->ck_opt.co_sample != NULL;
}

/* Room for a sample of `bytes` bytes of strings and `nlabels` labels. */
static int
sample_room(conform_checker_t *c, size_t bytes, size_t nlabels)
{
    if (bytes > c->ck_sample_cap) {
        char *p = realloc(c->ck_sample, bytes * 2);
        if (p == NULL)
            return -1;
        c->ck_sample = p;
        c->ck_sample_cap = bytes * 2;
    }
    if (nlabels > c->ck_labels_cap) {
        conform_label_t *l = realloc(c->ck_labels, nlabels * 2 * sizeof(*l));
        if (l == NULL)
            return -1;
        c->ck_labels = l;
        c->ck_labels_cap = nlabels * 2;
    }
    return 0;
}

/* Copies p[0..n) and a NUL to *out; returns the copy. */
static const char *
sample_str(char **out, const char *p, size_t n)
{
    char *s = *out;
    memcpy(s, p, n);
    s[n] = '\0';
    *out += n + 1;
    return s;
}

void
cf_sample_deliver(cf_checker_t *c, const char *family, size_t flen, enum cf_type type,
                  const cf_sample_t *sa)
{
    conform_sample_t s;
    size_t bytes = flen + 1 + sa->sa_name.s_len + 1, i;
    char *out;

    for (i = 0; i < sa->sa_nlabels; i++)
        bytes += sa->sa_labels[i].l_name.s_len + sa->sa_labels[i].l_value.s_len + 2;
    if (sample_room(c, bytes, sa->sa_nlabels) != 0) {
        c->ck_nomem = 1;
        return;
    }
    out = c->ck_sample;
    s.cs_family = sample_str(&out, family, flen);
    s.cs_name = sample_str(&out, sa->sa_name.s_ptr, sa->sa_name.s_len);
    for (i = 0; i < sa->sa_nlabels; i++) {
        const cf_label_t *l = &sa->sa_labels[i];
        c->ck_labels[i].cl_name = sample_str(&out, l->l_name.s_ptr, l->l_name.s_len);
        c->ck_labels[i].cl_value = out; /* decoding never lengthens */
        out += cf_label_decode(l, out);
        *out++ = '\0';
    }
    s.cs_type = (conform_type_t)type;
    s.cs_labels = c->ck_labels;
    s.cs_nlabels = sa->sa_nlabels;
    s.cs_value = sa->sa_value;
    s.cs_has_timestamp = sa->sa_has_ts;
    s.cs_timestamp = sa->sa_ts;
    s.cs_line = c->ck_line;
    if (c->ck_opt.co_sample(&s, c->ck_opt.co_sample_arg) != 0)
        c->ck_stopped = 1;
}

const char *
conform_sample_label(const conform_sample_t *s, const char *name)
{
    for (size_t i = 0; i < s->cs_nlabels; i++)
        if (strcmp(s->cs_labels[i].cl_name, name) == 0)
            return s->cs_labels[i].cl_value;
    return NULL;
}

const char *
conform_type_name(conform_type_t t)
{
    static const char *const names[] = {"unknown", "counter",        "gauge",    "histogram",
                                        "summary", "gaugehistogram", "stateset", "info"};
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : NULL;
}

conform_checker_t *
conform_checker_new(const conform_options_t *opt)
{
    conform_checker_t *c;

    if (opt && ((unsigned)opt->co_format > CONFORM_FORMAT_OPENMETRICS ||
                (unsigned)opt->co_lint > CONFORM_LINT_ERROR)) {
        errno = EINVAL;
        return NULL;
    }
    if (opt && opt->co_sample != NULL && opt->co_format == CONFORM_FORMAT_AUTO &&
        opt->co_content_type == NULL) {
        errno = EINVAL;
        return NULL;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return NULL;
    if (opt)
        c->ck_opt = *opt;
    if (c->ck_opt.co_max_line == 0)
        c->ck_opt.co_max_line = DEFAULT_MAX_LINE;
    if (c->ck_opt.co_max_violations == 0)
        c->ck_opt.co_max_violations = DEFAULT_MAX_VIOLATIONS;
    c->ck_format = c->ck_opt.co_format;
    if (c->ck_format == CONFORM_FORMAT_AUTO && c->ck_opt.co_content_type != NULL)
        c->ck_format = conform_format_from_content_type(c->ck_opt.co_content_type);
    c->ck_opt.co_content_type = NULL;
    if (checker_init_format(c) != 0) {
        conform_checker_free(c);
        errno = ENOMEM;
        return NULL;
    }
    return c;
}

void
conform_checker_free(conform_checker_t *c)
{
    size_t i;

    if (c == NULL)
        return;
    conform_checker_free(c->ck_sub[0]);
    conform_checker_free(c->ck_sub[1]);
    cf_text_free(c->ck_text);
    cf_om_free(c->ck_om);
    for (i = 0; i < c->ck_nviol; i++)
        free((char *)c->ck_viol[i].cv_message);
    free(c->ck_viol);
    free(c->ck_carry);
    free(c->ck_scratch);
    free(c->ck_sample);
    free(c->ck_labels);
    free(c);
}

/* ------------------------------------------------------------------ */
/* lines                                                               */

static void
line_dispatch(conform_checker_t *c, const char *p, size_t len)
{
    size_t bad;

    c->ck_line++;
    if (len > c->ck_opt.co_max_line) {
        cf_report(c, c->ck_line, c->ck_opt.co_max_line + 1, "limit-line",
                  "line longer than %zu bytes", c->ck_opt.co_max_line);
        return;
    }
    if ((bad = cmon_utf8_check(p, len)) != len) {
        cf_report(c, c->ck_line, bad + 1, "utf8", "invalid UTF-8 byte 0x%02x",
                  (unsigned char)p[bad]);
        return;
    }
    if (c->ck_text)
        cf_text_line(c->ck_text, p, len);
    else
        cf_om_line(c->ck_om, p, len);
}

/* Append to the carried partial line, up to max_line + 1 bytes. */
static int
carry_add(conform_checker_t *c, const char *p, size_t n)
{
    size_t room = c->ck_opt.co_max_line + 1 - c->ck_carry_len;

    if (c->ck_carry_over)
        return 0;
    if (n > room) {
        c->ck_carry_over = 1;
        n = room;
    }
    if (c->ck_carry_len + n > c->ck_carry_cap) {
        size_t ncap = (c->ck_carry_len + n) * 2;
        char *q;
        if (ncap > c->ck_opt.co_max_line + 1)
            ncap = c->ck_opt.co_max_line + 1;
        if ((q = realloc(c->ck_carry, ncap)) == NULL)
            return -1;
        c->ck_carry = q;
        c->ck_carry_cap = ncap;
    }
    memcpy(c->ck_carry + c->ck_carry_len, p, n);
    c->ck_carry_len += n;
    return 0;
}

static void
carry_flush(conform_checker_t *c)
{
    if (c->ck_carry_over) {
        c->ck_line++;
        cf_report(c, c->ck_line, c->ck_opt.co_max_line + 1, "limit-line",
                  "line longer than %zu bytes", c->ck_opt.co_max_line);
    } else {
        line_dispatch(c, c->ck_carry, c->ck_carry_len);
    }
    c->ck_carry_len = 0;
    c->ck_carry_over = 0;
}

static void
tail_keep(conform_checker_t *c, const char *buf, size_t len)
{
    size_t keep = sizeof(c->ck_tail);

    if (len >= keep) {
        memcpy(c->ck_tail, buf + len - keep, keep);
        c->ck_tail_len = keep;
        return;
    }
    if (c->ck_tail_len + len > keep) {
        size_t drop = c->ck_tail_len + len - keep;
        memmove(c->ck_tail, c->ck_tail + drop, c->ck_tail_len - drop);
        c->ck_tail_len -= drop;
    }
    memcpy(c->ck_tail + c->ck_tail_len, buf, len);
    c->ck_tail_len += len;
}

static int
feed_lines(conform_checker_t *c, const char *buf, size_t len)
{
    const char *end = buf + len, *nl;

    if ((c->ck_carry_len > 0 || c->ck_carry_over)) {
        nl = memchr(buf, '\n', len);
        if (carry_add(c, buf, nl ? (size_t)(nl - buf) : len) < 0)
            return -1;
        if (nl == NULL)
            return 0;
        carry_flush(c);
        buf = nl + 1;
    }
    while (buf < end && !c->ck_stopped) {
        nl = memchr(buf, '\n', (size_t)(end - buf));
        if (nl == NULL)
            return carry_add(c, buf, (size_t)(end - buf));
        line_dispatch(c, buf, (size_t)(nl - buf));
        buf = nl + 1;
    }
    return 0;
}

int
conform_checker_feed(conform_checker_t *c, const char *buf, size_t len)
{
    int i;

    if (c->ck_finished || c->ck_stopped)
        return 1;
    if (len == 0)
        return 0;
    c->ck_any = 1;
    c->ck_last_nl = buf[len - 1] == '\n';
    if (c->ck_format == CONFORM_FORMAT_AUTO) {
        tail_keep(c, buf, len);
        for (i = 0; i < 2; i++)
            if (conform_checker_feed(c->ck_sub[i], buf, len) < 0)
                return -1;
        return 0;
    }
    if (feed_lines(c, buf, len) < 0 || c->ck_nomem) {
        errno = ENOMEM;
        return -1;
    }
    return c->ck_stopped ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* the end                                                             */

conform_format_t
conform_format_sniff(const char *buf, size_t len)
{
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    if (len >= 5 && memcmp(buf + len - 5, "# EOF", 5) == 0 && (len == 5 || buf[len - 6] == '\n'))
        return CONFORM_FORMAT_OPENMETRICS;
    return CONFORM_FORMAT_TEXT;
}

static int
finish_auto(conform_checker_t *c)
{
    conform_format_t f = conform_format_sniff(c->ck_tail, c->ck_tail_len);
    conform_checker_t *s;
    size_t i;
    int vs[2];

    vs[0] = conform_checker_finish(c->ck_sub[0]);
    vs[1] = conform_checker_finish(c->ck_sub[1]);
    s = c->ck_sub[f == CONFORM_FORMAT_OPENMETRICS];
    if (vs[0] < 0 || vs[1] < 0)
        return -1;
    c->ck_format = f;
    for (i = 0; i < s->ck_nviol && !c->ck_stopped; i++)
        deliver(c, &s->ck_viol[i]);
    /* the sub-checker counted those past its cap too */
    c->ck_errors = s->ck_errors;
    c->ck_warnings = s->ck_warnings;
    return 0;
}

int
conform_checker_finish(conform_checker_t *c)
{
    if (c->ck_finished)
        return c->ck_verdict;
    c->ck_finished = 1;
    if (c->ck_format == CONFORM_FORMAT_AUTO) {
        if (finish_auto(c) < 0)
            return c->ck_verdict = -1;
    } else if (!c->ck_stopped) {
        if (c->ck_carry_len > 0 || c->ck_carry_over)
            carry_flush(c);
        if (c->ck_text)
            cf_text_end(c->ck_text, c->ck_last_nl, !c->ck_any);
        else
            cf_om_end(c->ck_om, c->ck_last_nl, !c->ck_any);
    }
    if (c->ck_nomem) {
        errno = ENOMEM;
        return c->ck_verdict = -1;
    }
    return c->ck_verdict = c->ck_errors > 0 ? 1 : 0;
}

size_t
conform_checker_errors(const conform_checker_t *c)
{
    return c->ck_errors;
}

size_t
conform_checker_warnings(const conform_checker_t *c)
{
    return c->ck_warnings;
}

conform_format_t
conform_checker_format(const conform_checker_t *c)
{
    return c->ck_format;
}

const conform_violation_t *
conform_checker_violations(const conform_checker_t *c, size_t *n)
{
    *n = c->ck_nviol;
    return c->ck_viol;
}

int
conform_check_buffer(const char *buf, size_t len, const conform_options_t *opt)
{
    conform_options_t o;
    conform_checker_t *c;
    int rc;

    if (opt != NULL)
        o = *opt;
    else
        conform_options_init(&o);
    /* the whole input is here: sniff it now and check it in that format alone */
    if (o.co_format == CONFORM_FORMAT_AUTO && o.co_content_type == NULL)
        o.co_format = conform_format_sniff(buf, len);
    if ((c = conform_checker_new(&o)) == NULL)
        return -1;
    rc = conform_checker_feed(c, buf, len);
    if (rc >= 0)
        rc = conform_checker_finish(c);
    conform_checker_free(c);
    return rc;
}

/* ------------------------------------------------------------------ */
/* names                                                               */

const char *
conform_format_name(conform_format_t f)
{
    switch (f) {
    case CONFORM_FORMAT_TEXT:
        return "text";
    case CONFORM_FORMAT_OPENMETRICS:
        return "openmetrics";
    default:
        return "auto";
    }
}

int
conform_format_parse(const char *name, conform_format_t *out)
{
    if (strcmp(name, "text") == 0)
        *out = CONFORM_FORMAT_TEXT;
    else if (strcmp(name, "openmetrics") == 0)
        *out = CONFORM_FORMAT_OPENMETRICS;
    else if (strcmp(name, "auto") == 0)
        *out = CONFORM_FORMAT_AUTO;
    else
        return -1;
    return 0;
}

const char *
conform_format_accept(conform_format_t f)
{
    switch (f) {
    case CONFORM_FORMAT_TEXT:
        return "text/plain; version=0.0.4; charset=utf-8";
    case CONFORM_FORMAT_OPENMETRICS:
        return "application/openmetrics-text; version=1.0.0; charset=utf-8";
    default:
        return "application/openmetrics-text; version=1.0.0; charset=utf-8;q=0.9, "
               "text/plain; version=0.0.4; charset=utf-8;q=0.5";
    }
}
