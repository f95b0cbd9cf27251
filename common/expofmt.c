/* expofmt - the spelling of text 0.0.4 and OpenMetrics 1.0 expositions. */
#include "expofmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
expofmt_content_type(expo_format_t fmt)
{
    return fmt == EXPO_OPENMETRICS ? EXPO_CT_OPENMETRICS : EXPO_CT_TEXT;
}

/* ---- names and metadata ------------------------------------------------ */

size_t
expofmt_family_len(const char *name, size_t len, int counter, expo_format_t fmt)
{
    static const char total[] = "_total";
    size_t m = sizeof(total) - 1;
    if (fmt == EXPO_OPENMETRICS && counter && len > m && memcmp(name + len - m, total, m) == 0)
        return len - m;
    return len;
}

const char *
expofmt_sample_suffix(int counter, expo_format_t fmt)
{
    return fmt == EXPO_OPENMETRICS && counter ? "_total" : "";
}

/*
 * The metadata lines ("# HELP ", "# TYPE ", "# UNIT ": seven bytes each)
 * are written with one growth and plain copies: a scrape of the agent is
 * one or two samples for each of some eighty families, so these lines are
 * as hot as the samples.
 */
#define EXPOFMT_KEYWORD_LEN 7

/* What a label value escapes. */
static const char expofmt_label_special[] = "\\\n\"";

/* "# KEYWORD name " with end (a raw word and a line feed, or NULL) after it. */
static void
expofmt_meta_line(sbuf_t *out, const char *keyword, const char *name, size_t len, const char *end)
{
    size_t elen = end != NULL ? strlen(end) + 1 : 0;
    if (sbuf_grow(out, EXPOFMT_KEYWORD_LEN + len + 1 + elen) != 0)
        return;
    char *p = out->sb_buf + out->sb_len;
    memcpy(p, keyword, EXPOFMT_KEYWORD_LEN);
    p += EXPOFMT_KEYWORD_LEN;
    memcpy(p, name, len);
    p += len;
    *p++ = ' ';
    if (end != NULL) {
        memcpy(p, end, elen - 1);
        p += elen - 1;
        *p++ = '\n';
    }
    *p = '\0';
    out->sb_len = (size_t)(p - out->sb_buf);
}

static void
expofmt_add_help(sbuf_t *out, expo_format_t fmt, const char *name, size_t len, const char *help)
{
    if (help == NULL || *help == '\0')
        return;
    expofmt_meta_line(out, "# HELP ", name, len, NULL);
    expofmt_escape_help(out, help, fmt);
    sbuf_addc(out, '\n');
}

/* Appends "# KEYWORD name word\n" at p (room made by the caller); returns the end. */
static char *
expofmt_put_meta(char *p, const char *keyword, const char *name, size_t len, const char *word,
                 size_t wlen)
{
    memcpy(p, keyword, EXPOFMT_KEYWORD_LEN);
    p += EXPOFMT_KEYWORD_LEN;
    memcpy(p, name, len);
    p += len;
    *p++ = ' ';
    memcpy(p, word, wlen);
    p += wlen;
    *p++ = '\n';
    return p;
}

/*
 * The common case of expofmt_add_meta(): a HELP with nothing to escape
 * (clean bytes long, 0: no HELP line), written with one growth for all the
 * lines. -1 when the buffer cannot grow.
 */
static int
expofmt_add_meta_clean(sbuf_t *out, expo_format_t fmt, const char *name, size_t len,
                       const char *type, const char *unit, const char *help, size_t clean)
{
    size_t tlen = strlen(type), ulen = 0;
    if (fmt == EXPO_OPENMETRICS && unit != NULL)
        ulen = strlen(unit);
    size_t line = EXPOFMT_KEYWORD_LEN + len + 2; /* "# KEYWORD name " and "\n" */
    if (sbuf_grow(out, 3 * line + tlen + ulen + clean) != 0)
        return -1;
    char *p = out->sb_buf + out->sb_len;
    if (fmt == EXPO_TEXT && clean > 0)
        p = expofmt_put_meta(p, "# HELP ", name, len, help, clean);
    p = expofmt_put_meta(p, "# TYPE ", name, len, type, tlen);
    if (ulen > 0)
        p = expofmt_put_meta(p, "# UNIT ", name, len, unit, ulen);
    if (fmt == EXPO_OPENMETRICS && clean > 0)
        p = expofmt_put_meta(p, "# HELP ", name, len, help, clean);
    *p = '\0';
    out->sb_len = (size_t)(p - out->sb_buf);
    return 0;
}

void
expofmt_add_meta(sbuf_t *out, expo_format_t fmt, const char *name, size_t len, const char *type,
                 const char *unit, const char *help)
{
    size_t clean = 0; /* HELP's bytes before the first one to escape */
    if (help != NULL)
        clean = strcspn(help, fmt == EXPO_OPENMETRICS ? expofmt_label_special : "\\\n");
    if (help == NULL || help[clean] == '\0') {
        (void)expofmt_add_meta_clean(out, fmt, name, len, type, unit, help, clean);
        return;
    }
    if (fmt == EXPO_TEXT)
        expofmt_add_help(out, fmt, name, len, help);
    expofmt_meta_line(out, "# TYPE ", name, len, type);
    if (fmt != EXPO_OPENMETRICS)
        return;
    if (unit != NULL && *unit != '\0')
        expofmt_meta_line(out, "# UNIT ", name, len, unit);
    expofmt_add_help(out, fmt, name, len, help);
}

void
expofmt_add_eof(sbuf_t *out, expo_format_t fmt)
{
    if (fmt == EXPO_OPENMETRICS)
        sbuf_add(out, "# EOF\n", 6);
}

/* ---- labels and escaping ----------------------------------------------- */

/* Appends s with each byte of special (a subset of backslash, line feed,
 * double quote) escaped: runs without one are copied whole. */
static void
expofmt_escape(sbuf_t *out, const char *s, const char *special)
{
    for (;;) {
        size_t run = strcspn(s, special);
        sbuf_add(out, s, run);
        s += run;
        if (*s == '\0')
            return;
        char esc[2] = {'\\', *s == '\n' ? 'n' : *s};
        sbuf_add(out, esc, 2);
        s++;
    }
}

void
expofmt_escape_label(sbuf_t *out, const char *s)
{
    expofmt_escape(out, s, expofmt_label_special);
}

void
expofmt_escape_help(sbuf_t *out, const char *s, expo_format_t fmt)
{
    expofmt_escape(out, s, fmt == EXPO_OPENMETRICS ? expofmt_label_special : "\\\n");
}

/*
 * Every label of every sample comes through here, so the common case (a
 * value with nothing to escape) is one growth and two copies: the agent's
 * writer must not be slower for sharing it.
 */
void
expofmt_add_label(sbuf_t *out, int first, const char *name, const char *value)
{
    size_t nlen = strlen(name);
    size_t clean = strcspn(value, expofmt_label_special); /* the run before any escape */
    if (sbuf_grow(out, nlen + clean + 4) != 0)            /* ,name="clean" */
        return;
    char *p = out->sb_buf + out->sb_len;
    if (!first)
        *p++ = ',';
    memcpy(p, name, nlen);
    p += nlen;
    *p++ = '=';
    *p++ = '"';
    memcpy(p, value, clean);
    p += clean;
    if (value[clean] == '\0')
        *p++ = '"';
    *p = '\0';
    out->sb_len = (size_t)(p - out->sb_buf);
    if (value[clean] != '\0') {
        expofmt_escape(out, value + clean, expofmt_label_special);
        sbuf_addc(out, '"');
    }
}

/* ---- numbers ----------------------------------------------------------- */

/* "00" to "99": two digits a division (most values of a scrape are counts). */
static const char expofmt_pairs[] = "00010203040506070809101112131415161718192021222324"
                                    "25262728293031323334353637383940414243444546474849"
                                    "50515253545556575859606162636465666768697071727374"
                                    "75767778798081828384858687888990919293949596979899";

/* The decimal digits of v, written backwards ending at end; returns where
 * they start (at most 20 bytes before end). */
static char *
expofmt_digits(uint64_t v, char *end)
{
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        end -= 2;
        memcpy(end, expofmt_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        end -= 2;
        memcpy(end, expofmt_pairs + 2 * v, 2);
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

void
expofmt_add_u64(sbuf_t *out, uint64_t v)
{
    char tmp[24];
    char *start = expofmt_digits(v, tmp + sizeof(tmp));
    sbuf_add(out, start, (size_t)(tmp + sizeof(tmp) - start));
}

void
expofmt_add_i64(sbuf_t *out, int64_t v)
{
    char tmp[24];
    char *end = tmp + sizeof(tmp);
    char *start = expofmt_digits(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, end);
    if (v < 0)
        *--start = '-';
    sbuf_add(out, start, (size_t)(end - start));
}

size_t
expofmt_decimal(uint64_t v, unsigned exp, char *out)
{
    if (exp == 0) { /* an integer: no division by a power of ten unknown until now */
        char tmp[24];
        char *start = expofmt_digits(v, tmp + sizeof(tmp));
        size_t len = (size_t)(tmp + sizeof(tmp) - start);
        memcpy(out, start, len);
        out[len] = '\0';
        return len;
    }
    unsigned n = exp < 19 ? exp : 19;
    uint64_t p = 1;
    for (unsigned i = 0; i < n; i++)
        p *= 10;
    char tmp[24];
    char *start = expofmt_digits(v / p, tmp + sizeof(tmp));
    size_t len = (size_t)(tmp + sizeof(tmp) - start);
    memcpy(out, start, len);
    uint64_t frac = v % p;
    if (frac != 0) {
        char digits[20];
        for (unsigned i = n; i-- > 0;) {
            digits[i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        while (n > 0 && digits[n - 1] == '0')
            n--;
        out[len++] = '.';
        memcpy(out + len, digits, n);
        len += n;
    }
    out[len] = '\0';
    return len;
}

void
expofmt_add_decimal(sbuf_t *out, uint64_t v, unsigned exp)
{
    char tmp[EXPOFMT_DECIMAL_LEN];
    sbuf_add(out, tmp, expofmt_decimal(v, exp, tmp));
}

void
expofmt_add_double(sbuf_t *out, double v)
{
    if (sbuf_grow(out, EXPOFMT_NUMBER_LEN) != 0)
        return;
    out->sb_len += expofmt_number(v, out->sb_buf + out->sb_len, EXPOFMT_NUMBER_LEN);
}

/* NaN, +Inf and -Inf as both formats spell them. */
static size_t
expofmt_special(double v, char *out)
{
    const char *s = isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
    size_t n = strlen(s);
    memcpy(out, s, n + 1);
    return n;
}

/* An integer |v| < 1e15 in digits. */
static size_t
expofmt_integer(double v, char *out)
{
    char tmp[24], *end = tmp + sizeof(tmp);
    char *start = expofmt_digits((uint64_t)fabs(v), end);
    if (v < 0)
        *--start = '-';
    size_t n = (size_t)(end - start);
    memcpy(out, start, n);
    out[n] = '\0';
    return n;
}

/* Digits r (below 9e15) with a decimal point d places from the right. */
static size_t
expofmt_point(double v, double r, int d, char *out)
{
    char digits[24], *end = digits + sizeof(digits);
    char *start = expofmt_digits((uint64_t)fabs(r), end);
    size_t n = (size_t)(end - start), k = 0;
    if (v < 0)
        out[k++] = '-';
    if (n <= (size_t)d) { /* 0.00ddd */
        out[k++] = '0';
        out[k++] = '.';
        for (size_t z = n; z < (size_t)d; z++)
            out[k++] = '0';
        memcpy(out + k, start, n);
        k += n;
    } else {
        memcpy(out + k, start, n - (size_t)d);
        k += n - (size_t)d;
        out[k++] = '.';
        memcpy(out + k, end - d, (size_t)d);
        k += (size_t)d;
    }
    out[k] = '\0';
    return k;
}

/*
 * v as the integer r scaled by 10^-d for the fewest decimals d <= 9 that
 * give back exactly v: r / 10^d is correctly rounded, as strtod of the same
 * decimal is, so the text reads back as v. Most sample values (rates,
 * ratios, seconds) end here without printf. 0 when v needs more digits.
 */
static size_t
expofmt_short_decimal(double v, char *out)
{
    static const double p10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    for (int d = 1; d <= 9; d++) {
        double r = nearbyint(v * p10[d]);
        if (fabs(r) >= 9e15)
            return 0;
        if (r / p10[d] == v)
            return expofmt_point(v, r, d, out);
    }
    return 0;
}

size_t
expofmt_number(double v, char *out, size_t outlen)
{
    if (outlen < EXPOFMT_NUMBER_LEN) {
        if (outlen > 0)
            out[0] = '\0';
        return 0;
    }
    if (!isfinite(v))
        return expofmt_special(v, out);
    if (fabs(v) < 1e15 && v == (double)(int64_t)v)
        return expofmt_integer(v, out);
    size_t n = fabs(v) >= 1e-5 ? expofmt_short_decimal(v, out) : 0;
    if (n > 0)
        return n;
    /* 15 significant digits when they read back, else 17, which always do.
     * A value 16 would do gets 17: trying 16 as well costs a third printf
     * for most values that get here (sums of fractions), and a render of
     * such values a fifth more CPU (telemetry_render_bench, p99). */
    n = (size_t)snprintf(out, outlen, "%.15g", v);
    if (strtod(out, NULL) != v)
        n = (size_t)snprintf(out, outlen, "%.17g", v);
    return n;
}

char *
expofmt_canonical(double v, expo_format_t fmt, char *out, size_t outlen)
{
    if (outlen < EXPOFMT_NUMBER_LEN) {
        if (outlen > 0)
            out[0] = '\0';
        return out;
    }
    if (!isfinite(v)) {
        expofmt_special(v, out);
        return out;
    }
    int p = 1; /* significant digits */
    for (; p < 17; p++) {
        snprintf(out, outlen, "%.*e", p - 1, v);
        if (strtod(out, NULL) == v)
            break;
    }
    snprintf(out, outlen, "%.*e", p - 1, v);
    int exp = atoi(strchr(out, 'e') + 1);
    if (exp >= -4 && exp < 6) { /* Go's %g: positional between 1e-4 and 1e6 */
        int decimals = p - 1 - exp;
        snprintf(out, outlen, "%.*f", decimals > 0 ? decimals : 0, v);
    }
    if (fmt == EXPO_OPENMETRICS && strpbrk(out, ".e") == NULL)
        strncat(out, ".0", outlen - strlen(out) - 1);
    return out;
}
