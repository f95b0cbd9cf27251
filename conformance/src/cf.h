/*
 * cf.h - internals of the cmonconform library (not installed, not a
 * contract for other parts). The checker reads one line at a time; each
 * format (text.c, om.c) turns a line into a sample or a metadata event, and
 * family.c applies the rules that span lines (grouping, duplicates,
 * histograms and summaries) with memory bounded by the distinct series of the
 * family being read.
 */
#ifndef CMON_CF_H
#define CMON_CF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conform.h"
#include "utf8.h"

/* ---- growing arrays (hash.c) ---- */

/*
 * cf_grow() - room for element n (at most one past the last) of arr, an
 * array of elem-byte elements with room for *cap: when n == *cap it is
 * reallocated to twice that (first to min) and *cap updated. Returns the
 * array to use, or NULL when out of memory (arr and *cap as they were).
 */
void *cf_grow(void *arr, size_t *cap, size_t n, size_t elem, size_t min);

/* ---- strings and hashes (hash.c) ---- */

typedef struct cf_str {
    const char *s_ptr;
    size_t s_len;
} cf_str_t;

/* Mix a 64-bit value (for combining hashes). Inline: it is on the hot path. */
static inline uint64_t
cf_hash_mix(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ULL;
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ULL;
    x ^= x >> 32;
    return x;
}

/* 64-bit hash of n bytes (never 0). */
static inline uint64_t
cf_hash(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ ((uint64_t)n * 0x9E3779B97F4A7C15ULL), w;

    while (n >= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w ^ ((uint64_t)n << 59)) * 0xD6E8FEB86659FD93ULL;
    h = cf_hash_mix(h);
    return h ? h : 1;
}

/* Open-addressed map from non-zero 64-bit keys to 32-bit values. */
typedef struct cf_map {
    uint64_t *m_keys;
    uint32_t *m_vals;
    size_t m_cap; /* power of two, 0 when empty */
    size_t m_count;
    int m_set; /* keys only: no values are stored (set before first use) */
} cf_map_t;

/* Look up `key`; returns a pointer to its value or NULL (not for a set). */
uint32_t *cf_map_get(const cf_map_t *m, uint64_t key);
/* Non-zero when `key` is in map or set `m`. */
int cf_map_has(const cf_map_t *m, uint64_t key);
/* Insert `key` if absent (value `val`). Returns 1 inserted, 0 present (the
 * value pointer in *out; NULL for a set), -1 ENOMEM. `out` may be NULL. */
int cf_map_put(cf_map_t *m, uint64_t key, uint32_t val, uint32_t **out);
/* Forget every key; shrink the table when it grew large. */
void cf_map_clear(cf_map_t *m);
void cf_map_free(cf_map_t *m);

/* ---- the Metrics of a text histogram or summary family (metrics.c) ---- */

/* What is kept of one Metric between its samples (family.c fills it). */
typedef struct cf_mstate {
    uint64_t ms_word; /* its first line (below 2^53) << CF_MSTATE_FLAG_BITS | family.c's flags */
    double ms_last;   /* the last le (histograms) or quantile (summaries) */
    double ms_bucket; /* the last bucket's value (once +Inf came: +Inf's) */
    union {
        double ms_count;   /* once its _count came */
        uint64_t ms_first; /* before: the fingerprint of its first series */
    } ms_u;
} cf_mstate_t;

#define CF_MSTATE_FLAG_BITS 11

/* Metric fingerprint -> state, in the order the Metrics came. Zeroed = empty. */
typedef struct cf_mtable {
    uint64_t *mt_keys;      /* fingerprints */
    cf_mstate_t *mt_states; /* states, same index */
    uint32_t *mt_next;      /* chain links, same index */
    uint32_t *mt_heads;     /* mt_nheads chain heads (a power of two), UINT32_MAX: none */
    size_t mt_n, mt_cap, mt_nheads;
} cf_mtable_t;

/* The state of Metric `key`, or NULL. */
cf_mstate_t *cf_mtable_find(const cf_mtable_t *t, uint64_t key);
/* A new, zeroed state for `key` (not looked up first): NULL and ENOMEM when
 * out of memory (or past 2^32 - 1 Metrics); the table is unchanged then. */
cf_mstate_t *cf_mtable_add(cf_mtable_t *t, uint64_t key);
/* Forget every Metric (frees large arrays). */
void cf_mtable_clear(cf_mtable_t *t);
void cf_mtable_free(cf_mtable_t *t);

/* ---- UTF-8: common/utf8.h (cmon_utf8_check, cmon_utf8_count) ---- */

/* ---- character classes (chars.c) ---- */

enum {
    CF_C_NAME0 = 1,  /* [a-zA-Z_:] metric name, first */
    CF_C_NAME = 2,   /* [a-zA-Z0-9_:] metric name */
    CF_C_LABEL0 = 4, /* [a-zA-Z_] label name, first */
    CF_C_LABEL = 8,  /* [a-zA-Z0-9_] label name */
    CF_C_BLANK = 16  /* space, tab */
};
extern const unsigned char cf_char_class[256];
#define CF_IS(ch, cls) (cf_char_class[(unsigned char)(ch)] & (cls))

/* ---- numbers (num.c) ---- */

/* Go strconv.ParseFloat(s, 64) rules: returns 0 and the value, -1 on a syntax
 * error, -2 when out of range (Go's ErrRange). `scratch` must hold n+1 bytes. */
int cf_num_go_float(const char *p, size_t n, double *out, char *scratch);
/* Go strconv.ParseInt(s, 10, 64): 0 ok, -1 syntax, -2 range. */
int cf_num_go_int64(const char *p, size_t n, int64_t *out);
/* OpenMetrics `number` (realnumber / [SIGN] inf / infinity / nan, case
 * insensitive): 0 ok, -1 syntax, -2 does not fit a float64. */
int cf_num_om_number(const char *p, size_t n, double *out, char *scratch);
/* OpenMetrics `realnumber` (timestamps): same returns. */
int cf_num_om_real(const char *p, size_t n, double *out, char *scratch);

/* ---- the checker (checker.c) ---- */

typedef struct conform_checker cf_checker_t;

/* Report a violation of rule `rule` at (line, col) of the current input; a
 * lint rule (id "lint-...") gets the severity the options give lints. */
void cf_report(cf_checker_t *c, unsigned long line, size_t col, const char *rule, const char *fmt,
               ...) __attribute__((format(printf, 5, 6)));
/* Out of memory: the checker's feed and finish fail with ENOMEM from now on
 * (a check that could not remember what it read is no verdict). */
void cf_nomem(cf_checker_t *c);
/* Scratch buffer of at least n bytes owned by the checker (NULL: ENOMEM). */
char *cf_scratch(cf_checker_t *c, size_t n);
/* Current line number. */
unsigned long cf_line(const cf_checker_t *c);
/* Non-zero when lints are on. */
int cf_lint_on(const cf_checker_t *c);
/* Non-zero when the caller wants the samples (co_sample). */
int cf_samples_on(const cf_checker_t *c);

/* ---- families and samples (family.c) ---- */

enum cf_type {
    CF_UNTYPED = 0, /* text untyped, OpenMetrics unknown */
    CF_COUNTER,
    CF_GAUGE,
    CF_HISTOGRAM,
    CF_SUMMARY,
    CF_GAUGEHISTOGRAM,
    CF_STATESET,
    CF_INFO
};

/* What a sample line is to its family. */
enum cf_role {
    CF_ROLE_VALUE = 0, /* plain value (gauge, untyped, stateset, info) */
    CF_ROLE_TOTAL,     /* counter _total (text: counter value) */
    CF_ROLE_CREATED,
    CF_ROLE_BUCKET,
    CF_ROLE_COUNT, /* _count, _gcount */
    CF_ROLE_SUM,   /* _sum, _gsum */
    CF_ROLE_QUANTILE
};

typedef struct cf_label {
    cf_str_t l_name;
    cf_str_t l_value; /* raw, still escaped */
    size_t l_col;     /* column of the label name */
    uint64_t l_nhash; /* hash of the name */
    uint64_t l_hash;  /* hash of name and decoded value */
    int l_escaped;    /* value holds a backslash */
} cf_label_t;

typedef struct cf_sample {
    cf_str_t sa_name;
    size_t sa_name_col;
    cf_label_t *sa_labels;
    size_t sa_nlabels;
    double sa_value;
    size_t sa_value_col;
    int sa_has_ts;
    double sa_ts; /* text: the int64 as a double is enough for ordering */
    int64_t sa_ts_int;
    int sa_has_exemplar;
    double sa_ex_value;
    size_t sa_ex_col;
} cf_sample_t;

typedef struct cf_family cf_family_t;

/* Family state shared by both formats. */
typedef struct cf_fam_state cf_fam_state_t;

cf_fam_state_t *cf_fam_new(cf_checker_t *c, int om);
void cf_fam_free(cf_fam_state_t *fs);

/* Metadata line for `name`: kind 'T' (TYPE, type in `type`), 'H' (HELP,
 * `empty` when the text is empty), 'U' (UNIT, text in `unit`). `col` is the
 * column of the name. */
void cf_fam_meta(cf_fam_state_t *fs, char kind, cf_str_t name, size_t col, enum cf_type type,
                 cf_str_t unit, int empty);
/* A parsed sample. */
void cf_fam_sample(cf_fam_state_t *fs, cf_sample_t *sa);
/* End of input: close the open family. */
void cf_fam_end(cf_fam_state_t *fs);

/* Hand sample `sa` of family `family[0..flen)` of type `type` to the
 * caller's co_sample (labels decoded, strings NUL-terminated). */
void cf_sample_deliver(cf_checker_t *c, const char *family, size_t flen, enum cf_type type,
                       const cf_sample_t *sa);

/* Decoded value of label `l` into `buf` (at least l_value.s_len bytes);
 * returns its length. Unknown escapes (OpenMetrics) keep the backslash. */
size_t cf_label_decode(const cf_label_t *l, char *buf);

/* ---- lints (lint.c) ---- */

/* Lints of one finished family: its name, type, whether it had HELP, and
 * for the text format (om == 0) the suffix and label lints. `has_le`,
 * `has_quantile`, `camel_label` say what its samples carried. */
void cf_lint_family(cf_checker_t *c, unsigned long line, cf_str_t name, enum cf_type type,
                    int has_help, int om, int has_le, int has_quantile, int camel_label);
/* Non-zero when `p[0..n)` has a lowercase letter followed by an uppercase one. */
int cf_lint_camel(const char *p, size_t n);

/* ---- formats (text.c, om.c) ---- */

/* What both parsers hold (parser.c): the checker, the family state, and
 * the labels of the line being read, an array that grows as lines need. */
typedef struct cf_parser {
    cf_checker_t *pa_c;
    cf_fam_state_t *pa_fs;
    cf_label_t *pa_labels;
    size_t pa_cap;
} cf_parser_t;

/* cf_parser_init() - for checker c, OpenMetrics when om. 0, or -1 (no memory). */
int cf_parser_init(cf_parser_t *pa, cf_checker_t *c, int om);
void cf_parser_fini(cf_parser_t *pa);
/* cf_parser_label() - label slot n (n at most one past the last), grown
 * as needed; NULL when out of memory. */
cf_label_t *cf_parser_label(cf_parser_t *pa, size_t n);
/* cf_parser_report() - reports rule with msg at column i + 1 of the current line. */
void cf_parser_report(cf_parser_t *pa, size_t i, const char *rule, const char *msg);
/* cf_name_end() - the end of the metric name starting at p[i] (i when there is none). */
size_t cf_name_end(const char *p, size_t len, size_t i);

typedef struct cf_text cf_text_t;
cf_text_t *cf_text_new(cf_checker_t *c);
void cf_text_free(cf_text_t *t);
/* One line without its newline; `len` may be 0. */
void cf_text_line(cf_text_t *t, const char *p, size_t len);
/* End of input; `last_nl` non-zero when the input ended with a newline. */
void cf_text_end(cf_text_t *t, int last_nl, int empty);

typedef struct cf_om cf_om_t;
cf_om_t *cf_om_new(cf_checker_t *c);
void cf_om_free(cf_om_t *o);
void cf_om_line(cf_om_t *o, const char *p, size_t len);
void cf_om_end(cf_om_t *o, int last_nl, int empty);

/* ---- rules (rules.c) ---- */
int cf_rule_is_lint(const char *id);

#endif /* CMON_CF_H */
