/* famset - metric families and their samples. */
#include "famset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

mval_t
mval_u64(uint64_t v)
{
    mval_t m = {.mv_kind = MVAL_U64};
    m.mv.u = v;
    return m;
}

mval_t
mval_i64(int64_t v)
{
    mval_t m = {.mv_kind = MVAL_I64};
    m.mv.i = v;
    return m;
}

mval_t
mval_dbl(double v)
{
    mval_t m = {.mv_kind = MVAL_DBL};
    m.mv.d = v;
    return m;
}

mval_t
mval_dec(uint64_t v, unsigned exp)
{
    mval_t m = {.mv_kind = MVAL_DEC, .mv_exp = exp};
    m.mv.u = v;
    return m;
}

/*
 * A name's hash over all its bytes, eight at a time: names share long
 * prefixes and suffixes (a plugin's plugin_<p>_disk_<n>_used_bytes), so
 * every byte counts or the index degrades to a scan. Whole words are loaded
 * with a fixed-size copy and the tail byte by byte (little-endian order, as
 * a zero-padded word): a copy of variable size is a library call, and a
 * scrape hashes every family name it declares (~80).
 */
static uint32_t
famset_hash(const char *s)
{
    size_t n = strlen(s), i = 0;
    uint64_t h = n * 0x165667B19E3779F9ull;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 32;
    }
    if (i < n) {
        uint64_t w = 0;
        for (size_t k = 0; i + k < n; k++)
            w |= (uint64_t)(unsigned char)s[i + k] << (8 * k);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 32;
    }
    return (uint32_t)(h ^ (h >> 29));
}

void
famset_init(famset_t *fs)
{
    famset_t empty = FAMSET_INIT;
    *fs = empty;
}

void
famset_release(famset_t *fs)
{
    free(fs->fs_fams);
    free(fs->fs_samples);
    free(fs->fs_index);
    sbuf_release(&fs->fs_str);
    famset_init(fs);
}

void
famset_reset(famset_t *fs)
{
    fs->fs_nfams = 0;
    fs->fs_nsamples = 0;
    fs->fs_oom = 0;
    sbuf_reset(&fs->fs_str);
    if (fs->fs_index != NULL)
        memset(fs->fs_index, 0, fs->fs_nindex * sizeof(*fs->fs_index));
}

int
famset_presize(famset_t *fs, size_t nfams, size_t nsamples, size_t strbytes)
{
    if (fs->fs_nfams != 0 || fs->fs_nsamples != 0) {
        errno = EINVAL;
        return -1;
    }
    int rc = 0;
    if (nfams > fs->fs_capfams) {
        family_t *f = realloc(fs->fs_fams, nfams * sizeof(*f));
        if (f != NULL) {
            fs->fs_fams = f;
            fs->fs_capfams = nfams;
        }
        rc |= f == NULL;
    }
    if (nsamples > fs->fs_capsamples) {
        fsample_t *sa = realloc(fs->fs_samples, nsamples * sizeof(*sa));
        if (sa != NULL) {
            fs->fs_samples = sa;
            fs->fs_capsamples = nsamples;
        }
        rc |= sa == NULL;
    }
    size_t want = FAMSET_INDEX_MIN;
    while (want < 2 * nfams)
        want *= 2;
    if (nfams >= FAMSET_SCAN && want > fs->fs_nindex) {
        uint32_t *ni = calloc(want, sizeof(*ni));
        if (ni != NULL) {
            free(fs->fs_index);
            fs->fs_index = ni;
            fs->fs_nindex = want;
        }
        rc |= ni == NULL;
    }
    if (strbytes > 0)
        rc |= sbuf_grow(&fs->fs_str, strbytes) != 0;
    if (rc) {
        fs->fs_str.sb_oom = 0; /* only a hint: the adds grow as they would have */
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

const char *
famset_str(const famset_t *fs, uint32_t off)
{
    return fs->fs_str.sb_buf + off;
}

int
famset_failed(const famset_t *fs)
{
    return fs->fs_oom || sbuf_failed(&fs->fs_str);
}

/* Copies s into the string pool; its offset, or -1. */
static int64_t
famset_intern(famset_t *fs, const char *s)
{
    size_t off = fs->fs_str.sb_len;
    if (off > UINT32_MAX / 2)
        return -1;
    sbuf_add(&fs->fs_str, s, strlen(s) + 1);
    if (sbuf_failed(&fs->fs_str))
        return -1;
    return (int64_t)off;
}

/* Makes room for one more element in a growable array. 0 or -1. */
static int
famset_reserve(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(*arr, ncap * elem);
    if (p == NULL)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

static int
famset_find_scan(const famset_t *fs, size_t from, const char *name, uint32_t hash)
{
    for (size_t i = from; i < fs->fs_nfams; i++)
        if (fs->fs_fams[i].fa_hash == hash &&
            strcmp(famset_fam_name(fs, &fs->fs_fams[i]), name) == 0)
            return (int)i;
    return -1;
}

static int
famset_find(const famset_t *fs, const char *name, uint32_t hash)
{
    if (fs->fs_index == NULL)
        return famset_find_scan(fs, 0, name, hash);
    size_t mask = fs->fs_nindex - 1;
    for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
        uint32_t v = fs->fs_index[slot];
        if (v == 0)
            return -1; /* every family is indexed */
        const family_t *f = &fs->fs_fams[v - 1];
        if (f->fa_hash == hash && strcmp(famset_fam_name(fs, f), name) == 0)
            return (int)v - 1;
    }
}

static void
famset_index_add(famset_t *fs, size_t idx)
{
    if (fs->fs_index == NULL)
        return;
    size_t mask = fs->fs_nindex - 1, slot = fs->fs_fams[idx].fa_hash & mask;
    while (fs->fs_index[slot] != 0)
        slot = (slot + 1) & mask;
    fs->fs_index[slot] = (uint32_t)(idx + 1);
}

/*
 * (Re)builds the index once the set has FAMSET_SCAN families: a power of
 * two of slots, at least twice the families (probes stay short however many
 * a plugin prints). Without memory for it the set is scanned.
 */
static void
famset_index_rebuild(famset_t *fs)
{
    size_t want = FAMSET_INDEX_MIN;
    if (fs->fs_index == NULL && fs->fs_nfams < FAMSET_SCAN)
        return;
    while (want < 2 * fs->fs_nfams)
        want *= 2;
    if (want > fs->fs_nindex) {
        uint32_t *ni = malloc(want * sizeof(*ni));
        free(fs->fs_index);
        fs->fs_index = ni;
        fs->fs_nindex = ni != NULL ? want : 0;
        if (ni == NULL)
            return; /* scanning still works */
    }
    memset(fs->fs_index, 0, fs->fs_nindex * sizeof(*fs->fs_index));
    for (size_t i = 0; i < fs->fs_nfams; i++)
        famset_index_add(fs, i);
}

const char *
famset_fam_name(const famset_t *fs, const family_t *f)
{
    return f->fa_sname != NULL ? f->fa_sname : famset_str(fs, f->fa_name);
}

const char *
famset_fam_help(const famset_t *fs, const family_t *f)
{
    return f->fa_shelp != NULL ? f->fa_shelp : famset_str(fs, f->fa_help);
}

/* Finds or adds a family; copies name and help unless is_static. */
static int
famset_family_add(famset_t *fs, const char *name, const char *help, metric_type_t type,
                  int is_static)
{
    uint32_t hash = famset_hash(name);
    int idx = famset_find(fs, name, hash);
    if (idx >= 0)
        return idx;
    if (help == NULL)
        help = "";
    if (fs->fs_oom ||
        famset_reserve((void **)&fs->fs_fams, &fs->fs_capfams, fs->fs_nfams, sizeof(family_t))) {
        fs->fs_oom = 1;
        errno = ENOMEM;
        return -1;
    }
    family_t f = {.fa_hash = hash, .fa_type = type};
    if (is_static) {
        f.fa_sname = name;
        f.fa_shelp = help;
    } else {
        int64_t n = famset_intern(fs, name);
        int64_t h = famset_intern(fs, help);
        if (n < 0 || h < 0) {
            fs->fs_oom = 1;
            errno = ENOMEM;
            return -1;
        }
        f.fa_name = (uint32_t)n;
        f.fa_help = (uint32_t)h;
    }
    fs->fs_fams[fs->fs_nfams++] = f;
    if (fs->fs_index == NULL ? fs->fs_nfams >= FAMSET_SCAN : 2 * fs->fs_nfams > fs->fs_nindex)
        famset_index_rebuild(fs);
    else
        famset_index_add(fs, fs->fs_nfams - 1);
    return (int)fs->fs_nfams - 1;
}

int
famset_family(famset_t *fs, const char *name, const char *help, metric_type_t type)
{
    return famset_family_add(fs, name, help, type, 0);
}

int
famset_family_static(famset_t *fs, const char *name, const char *help, metric_type_t type)
{
    return famset_family_add(fs, name, help, type, 1);
}

int
famset_sample(famset_t *fs, int fam, sample_part_t part, size_t nlabels, const char *const *lnames,
              const char *const *lvalues, mval_t v)
{
    if (fam < 0 || (size_t)fam >= fs->fs_nfams || nlabels > FAMSET_MAX_LABELS) {
        errno = EINVAL;
        return -1;
    }
    if (fs->fs_oom || famset_reserve((void **)&fs->fs_samples, &fs->fs_capsamples, fs->fs_nsamples,
                                     sizeof(fsample_t))) {
        fs->fs_oom = 1;
        errno = ENOMEM;
        return -1;
    }
    /*
     * Filled in place, and only as far as it is used: a sample has room for
     * FAMSET_MAX_LABELS labels (104 bytes) and most have none, so a whole
     * record built and copied was the biggest part of the cost. Label slots
     * past sa_nlabels are never read. It counts once its labels are in.
     */
    fsample_t *sa = &fs->fs_samples[fs->fs_nsamples];
    sa->sa_family = (uint32_t)fam;
    sa->sa_part = (uint8_t)part;
    sa->sa_nlabels = (uint8_t)nlabels;
    sa->sa_value = v;
    for (size_t i = 0; i < nlabels; i++) {
        int64_t n = famset_intern(fs, lnames[i]);
        int64_t lv = famset_intern(fs, lvalues[i]);
        if (n < 0 || lv < 0) {
            fs->fs_oom = 1;
            errno = ENOMEM;
            return -1;
        }
        sa->sa_lname[i] = (uint32_t)n;
        sa->sa_lvalue[i] = (uint32_t)lv;
    }
    fs->fs_nsamples++;
    return 0;
}

int
famset_add(famset_t *fs, const char *name, const char *help, metric_type_t type, mval_t v)
{
    int fam = famset_family(fs, name, help, type);
    if (fam < 0)
        return -1;
    return famset_sample(fs, fam, SAMPLE_PLAIN, 0, NULL, NULL, v);
}

int
famset_add1(famset_t *fs, const char *name, const char *help, metric_type_t type, const char *lname,
            const char *lvalue, mval_t v)
{
    int fam = famset_family(fs, name, help, type);
    if (fam < 0)
        return -1;
    return famset_sample(fs, fam, SAMPLE_PLAIN, 1, &lname, &lvalue, v);
}

/* A malloc'd copy of n bytes of p (NULL for 0 bytes). 0 or -1. */
static int
famset_dup(void **out, const void *p, size_t n)
{
    *out = NULL;
    if (n == 0)
        return 0;
    if ((*out = malloc(n)) == NULL)
        return -1;
    memcpy(*out, p, n);
    return 0;
}

int
famset_copy_exact(famset_t *dst, const famset_t *src)
{
    famset_release(dst);
    size_t nstr = src->fs_str.sb_len > 0 ? src->fs_str.sb_len + 1 : 0;
    if (famset_dup((void **)&dst->fs_fams, src->fs_fams, src->fs_nfams * sizeof(family_t)) ||
        famset_dup((void **)&dst->fs_samples, src->fs_samples,
                   src->fs_nsamples * sizeof(fsample_t)) ||
        famset_dup((void **)&dst->fs_str.sb_buf, src->fs_str.sb_buf, nstr)) {
        famset_release(dst);
        errno = ENOMEM;
        return -1;
    }
    dst->fs_nfams = dst->fs_capfams = src->fs_nfams;
    dst->fs_nsamples = dst->fs_capsamples = src->fs_nsamples;
    dst->fs_str.sb_len = src->fs_str.sb_len;
    dst->fs_str.sb_cap = nstr;
    return 0; /* no index: small sets scan, famset_family() makes one when needed */
}

famset_mark_t
famset_mark(const famset_t *fs)
{
    famset_mark_t m = {fs->fs_nfams, fs->fs_nsamples, fs->fs_str.sb_len};
    return m;
}

void
famset_truncate(famset_t *fs, const famset_mark_t *m)
{
    if (m->fm_nfams <= fs->fs_nfams)
        fs->fs_nfams = m->fm_nfams;
    if (m->fm_nsamples <= fs->fs_nsamples)
        fs->fs_nsamples = m->fm_nsamples;
    if (m->fm_strlen <= fs->fs_str.sb_len && fs->fs_str.sb_buf != NULL) {
        fs->fs_str.sb_len = m->fm_strlen;
        fs->fs_str.sb_buf[m->fm_strlen] = '\0';
    }
    fs->fs_oom = 0;
    fs->fs_str.sb_oom = 0;
    famset_index_rebuild(fs);
}

/* Copies one sample of src into dst family dfam. */
static int
famset_merge_sample(famset_t *dst, const famset_t *src, const fsample_t *sa, int dfam)
{
    const char *ln[FAMSET_MAX_LABELS], *lv[FAMSET_MAX_LABELS];
    for (size_t i = 0; i < sa->sa_nlabels; i++) {
        ln[i] = famset_str(src, sa->sa_lname[i]);
        lv[i] = famset_str(src, sa->sa_lvalue[i]);
    }
    return famset_sample(dst, dfam, (sample_part_t)sa->sa_part, sa->sa_nlabels, ln, lv,
                         sa->sa_value);
}

int
famset_merge_from(famset_t *dst, const famset_t *src, const famset_mark_t *m)
{
    size_t from = m != NULL ? m->fm_nsamples : 0;
    uint32_t last_src = UINT32_MAX;
    int dfam = -1;
    for (size_t i = from; i < src->fs_nsamples; i++) {
        const fsample_t *sa = &src->fs_samples[i];
        if (sa->sa_family != last_src) { /* samples of a family mostly come together */
            const family_t *f = &src->fs_fams[sa->sa_family];
            dfam = famset_family_add(dst, famset_fam_name(src, f), famset_fam_help(src, f),
                                     f->fa_type, f->fa_sname != NULL);
            if (dfam >= 0 && f->fa_meta)
                dst->fs_fams[dfam].fa_meta = 1;
            last_src = sa->sa_family;
        }
        if (dfam < 0 || famset_merge_sample(dst, src, sa, dfam) != 0)
            return -1;
    }
    return 0;
}

int
famset_merge(famset_t *dst, const famset_t *src)
{
    return famset_merge_from(dst, src, NULL);
}

void
famset_meta_timer(famset_t *fs, int fam)
{
    if (fam >= 0 && (size_t)fam < fs->fs_nfams)
        fs->fs_fams[fam].fa_meta = 1;
}

int
famset_lookup(const famset_t *fs, const char *name)
{
    return famset_find(fs, name, famset_hash(name));
}
