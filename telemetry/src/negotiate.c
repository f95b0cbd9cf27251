/* negotiate: a small reader of Accept media ranges and their q-values. */
#include "negotiate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One media range "type/sub; p=v; q=0.5" (not NUL-terminated, length n):
 * its q-value and whether its version parameter, if any, is 1.0.0. */
static double
negotiate_range(const char *s, size_t n, const char *type, bool *version_ok)
{
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    size_t tlen = strlen(type);
    if (n < tlen || strncasecmp(s, type, tlen) != 0 ||
        (n > tlen && s[tlen] != ';' && s[tlen] != ' '))
        return -1;
    double q = 1;
    *version_ok = true;
    for (const char *p = memchr(s, ';', n); p != NULL && p < s + n;
         p = memchr(p + 1, ';', (size_t)(s + n - p - 1))) {
        const char *v = p + 1;
        while (*v == ' ')
            v++;
        if (strncasecmp(v, "q=", 2) == 0)
            q = strtod(v + 2, NULL);
        else if (strncasecmp(v, "version=", 8) == 0)
            *version_ok = strncmp(v + 8, "1.0.0", 5) == 0;
    }
    return q;
}

/* Highest q among the ranges of `accept` that match `type`. */
static double
negotiate_best(const char *accept, const char *type, bool need_version)
{
    double best = -1;
    const char *s = accept;
    while (*s) {
        size_t n = strcspn(s, ",");
        bool version_ok = false;
        double q = negotiate_range(s, n, type, &version_ok);
        if (q > best && (version_ok || !need_version))
            best = q;
        s += n;
        if (*s == ',')
            s++;
    }
    return best;
}

enum expo_format
negotiate_format(const char *accept)
{
    if (accept == NULL)
        return EXPO_TEXT;
    double om = negotiate_best(accept, "application/openmetrics-text", true);
    double text = negotiate_best(accept, "text/plain", false);
    double any = negotiate_best(accept, "*/*", false);
    double textany = negotiate_best(accept, "text/*", false);
    if (any > text)
        text = any;
    if (textany > text)
        text = textany;
    return om > 0 && om >= text ? EXPO_OPENMETRICS : EXPO_TEXT;
}
