/*
 * lint.c - the naming lints of `promtool check metrics` (promlint of
 * client_golang, as shipped with Debian's promtool 2.42), with its messages.
 * Lints are not format rules: they are warnings unless --lint=error.
 */
#include <ctype.h>
#include <string.h>

#include "cf.h"

static const struct {
    const char *unit, *base;
} UNITS[] = {{"amperes", "amperes"},    {"bytes", "bytes"},     {"celsius", "celsius"},
             {"grams", "grams"},        {"joules", "joules"},   {"kelvin", "kelvin"},
             {"meters", "meters"},      {"metres", "metres"},   {"seconds", "seconds"},
             {"volts", "volts"},        {"minutes", "seconds"}, {"hours", "seconds"},
             {"days", "seconds"},       {"weeks", "seconds"},   {"kelvins", "kelvin"},
             {"fahrenheit", "celsius"}, {"rankine", "celsius"}, {"inches", "meters"},
             {"yards", "meters"},       {"miles", "meters"},    {"bits", "bytes"},
             {"calories", "joules"},    {"pounds", "grams"},    {"ounces", "grams"}};

static const char *const PREFIXES[] = {"pico", "nano",  "micro", "milli", "centi", "deci",
                                       "deca", "hecto", "kilo",  "kibi",  "mega",  "mibi",
                                       "giga", "gibi",  "tera",  "tebi",  "peta",  "pebi"};

static const char *const ABBREVIATIONS[] = {"s",  "ms", "us", "ns", "sec", "b", "kb",
                                            "mb", "gb", "tb", "pb", "m",   "h", "d"};

static const char *const TYPE_WORDS[] = {"counter", "gauge", "summary", "histogram",
                                         "gauge_histogram"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int
cf_lint_camel(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i + 1 < n; i++)
        if (p[i] >= 'a' && p[i] <= 'z' && p[i + 1] >= 'A' && p[i + 1] <= 'Z')
            return 1;
    return 0;
}

static const char *
unit_base(const char *w, size_t n)
{
    size_t i;

    for (i = 0; i < NELEM(UNITS); i++)
        if (strlen(UNITS[i].unit) == n && memcmp(UNITS[i].unit, w, n) == 0)
            return UNITS[i].base;
    return NULL;
}

/* promlint's metricUnits: the first '_'-separated word that is a unit,
 * possibly prefixed. Returns the base unit, the word in *word. */
static const char *
name_unit(cf_str_t name, cf_str_t *word)
{
    size_t s = 0, e, i, pl;
    const char *base;

    while (s <= name.s_len) {
        for (e = s; e < name.s_len && name.s_ptr[e] != '_'; e++)
            ;
        word->s_ptr = name.s_ptr + s;
        word->s_len = e - s;
        if ((base = unit_base(word->s_ptr, word->s_len)) != NULL)
            return base;
        for (i = 0; i < NELEM(PREFIXES); i++) {
            pl = strlen(PREFIXES[i]);
            if (word->s_len >= pl && memcmp(word->s_ptr, PREFIXES[i], pl) == 0 &&
                (base = unit_base(word->s_ptr + pl, word->s_len - pl)) != NULL)
                return base;
        }
        s = e + 1;
    }
    return NULL;
}

/* Does lowercase `name` contain "_w_" or end with "_w"? */
static int
has_word(const char *lname, size_t n, const char *w)
{
    size_t wl = strlen(w), i;

    for (i = 0; i + wl + 1 <= n; i++) {
        if (lname[i] != '_' || memcmp(lname + i + 1, w, wl) != 0)
            continue;
        if (i + 1 + wl == n || lname[i + 1 + wl] == '_')
            return 1;
    }
    return 0;
}

static int
ends_with(cf_str_t s, const char *suf)
{
    size_t n = strlen(suf);

    return s.s_len >= n && memcmp(s.s_ptr + s.s_len - n, suf, n) == 0;
}

static void
lint_suffixes(cf_checker_t *c, unsigned long line, cf_str_t nm, enum cf_type type, int has_le,
              int has_q)
{
    int n = (int)nm.s_len;

    if (type == CF_COUNTER && !ends_with(nm, "_total"))
        cf_report(c, line, 1, "lint-counter-total",
                  "%.*s counter metrics should have \"_total\" suffix", n, nm.s_ptr);
    if (type != CF_COUNTER && ends_with(nm, "_total"))
        cf_report(c, line, 1, "lint-total-non-counter",
                  "%.*s non-counter metrics should not have \"_total\" suffix", n, nm.s_ptr);
    if (type == CF_UNTYPED)
        return;
    if (type != CF_HISTOGRAM && ends_with(nm, "_bucket"))
        cf_report(c, line, 1, "lint-reserved-suffix",
                  "%.*s non-histogram metrics should not have \"_bucket\" suffix", n, nm.s_ptr);
    if (type != CF_HISTOGRAM && type != CF_SUMMARY && ends_with(nm, "_count"))
        cf_report(c, line, 1, "lint-reserved-suffix",
                  "%.*s non-histogram and non-summary metrics should not have \"_count\" suffix", n,
                  nm.s_ptr);
    if (type != CF_HISTOGRAM && type != CF_SUMMARY && ends_with(nm, "_sum"))
        cf_report(c, line, 1, "lint-reserved-suffix",
                  "%.*s non-histogram and non-summary metrics should not have \"_sum\" suffix", n,
                  nm.s_ptr);
    if (type != CF_HISTOGRAM && has_le)
        cf_report(c, line, 1, "lint-reserved-label",
                  "%.*s non-histogram metrics should not have \"le\" label", n, nm.s_ptr);
    if (type != CF_SUMMARY && has_q)
        cf_report(c, line, 1, "lint-reserved-label",
                  "%.*s non-summary metrics should not have \"quantile\" label", n, nm.s_ptr);
}

static void
lint_words(cf_checker_t *c, unsigned long line, cf_str_t nm, enum cf_type type)
{
    char lname[512];
    size_t i, n = nm.s_len < sizeof(lname) ? nm.s_len : sizeof(lname) - 1;

    for (i = 0; i < n; i++)
        lname[i] = (char)tolower((unsigned char)nm.s_ptr[i]);
    for (i = 0; type != CF_UNTYPED && i < NELEM(TYPE_WORDS); i++)
        if (has_word(lname, n, TYPE_WORDS[i]))
            cf_report(c, line, 1, "lint-type-in-name",
                      "%.*s metric name should not include type '%s'", (int)nm.s_len, nm.s_ptr,
                      TYPE_WORDS[i]);
    for (i = 0; i < NELEM(ABBREVIATIONS); i++)
        if (has_word(lname, n, ABBREVIATIONS[i]))
            cf_report(c, line, 1, "lint-unit-abbreviation",
                      "%.*s metric names should not contain abbreviated units", (int)nm.s_len,
                      nm.s_ptr);
}

void
cf_lint_family(cf_checker_t *c, unsigned long line, cf_str_t nm, enum cf_type type, int has_help,
               int om, int has_le, int has_quantile, int camel_label)
{
    cf_str_t word;
    const char *base;
    int n = (int)nm.s_len;

    if (!has_help)
        cf_report(c, line, 1, "lint-help-missing", "%.*s no help text", n, nm.s_ptr);
    if ((base = name_unit(nm, &word)) != NULL &&
        !(strlen(base) == word.s_len && memcmp(base, word.s_ptr, word.s_len) == 0))
        cf_report(c, line, 1, "lint-base-unit", "%.*s use base unit \"%s\" instead of \"%.*s\"", n,
                  nm.s_ptr, base, (int)word.s_len, word.s_ptr);
    if (!om)
        lint_suffixes(c, line, nm, type, has_le, has_quantile);
    lint_words(c, line, nm, type);
    if (memchr(nm.s_ptr, ':', nm.s_len) != NULL)
        cf_report(c, line, 1, "lint-colon", "%.*s metric names should not contain ':'", n,
                  nm.s_ptr);
    if (cf_lint_camel(nm.s_ptr, nm.s_len))
        cf_report(c, line, 1, "lint-camel-case",
                  "%.*s metric names should be written in 'snake_case' not 'camelCase'", n,
                  nm.s_ptr);
    if (camel_label)
        cf_report(c, line, 1, "lint-camel-case",
                  "%.*s label names should be written in 'snake_case' not 'camelCase'", n,
                  nm.s_ptr);
}
