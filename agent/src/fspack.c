/* fspack - a famset in one block: families, samples, strings back to back. */
#include "fspack.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fspack {
    uint32_t fp_nfams, fp_nsamples;
    uint64_t fp_strlen;
    family_t fp_fams[]; /* fp_nfams, then fp_nsamples fsample_t, then the strings */
};

static fsample_t *
fspack_samples(const fspack_t *p)
{
    return (fsample_t *)(uintptr_t)(p->fp_fams + p->fp_nfams);
}

static char *
fspack_str(const fspack_t *p)
{
    return (char *)(fspack_samples(p) + p->fp_nsamples);
}

static size_t
fspack_size(size_t nfams, size_t nsamples, size_t nstr)
{
    return sizeof(fspack_t) + nfams * sizeof(family_t) + nsamples * sizeof(fsample_t) + nstr + 1;
}

fspack_t *
fspack_new(const famset_t *fs)
{
    size_t nstr = fs->fs_str.sb_buf != NULL ? fs->fs_str.sb_len : 0;
    fspack_t *p = malloc(fspack_size(fs->fs_nfams, fs->fs_nsamples, nstr));
    if (p == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    p->fp_nfams = (uint32_t)fs->fs_nfams;
    p->fp_nsamples = (uint32_t)fs->fs_nsamples;
    p->fp_strlen = nstr;
    if (fs->fs_nfams > 0)
        memcpy(p->fp_fams, fs->fs_fams, fs->fs_nfams * sizeof(family_t));
    if (fs->fs_nsamples > 0)
        memcpy(fspack_samples(p), fs->fs_samples, fs->fs_nsamples * sizeof(fsample_t));
    if (nstr > 0)
        memcpy(fspack_str(p), fs->fs_str.sb_buf, nstr);
    fspack_str(p)[nstr] = '\0';
    return p;
}

famset_t
fspack_view(const fspack_t *p)
{
    famset_t fs = FAMSET_INIT;
    fs.fs_fams = (family_t *)(uintptr_t)p->fp_fams;
    fs.fs_nfams = fs.fs_capfams = p->fp_nfams;
    fs.fs_samples = fspack_samples(p);
    fs.fs_nsamples = fs.fs_capsamples = p->fp_nsamples;
    fs.fs_str.sb_buf = fspack_str(p);
    fs.fs_str.sb_len = p->fp_strlen;
    fs.fs_str.sb_cap = p->fp_strlen + 1;
    return fs;
}

size_t
fspack_bytes(const fspack_t *p)
{
    return fspack_size(p->fp_nfams, p->fp_nsamples, p->fp_strlen);
}
