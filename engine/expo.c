/*
 * expo.c - a small reader of exposition sample lines:
 *   name [ "{" label="value" { "," label="value" } [","] "}" ] value [ timestamp ]
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

struct expo_cursor {
    const char *ec_p, *ec_end;
};

static int
expo_name_char(int c, int first)
{
    return isalpha(c) || c == '_' || c == ':' || (!first && isdigit(c));
}

static int
expo_token(struct expo_cursor *c, char *out, size_t len)
{
    size_t n = 0;
    while (c->ec_p < c->ec_end && expo_name_char((unsigned char)*c->ec_p, n == 0)) {
        if (n + 1 >= len)
            return -1;
        out[n++] = *c->ec_p++;
    }
    out[n] = '\0';
    return n > 0 ? 0 : -1;
}

static int
expo_quoted(struct expo_cursor *c, char *out, size_t len)
{
    size_t n = 0;
    if (c->ec_p >= c->ec_end || *c->ec_p++ != '"')
        return -1;
    while (c->ec_p < c->ec_end && *c->ec_p != '"') {
        char ch = *c->ec_p++;
        if (ch == '\\' && c->ec_p < c->ec_end) {
            ch = *c->ec_p++;
            ch = ch == 'n' ? '\n' : ch;
        }
        if (n + 1 >= len)
            return -1;
        out[n++] = ch;
    }
    out[n] = '\0';
    if (c->ec_p >= c->ec_end)
        return -1;
    c->ec_p++;
    return 0;
}

static int
expo_labels(struct expo_cursor *c, struct scn_sample *s)
{
    c->ec_p++; /* '{' */
    while (c->ec_p < c->ec_end && *c->ec_p != '}') {
        if (s->ss_nlabels == SCN_EXPO_LABELS_MAX)
            return -1;
        struct scn_label *l = &s->ss_labels[s->ss_nlabels++];
        if (expo_token(c, l->sl_name, sizeof(l->sl_name)) != 0)
            return -1;
        if (c->ec_p >= c->ec_end || *c->ec_p++ != '=')
            return -1;
        if (expo_quoted(c, l->sl_value, sizeof(l->sl_value)) != 0)
            return -1;
        if (c->ec_p < c->ec_end && *c->ec_p == ',')
            c->ec_p++;
    }
    if (c->ec_p >= c->ec_end)
        return -1;
    c->ec_p++;
    return 0;
}

static int
expo_value(struct expo_cursor *c, double *out)
{
    char buf[64];
    while (c->ec_p < c->ec_end && *c->ec_p == ' ')
        c->ec_p++;
    size_t n = 0;
    while (c->ec_p < c->ec_end && *c->ec_p != ' ' && n + 1 < sizeof(buf))
        buf[n++] = *c->ec_p++;
    buf[n] = '\0';
    if (n == 0)
        return -1;
    char *end;
    *out = strtod(buf, &end);
    return *end == '\0' ? 0 : -1;
}

static int
expo_line(const char *p, const char *end, struct scn_sample *s)
{
    struct expo_cursor c = {p, end};
    s->ss_nlabels = 0;
    if (expo_token(&c, s->ss_name, sizeof(s->ss_name)) != 0)
        return -1;
    if (c.ec_p < c.ec_end && *c.ec_p == '{' && expo_labels(&c, s) != 0)
        return -1;
    return expo_value(&c, &s->ss_value);
}

size_t
scn_expo_parse(const char *body, size_t len, scn_expo_fn fn, void *arg)
{
    struct scn_sample s;
    size_t bad = 0;
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if (eol > p && *p != '#') {
            if (expo_line(p, eol, &s) != 0)
                bad++;
            else if (fn != NULL && fn(arg, &s) != 0)
                break;
        }
        p = nl ? nl + 1 : end;
    }
    return bad;
}

const char *
scn_expo_label(const struct scn_sample *s, const char *name)
{
    for (size_t i = 0; i < s->ss_nlabels; i++)
        if (strcmp(s->ss_labels[i].sl_name, name) == 0)
            return s->ss_labels[i].sl_value;
    return NULL;
}
