/* cli.c - strict numbers of a command line (see cli.h). */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* say() - the reason, when the caller wants it. Returns -1. */
static int
say(char *why, size_t whylen, const char *text)
{
    if (why != NULL && whylen > 0)
        snprintf(why, whylen, "%s", text);
    return -1;
}

int
cmon_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why, size_t whylen)
{
    char range[64];
    char *end;

    /* strtoull would take leading space, a sign and wrap "-1" around */
    if (s == NULL || !isdigit((unsigned char)s[0]))
        return say(why, whylen, "not a whole number");
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0')
        return say(why, whylen, "not a whole number");
    if (errno == ERANGE || v < min || v > max) {
        snprintf(range, sizeof(range), "want %llu to %llu", (unsigned long long)min,
                 (unsigned long long)max);
        return say(why, whylen, range);
    }
    *out = v;
    return 0;
}

int
cmon_parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *out, char *why,
                    size_t whylen)
{
    uint64_t v;

    if (cmon_parse_u64(s, min, max, &v, why, whylen) != 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int
cmon_parse_double(const char *s, double min, double max, double *out, char *why, size_t whylen)
{
    char range[96];
    char *end;

    /* strtod would take leading space; nan and inf are no flag's value */
    if (s == NULL || s[0] == '\0' || isspace((unsigned char)s[0]))
        return say(why, whylen, "not a number");
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || isnan(v) || (isinf(v) && errno != ERANGE))
        return say(why, whylen, "not a number");
    /* an overflow (ERANGE, inf) is out of range; an underflow, a tiny finite v, may be in it */
    if (isinf(v) || !(v >= min && v <= max)) {
        snprintf(range, sizeof(range), "want %g to %g", min, max);
        return say(why, whylen, range);
    }
    *out = v;
    return 0;
}
