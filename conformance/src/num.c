/*
 * num.c - the number grammars of both formats.
 *
 * Text 0.0.4 values follow Go's strconv.ParseFloat(s, 64): decimal or
 * hexadecimal (0x mantissa with a mandatory p exponent) floats, underscores
 * only between digits (Go's underscoreOK), "inf"/"infinity" with an optional
 * sign and "nan" without one (case-insensitive); a value beyond float64 is
 * ErrRange. Timestamps follow strconv.ParseInt(s, 10, 64): a sign and
 * decimal digits only. OpenMetrics numbers follow its ABNF.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cf.h"

static int
lower(int c)
{
    return c | 0x20;
}

static int
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int
is_hex(int c)
{
    return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

/* Length of the common case-insensitive prefix of p[0..n) and word. */
static size_t
prefix_ci(const char *p, size_t n, const char *word)
{
    size_t i;

    for (i = 0; i < n && word[i] != '\0'; i++)
        if (lower((unsigned char)p[i]) != word[i])
            break;
    return i;
}

/* Go's special(): 1 with *out set when the whole token is one. */
static int
go_special(const char *p, size_t n, double *out)
{
    double sign = 1;
    size_t k, off = 0;

    if (n == 0)
        return 0;
    if (p[0] == '+' || p[0] == '-') {
        sign = p[0] == '-' ? -1 : 1;
        off = 1;
    } else if (lower((unsigned char)p[0]) == 'n') {
        if (n == 3 && prefix_ci(p, n, "nan") == 3) {
            *out = NAN;
            return 1;
        }
        return 0;
    }
    k = prefix_ci(p + off, n - off, "infinity");
    if ((k == 3 && n - off == 3) || (k == 8 && n - off == 8)) {
        *out = sign * INFINITY;
        return 1;
    }
    return 0;
}

/* Go's underscoreOK on the whole token. */
static int
go_underscore_ok(const char *s, size_t n)
{
    char saw = '^';
    size_t i = 0;
    int hex = 0;

    if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
        s++;
        n--;
    }
    if (n >= 2 && s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
        i = 2;
        saw = '0';
        hex = lower(s[1]) == 'x';
    }
    for (; i < n; i++) {
        if (is_digit(s[i]) || (hex && is_hex(s[i]))) {
            saw = '0';
            continue;
        }
        if (s[i] == '_') {
            if (saw != '0')
                return 0;
            saw = '_';
            continue;
        }
        if (saw == '_')
            return 0;
        saw = '!';
    }
    return saw != '_';
}

/* Go's readFloat syntax: 1 when the whole token is a float literal. */
static int
go_syntax(const char *s, size_t n, int *underscores)
{
    size_t i = 0;
    int hex = 0, sawdot = 0, sawdigits = 0;

    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    if (i + 2 < n && s[i] == '0' && lower(s[i + 1]) == 'x') {
        hex = 1;
        i += 2;
    }
    for (; i < n; i++) {
        char ch = s[i];
        if (ch == '_') {
            *underscores = 1;
        } else if (ch == '.') {
            if (sawdot)
                break;
            sawdot = 1;
        } else if (is_digit(ch) || (hex && is_hex(ch))) {
            sawdigits = 1;
        } else {
            break;
        }
    }
    if (!sawdigits)
        return 0;
    if (i < n && lower(s[i]) == (hex ? 'p' : 'e')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || !is_digit(s[i]))
            return 0;
        for (; i < n && (is_digit(s[i]) || s[i] == '_'); i++)
            if (s[i] == '_')
                *underscores = 1;
    } else if (hex) {
        return 0; /* a hexadecimal mantissa requires a p exponent */
    }
    return i == n;
}

/* strtod on a copy without underscores; -2 when the result overflows. */
static int
convert(const char *p, size_t n, double *out, char *scratch)
{
    size_t i, k = 0;
    char *end;
    double v;

    for (i = 0; i < n; i++)
        if (p[i] != '_')
            scratch[k++] = p[i];
    scratch[k] = '\0';
    errno = 0;
    v = strtod(scratch, &end);
    if (end != scratch + k)
        return -1;
    if (isinf(v))
        return -2;
    *out = v;
    return 0;
}

/* Fast path (Clinger): [-]digits[.digits] with at most 15 digits in all is
 * an integer below 2^53 divided by an exact power of ten: one correctly
 * rounded division gives the same double as strtod. Returns 0 when the
 * token is something else (left to the full parsers). */
static int
small_int(const char *p, size_t n, double *out)
{
    static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    size_t i = 0, digits = 0, frac = 0;
    int64_t v = 0;
    int dot = 0;

    if (n > 0 && p[0] == '-')
        i = 1;
    for (; i < n; i++) {
        if (is_digit(p[i])) {
            if (++digits > 15)
                return 0;
            v = v * 10 + (p[i] - '0');
            frac += dot;
        } else if (p[i] == '.' && !dot) {
            dot = 1;
        } else {
            return 0;
        }
    }
    if (digits == 0)
        return 0;
    *out = (double)v / pow10[frac];
    if (p[0] == '-')
        *out = -*out;
    return 1;
}

int
cf_num_go_float(const char *p, size_t n, double *out, char *scratch)
{
    int underscores = 0;

    if (small_int(p, n, out))
        return 0;
    if (go_special(p, n, out))
        return 0;
    if (!go_syntax(p, n, &underscores))
        return -1;
    if (underscores && !go_underscore_ok(p, n))
        return -1;
    return convert(p, n, out, scratch);
}

int
cf_num_go_int64(const char *p, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    uint64_t v = 0, lim;

    if (n > 0 && (p[0] == '+' || p[0] == '-')) {
        neg = p[0] == '-';
        i = 1;
    }
    if (i == n)
        return -1;
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (!is_digit(p[i]))
            return -1;
        if (v > (lim - (uint64_t)(p[i] - '0')) / 10) {
            for (; i < n; i++)
                if (!is_digit(p[i]))
                    return -1;
            return -2;
        }
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* realnumber = [SIGN] 1*DIGIT ["." *DIGIT] ["e" [SIGN] 1*DIGIT]
 *            / [SIGN] *DIGIT "." 1*DIGIT ["e" [SIGN] 1*DIGIT] */
static int
om_real_syntax(const char *s, size_t n)
{
    size_t i = 0, before = 0, after = 0;

    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    for (; i < n && is_digit(s[i]); i++)
        before++;
    if (i < n && s[i] == '.') {
        for (i++; i < n && is_digit(s[i]); i++)
            after++;
    }
    if (before == 0 && after == 0)
        return 0;
    if (i < n && lower(s[i]) == 'e') {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || !is_digit(s[i]))
            return 0;
        while (i < n && is_digit(s[i]))
            i++;
    }
    return i == n;
}

int
cf_num_om_real(const char *p, size_t n, double *out, char *scratch)
{
    if (small_int(p, n, out))
        return 0;
    if (!om_real_syntax(p, n))
        return -1;
    return convert(p, n, out, scratch);
}

int
cf_num_om_number(const char *p, size_t n, double *out, char *scratch)
{
    size_t off = 0;

    if (small_int(p, n, out))
        return 0;
    if (n == 3 && prefix_ci(p, n, "nan") == 3) {
        *out = NAN;
        return 0;
    }
    if (n > 0 && (p[0] == '+' || p[0] == '-'))
        off = 1;
    if ((n - off == 3 && prefix_ci(p + off, 3, "inf") == 3) ||
        (n - off == 8 && prefix_ci(p + off, 8, "infinity") == 8)) {
        *out = p[0] == '-' ? -INFINITY : INFINITY;
        return 0;
    }
    return cf_num_om_real(p, n, out, scratch);
}
