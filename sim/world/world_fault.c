/*
 * world_fault.c - faults: set by the writer, stored in the world, obeyed by
 * every reader's kstat_read(). Each matching fault adds its latency; the
 * first whose dice roll hits gives its errno. A vanish fault makes a zone's
 * kstats read ENXIO and hides the zone from the zone calls while the chain
 * still lists it: the zone went away between lookup and read.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "world_shm.h"

/* Per-thread dice: faults are drawn in the reader, which must not write the world. */
static _Thread_local uint64_t wfault_rng;

static double
wfault_roll(const world_t *w)
{
    if (wfault_rng == 0)
        wfault_rng = wrng_mix(w->w_hdr->wh_seed ^ ((uint64_t)getpid() << 20) ^
                              (uint64_t)(uintptr_t)&wfault_rng) |
                     1;
    wfault_rng = wrng_mix(wfault_rng);
    return (double)(wfault_rng >> 11) / 9007199254740992.0;
}

int
world_fault_set(world_t *w, const world_fault_t *f)
{
    wshm_hdr_t *h;

    if (w == NULL || !w->w_writer) {
        errno = EPERM;
        return -1;
    }
    h = w->w_hdr;
    if (f == NULL || !(f->wf_rate >= 0 && f->wf_rate <= 1) ||
        (f->wf_error != 0 && f->wf_error != ENXIO && f->wf_error != EAGAIN && f->wf_error != EIO) ||
        f->wf_zix < -1 || f->wf_zix >= (int)h->wh_zone_slots ||
        memchr(f->wf_module, '\0', sizeof(f->wf_module)) == NULL || f->wf_latency_us > 10000000) {
        errno = EINVAL;
        return -1;
    }
    if (h->wh_nfaults >= WORLD_FAULTS_MAX) {
        errno = ENOSPC;
        return -1;
    }
    wseq_write_begin(&h->wh_fault_seq);
    h->wh_faults[h->wh_nfaults] = *f;
    h->wh_nfaults++;
    wseq_write_end(&h->wh_fault_seq);
    return (int)h->wh_nfaults - 1;
}

void
world_fault_clear(world_t *w)
{
    if (w == NULL || !w->w_writer)
        return;
    wseq_write_begin(&w->w_hdr->wh_fault_seq);
    w->w_hdr->wh_nfaults = 0;
    wseq_write_end(&w->w_hdr->wh_fault_seq);
}

/* A consistent copy of the fault table; the count. */
static uint32_t
wfault_copy(const world_t *w, world_fault_t *out)
{
    const wshm_hdr_t *h = w->w_hdr;
    uint32_t s, n;

    do {
        s = wseq_read_begin(w, &h->wh_fault_seq);
        n = h->wh_nfaults;
        if (n > WORLD_FAULTS_MAX)
            n = WORLD_FAULTS_MAX;
        memcpy(out, h->wh_faults, n * sizeof(*out));
    } while (wseq_read_retry(&h->wh_fault_seq, s));
    return n;
}

int
wread_fault(const world_t *w, const wshm_kslot_t *ks, uint32_t *latency_us)
{
    world_fault_t f[WORLD_FAULTS_MAX];
    uint32_t n;
    int err = 0;

    if (*(volatile const uint32_t *)&w->w_hdr->wh_nfaults == 0)
        return 0;
    n = wfault_copy(w, f);
    for (uint32_t i = 0; i < n; i++) {
        if ((f[i].wf_module[0] != '\0' && strcmp(f[i].wf_module, ks->wk_module) != 0) ||
            (f[i].wf_zix >= 0 && f[i].wf_zix != ks->wk_zix))
            continue;
        *latency_us += f[i].wf_latency_us;
        if (err == 0 && f[i].wf_vanish && f[i].wf_zix >= 0)
            err = ENXIO;
        if (err == 0 && f[i].wf_error != 0 && wfault_roll(w) < f[i].wf_rate)
            err = f[i].wf_error;
    }
    return err;
}

int
wread_zone_vanished(const world_t *w, int zix)
{
    world_fault_t f[WORLD_FAULTS_MAX];
    uint32_t n;

    if (*(volatile const uint32_t *)&w->w_hdr->wh_nfaults == 0)
        return 0;
    n = wfault_copy(w, f);
    for (uint32_t i = 0; i < n; i++)
        if (f[i].wf_vanish && f[i].wf_zix == zix)
            return 1;
    return 0;
}
