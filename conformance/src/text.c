/*
 * text.c - the line grammar of the Prometheus text format 0.0.4.
 *
 * Tokens may be separated by blanks and tabs, leading and trailing
 * whitespace is ignored, label sets may end with a comma; label values escape
 * \\ \" and \n, HELP texts \\ and \n (any other escape is an error, as in
 * Go's parser). Values are Go ParseFloat floats, timestamps int64.
 */
#include <stdlib.h>
#include <string.h>

#include "cf.h"

struct cf_text {
    cf_parser_t t_pa; /* checker, family state, labels (parser.c) */
};

cf_text_t *
cf_text_new(cf_checker_t *c)
{
    cf_text_t *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    if (cf_parser_init(&t->t_pa, c, 0) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

void
cf_text_free(cf_text_t *t)
{
    if (t == NULL)
        return;
    cf_parser_fini(&t->t_pa);
    free(t);
}

static size_t
skip_blanks(const char *p, size_t len, size_t i)
{
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    return i;
}

static size_t
token_end(const char *p, size_t len, size_t i)
{
    while (i < len && p[i] != ' ' && p[i] != '\t')
        i++;
    return i;
}

/* ------------------------------------------------------------------ */
/* comments, HELP and TYPE                                             */

static int
parse_type(const char *p, size_t n, enum cf_type *out)
{
    static const struct {
        const char *name;
        enum cf_type type;
    } types[] = {{"counter", CF_COUNTER},
                 {"gauge", CF_GAUGE},
                 {"histogram", CF_HISTOGRAM},
                 {"summary", CF_SUMMARY},
                 {"untyped", CF_UNTYPED}};
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strlen(types[i].name) == n && memcmp(types[i].name, p, n) == 0) {
            *out = types[i].type;
            return 0;
        }
    }
    return -1;
}

static void
line_help(cf_text_t *t, const char *p, size_t len, size_t i, cf_str_t name, size_t col)
{
    size_t k;
    cf_str_t none = {NULL, 0};

    i = skip_blanks(p, len, i);
    for (k = i; k < len; k++) {
        if (p[k] != '\\')
            continue;
        if (k + 1 >= len || (p[k + 1] != '\\' && p[k + 1] != 'n')) {
            cf_parser_report(&t->t_pa, k, "text-escape", "HELP text escapes only \\\\ and \\n");
            return;
        }
        k++;
    }
    cf_fam_meta(t->t_pa.pa_fs, 'H', name, col, CF_UNTYPED, none, i == len);
}

static void
line_type(cf_text_t *t, const char *p, size_t len, size_t i, cf_str_t name, size_t col)
{
    size_t start = skip_blanks(p, len, i), end = token_end(p, len, start);
    enum cf_type type;
    cf_str_t none = {NULL, 0};

    if (start == end || skip_blanks(p, len, end) != len) {
        cf_parser_report(&t->t_pa, start, "text-type-syntax",
                         "TYPE needs exactly a metric name and a type");
        return;
    }
    if (parse_type(p + start, end - start, &type) != 0) {
        cf_report(t->t_pa.pa_c, cf_line(t->t_pa.pa_c), start + 1, "text-type-unknown",
                  "unknown type '%.*s' (counter, gauge, histogram, summary or untyped)",
                  (int)(end - start), p + start);
        return;
    }
    cf_fam_meta(t->t_pa.pa_fs, 'T', name, col, type, none, 0);
}

static void
line_comment(cf_text_t *t, const char *p, size_t len, size_t i)
{
    size_t start = skip_blanks(p, len, i), end = token_end(p, len, start), ns, ne;
    int help;
    cf_str_t name;

    help = end - start == 4 && memcmp(p + start, "HELP", 4) == 0;
    if (!help && !(end - start == 4 && memcmp(p + start, "TYPE", 4) == 0))
        return; /* a plain comment */
    ns = skip_blanks(p, len, end);
    ne = cf_name_end(p, len, ns);
    if (ns == len) {
        cf_parser_report(&t->t_pa, ns, help ? "text-help-syntax" : "text-type-syntax",
                         help ? "HELP needs a metric name" : "TYPE needs a metric name and a type");
        return;
    }
    if (ne == ns || (ne < len && p[ne] != ' ' && p[ne] != '\t')) {
        cf_parser_report(&t->t_pa, ne, "text-metric-name", "invalid metric name in comment");
        return;
    }
    name.s_ptr = p + ns;
    name.s_len = ne - ns;
    if (help)
        line_help(t, p, len, ne, name, ns + 1);
    else
        line_type(t, p, len, ne, name, ns + 1);
}

/* ------------------------------------------------------------------ */
/* samples                                                             */

/* Label value from the opening quote at p[i]; returns the index after the
 * closing quote, or 0 on error (reported). */
static size_t
label_value(cf_text_t *t, const char *p, size_t len, size_t i, cf_label_t *l)
{
    size_t k;

    l->l_escaped = 0;
    for (k = i + 1; k < len; k++) {
        if (p[k] == '"') {
            l->l_value.s_ptr = p + i + 1;
            l->l_value.s_len = k - i - 1;
            return k + 1;
        }
        if (p[k] == '\\') {
            if (k + 1 >= len || (p[k + 1] != '\\' && p[k + 1] != '"' && p[k + 1] != 'n')) {
                cf_parser_report(&t->t_pa, k, "text-escape",
                                 "label values escape only \\\\, \\\" and \\n");
                return 0;
            }
            l->l_escaped = 1;
            k++;
        }
    }
    cf_parser_report(&t->t_pa, i, "text-label-value", "label value not terminated");
    return 0;
}

/* One label at p[i]; returns the index after its value, 0 on error. */
static size_t
label_one(cf_text_t *t, const char *p, size_t len, size_t i, cf_label_t *l)
{
    size_t ne = i;

    if (i < len && CF_IS(p[i], CF_C_LABEL0))
        for (ne = i + 1; ne < len && CF_IS(p[ne], CF_C_LABEL); ne++)
            ;
    if (ne == i) {
        cf_parser_report(&t->t_pa, i, "text-label-name", "invalid label name");
        return 0;
    }
    if (ne - i >= 2 && p[i] == '_' && p[i + 1] == '_') {
        cf_parser_report(&t->t_pa, i, "text-label-reserved",
                         "label names starting with __ are reserved");
        return 0;
    }
    l->l_name.s_ptr = p + i;
    l->l_name.s_len = ne - i;
    l->l_col = i + 1;
    i = skip_blanks(p, len, ne);
    if (i >= len || p[i] != '=') {
        cf_parser_report(&t->t_pa, i, "text-label-syntax", "expected '=' after the label name");
        return 0;
    }
    i = skip_blanks(p, len, i + 1);
    if (i >= len || p[i] != '"') {
        cf_parser_report(&t->t_pa, i, "text-label-syntax", "expected '\"' to open the label value");
        return 0;
    }
    return label_value(t, p, len, i, l);
}

/* Label set from '{' at p[i]; returns the index after '}', 0 on error. */
static size_t
label_set(cf_text_t *t, const char *p, size_t len, size_t i, size_t *nlabels)
{
    size_t n = 0;
    cf_label_t *l;

    for (i++;;) {
        i = skip_blanks(p, len, i);
        if (i < len && p[i] == '}')
            break;
        if ((l = cf_parser_label(&t->t_pa, n)) == NULL)
            return 0;
        if ((i = label_one(t, p, len, i, l)) == 0)
            return 0;
        n++;
        i = skip_blanks(p, len, i);
        if (i < len && p[i] == ',') {
            i++;
            continue;
        }
        if (i < len && p[i] == '}')
            break;
        cf_parser_report(&t->t_pa, i, "text-label-syntax", "expected ',' or '}' after a label");
        return 0;
    }
    *nlabels = n;
    return i + 1;
}

/* Value and optional timestamp from p[i]; 0 ok. */
static int
value_ts(cf_text_t *t, const char *p, size_t len, size_t i, cf_sample_t *sa)
{
    size_t e = token_end(p, len, i);
    char *scratch;
    int rc;

    if (e == i) {
        cf_parser_report(&t->t_pa, i, "text-value", "missing value");
        return -1;
    }
    if ((scratch = cf_scratch(t->t_pa.pa_c, e - i + 1)) == NULL)
        return -1;
    sa->sa_value_col = i + 1;
    if ((rc = cf_num_go_float(p + i, e - i, &sa->sa_value, scratch)) != 0) {
        cf_report(t->t_pa.pa_c, cf_line(t->t_pa.pa_c), i + 1, "text-value", "%s '%.*s'",
                  rc == -2 ? "value out of float64 range:" : "invalid value (Go ParseFloat):",
                  (int)(e - i > 64 ? 64 : e - i), p + i);
        return -1;
    }
    i = skip_blanks(p, len, e);
    sa->sa_has_ts = i < len;
    if (i == len)
        return 0;
    e = token_end(p, len, i);
    if ((rc = cf_num_go_int64(p + i, e - i, &sa->sa_ts_int)) != 0) {
        cf_report(t->t_pa.pa_c, cf_line(t->t_pa.pa_c), i + 1, "text-timestamp", "%s '%.*s'",
                  rc == -2 ? "timestamp out of int64 range:" : "timestamp is not an int64:",
                  (int)(e - i > 64 ? 64 : e - i), p + i);
        return -1;
    }
    sa->sa_ts = (double)sa->sa_ts_int;
    if (skip_blanks(p, len, e) != len) {
        cf_parser_report(&t->t_pa, skip_blanks(p, len, e), "text-trailing",
                         "unexpected text after the timestamp");
        return -1;
    }
    return 0;
}

static void
line_sample(cf_text_t *t, const char *p, size_t len, size_t i)
{
    cf_sample_t sa;
    size_t e = cf_name_end(p, len, i);

    memset(&sa, 0, sizeof(sa));
    if (e == i) {
        cf_parser_report(&t->t_pa, i, "text-metric-name", "invalid metric name");
        return;
    }
    sa.sa_name.s_ptr = p + i;
    sa.sa_name.s_len = e - i;
    sa.sa_name_col = i + 1;
    i = skip_blanks(p, len, e);
    if (i < len && p[i] == '{') {
        if ((i = label_set(t, p, len, i, &sa.sa_nlabels)) == 0)
            return;
        i = skip_blanks(p, len, i);
    }
    sa.sa_labels = t->t_pa.pa_labels;
    if (value_ts(t, p, len, i, &sa) != 0)
        return;
    cf_fam_sample(t->t_pa.pa_fs, &sa);
}

void
cf_text_line(cf_text_t *t, const char *p, size_t len)
{
    size_t i = skip_blanks(p, len, 0);

    if (i == len)
        return;
    if (p[i] == '#')
        line_comment(t, p, len, i + 1);
    else
        line_sample(t, p, len, i);
}

void
cf_text_end(cf_text_t *t, int last_nl, int empty)
{
    cf_fam_end(t->t_pa.pa_fs);
    if (!last_nl && !empty)
        cf_report(t->t_pa.pa_c, cf_line(t->t_pa.pa_c), 1, "text-newline",
                  "the last line must end with a line feed");
}
