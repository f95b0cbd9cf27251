/*
 * om.c - the line grammar of OpenMetrics 1.0 text (its ABNF, exactly):
 * single spaces between tokens, no blank lines, no comments but TYPE, HELP,
 * UNIT and the final "# EOF", no carriage returns, no byte order mark.
 */
#include <stdlib.h>
#include <string.h>

#include "cf.h"

struct cf_om {
    cf_parser_t o_pa; /* checker, family state, labels (parser.c) */
    int o_eof;        /* "# EOF" seen */
    int o_after_eof;  /* reported */
};

cf_om_t *
cf_om_new(cf_checker_t *c)
{
    cf_om_t *o = calloc(1, sizeof(*o));

    if (o == NULL)
        return NULL;
    if (cf_parser_init(&o->o_pa, c, 1) != 0) {
        free(o);
        return NULL;
    }
    return o;
}

void
cf_om_free(cf_om_t *o)
{
    if (o == NULL)
        return;
    cf_parser_fini(&o->o_pa);
    free(o);
}

/* ------------------------------------------------------------------ */
/* metric descriptors                                                  */

static int
parse_type(const char *p, size_t n, enum cf_type *out)
{
    static const struct {
        const char *name;
        enum cf_type type;
    } types[] = {{"counter", CF_COUNTER},     {"gauge", CF_GAUGE},
                 {"histogram", CF_HISTOGRAM}, {"gaugehistogram", CF_GAUGEHISTOGRAM},
                 {"stateset", CF_STATESET},   {"info", CF_INFO},
                 {"summary", CF_SUMMARY},     {"unknown", CF_UNTYPED}};
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strlen(types[i].name) == n && memcmp(types[i].name, p, n) == 0) {
            *out = types[i].type;
            return 0;
        }
    }
    return -1;
}

/*
 * escaped-string from p[i] to the end of the line (HELP). A double quote is
 * accepted as it is, escaped or not: the ABNF's normal-char excludes it, but
 * HELP text is not quoted, so a quote there is unambiguous, and the reference
 * parser (prometheus_client's, with the OpenMetrics test suite) accepts it,
 * e.g. the `\\"` of an escaped backslash followed by a quote. A backslash
 * must still escape something.
 */
static int
help_text(cf_om_t *o, const char *p, size_t len, size_t i)
{
    for (; i < len; i++) {
        if (p[i] == '\\' && ++i >= len) {
            cf_parser_report(&o->o_pa, i - 1, "om-escape", "backslash at the end of the line");
            return -1;
        }
    }
    return 0;
}

static void
descriptor(cf_om_t *o, const char *p, size_t len, char kind)
{
    size_t ns = 7, ne = cf_name_end(p, len, ns), k;
    cf_str_t name = {p + ns, ne - ns}, rest;
    enum cf_type type = CF_UNTYPED;

    if (ne == ns) {
        cf_parser_report(&o->o_pa, ns, "om-metric-name", "invalid metric name");
        return;
    }
    if (ne >= len || p[ne] != ' ') {
        cf_parser_report(&o->o_pa, ne, "om-descriptor-syntax",
                         "expected one space after the metric name");
        return;
    }
    rest.s_ptr = p + ne + 1;
    rest.s_len = len - ne - 1;
    if (kind == 'T' && rest.s_len > 0 && rest.s_ptr[0] == ' ') {
        cf_parser_report(&o->o_pa, ne + 1, "om-descriptor-syntax",
                         "expected one space before the type");
        return;
    }
    if (kind == 'T' && parse_type(rest.s_ptr, rest.s_len, &type) != 0) {
        cf_report(o->o_pa.pa_c, cf_line(o->o_pa.pa_c), ne + 2, "om-type-unknown",
                  "unknown type '%.*s'", (int)(rest.s_len > 64 ? 64 : rest.s_len), rest.s_ptr);
        return;
    }
    if (kind == 'H' && help_text(o, p, len, ne + 1) != 0)
        return;
    if (kind == 'U') {
        for (k = 0; k < rest.s_len; k++) {
            if (!CF_IS(rest.s_ptr[k], CF_C_NAME)) {
                cf_parser_report(&o->o_pa, ne + 1 + k, "om-descriptor-syntax",
                                 "a unit has metric name characters only");
                return;
            }
        }
    }
    cf_fam_meta(o->o_pa.pa_fs, kind, name, ns + 1, type, rest, rest.s_len == 0);
}

static void
line_hash(cf_om_t *o, const char *p, size_t len)
{
    if (len == 5 && memcmp(p, "# EOF", 5) == 0) {
        o->o_eof = 1;
        return;
    }
    if (len >= 7 && memcmp(p, "# TYPE ", 7) == 0)
        descriptor(o, p, len, 'T');
    else if (len >= 7 && memcmp(p, "# HELP ", 7) == 0)
        descriptor(o, p, len, 'H');
    else if (len >= 7 && memcmp(p, "# UNIT ", 7) == 0)
        descriptor(o, p, len, 'U');
    else
        cf_parser_report(&o->o_pa, 0, "om-comment",
                         "lines starting with # are TYPE, HELP, UNIT or EOF only");
}

/* ------------------------------------------------------------------ */
/* labels                                                              */

/* label = label-name EQ DQUOTE escaped-string DQUOTE; returns the index
 * after it, 0 on error. */
static size_t
label_one(cf_om_t *o, const char *p, size_t len, size_t i, cf_label_t *l)
{
    size_t ne = i, k;

    if (i < len && CF_IS(p[i], CF_C_LABEL0))
        for (ne = i + 1; ne < len && CF_IS(p[ne], CF_C_LABEL); ne++)
            ;
    if (ne == i) {
        cf_parser_report(&o->o_pa, i, "om-label-name", "invalid label name");
        return 0;
    }
    l->l_name.s_ptr = p + i;
    l->l_name.s_len = ne - i;
    l->l_col = i + 1;
    l->l_escaped = 0;
    if (ne + 1 >= len || p[ne] != '=' || p[ne + 1] != '"') {
        cf_parser_report(&o->o_pa, ne, "om-label-syntax", "expected =\" after the label name");
        return 0;
    }
    for (k = ne + 2; k < len; k++) {
        if (p[k] == '"') {
            l->l_value.s_ptr = p + ne + 2;
            l->l_value.s_len = k - ne - 2;
            return k + 1;
        }
        if (p[k] == '\\') {
            l->l_escaped = 1;
            k++;
        }
    }
    cf_parser_report(&o->o_pa, ne + 1, "om-label-value", "label value not terminated");
    return 0;
}

/* labels = "{" [label *(COMMA label)] "}" at p[i] == '{'. */
static size_t
label_set(cf_om_t *o, const char *p, size_t len, size_t i, size_t first, size_t *n)
{
    cf_label_t *l;

    *n = first;
    i++;
    if (i < len && p[i] == '}')
        return i + 1;
    for (;;) {
        if ((l = cf_parser_label(&o->o_pa, *n)) == NULL)
            return 0;
        if ((i = label_one(o, p, len, i, l)) == 0)
            return 0;
        (*n)++;
        if (i < len && p[i] == '}')
            return i + 1;
        if (i >= len || p[i] != ',') {
            cf_parser_report(&o->o_pa, i, "om-label-syntax", "expected ',' or '}' after a label");
            return 0;
        }
        if (++i < len && p[i] == '}') {
            cf_parser_report(&o->o_pa, i - 1, "om-label-syntax", "no comma before '}'");
            return 0;
        }
    }
}

/* ------------------------------------------------------------------ */
/* samples                                                             */

static size_t
token_end(const char *p, size_t len, size_t i)
{
    while (i < len && p[i] != ' ')
        i++;
    return i;
}

static int
number(cf_om_t *o, const char *p, size_t i, size_t e, double *out, int real)
{
    char *scratch = cf_scratch(o->o_pa.pa_c, e - i + 1);
    int rc;

    if (e == i) {
        cf_parser_report(&o->o_pa, i, "om-sample-syntax", "expected a single space and a number");
        return -1;
    }
    if (scratch == NULL)
        return -1;
    rc = real ? cf_num_om_real(p + i, e - i, out, scratch)
              : cf_num_om_number(p + i, e - i, out, scratch);
    if (rc == 0)
        return 0;
    cf_report(o->o_pa.pa_c, cf_line(o->o_pa.pa_c), i + 1,
              rc == -2 ? "om-number-range"
              : real   ? "om-timestamp"
                       : "om-number",
              "%s '%.*s'", rc == -2 ? "does not fit a float64:" : "invalid number:",
              (int)(e - i > 64 ? 64 : e - i), p + i);
    return -1;
}

/* Exemplar labels: unique names, at most 128 code points in all. */
static int
exemplar_labels(cf_om_t *o, size_t first, size_t n, size_t col)
{
    size_t i, j, cps = 0;

    for (i = first; i < n; i++) {
        cf_label_t *l = &o->o_pa.pa_labels[i];
        char *buf = cf_scratch(o->o_pa.pa_c, l->l_value.s_len + 1);
        if (buf == NULL)
            return -1;
        cps += l->l_name.s_len + cmon_utf8_count(buf, cf_label_decode(l, buf));
        if (cps > 128)
            break; /* keeps the duplicate scan below small */
        for (j = first; j < i; j++) {
            if (o->o_pa.pa_labels[j].l_name.s_len == l->l_name.s_len &&
                memcmp(o->o_pa.pa_labels[j].l_name.s_ptr, l->l_name.s_ptr, l->l_name.s_len) == 0) {
                cf_parser_report(&o->o_pa, l->l_col - 1, "label-duplicate",
                                 "exemplar label appears twice");
                return -1;
            }
        }
    }
    if (cps > 128) {
        cf_report(o->o_pa.pa_c, cf_line(o->o_pa.pa_c), col, "om-exemplar-length",
                  "exemplar labels have %zu code points, more than 128", cps);
        return -1;
    }
    return 0;
}

/* exemplar = SP HASH SP labels SP number [SP timestamp], from the '#'. */
static int
exemplar(cf_om_t *o, const char *p, size_t len, size_t i, cf_sample_t *sa)
{
    size_t nex, e;
    double ts;

    sa->sa_has_exemplar = 1;
    sa->sa_ex_col = i + 1;
    if (i + 2 >= len || p[i + 1] != ' ' || p[i + 2] != '{') {
        cf_parser_report(&o->o_pa, i, "om-exemplar-syntax",
                         "an exemplar is '# {labels} value [timestamp]'");
        return -1;
    }
    if ((i = label_set(o, p, len, i + 2, sa->sa_nlabels, &nex)) == 0)
        return -1;
    if (exemplar_labels(o, sa->sa_nlabels, nex, sa->sa_ex_col) != 0)
        return -1;
    if (i >= len || p[i] != ' ') {
        cf_parser_report(&o->o_pa, i, "om-exemplar-syntax",
                         "expected one space and the exemplar value");
        return -1;
    }
    e = token_end(p, len, ++i);
    if (number(o, p, i, e, &sa->sa_ex_value, 0) != 0)
        return -1;
    if (e == len)
        return 0;
    e = token_end(p, len, i = e + 1);
    if (number(o, p, i, e, &ts, 1) != 0)
        return -1;
    if (e != len) {
        cf_parser_report(&o->o_pa, e, "om-exemplar-syntax", "unexpected text after the exemplar");
        return -1;
    }
    return 0;
}

/* SP number [SP timestamp] [exemplar], from the space at p[i]. */
static int
value_ts(cf_om_t *o, const char *p, size_t len, size_t i, cf_sample_t *sa)
{
    size_t e;

    if (i >= len || p[i] != ' ') {
        cf_parser_report(&o->o_pa, i, "om-sample-syntax", "expected one space before the value");
        return -1;
    }
    e = token_end(p, len, ++i);
    sa->sa_value_col = i + 1;
    if (number(o, p, i, e, &sa->sa_value, 0) != 0)
        return -1;
    if (e == len)
        return 0;
    i = e + 1;
    if (i < len && p[i] == '#')
        return exemplar(o, p, len, i, sa);
    e = token_end(p, len, i);
    if (number(o, p, i, e, &sa->sa_ts, 1) != 0)
        return -1;
    sa->sa_has_ts = 1;
    if (e == len)
        return 0;
    if (e + 1 < len && p[e + 1] == '#')
        return exemplar(o, p, len, e + 1, sa);
    cf_parser_report(&o->o_pa, e, "om-sample-syntax", "unexpected text after the timestamp");
    return -1;
}

static void
line_sample(cf_om_t *o, const char *p, size_t len)
{
    cf_sample_t sa;
    size_t i = cf_name_end(p, len, 0);

    memset(&sa, 0, sizeof(sa));
    if (i == 0) {
        cf_parser_report(&o->o_pa, 0, "om-metric-name", "invalid metric name");
        return;
    }
    sa.sa_name.s_ptr = p;
    sa.sa_name.s_len = i;
    sa.sa_name_col = 1;
    if (i < len && p[i] == '{' && (i = label_set(o, p, len, i, 0, &sa.sa_nlabels)) == 0)
        return;
    if (value_ts(o, p, len, i, &sa) != 0)
        return;
    sa.sa_labels = o->o_pa.pa_labels;
    cf_fam_sample(o->o_pa.pa_fs, &sa);
}

void
cf_om_line(cf_om_t *o, const char *p, size_t len)
{
    if (o->o_eof) {
        if (!o->o_after_eof)
            cf_parser_report(&o->o_pa, 0, "om-after-eof", "nothing may follow # EOF");
        o->o_after_eof = 1;
        return;
    }
    if (cf_line(o->o_pa.pa_c) == 1 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        cf_parser_report(&o->o_pa, 0, "om-bom", "byte order marks must not be used");
        p += 3;
        len -= 3;
    }
    if (len > 0 && p[len - 1] == '\r') {
        cf_parser_report(&o->o_pa, len - 1, "om-cr", "lines end with \\n, not \\r\\n");
        return;
    }
    if (len == 0) {
        cf_parser_report(&o->o_pa, 0, "om-blank-line", "blank lines are not allowed");
        return;
    }
    if (p[0] == '#')
        line_hash(o, p, len);
    else
        line_sample(o, p, len);
}

void
cf_om_end(cf_om_t *o, int last_nl, int empty)
{
    (void)last_nl;
    (void)empty;
    cf_fam_end(o->o_pa.pa_fs);
    if (!o->o_eof)
        cf_report(o->o_pa.pa_c, cf_line(o->o_pa.pa_c), 1, "om-eof-missing",
                  "the exposition must end with # EOF");
}
