/*
 * famset - metric families and their samples, the agent's one data model.
 *
 * Collectors fill a famset; the writers (expo.h) render it. A family is
 * found or created by name, so a family's samples always form one group
 * whatever order they are added in; families keep the order of their first
 * appearance, which makes the exposition order stable.
 *
 * Strings (family names, HELP, label names and values) are copied into the
 * set. Allocation failure is sticky: every add returns -1 and
 * famset_failed() says so; callers check once at the end.
 */
#ifndef CMON_AGENT_FAMSET_H
#define CMON_AGENT_FAMSET_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

typedef enum { METRIC_GAUGE, METRIC_COUNTER, METRIC_HISTOGRAM } metric_type_t;

/* MVAL_DEC: the exact decimal mv.u / 10^mv_exp (nanoseconds as seconds ...). */
typedef enum { MVAL_U64, MVAL_I64, MVAL_DBL, MVAL_DEC } mval_kind_t;

/* A sample value: integers stay exact; doubles are rendered round-trip. */
typedef struct mval {
    mval_kind_t mv_kind;
    unsigned mv_exp; /* MVAL_DEC only */
    union {
        uint64_t u;
        int64_t i;
        double d;
    } mv;
} mval_t;

/* The part of a histogram a sample is (SAMPLE_PLAIN for everything else). */
typedef enum { SAMPLE_PLAIN, SAMPLE_BUCKET, SAMPLE_SUM, SAMPLE_COUNT } sample_part_t;

#define FAMSET_MAX_LABELS 10
#define FAMSET_INDEX_MIN 32 /* slots of a new index */
#define FAMSET_SCAN 8

typedef struct family {
    uint32_t fa_hash;                /* of the name: most lookups end on it */
    uint32_t fa_name;                /* offset in fs_str, unless fa_sname is set */
    uint32_t fa_help;                /* offset in fs_str, unless fa_shelp is set */
    const char *fa_sname, *fa_shelp; /* static strings (famset_family_static), or NULL */
    metric_type_t fa_type;
    uint8_t fa_meta; /* a meta block's timer the agent declared (famset_meta_timer) */
} family_t;

typedef struct fsample {
    uint32_t sa_family; /* index in fs_fams */
    uint8_t sa_part;    /* sample_part_t */
    uint8_t sa_nlabels;
    uint32_t sa_lname[FAMSET_MAX_LABELS];  /* offsets in fs_str */
    uint32_t sa_lvalue[FAMSET_MAX_LABELS]; /* offsets in fs_str */
    mval_t sa_value;
} fsample_t;

typedef struct famset {
    family_t *fs_fams;
    size_t fs_nfams, fs_capfams;
    fsample_t *fs_samples;
    size_t fs_nsamples, fs_capsamples;
    sbuf_t fs_str; /* NUL-separated strings */
    int fs_oom;
    /* Family index + 1 by name hash (open addressing, 0 empty), made once a
     * set has FAMSET_SCAN families (small sets, as cached, stay small); it
     * covers every family and doubles to stay at most half full. */
    uint32_t *fs_index;
    size_t fs_nindex; /* its slots, a power of two */
} famset_t;

#define FAMSET_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0, NULL, 0, 0, SBUF_INIT, 0, NULL, 0                                              \
    }

/* mval constructors. */
mval_t mval_u64(uint64_t v);
mval_t mval_i64(int64_t v);
mval_t mval_dbl(double v);
mval_t mval_dec(uint64_t v, unsigned exp);

/* famset_init() / famset_release() - an empty set / free everything. */
void famset_init(famset_t *fs);
void famset_release(famset_t *fs);

/*
 * famset_presize() - makes room in an empty set for nfams families (and
 * their index), nsamples samples and strbytes bytes of strings, so that a
 * set whose size is known (an instance's scrape: ~80 families) is filled
 * without growing. Only a hint: on failure (-1, ENOMEM) the set is as
 * usable as before and grows as it fills; -1 with EINVAL for a set that is
 * not empty.
 */
int famset_presize(famset_t *fs, size_t nfams, size_t nsamples, size_t strbytes);

/* famset_reset() - empties the set, keeping its memory. */
void famset_reset(famset_t *fs);

/*
 * famset_family() - the index of the family called name, created with help
 * and type when absent (an existing family keeps its first help and type).
 * Returns the index, or -1 on allocation failure.
 */
int famset_family(famset_t *fs, const char *name, const char *help, metric_type_t type);

/*
 * famset_family_static() - famset_family() for a name and help that live as
 * long as the set and every set it is merged into (string literals, static
 * tables): they are not copied. Merging keeps them uncopied, which keeps
 * cached results small. Returns the index, or -1 (ENOMEM).
 */
int famset_family_static(famset_t *fs, const char *name, const char *help, metric_type_t type);

/*
 * famset_meta_timer() - marks family fam as the _metrics_timer_seconds family
 * of a meta block the agent declared (scrape_meta_begin): the agent's
 * collector_time_seconds counts those, never a family a plugin or a core
 * port printed with that suffix. Merging keeps the mark.
 */
void famset_meta_timer(famset_t *fs, int fam);

/* famset_lookup() - the index of the family called name, or -1 (through the index). */
int famset_lookup(const famset_t *fs, const char *name);

/* famset_fam_name() / famset_fam_help() - a family's name and HELP. */
const char *famset_fam_name(const famset_t *fs, const family_t *f);
const char *famset_fam_help(const famset_t *fs, const family_t *f);

/*
 * famset_sample() - adds a sample to family fam with nlabels label pairs
 * (names and values copied; nlabels <= FAMSET_MAX_LABELS). 0, or -1 (EINVAL
 * for a bad fam or too many labels, ENOMEM).
 */
int famset_sample(famset_t *fs, int fam, sample_part_t part, size_t nlabels,
                  const char *const *lnames, const char *const *lvalues, mval_t v);

/* famset_add() - family and one unlabelled sample in one call. 0 or -1. */
int famset_add(famset_t *fs, const char *name, const char *help, metric_type_t type, mval_t v);

/* famset_add1() - family and one sample with one label. 0 or -1. */
int famset_add1(famset_t *fs, const char *name, const char *help, metric_type_t type,
                const char *lname, const char *lvalue, mval_t v);

/* A position in a famset, to copy or drop what was added after it. */
typedef struct famset_mark {
    size_t fm_nfams, fm_nsamples, fm_strlen;
} famset_mark_t;

/* famset_mark() - the current end of fs. */
famset_mark_t famset_mark(const famset_t *fs);

/*
 * famset_truncate() - drops every family, sample and string added after m
 * (which must come from fs), and clears the failure flag.
 */
void famset_truncate(famset_t *fs, const famset_mark_t *m);

/*
 * famset_merge_from() - appends to dst every sample of src added after m
 * (m NULL: all), with its family (found or created in dst). 0 or -1.
 */
int famset_merge_from(famset_t *dst, const famset_t *src, const famset_mark_t *m);

/* famset_merge() - famset_merge_from() of everything. 0 or -1. */
int famset_merge(famset_t *dst, const famset_t *src);

/*
 * famset_copy_exact() - replaces dst (initialised, possibly holding a set)
 * with a copy of src in blocks of exactly the size needed, for sets that
 * are kept (the cache): no spare room and no fragmentation from growing
 * and shrinking. 0, or -1 (ENOMEM; dst is then empty).
 */
int famset_copy_exact(famset_t *dst, const famset_t *src);

/* famset_str() - the string at offset off (valid until the next add). */
const char *famset_str(const famset_t *fs, uint32_t off);

/* famset_failed() - non-zero when an add failed since init/reset. */
int famset_failed(const famset_t *fs);

#endif
