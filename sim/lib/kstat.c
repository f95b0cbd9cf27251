/*
 * kstat.c - libkstat(3LIB) over the simulated world.
 *
 * The protocol of the illumos library, down to its costs: kstat_open()
 * reads every kstat header; kstat_chain_update() compares the chain id and,
 * when it moved, reads every header again and merges them into the caller's
 * chain (kstat_t's of surviving kstats stay where they are, removed ones
 * are freed, new ones appended); kstat_lookup() walks the chain;
 * kstat_read() asks the "driver" (the world) for one kstat's data and gets
 * ENXIO when that kstat is gone. The world's faults apply in kstat_read().
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kstat.h"
#include "world_shm.h"

#define KSTAT_API __attribute__((visibility("default")))

/*
 * The kstat_t's of a handle come from slabs of KSTAT_SLAB_COUNT, not one
 * malloc each (110,000 headers at 10,000 zones: malloc's 16 bytes of
 * bookkeeping each were 1.7 MB). A removed kstat's kstat_t goes on the
 * handle's free list for the next new one; the slabs are freed with the
 * handle. Our handle: the caller sees the kstat_ctl_t, which comes first.
 */
#define KSTAT_SLAB_COUNT 512

typedef struct kstat_slab {
    struct kstat_slab *ksl_next;
    kstat_t ksl_kstats[KSTAT_SLAB_COUNT];
} kstat_slab_t;

typedef struct kstat_handle {
    kstat_ctl_t kh_kc;
    world_t *kh_world;
    kstat_slab_t *kh_slabs; /* newest first */
    uint_t kh_slab_used;    /* kstat_t's of kh_slabs handed out */
    kstat_t *kh_free;       /* released kstat_t's, linked by ks_next */
    kid_t kh_last_kid;      /* the highest KID the chain has had */
} kstat_handle_t;

static kstat_handle_t *
kstat_handle(kstat_ctl_t *kc)
{
    return (kstat_handle_t *)kc;
}

static world_t *
kstat_world(kstat_ctl_t *kc)
{
    return kstat_handle(kc)->kh_world;
}

/* A kstat_t for a new kstat (contents undefined), or NULL. */
static kstat_t *
kstat_hdr_alloc(kstat_handle_t *kh)
{
    kstat_t *ksp = kh->kh_free;

    if (ksp != NULL) {
        kh->kh_free = ksp->ks_next;
        return ksp;
    }
    if (kh->kh_slabs == NULL || kh->kh_slab_used == KSTAT_SLAB_COUNT) {
        kstat_slab_t *slab = malloc(sizeof(*slab));
        if (slab == NULL)
            return NULL;
        slab->ksl_next = kh->kh_slabs;
        kh->kh_slabs = slab;
        kh->kh_slab_used = 0;
    }
    return &kh->kh_slabs->ksl_kstats[kh->kh_slab_used++];
}

/* Gives back a kstat_t no longer in the chain, and its data. */
static void
kstat_hdr_release(kstat_handle_t *kh, kstat_t *ksp)
{
    free(ksp->ks_data);
    ksp->ks_data = NULL;
    ksp->ks_next = kh->kh_free;
    kh->kh_free = ksp;
}

static void
kstat_free_chain(kstat_ctl_t *kc)
{
    kstat_handle_t *kh = kstat_handle(kc);

    for (kstat_t *ksp = kc->kc_chain; ksp != NULL; ksp = ksp->ks_next)
        free(ksp->ks_data);
    kc->kc_chain = NULL;
    while (kh->kh_slabs != NULL) {
        kstat_slab_t *next = kh->kh_slabs->ksl_next;
        free(kh->kh_slabs);
        kh->kh_slabs = next;
    }
    kh->kh_free = NULL;
}

/*
 * kstat_open() can only set errno, where a world that cannot be opened has
 * a cause worth naming (no such file, not a world, another layout version,
 * truncated). So the fake kernel also prints it on stderr, as "libkstat:
 * world PATH: CAUSE", once for each new cause: a program that retries
 * kstat_open() every second does not fill its log with the same line. The
 * line last printed is therefore kept: a mutable global, under its lock.
 */
static char kstat_last_report[512];
static pthread_mutex_t kstat_report_lock = PTHREAD_MUTEX_INITIALIZER;

static void
kstat_report_open_error(const char *msg)
{
    pthread_mutex_lock(&kstat_report_lock);
    if (strcmp(msg, kstat_last_report) != 0) {
        snprintf(kstat_last_report, sizeof(kstat_last_report), "%s", msg);
        fprintf(stderr, "libkstat: %s\n", msg);
    }
    pthread_mutex_unlock(&kstat_report_lock);
}

KSTAT_API kstat_ctl_t *
kstat_open(void)
{
    kstat_handle_t *kh = calloc(1, sizeof(*kh));
    char why[512];
    int saved;

    if (kh == NULL)
        return NULL;
    if ((kh->kh_world = world_open(NULL, why, sizeof(why))) == NULL) {
        saved = errno;
        free(kh);
        kstat_report_open_error(why);
        errno = saved;
        return NULL;
    }
    kh->kh_kc.kc_kd = kh->kh_world->w_fd;
    if (kstat_chain_update(&kh->kh_kc) == -1) {
        saved = errno;
        kstat_close(&kh->kh_kc);
        errno = saved;
        return NULL;
    }
    return &kh->kh_kc;
}

KSTAT_API int
kstat_close(kstat_ctl_t *kc)
{
    if (kc == NULL) {
        errno = EINVAL;
        return -1;
    }
    kstat_free_chain(kc);
    world_close(kstat_world(kc));
    free(kc);
    return 0;
}

/*
 * kstat_chain_update(), as illumos: read every header, then merge them into
 * the caller's chain. Both lists ascend by KID, and a new kstat always has a
 * higher KID than every old one, so a header whose KID is above the chain's
 * last is new and the rest can only be old ones that survive. The headers
 * are not copied into one array first (at 10,000 zones that was a second,
 * 21 MB copy of the chain, the agent's peak): during the walk a new
 * kstat's header goes straight into its own kstat_t (kw_new, kept across a
 * torn try for the next), a surviving one leaves its (KID, slot) only; once
 * the walk held, one pass drops the old kstats that are gone and the new
 * ones are appended.
 */
typedef struct kstat_kept {
    kid_t kk_kid;
    int kk_slot;
} kstat_kept_t;

typedef struct kstat_walk {
    kstat_handle_t *kw_kh;
    kid_t kw_last_kid;     /* the chain's last KID before the update */
    kid_t kw_new_kid;      /* the highest new KID of this try */
    kstat_kept_t *kw_kept; /* surviving kstats in chain order */
    uint32_t kw_nkept;
    uint32_t kw_cap;       /* room in kw_kept */
    kstat_t *kw_new;       /* the new kstats, linked by ks_next */
    kstat_t **kw_new_next; /* where the next new one goes */
    int32_t kw_id;         /* the chain id of the walk that held */
} kstat_walk_t;

static int
kstat_walk_begin(void *ctx, uint32_t max_kstats)
{
    kstat_walk_t *kw = ctx;

    (void)max_kstats; /* the walk stops there itself; kw_kept grows as needed */
    kw->kw_nkept = 0;
    kw->kw_new_kid = kw->kw_last_kid;
    kw->kw_new_next = &kw->kw_new;
    return 0;
}

/* Room for one more surviving kstat (none is needed when kstat_open() reads the chain). */
static int
kstat_walk_keep(kstat_walk_t *kw, const kstat_t *hdr)
{
    if (kw->kw_nkept == kw->kw_cap) {
        uint32_t cap = kw->kw_cap > 0 ? 2 * kw->kw_cap : 4096;
        kstat_kept_t *bigger = realloc(kw->kw_kept, (size_t)cap * sizeof(*bigger));
        if (bigger == NULL)
            return ENOMEM;
        kw->kw_kept = bigger;
        kw->kw_cap = cap;
    }
    kw->kw_kept[kw->kw_nkept].kk_kid = hdr->ks_kid;
    kw->kw_kept[kw->kw_nkept++].kk_slot = (int)(intptr_t)hdr->ks_private;
    return 0;
}

static int
kstat_walk_header(void *ctx, const kstat_t *hdr)
{
    kstat_walk_t *kw = ctx;
    kstat_t *ksp, *next;

    if (hdr->ks_kid <= kw->kw_last_kid)
        return kstat_walk_keep(kw, hdr);
    if ((ksp = *kw->kw_new_next) == NULL) {
        if ((ksp = kstat_hdr_alloc(kw->kw_kh)) == NULL)
            return ENOMEM;
        ksp->ks_next = NULL;
        *kw->kw_new_next = ksp;
    }
    kw->kw_new_kid = hdr->ks_kid;
    next = ksp->ks_next;
    *ksp = *hdr;
    ksp->ks_next = next;
    kw->kw_new_next = &ksp->ks_next;
    return 0;
}

/* Gives back the new kstat_t's from *from on (all when the walk failed). */
static void
kstat_walk_release(kstat_walk_t *kw, kstat_t **from)
{
    kstat_t *ksp = *from;

    *from = NULL;
    while (ksp != NULL) {
        kstat_t *next = ksp->ks_next;
        kstat_hdr_release(kw->kw_kh, ksp);
        ksp = next;
    }
}

/*
 * The merge: an old kstat stays when the walk kept its KID (its slot
 * refreshed), else it is gone; a kept KID the chain does not have cannot
 * happen (KIDs are never reused) and is skipped. Then the new ones.
 */
static void
kstat_walk_merge(kstat_walk_t *kw)
{
    kstat_ctl_t *kc = &kw->kw_kh->kh_kc;
    kstat_t **okspp = &kc->kc_chain, *oksp = kc->kc_chain;
    uint32_t i = 0;

    while (oksp != NULL) {
        kstat_t *next = oksp->ks_next;
        while (i < kw->kw_nkept && kw->kw_kept[i].kk_kid < oksp->ks_kid)
            i++;
        if (i < kw->kw_nkept && kw->kw_kept[i].kk_kid == oksp->ks_kid) {
            oksp->ks_private = (void *)(intptr_t)kw->kw_kept[i++].kk_slot;
            okspp = &oksp->ks_next;
        } else {
            *okspp = next;
            kstat_hdr_release(kw->kw_kh, oksp);
        }
        oksp = next;
    }
    *okspp = kw->kw_new;
}

/*
 * The part of an update that reads the world, under world_guarded(): 1 when
 * the chain id did not move, 0 when the walk held (kw_id set), -1 with errno.
 * What it allocates hangs off kw, so a damaged world that ends it midway
 * leaks nothing: the caller releases kw either way.
 */
static int
kstat_update_walk(const world_t *w, void *arg)
{
    kstat_walk_t *kw = arg;
    wread_chain_visitor_t v = {kstat_walk_begin, kstat_walk_header, kw};

    if (world_chain_id(w) == kw->kw_kh->kh_kc.kc_chain_id)
        return 1;
    return wread_chain_walk(w, &v, &kw->kw_id) < 0 ? -1 : 0;
}

/* A damaged world (world_guarded) fails the update with EIO, a stuck one with EAGAIN. */
KSTAT_API kid_t
kstat_chain_update(kstat_ctl_t *kc)
{
    kstat_walk_t kw = {0};
    int saved, rc;

    if (kc == NULL) {
        errno = EINVAL;
        return -1;
    }
    kw.kw_kh = kstat_handle(kc);
    kw.kw_last_kid = kw.kw_kh->kh_last_kid;
    kw.kw_new_next = &kw.kw_new;
    if ((rc = world_guarded(kstat_world(kc), kstat_update_walk, &kw)) == 1)
        return 0;
    if (rc < 0) {
        saved = errno;
        kstat_walk_release(&kw, &kw.kw_new);
        free(kw.kw_kept);
        errno = saved;
        return -1;
    }
    kstat_walk_release(&kw, kw.kw_new_next); /* a longer torn try's leftovers */
    kstat_walk_merge(&kw);
    kw.kw_kh->kh_last_kid = kw.kw_new_kid;
    free(kw.kw_kept);
    kc->kc_chain_id = kw.kw_id;
    return kw.kw_id;
}

KSTAT_API kstat_t *
kstat_lookup(kstat_ctl_t *kc, const char *ks_module, int ks_instance, const char *ks_name)
{
    if (kc == NULL) {
        errno = EINVAL;
        return NULL;
    }
    for (kstat_t *ksp = kc->kc_chain; ksp != NULL; ksp = ksp->ks_next) {
        if ((ks_module == NULL || strcmp(ksp->ks_module, ks_module) == 0) &&
            (ks_instance == -1 || ksp->ks_instance == ks_instance) &&
            (ks_name == NULL || strcmp(ksp->ks_name, ks_name) == 0))
            return ksp;
    }
    errno = ENOENT;
    return NULL;
}

/* A fault's latency, as a driver slow to update its kstat: under
 * KSTAT_SPIN_MAX_US the reading thread is held on the CPU until the time
 * has passed (a sleep that short is the scheduler's timer slack, ~50 µs,
 * plus a reschedule: a 1 µs fault would cost 50 and more), longer ones
 * sleep. The clock is read by the system call, not through libc: under
 * libfaketime (scenarios) the library's clocks may stand still. */
#define KSTAT_SPIN_MAX_US 1000

static uint64_t
kstat_raw_now_ns(void)
{
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
kstat_delay(uint32_t latency_us)
{
    if (latency_us < KSTAT_SPIN_MAX_US) {
        uint64_t end = kstat_raw_now_ns() + (uint64_t)latency_us * 1000u;
        while (kstat_raw_now_ns() < end)
            ;
        return;
    }
    struct timespec ts = {latency_us / 1000000, (long)(latency_us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The "driver" side of a read: faults first, then the data into ks_data. */
static int
kstat_fetch(world_t *w, kstat_t *ksp, int slot)
{
    uint32_t latency_us = 0;
    int64_t snap;
    int err;

    err = wread_fault(w, &w->w_kslots[slot], &latency_us);
    if (latency_us > 0)
        kstat_delay(latency_us);
    if (err != 0)
        return err;
    if (ksp->ks_data == NULL) {
        if ((ksp->ks_data = malloc(ksp->ks_data_size)) == NULL)
            return ENOMEM;
    }
    err = wread_kstat(w, slot, ksp->ks_kid, ksp->ks_data, ksp->ks_data_size, &snap);
    if (err == 0)
        ksp->ks_snaptime = snap;
    return err;
}

/* kstat_read's world part, under world_guarded(): the chain id, or -1 with errno. */
static int
kstat_read_world(const world_t *w, void *arg)
{
    kstat_t *ksp = arg;
    intptr_t slot = (intptr_t)ksp->ks_private;
    int err;

    if (slot < 0 || (uint64_t)slot >= w->w_kstat_slots) {
        errno = ENXIO;
        return -1;
    }
    if ((err = kstat_fetch((world_t *)w, ksp, (int)slot)) != 0) {
        errno = err;
        return -1;
    }
    return world_chain_id(w);
}

/* A damaged world (world_guarded) fails the read with EIO, a stuck one with EAGAIN. */
KSTAT_API kid_t
kstat_read(kstat_ctl_t *kc, kstat_t *ksp, void *buf)
{
    kid_t id;

    if (kc == NULL || ksp == NULL) {
        errno = EINVAL;
        return -1;
    }
    if ((id = world_guarded(kstat_world(kc), kstat_read_world, ksp)) == -1)
        return -1;
    if (buf != NULL)
        memcpy(buf, ksp->ks_data, ksp->ks_data_size);
    return id;
}

KSTAT_API kid_t
kstat_write(kstat_ctl_t *kc, kstat_t *ksp, void *buf)
{
    (void)kc;
    (void)ksp;
    (void)buf;
    errno = EACCES;
    return -1;
}

KSTAT_API void *
kstat_data_lookup(kstat_t *ksp, const char *name)
{
    size_t size;
    char *datap;

    if (ksp == NULL || name == NULL) {
        errno = EINVAL;
        return NULL;
    }
    switch (ksp->ks_type) {
    case KSTAT_TYPE_NAMED:
        size = sizeof(kstat_named_t);
        break;
    case KSTAT_TYPE_TIMER:
        size = sizeof(kstat_timer_t);
        break;
    default:
        errno = EINVAL;
        return NULL;
    }
    datap = ksp->ks_data;
    for (uint_t i = 0; datap != NULL && i < ksp->ks_ndata; i++, datap += size) {
        /* both records begin with their name */
        if (strncmp(name, datap, KSTAT_STRLEN) == 0)
            return datap;
    }
    errno = ENOENT;
    return NULL;
}
