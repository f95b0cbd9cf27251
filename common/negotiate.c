/* negotiate - Accept and Accept-Encoding with q-values (RFC 9110, 12.4). */
#include "negotiate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * One element of a comma list, "token *( OWS ; OWS name=value )": the
 * token, its q-value (1 by default) and its version parameter ("" when
 * absent). Other parameters are skipped.
 */
typedef struct nego_item {
    char ni_token[96];
    char ni_version[16];
    double ni_q;
} nego_item_t;

static const char *
nego_skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Copies what is left of p before end, at most size - 1 bytes, without
 * trailing blanks, into out. */
static void
nego_copy(const char *p, const char *end, char *out, size_t size)
{
    size_t n = 0;
    for (; p < end && n < size - 1; p++)
        out[n++] = *p;
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
        n--;
    out[n] = '\0';
}

/* qvalue = 0 .. 1 (RFC 9110, 12.4.2); anything malformed is 0, which
 * refuses, rather than the default 1, which would accept. */
static double
nego_qvalue(const char *s)
{
    char *e;
    double q = strtod(s, &e);
    if (e == s || *e != '\0' || !(q >= 0 && q <= 1))
        return 0;
    return q;
}

/* One parameter "name=value" (value maybe quoted) ending at end. */
static void
nego_param(const char *p, const char *end, nego_item_t *it)
{
    const char *eq = memchr(p, '=', (size_t)(end - p));
    if (eq == NULL)
        return;
    char name[16], value[16];
    nego_copy(p, eq, name, sizeof(name));
    const char *v = nego_skip_ws(eq + 1), *vend = end;
    if (v < vend && *v == '"') {
        const char *close = memchr(v + 1, '"', (size_t)(vend - v - 1));
        v++;
        vend = close != NULL ? close : vend;
    }
    nego_copy(v, vend, value, sizeof(value));
    if (strcasecmp(name, "q") == 0)
        it->ni_q = nego_qvalue(value);
    else if (strcasecmp(name, "version") == 0)
        memcpy(it->ni_version, value, sizeof(value));
}

/* The parameters ";a=b;q=0.5" from p (at a ';' or at end) to end. */
static void
nego_params(const char *p, const char *end, nego_item_t *it)
{
    it->ni_q = 1.0;
    it->ni_version[0] = '\0';
    while (p < end && *p == ';') {
        p = nego_skip_ws(p + 1);
        const char *next = memchr(p, ';', (size_t)(end - p));
        if (next == NULL)
            next = end;
        nego_param(p, next, it);
        p = next;
    }
}

/* Parses the next list element starting at *pp; 0 at the end of the list. */
static int
nego_next(const char **pp, nego_item_t *it)
{
    const char *p = *pp;
    while (*p == ',' || *p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return 0;
    const char *end = strchr(p, ',');
    if (end == NULL)
        end = p + strlen(p);
    size_t n = 0;
    while (p < end && *p != ';' && *p != ' ' && *p != '\t' && n < sizeof(it->ni_token) - 1)
        it->ni_token[n++] = *p++;
    it->ni_token[n] = '\0';
    while (p < end && *p != ';')
        p++;
    nego_params(p, end, it);
    *pp = end;
    return 1;
}

/* OpenMetrics in a version this program writes (no version: any). */
static int
nego_is_openmetrics(const nego_item_t *it)
{
    return strcasecmp(it->ni_token, "application/openmetrics-text") == 0 &&
           (it->ni_version[0] == '\0' || strcmp(it->ni_version, "1.0.0") == 0);
}

static int
nego_is_text(const nego_item_t *it)
{
    return strcasecmp(it->ni_token, "text/plain") == 0 || strcasecmp(it->ni_token, "text/*") == 0 ||
           strcmp(it->ni_token, "*/*") == 0;
}

/* The highest q-value Accept (may be NULL) gives each format; 0: refused
 * or not named. */
static void
nego_format_q(const char *accept, double *q_om, double *q_text)
{
    *q_om = 0;
    *q_text = 0;
    if (accept == NULL)
        return;
    nego_item_t it;
    for (const char *p = accept; nego_next(&p, &it);) {
        if (nego_is_openmetrics(&it)) {
            if (it.ni_q > *q_om)
                *q_om = it.ni_q;
        } else if (nego_is_text(&it)) {
            if (it.ni_q > *q_text)
                *q_text = it.ni_q;
        }
    }
}

expo_format_t
negotiate_format(const char *accept)
{
    double q_om, q_text;
    nego_format_q(accept, &q_om, &q_text);
    return q_om > 0 && q_om >= q_text ? EXPO_OPENMETRICS : EXPO_TEXT;
}

expo_format_t
negotiate_format_text_first(const char *accept)
{
    double q_om, q_text;
    nego_format_q(accept, &q_om, &q_text);
    return q_om > 0 && q_text == 0 ? EXPO_OPENMETRICS : EXPO_TEXT;
}

int
negotiate_gzip(const char *accept_encoding)
{
    if (accept_encoding == NULL)
        return 0;
    double q_gzip = -1, q_any = -1;
    nego_item_t it;
    for (const char *p = accept_encoding; nego_next(&p, &it);) {
        if (strcasecmp(it.ni_token, "gzip") == 0 || strcasecmp(it.ni_token, "x-gzip") == 0)
            q_gzip = it.ni_q > q_gzip ? it.ni_q : q_gzip;
        else if (strcmp(it.ni_token, "*") == 0)
            q_any = it.ni_q;
    }
    if (q_gzip >= 0)
        return q_gzip > 0;
    return q_any > 0;
}
