/*
 * fspack - a famset packed into one block of records:
 *   header, then per run of samples of one family a prun_t followed by its
 *   samples (psample_t, then the sample's label offsets), then the strings.
 * A sample takes 16 bytes plus 8 per label (56 in a famset); a family run
 * 24. Names and HELP of static families stay pointers to the static tables.
 */
#include "fspack.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct prun {
    const char *pr_name, *pr_help; /* static, or into the pack's strings */
    uint32_t pr_nsamples;
    uint8_t pr_type; /* metric_type_t */
    uint8_t pr_static;
} prun_t;

typedef struct psample {
    uint8_t ps_part, ps_nlabels, ps_kind, ps_exp;
    uint64_t ps_value; /* the mval's union bits */
    /* then ps_nlabels pairs of uint32_t string offsets (name, value) */
} psample_t;

struct fspack {
    uint32_t fp_nruns;
    uint32_t fp_strlen;
    size_t fp_bytes; /* the whole block */
    char *fp_str;    /* the strings, at the end of the block */
    /* then the records */
};

static size_t
fspack_sample_bytes(const fsample_t *sa)
{
    return sizeof(psample_t) + 2 * sizeof(uint32_t) * sa->sa_nlabels;
}

/* Records' size, and the number of runs. */
static size_t
fspack_measure(const famset_t *fs, uint32_t *nruns)
{
    size_t n = 0;
    uint32_t last = UINT32_MAX;
    *nruns = 0;
    for (size_t i = 0; i < fs->fs_nsamples; i++) {
        const fsample_t *sa = &fs->fs_samples[i];
        if (sa->sa_family != last) {
            n += sizeof(prun_t);
            (*nruns)++;
            last = sa->sa_family;
        }
        n += fspack_sample_bytes(sa);
    }
    return n;
}

/* Writes one sample record at w; returns the end. */
static char *
fspack_put_sample(char *w, const fsample_t *sa)
{
    psample_t ps = {sa->sa_part, sa->sa_nlabels, (uint8_t)sa->sa_value.mv_kind,
                    (uint8_t)sa->sa_value.mv_exp, 0};
    memcpy(&ps.ps_value, &sa->sa_value.mv, sizeof(ps.ps_value));
    memcpy(w, &ps, sizeof(ps));
    w += sizeof(ps);
    for (size_t l = 0; l < sa->sa_nlabels; l++) {
        uint32_t off[2] = {sa->sa_lname[l], sa->sa_lvalue[l]};
        memcpy(w, off, sizeof(off));
        w += sizeof(off);
    }
    return w;
}

/* Writes the records of fs at w; str is where the pack's strings are. */
static void
fspack_put(char *w, const famset_t *fs, const char *str)
{
    prun_t *run = NULL;
    uint32_t last = UINT32_MAX;
    for (size_t i = 0; i < fs->fs_nsamples; i++) {
        const fsample_t *sa = &fs->fs_samples[i];
        if (sa->sa_family != last) {
            const family_t *f = &fs->fs_fams[sa->sa_family];
            run = (prun_t *)(void *)w;
            run->pr_static = f->fa_sname != NULL;
            run->pr_name = f->fa_sname != NULL ? f->fa_sname : str + f->fa_name;
            run->pr_help = f->fa_sname != NULL ? famset_fam_help(fs, f) : str + f->fa_help;
            run->pr_type = (uint8_t)f->fa_type;
            run->pr_nsamples = 0;
            w += sizeof(prun_t);
            last = sa->sa_family;
        }
        run->pr_nsamples++;
        w = fspack_put_sample(w, sa);
    }
}

fspack_t *
fspack_new(const famset_t *fs)
{
    size_t nstr = fs->fs_str.sb_buf != NULL ? fs->fs_str.sb_len : 0;
    uint32_t nruns;
    size_t nrec = fspack_measure(fs, &nruns);
    size_t bytes = sizeof(fspack_t) + nrec + nstr + 1;
    fspack_t *p = malloc(bytes);
    if (p == NULL || nstr > UINT32_MAX) {
        free(p);
        errno = ENOMEM;
        return NULL;
    }
    p->fp_nruns = nruns;
    p->fp_strlen = (uint32_t)nstr;
    p->fp_bytes = bytes;
    p->fp_str = (char *)(p + 1) + nrec;
    if (nstr > 0)
        memcpy(p->fp_str, fs->fs_str.sb_buf, nstr);
    p->fp_str[nstr] = '\0';
    fspack_put((char *)(p + 1), fs, p->fp_str);
    return p;
}

/* Adds the sample at r to family fam of out; returns the next record or NULL. */
static const char *
fspack_get_sample(const fspack_t *p, const char *r, famset_t *out, int fam)
{
    psample_t ps;
    memcpy(&ps, r, sizeof(ps));
    r += sizeof(ps);
    const char *ln[FAMSET_MAX_LABELS], *lv[FAMSET_MAX_LABELS];
    for (size_t l = 0; l < ps.ps_nlabels && l < FAMSET_MAX_LABELS; l++) {
        uint32_t off[2];
        memcpy(off, r, sizeof(off));
        r += sizeof(off);
        ln[l] = p->fp_str + off[0];
        lv[l] = p->fp_str + off[1];
    }
    mval_t v = {(mval_kind_t)ps.ps_kind, ps.ps_exp, {0}};
    memcpy(&v.mv, &ps.ps_value, sizeof(ps.ps_value));
    if (famset_sample(out, fam, (sample_part_t)ps.ps_part, ps.ps_nlabels, ln, lv, v) != 0)
        return NULL;
    return r;
}

int
fspack_merge(famset_t *out, const fspack_t *p)
{
    const char *r = (const char *)(p + 1);
    for (uint32_t i = 0; i < p->fp_nruns; i++) {
        const prun_t *run = (const prun_t *)(const void *)r;
        r += sizeof(prun_t);
        metric_type_t type = (metric_type_t)run->pr_type;
        int fam = run->pr_static ? famset_family_static(out, run->pr_name, run->pr_help, type)
                                 : famset_family(out, run->pr_name, run->pr_help, type);
        if (fam < 0)
            return -1;
        for (uint32_t s = 0; s < run->pr_nsamples; s++)
            if ((r = fspack_get_sample(p, r, out, fam)) == NULL)
                return -1;
    }
    return 0;
}

size_t
fspack_bytes(const fspack_t *p)
{
    return p->fp_bytes;
}
