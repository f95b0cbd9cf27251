/* negotiate - Accept and Accept-Encoding with q-values. */
#include "negotiate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One element of a comma list: the token and its q-value (1 by default). */
typedef struct nego_item {
    char ni_token[96];
    double ni_q;
} nego_item_t;

static const char *
nego_skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Reads the q parameter from a ";a=b;q=0.5" list ending at end. */
static double
nego_q(const char *p, const char *end)
{
    double q = 1.0;
    while (p < end && *p == ';') {
        p = nego_skip_ws(p + 1);
        if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            char tmp[16];
            size_t n = 0;
            for (p += 2; p < end && *p != ';' && n < sizeof(tmp) - 1; p++)
                tmp[n++] = *p;
            tmp[n] = '\0';
            char *e;
            q = strtod(tmp, &e);
            if (e == tmp || q < 0 || q > 1)
                q = 0; /* malformed: treat as not acceptable */
        }
        while (p < end && *p != ';')
            p++;
    }
    return q;
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
    it->ni_q = nego_q(p, end);
    *pp = end;
    return 1;
}

expo_format_t
negotiate_format(const char *accept)
{
    if (accept == NULL)
        return EXPO_TEXT;
    double q_om = 0, q_text = 0;
    nego_item_t it;
    for (const char *p = accept; nego_next(&p, &it);) {
        if (strcasecmp(it.ni_token, "application/openmetrics-text") == 0) {
            if (it.ni_q > q_om)
                q_om = it.ni_q;
        } else if (strcasecmp(it.ni_token, "text/plain") == 0 ||
                   strcasecmp(it.ni_token, "text/*") == 0 || strcmp(it.ni_token, "*/*") == 0) {
            if (it.ni_q > q_text)
                q_text = it.ni_q;
        }
    }
    return q_om > 0 && q_om >= q_text ? EXPO_OPENMETRICS : EXPO_TEXT;
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
